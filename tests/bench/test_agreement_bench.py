"""bench/agreement.py stays runnable and measures what it says: in a small mode (a few CoNLL04
documents) the end-to-end part imports them into a SQLite store, builds the report the page
and the CLI show, and times each part."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import converters
from tests.bench_modules import load_bench

bench = load_bench("agreement")


def test_end_to_end_on_a_few_documents(shared_data: Path, tmp_path: Path) -> None:
    corpus = shared_data / "conll04" / "conll04_train_dev.json"
    documents = converters.read("spert", corpus)[:20]
    schema = converters.read_schema("spert", corpus.with_name("conll04_types.json"))
    three = bench.layers(documents)
    e2e = bench.end_to_end(documents, three, schema, 1, tmp_path, profile=5)
    report = e2e.report
    assert report.annotators == ["b", "c", "gold"]
    assert report.layers == {"b": 20, "c": 20, "gold": 20}
    assert len(report.curated) == 20 and report.not_curated == []  # imported as done
    assert report.between is not None and len(report.between.pairs) == 3
    # the curated documents hold CoNLL04's own annotations: gold agrees with them exactly
    against = report.against_curated
    assert against is not None
    gold = next(p for p in against.pairs if p.b == "gold")
    assert gold.entities.overall.f1 == 1.0
    assert "Agreement in project" in e2e.text and "<table" in e2e.html
    assert set(e2e.parts) == {
        "Store.agreement_report",
        "render_text (CLI)",
        "agreement_html (page)",
    }
    assert all(0 < best <= median for best, median in e2e.parts.values())
    assert "function calls" in e2e.profile
    assert set(e2e.imports) == {"documents (curated, done)", "layer gold", "layer b", "layer c"}


def test_main_prints_both_figures(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    argv = ["agreement.py", str(shared_data), "--documents", "20", "--repeat", "1"]
    monkeypatch.setattr(sys, "argv", argv)
    bench.main()
    out = capsys.readouterr().out
    assert "agreement(): " in out
    for part in ("Store.agreement_report", "render_text (CLI)", "agreement_html (page)"):
        assert part in out
    assert "CLI: report + render_text" in out and "page: report + agreement_html" in out
