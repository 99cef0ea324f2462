"""Our exported .ann files read back by an independent reader (pybrat 0.1.7 from PyPI).

pybrat's limits, found on the shared samples and excluded precisely:

- it refuses a document where two entities share the same spans (``Detected identical span``:
  12 sample documents) - a pybrat policy, BRAT allows it. Parsed with ``error="ignore"``,
  which only disables that raise here (the test checks that nothing else was skipped);
- it reads ``*`` lines of type ``Equiv`` only (2 documents have ``*\\tAlias``) and crashes on
  others even with ``error="ignore"``, so those lines are hidden from it;
- it never reads ``A``/``M`` attributes (its ``startswith("AM")`` test never matches) nor
  ``#`` notes, and reads only ``Reference`` normalizations; event arguments lose their roles.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from pybrat.parser import BratParser

from converters import brat
from converters.document import Document


@pytest.fixture(scope="module")
def exported(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    documents = brat.read_corpus(shared_data / "brat-samples")
    out = tmp_path_factory.mktemp("pybrat") / "out"
    assert brat.write_corpus(documents, out) == []
    return documents, out


def _pybrat_failures(out: Path, documents: list[Document]) -> dict[str, str]:
    failures = {}
    for doc in documents:
        single = out.parent / "single" / doc.id.replace("/", "__")
        brat.write_document(doc, single)
        try:
            BratParser(error="raise").parse(single)
        except RuntimeError as exc:
            failures[doc.id] = str(exc)
    return failures


def _only_equiv(line: str) -> str:
    """Hide non-Equiv ``*`` lines: pybrat crashes on them even with ``error="ignore"``."""
    return "" if line.startswith("*\t") and not line.startswith("*\tEquiv ") else line


def test_pybrat_fails_only_on_its_documented_limits(exported) -> None:
    documents, out = exported
    failures = _pybrat_failures(out, documents)
    identical = [d for d, msg in failures.items() if "identical span" in msg]
    alias = [d for d, msg in failures.items() if msg.startswith("Invalid line: *\tAlias")]
    assert len(identical) == 12 and len(alias) == 2
    assert len(failures) == len(identical) + len(alias)


def test_pybrat_reads_what_we_wrote(exported) -> None:
    documents, out = exported
    examples = {
        ex.id: ex
        for ex in BratParser(error="ignore").parse(out, ann_preprocess_function=_only_equiv)
    }
    assert sorted(examples) == sorted(d.id for d in documents)
    counts = {"entities": 0, "relations": 0, "events": 0, "references": 0}
    for doc in documents:
        ex = examples[doc.id]
        assert ex.text == doc.text
        ours = {e.id: (e.type, list(e.fragments), doc.span_text(e).rstrip()) for e in doc.entities}
        theirs = {
            e.id: (e.type, [(s.start, s.end) for s in e.spans], e.mention) for e in ex.entities
        }
        assert theirs == ours, doc.id
        counts["entities"] += len(ours)

        our_rels = {(r.id, r.type, r.arg1, r.arg2) for r in doc.relations}
        for group in doc.groups:
            if group.type == "Equiv":  # pybrat expands Equiv into pairwise relations
                our_rels |= {
                    (f"Equiv:{a}-{b}", "Equiv", a, b)
                    for a, b in itertools.combinations(group.members, 2)
                }
        their_rels = {(r.id, r.type, r.arg1.id, r.arg2.id) for r in ex.relations}
        assert their_rels == our_rels, doc.id
        counts["relations"] += len(doc.relations)

        our_events = {
            ev.id: (ev.type, ev.trigger, [a for _, a in ev.arguments]) for ev in doc.events
        }
        their_events = {
            ev.id: (ev.type, ev.trigger.id, [a.id for a in ev.arguments]) for ev in ex.events
        }
        assert their_events == our_events, doc.id
        counts["events"] += len(our_events)

        our_refs = {
            (n.id, n.target, n.ref_db, n.ref_id, n.text)
            for n in doc.normalizations
            if n.type == "Reference"
        }
        their_refs = {
            (r.id, e.id, r.rid, r.eid, r.entry) for e in ex.entities for r in e.references
        }
        assert their_refs == our_refs, doc.id
        counts["references"] += len(our_refs)
    assert counts == {"entities": 12830, "relations": 5786, "events": 700, "references": 1}
