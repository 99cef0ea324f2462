"""Time the ACE reader and writer on a corpus made of copies of the shared synthetic pair.

Run by hand (not a test)::

    .venv/bin/python bench/ace_convert.py [--copies 500] [--scale 20]

``--scale`` repeats the document text (and its annotations, shifted) inside one file so the
offset maps work on realistically long documents (ACE 2005 newswire is ~2-10 KB of .sgm).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

from converters import ace
from converters.document import Document

SAMPLE = Path(__file__).resolve().parent.parent.parent / "shared/data/ace-samples/synthetic"


def scaled(doc: Document, times: int) -> Document:
    """``doc`` with its text repeated ``times`` times and every annotation copied per block."""
    big = Document(id=doc.id, text=doc.text * times)
    n = len(doc.text)
    for k in range(times):
        shift, tag = k * n, f"-c{k}"
        for ent in doc.entities:
            e = copy.deepcopy(ent)
            e.id += tag
            e.fragments = [(s + shift, t + shift) for s, t in e.fragments]
            e.head = (e.head[0] + shift, e.head[1] + shift) if e.head else None
            e.metadata = {}
            big.entities.append(e)
        for rel in doc.relations:
            r = copy.deepcopy(rel)
            r.id, r.arg1, r.arg2, r.metadata = r.id + tag, r.arg1 + tag, r.arg2 + tag, {}
            r.extra_args = [(role, ref + tag) for role, ref in r.extra_args]
            big.relations.append(r)
    return big


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=500)
    parser.add_argument("--scale", type=int, default=20)
    args = parser.parse_args()
    (doc,) = ace.read_corpus(SAMPLE)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "src"), Path(tmp, "out")
        docs = []
        for i in range(args.copies):
            d = copy.deepcopy(doc)
            d.id = f"doc{i:05d}"
            docs.append(d)
        ace.write_corpus(docs, src)
        t0 = time.perf_counter()
        read = ace.read_corpus(src)
        t1 = time.perf_counter()
        ace.write_corpus(read, out)
        t2 = time.perf_counter()
        mentions = sum(len(d.entities) for d in read)
        print(
            f"{args.copies} docs ({mentions} mentions+anchors): read {t1 - t0:.2f} s "
            f"({args.copies / (t1 - t0):.0f} docs/s), write {t2 - t1:.2f} s "
            f"({args.copies / (t2 - t1):.0f} docs/s)"
        )
        big = scaled(doc, args.scale)
        t0 = time.perf_counter()
        warnings = ace.write_corpus([big], Path(tmp, "big"))
        t1 = time.perf_counter()
        (back,) = ace.read_corpus(Path(tmp, "big"))
        t2 = time.perf_counter()
        assert {e.id: e.fragments for e in back.entities} == {
            e.id: e.fragments for e in big.entities
        }
        print(
            f"one document of {len(big.text)} chars, {len(big.entities)} entities, "
            f"{len(big.relations)} relations: write {t1 - t0:.3f} s, read {t2 - t1:.3f} s, "
            f"{len(warnings)} warning kinds"
        )


if __name__ == "__main__":
    main()
