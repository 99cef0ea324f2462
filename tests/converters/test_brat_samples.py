"""Every shared BRAT sample reads, matches its .txt, and survives brat -> brat unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from converters import brat
from converters.document import Document

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> Path:
    return shared_data / "brat-samples"


@pytest.fixture(scope="module")
def documents(samples: Path) -> list[Document]:
    return brat.read_corpus(samples)


def _ann_lines(path: Path) -> list[str]:
    """Non-blank lines without trailing whitespace: what a lossless writer must reproduce."""
    if not path.exists():
        return []
    return [line.rstrip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def test_reads_every_pair_with_all_line_kinds(samples: Path, documents: list[Document]) -> None:
    anns = sorted(samples.rglob("*.ann"))
    assert len(anns) == 172 + 161
    by_id = {d.id: d for d in documents}
    for ann in anns:
        assert ann.relative_to(samples).with_suffix("").as_posix() in by_id
    # line-type counts from shared/data/SOURCES.md (brat-example-data + quaero)
    assert sum(len(d.entities) for d in documents) == 9664 + 3166
    assert sum(len(d.relations) for d in documents) == 5786
    assert sum(len(d.events) for d in documents) == 700
    kinds = Counter(a.id[0] for d in documents for a in d.attributes)
    assert kinds == {"A": 3752, "M": 50}
    assert sum(len(d.notes) for d in documents) == 1173 + 3166
    assert sum(len(d.groups) for d in documents) == 92
    assert sum(len(d.normalizations) for d in documents) == 1
    quaero = [d for d in documents if d.id.startswith("quaero")]
    assert sum(e.is_discontinuous for d in quaero for e in d.entities) == 40
    empty = [a for a in anns if a.stat().st_size == 0]
    assert len(empty) == 19
    for ann in empty:
        doc = by_id[ann.relative_to(samples).with_suffix("").as_posix()]
        assert doc.annotation_ids() == set() and doc.groups == []


def test_every_t_text_equals_the_txt_slice(samples: Path, documents: list[Document]) -> None:
    """Independent of the reader's own check: split each T line by hand and compare."""
    checked = 0
    for doc in documents:
        ann = samples / f"{doc.id}.ann"
        entities = {e.id: e for e in doc.entities}
        for line in _ann_lines(ann):
            if line.startswith("T"):
                ann_id, _, text = line.split("\t", 2)
                assert doc.span_text(entities[ann_id]).rstrip() == text, f"{ann}: {ann_id}"
                checked += 1
    assert checked == 12830


def test_brat_to_brat_round_trip_is_lossless(
    samples: Path, documents: list[Document], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    problems = brat.write_corpus(documents, out)
    assert problems == []
    again = brat.read_corpus(out)
    assert [d.id for d in again] == [d.id for d in documents]
    for before, after in zip(documents, again, strict=True):
        assert after == before, before.id  # every annotation, ids included
        assert (out / f"{before.id}.txt").read_bytes() == (
            samples / f"{before.id}.txt"
        ).read_bytes()
        # same lines in the same order, up to the trailing whitespace brat leaves behind
        assert _ann_lines(out / f"{before.id}.ann") == _ann_lines(samples / f"{before.id}.ann")
    # the written .ann re-read through parse_ann gives the same document again
    for doc in documents[:50]:
        text = (out / f"{doc.id}.txt").read_bytes().decode("utf-8")
        assert brat.parse_ann(text, brat.format_ann(doc), doc.id) == doc


def test_output_is_deterministic(samples: Path, documents: list[Document], tmp_path: Path) -> None:
    """Other processes, with other string hashes (so another iteration order of any set of
    strings), write the same bytes: two writes in this process could only differ by chance."""
    brat.write_corpus(documents, tmp_path / "here")
    write = "import sys; from converters import brat; "
    write += "brat.write_corpus(brat.read_corpus(sys.argv[1]), sys.argv[2])"
    for seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", write, str(samples), str(tmp_path / seed)],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
    for doc in documents:
        for ext in (".txt", ".ann"):
            here = (tmp_path / "here" / f"{doc.id}{ext}").read_bytes()
            for seed in ("1", "2"):
                assert (tmp_path / seed / f"{doc.id}{ext}").read_bytes() == here, (doc.id, seed)


def test_validate_finds_nothing_in_the_samples(samples: Path) -> None:
    assert brat.validate(samples) == []


def test_discontinuous_quaero_entity(documents: list[Document]) -> None:
    doc = next(d for d in documents if any(e.is_discontinuous for e in d.entities))
    ent = next(e for e in doc.entities if e.is_discontinuous)
    line = next(
        line for line in brat.format_ann(doc).splitlines() if line.startswith(ent.id + "\t")
    )
    spans = ";".join(f"{s} {e}" for s, e in ent.fragments)
    assert line == f"{ent.id}\t{ent.type} {spans}\t{doc.span_text(ent)}"
