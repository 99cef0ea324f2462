"""BRAT read + write throughput over the shared samples, documents per second, one process.

Run by hand: ``.venv/bin/python bench/converters_throughput.py [SHARED_DATA] [--repeat N]``
(default ``../shared/data`` beside the repository). Reading = ``read_corpus`` (UTF-8 decode,
parse, text checks); formatting = ``format_ann`` in memory; writing = ``write_corpus`` into a
temporary folder (all-or-nothing, real files).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from converters import brat  # noqa: E402


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared_data", nargs="?", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(args.shared_data) / "brat-samples"
    documents = brat.read_corpus(root)
    n = len(documents)
    lines = sum(
        len(d.entities)
        + len(d.relations)
        + len(d.events)
        + len(d.attributes)
        + len(d.normalizations)
        + len(d.notes)
        + len(d.groups)
        for d in documents
    )
    read_s = _best(lambda: brat.read_corpus(root), args.repeat)
    format_s = _best(lambda: [brat.format_ann(d) for d in documents], args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))
        write_s = _best(
            lambda: brat.write_corpus(documents, Path(tmp) / f"out{next(counter)}"), args.repeat
        )
    print(f"BRAT samples: {n} documents, {lines} annotation lines ({root})")
    print(f"best of {args.repeat} runs, single process:")
    print(f"  read_corpus   {read_s:7.3f} s  {n / read_s:8.0f} docs/s")
    print(f"  format_ann    {format_s:7.3f} s  {n / format_s:8.0f} docs/s")
    print(
        f"  write_corpus  {write_s:7.3f} s  {n / write_s:8.0f} docs/s"
        f"  (into {tempfile.gettempdir()})"
    )
    total = read_s + write_s
    print(f"  read + write  {total:7.3f} s  {n / total:8.0f} docs/s  (goal >= 1000)")


if __name__ == "__main__":
    main()
