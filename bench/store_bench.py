"""Store benchmark: import all ADE documents, one edit's commit latency, export to BRAT.

Run by hand (not a test):

    .venv/bin/python bench/store_bench.py                       # SQLite file in a temp dir
    .venv/bin/python bench/store_bench.py --db postgresql+psycopg://user@host/db

Measures (wall clock, one process):
- import: ``Store.import_documents`` of the 4,272 ADE documents (ade_full.json) as one project,
  one transaction (reading the JSON is timed separately);
- edit: ``Store.apply_edit`` (add one entity to a random document, expected version from a
  fresh load) = validation + version check + write + history + commit (fsync); p50/p95/max;
- export: ``db.cli.export_path`` (store, then converters) of the project to a BRAT folder.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import converters  # noqa: E402
from db import Edit, Store  # noqa: E402
from db.cli import export_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=None, help="database URL (default: temp SQLite file)")
    parser.add_argument(
        "--data", default=str(REPO.parent / "shared" / "data" / "ade" / "ade_full.json")
    )
    parser.add_argument("--edits", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="spanrel-bench-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        project = f"ade-bench-{int(time.time())}"
        t0 = time.perf_counter()
        docs = converters.read("spert", args.data)
        schema = converters.read_schema("spert", args.data)
        t_read = time.perf_counter() - t0

        store = Store.open(url)
        store.create_project(project, schema)
        t0 = time.perf_counter()
        result = store.import_documents(project, docs)
        t_import = time.perf_counter() - t0

        rng = random.Random(args.seed)
        ids = result.document_ids
        latencies = []
        for _ in range(args.edits):
            doc_id = rng.choice(ids)
            view = store.load_document(doc_id)
            start = rng.randrange(0, max(1, len(view.text) - 3))
            edit = Edit.add_entity("Drug", [(start, start + 2)])
            t0 = time.perf_counter()
            store.apply_edit(doc_id, edit, view.version, "bench")
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()

        t0 = time.perf_counter()
        export_path(store, project, "brat", Path(tmp) / "brat-out")
        t_export = time.perf_counter() - t0
        backend = store.engine.dialect.name
        store.close()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))]

    report = {
        "backend": backend,
        "documents": result.documents,
        "entities": result.entities,
        "relations": result.relations,
        "read_json_s": round(t_read, 2),
        "import_s": round(t_import, 2),
        "edits": len(latencies),
        "edit_ms_p50": round(pct(50), 2),
        "edit_ms_p95": round(pct(95), 2),
        "edit_ms_max": round(latencies[-1], 2),
        "edit_ms_mean": round(statistics.fmean(latencies), 2),
        "export_brat_s": round(t_export, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
