"""Time SpERT read / write and the word tokenizer on the shared ADE and CoNLL04 files.

Run by hand: ``.venv/bin/python bench/spert_convert.py`` (not a test). Prints one line per step.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from converters import spert
from converters.tokenize import tokenize

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    for name in ("conll04/conll04_train.json", "ade/ade_full.json"):
        path = DATA / name
        docs = spert.read_file(path)
        n_ent = sum(len(d.entities) for d in docs)
        chars = sum(len(d.text) for d in docs)
        read_s = best_of(3, lambda p=path: spert.read_file(p))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.json"
            write_s = best_of(3, lambda d=docs, o=out: spert.write_file(d, o))
            identical = out.read_bytes() == path.read_bytes()
        for d in docs:
            d.metadata.pop("tokens")
        retok_s = best_of(3, lambda d=docs: spert.to_records(d))
        tok_s = best_of(3, lambda d=docs: [tokenize(x.text) for x in d])
        print(
            f"{name}: {len(docs)} docs, {n_ent} entities, {chars} chars | read {read_s:.3f} s"
            f" | write {write_s:.3f} s (byte-identical: {identical})"
            f" | to_records re-tokenizing {retok_s:.3f} s | tokenize only {tok_s:.3f} s"
            f" ({chars / tok_s / 1e6:.2f} M chars/s)"
        )
    print(f"python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
