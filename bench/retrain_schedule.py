"""Retraining schedules side by side on CoNLL04 slices: what the app's Retrain would give.

    python bench/retrain_schedule.py --docs 100 --variants auto,auto-bf16 --seeds 42 \
        [--target 200] [--threads 2] [--out FILE.jsonl]

For each variant and seed: the first ``--docs`` CoNLL04 training documents are split as the app
splits a project (``app.retraining.training_data.is_dev`` on the document name, about 20 % dev), a
model is trained from the base encoder with the app's retraining settings plus the variant's
overrides, and the model is scored on the next ``--target`` documents (the ones an annotator would
get suggestions for next): strict micro F1 and the edits the suggestions would need, counted as
``bench/effort.py`` counts them. One JSON line per run (``--out`` appends), wall time included.

Variants (``VARIANTS``): ``auto`` is the app's default; the others change one thing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)

#: TrainConfig overrides on top of ``app.retraining.options.DEFAULT_TRAIN_CONFIG``
VARIANTS: dict[str, dict[str, Any]] = {
    "auto": {},
    "auto-fp32": {"precision": "fp32"},
    "auto-bf16": {"precision": "bf16"},
    "old-4-epochs": {
        "schedule": "fixed",
        "epochs": 4,
        "batch_size": 8,
        "lr": 5e-5,
        "head_lr": 1e-3,
        "patience": None,
        "precision": "fp32",
    },
    "auto-no-patience": {"patience": None},
}


def run_one(
    docs: list[Any], target: list[Any], schema: Any, overrides: dict[str, Any], seed: int, tmp: Path
) -> dict[str, Any]:
    import converters
    from app.retraining.options import DEFAULT_TRAIN_CONFIG
    from app.retraining.training_data import is_dev
    from bench.effort import gold_of, plan_edits
    from core_model import Predictor, TrainConfig, train

    train_docs = [d for d in docs if not is_dev(d.id)]
    dev_docs = [d for d in docs if is_dev(d.id)]
    converters.write("spert", train_docs, tmp / "train.json", schema=schema)
    converters.write("spert", dev_docs, tmp / "dev.json")
    converters.write("spert", target, tmp / "target.json")
    cfg = {**DEFAULT_TRAIN_CONFIG, **overrides, "seed": seed, "device": "cpu"}
    started = time.perf_counter()
    result = train(
        str(tmp / "train.json"),
        str(tmp / "dev.json"),
        str(tmp / "train_types.json"),
        tmp / "model",
        train_config=TrainConfig(**cfg),
        show_progress=False,
    )
    seconds = time.perf_counter() - started
    predictor = Predictor.load(tmp / "model", device="cpu")
    report = predictor.evaluate(str(tmp / "target.json"))
    preds = predictor.predict([converters_to_input(d) for d in target])
    edits = scratch = 0
    from bench.effort import Ent, Rel

    for d, p in zip(target, preds, strict=True):
        gold = gold_of(d)
        ents = [Ent(i, e.type, ((e.start, e.end),)) for i, e in enumerate(p.entities)]
        rels = [Rel(k, r.type, r.head, r.tail) for k, r in enumerate(p.relations)]
        plan = plan_edits(ents, rels, *gold)
        edits += plan.edits("entity") + plan.edits("relation")
        scratch += len(gold[0]) + len(gold[1])
    history = result.history
    return {
        "train_docs": len(train_docs),
        "dev_docs": len(dev_docs),
        "epochs_planned": cfg.get("epochs") if cfg.get("schedule") == "fixed" else None,
        "epochs_run": len(history),
        "best_epoch": result.best_epoch,
        "stopped": history[-1].get("stopped") if history else None,
        "train_seconds": round(seconds, 1),
        "dev_entity_f1": round(100 * result.dev_scores["entities"]["micro"]["f1"], 2),
        "dev_relation_f1": round(100 * result.dev_scores["relations"]["micro"]["f1"], 2),
        "target_entity_f1": round(100 * report["entities"]["micro"]["f1"], 2),
        "target_relation_f1": round(100 * report["relations"]["micro"]["f1"], 2),
        "target_edits": edits,
        "target_scratch": scratch,
        "target_saved_pct": round(100 - 100 * edits / scratch, 2) if scratch else None,
    }


def converters_to_input(doc: Any) -> Any:
    """A converters document as the predictor's tokenised input (its SpERT tokens)."""
    from converters.document import Document

    return Document(doc.id, doc.text, metadata={"tokens": doc.metadata["tokens"]})


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--target", type=int, default=200)
    ap.add_argument("--offset", type=int, default=0, help="first document of the slice")
    ap.add_argument("--variants", default="auto")
    ap.add_argument("--seeds", default="42")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    import torch

    import converters

    torch.set_num_threads(args.threads)
    path = DATA / "conll04" / "conll04_train.json"
    docs = converters.read("spert", path)
    schema = converters.read_schema("spert", path)
    for i, d in enumerate(docs):
        d.id = f"doc{i:04d}"
    part = docs[args.offset : args.offset + args.docs]
    target = docs[args.offset + args.docs : args.offset + args.docs + args.target]
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name in args.variants.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                row = run_one(part, target, schema, VARIANTS[name], seed, Path(tmp))
            row = {"variant": name, "seed": seed, "docs": args.docs, "offset": args.offset, **row}
            line = json.dumps(row)
            print(line, flush=True)
            if args.out:
                with args.out.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")


if __name__ == "__main__":
    main()
