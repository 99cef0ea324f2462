"""bench/curation.py stays runnable and measures what it says: its perturbation changes the
share of entities it names (and only those), and one measurement runs end to end on a small
shared document."""

from __future__ import annotations

from pathlib import Path

import converters
from converters.document import Document
from tests.bench_modules import load_bench

bench = load_bench("curation")
CORPORA = "brat-samples/brat-example-data/corpora"


def smallest(shared_data: Path, corpus: str, at_least: int) -> Document:
    """The document of ``corpus`` with fewest entities among those with ``at_least``."""
    docs = converters.read("brat", shared_data / CORPORA / corpus)
    return min((d for d in docs if len(d.entities) >= at_least), key=lambda d: len(d.entities))


def changes(doc: Document, copy: Document) -> tuple[set[str], list[str], list[str]]:
    """The entities ``copy`` dropped, retyped and gave another extent."""
    kept = {e.id: e for e in copy.entities}
    retyped = [e.id for e in doc.entities if e.id in kept and kept[e.id].type != e.type]
    moved = [e.id for e in doc.entities if e.id in kept and kept[e.id].fragments != e.fragments]
    return {e.id for e in doc.entities} - set(kept), retyped, moved


def test_perturb_changes_the_share_it_names(shared_data: Path) -> None:
    # Spanish CoNLL 2002: names of several words, with room around them
    doc = smallest(shared_data, "CoNLL-ST_2002/esp", 40)
    k = round(bench.SHARE * len(doc.entities))
    copy = bench.perturb(doc, bench.SHARE, 1)
    assert bench.layers_of(doc)["ann"].entities == copy.entities  # the same seed, the same copy
    dropped, retyped, moved = changes(doc, copy)
    assert len(dropped) == len(retyped) == k and 0 < len(moved) <= k
    assert not dropped & set(retyped) and not set(retyped) & set(moved)
    assert copy.problems() == []

    # Portuguese CoNLL 2006: an entity on every token, relations between them
    dense = smallest(shared_data, "CoNLL-ST_2006", 100)
    copy = bench.perturb(dense, bench.SHARE, 2)
    dropped, retyped, moved = changes(dense, copy)
    assert dropped and moved == []  # no token is free to extend over, none has two words
    assert [r.id for r in copy.relations] == [
        r.id for r in dense.relations if not {r.arg1, r.arg2} & dropped
    ]  # a dropped entity's relations go with it
    assert copy.problems() == []


def test_one_measurement_end_to_end(shared_data: Path, tmp_path: Path, capsys) -> None:
    doc = smallest(shared_data, "CoNLL-ST_2006", 100)
    bench.measure("CoNLL-ST_2006", doc, 1, tmp_path, False)
    out = capsys.readouterr().out
    assert "disagreements" in out and "aligned_view (what the tab runs)" in out


def test_the_listing_measures_a_few_documents(shared_data: Path, tmp_path: Path, capsys) -> None:
    docs = converters.read("brat", shared_data / CORPORA / "CoNLL-ST_2006")
    found = [("CoNLL-ST_2006", d) for d in docs if len(d.entities) >= 20]
    listed = bench.listing_documents(found, 3)
    assert len(listed) == 3 and len({d.id for d in listed}) == 3
    assert {d.id.split("-", 1)[1] for d in listed} <= {d.id for _, d in found}
    times = bench.measure_listing(listed, 1, tmp_path, profile=5)
    out = capsys.readouterr().out
    assert "3 rows listed" in out and "cProfile of one first documents_frame call" in out
    assert set(times) == {
        "documents_frame, first listing",
        "  the same, heap frozen first",
        "documents_frame, listed again",
        "  one layer's status set, then listed",
        "  3 x Store.curation alone",
    }
    assert all(0 < best <= median for best, median in times.values())
