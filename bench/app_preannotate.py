"""Pre-annotation throughput through the app versus ``core_model`` prediction alone.

    python bench/app_preannotate.py --model MODEL_DIR [--docs 60] [--repeat 3]

Both sides use the same loaded model and the same inputs (the demo project's 60 new CoNLL04
sentences, or the first ``--docs`` documents of the demo project): "alone" is
``Predictor.predict`` on the inputs; "app" is a pre-annotation job through ``JobQueue`` and
``app.preannotate`` (load each document from the store, predict, replace the suggestions in one
transaction per document, record progress). The difference is the app's overhead.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, type=Path, help="a saved core_model directory")
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from app.demo_project import DEMO_PROJECT, ensure_demo_project
    from app.jobs import JobQueue
    from app.preannotate import PredictorCache, model_input, preannotate
    from db import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        ensure_demo_project(store)
        docs = [d for d in store.list_documents(DEMO_PROJECT) if d.status == "new"]
        if len(docs) < args.docs:
            docs = store.list_documents(DEMO_PROJECT)
        ids = [d.id for d in docs[: args.docs]]
        cache = PredictorCache()
        t0 = time.perf_counter()
        predictor = cache.get(args.model)
        load_s = time.perf_counter() - t0
        inputs = [model_input(store.load_document(i)) for i in ids]
        predictor.predict(inputs[:4], batch_size=args.batch_size)  # warm-up
        alone, app = [], []
        queue = JobQueue(store, workers=1)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            predictor.predict(inputs, batch_size=args.batch_size)
            alone.append(time.perf_counter() - t0)

            def job(ctx, ids=ids):
                return preannotate(
                    store,
                    DEMO_PROJECT,
                    ids,
                    model_dir=args.model,
                    batch_size=args.batch_size,
                    progress=lambda k, total: ctx.progress(k / total),
                    predictors=cache,
                ).to_dict()

            t0 = time.perf_counter()
            info = queue.submit("preannotate", job, project=DEMO_PROJECT)
            done = queue.wait(info.id)
            app.append(time.perf_counter() - t0)
            assert done.state == "done", done.message
        queue.shutdown()
        store.close()
    n = len(ids)
    a, b = statistics.median(alone), statistics.median(app)
    print(f"documents: {n}; model load: {load_s:.2f} s; batch size {args.batch_size}")
    print(f"core_model predict alone: {n / a:.1f} docs/s (median of {args.repeat}: {a:.2f} s)")
    print(f"through the app (job):    {n / b:.1f} docs/s (median of {args.repeat}: {b:.2f} s)")
    print(f"app overhead: {100 * (b - a) / a:.0f} % ({1000 * (b - a) / n:.1f} ms per document)")


if __name__ == "__main__":
    main()
