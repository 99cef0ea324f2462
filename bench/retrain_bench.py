"""Retraining wall time and dev F1 through the app's own retraining path (``app.retraining``).

    python bench/retrain_bench.py [--sentences 250] [--epochs N] [--from-active] [--test]

A temporary database gets the first ``--sentences`` sentences of CoNLL04's train+dev file
(``conll04_train_dev.json``, 1,153 sentences) as corrected (``done``) documents; one retraining runs
exactly as the Model screen's *Retrain* button runs it: fixed dev split (about 20 % of the
documents), SpERT files, a separate training process with the default encoder and
``app.retraining.options.DEFAULT_TRAIN_CONFIG``, registration. Wall time is measured from the start
call to the job's end (process start-up, model loading, training, dev passes and registration
included). ``--from-active`` first trains a version, then times a second, warm-started one on the
same data. ``--test`` also scores the new version on the CoNLL04 test set (not included in the wall
time).

Goal (issue #7): 1,000 sentences in <= 5 minutes on the 2-core CPU machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
PROJECT = "bench"


def _pct(block: dict | None) -> float | None:
    return round(100 * block["f1"], 1) if block else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=250)
    parser.add_argument(
        "--epochs", type=int, help="default: app.retraining.options.DEFAULT_TRAIN_CONFIG"
    )
    parser.add_argument("--from-active", action="store_true", help="time a warm-started run")
    parser.add_argument("--test", action="store_true", help="also score on conll04_test.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import converters
    from app.retraining.options import DEFAULT_TRAIN_CONFIG, RetrainOptions
    from app.retraining.retrainer import Retrainer
    from db import Store

    source = DATA / "conll04" / "conll04_train_dev.json"
    docs = converters.read("spert", source)[: args.sentences]
    schema = converters.read_schema("spert", source)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        store.create_project(PROJECT, schema)
        store.import_documents(PROJECT, docs, status="done")
        retrainer = Retrainer(store, Path(tmp) / "models")
        options = RetrainOptions(epochs=args.epochs)
        runs = []
        for label in ("from the encoder", "warm start") if args.from_active else ("encoder",):
            options.from_scratch = label != "warm start"
            started = time.perf_counter()
            job = retrainer.start(PROJECT, options)
            job = retrainer.wait(job.id)
            wall = time.perf_counter() - started
            if job.state != "done":
                print(job.log, file=sys.stderr)
                raise SystemExit(f"retraining {job.state}: {job.message}")
            mv = next(
                v for v in store.list_model_versions(PROJECT) if v.id == job.result["version"]
            )
            m = mv.metrics
            run = {
                "start": label,
                "sentences": len(docs),
                "train_documents": m["train_documents"],
                "dev_documents": m["dev_documents"],
                "epochs": m["epochs"],
                "best_epoch": m["epoch"],
                "wall_s": round(wall, 1),
                "train_s": m.get("train_seconds"),
                "epoch_train_s": [round(h["train_seconds"], 1) for h in m.get("history", [])],
                "dev_entity_f1": _pct(m.get("entities")),
                "dev_relation_f1": _pct(m.get("relations")),
            }
            if args.test:
                from core_model import Predictor

                report = Predictor.load(mv.path).evaluate(DATA / "conll04" / "conll04_test.json")
                run["test_entity_f1"] = round(100 * report["entities"]["micro"]["f1"], 1)
                run["test_relation_f1"] = round(100 * report["relations"]["micro"]["f1"], 1)
            runs.append(run)
        store.close()
    print(
        json.dumps(
            {
                "train_config": {
                    **DEFAULT_TRAIN_CONFIG,
                    **({"epochs": args.epochs} if args.epochs else {}),
                },
                "runs": runs,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
