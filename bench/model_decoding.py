"""What the decoding rules (``core_model.decoding``) change on already trained models.

For each saved model and each combination of entity decoding ("all" / "flat") and relation
argument-type constraints (off / on, the pairs seen in the training data), the relation threshold
is tuned on dev as the trainer does and the test set is scored. The weights are the same in every
row, so the differences are the rules' alone. Run by hand::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/model_decoding.py --models /work/models/*
    # other data (ADE fold 0):
    HF_HUB_OFFLINE=1 .venv/bin/python bench/model_decoding.py --models DIR \\
        --train ade/ade_split_0_train.json --dev ade/ade_split_0_test.json \\
        --test ade/ade_split_0_test.json --average macro
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from model_common import DATA

from core_model import Predictor, TrainConfig, load_documents
from core_model.config import ENTITY_DECODING
from core_model.decoding import has_overlaps, seen_arg_types


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", type=Path, required=True)
    ap.add_argument("--train", default="conll04/conll04_train.json")
    ap.add_argument("--dev", default="conll04/conll04_dev.json")
    ap.add_argument("--test", default="conll04/conll04_test.json")
    ap.add_argument("--average", default="micro", choices=["micro", "macro"])
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    train_docs = load_documents(DATA / args.train)
    dev_docs = load_documents(DATA / args.dev)
    test_docs = load_documents(DATA / args.test)
    arg_types = seen_arg_types(train_docs)
    grid = TrainConfig().threshold_grid
    rows = []
    for model_dir in args.models:
        predictor = Predictor.load(model_dir, device="cpu")
        for entity_decoding in ENTITY_DECODING:
            for constrained in (False, True):
                predictor.config.entity_decoding = entity_decoding
                predictor.config.relation_arg_types = arg_types if constrained else {}
                thr, dev = predictor.tune_threshold(dev_docs, grid, average=args.average)
                test = predictor.evaluate(test_docs, threshold=thr)
                row = {
                    "model": model_dir.name,
                    "entity_decoding": entity_decoding,
                    "arg_constraints": constrained,
                    "threshold": thr,
                    "dev": [
                        round(100 * dev[k][args.average]["f1"], 2)
                        for k in ("entities", "relations")
                    ],
                    "test": [
                        round(100 * test[k][args.average]["f1"], 2)
                        for k in ("entities", "relations", "relations_untyped")
                    ],
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(f"training data has overlapping entities: {has_overlaps(train_docs)}")
    print("| model | entities | arg types | threshold | dev ent / rel | test ent / rel / untyped |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['model']} | {r['entity_decoding']} | "
            f"{'seen in train' if r['arg_constraints'] else 'any'} | {r['threshold']} | "
            f"{r['dev'][0]} / {r['dev'][1]} | {' / '.join(str(x) for x in r['test'])} |"
        )


if __name__ == "__main__":
    main()
