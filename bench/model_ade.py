"""ADE macro F1 (strict) over folds, full multihead model and SpERT-like baseline.

Run by hand (hours on a 2-core CPU; not a test)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/model_ade.py --folds 0 1 --epochs 20
    HF_HUB_OFFLINE=1 .venv/bin/python bench/model_ade.py --folds 0 --epochs 1 \
        --max-steps-per-epoch 5

ADE has no dev split: each fold trains on ``ade_split_k_train.json`` for the given epochs and
keeps the last epoch (threshold stays at the default 0.4), as SpERT does; the test fold gives
macro-averaged F1 over types (the paper's ADE figure is the mean over all 10 folds).
"""

from __future__ import annotations

import argparse
import json
import statistics

from model_common import DATA, VARIANTS, run_variant


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", nargs="+", type=int, default=[0, 1])
    ap.add_argument(
        "--variants", nargs="+", default=["multihead", "spert_like"], choices=sorted(VARIANTS)
    )
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--encoder")
    ap.add_argument("--max-steps-per-epoch", type=int)
    ap.add_argument("--head-lr", type=float)
    args = ap.parse_args()
    a = DATA / "ade"
    out = {}
    for variant in args.variants:
        per_fold = [
            run_variant(
                variant,
                a / f"ade_split_{k}_train.json",
                None,
                a / f"ade_split_{k}_test.json",
                a / "ade_types.json",
                epochs=args.epochs,
                seed=args.seed,
                encoder=args.encoder,
                max_steps_per_epoch=args.max_steps_per_epoch,
                select_average="macro",
                head_lr=args.head_lr,
            )
            for k in args.folds
        ]
        out[variant] = {
            "folds": args.folds,
            "entity_macro_f1": round(
                statistics.mean(r["test"]["entities"]["macro"] for r in per_fold), 2
            ),
            "relation_macro_f1": round(
                statistics.mean(r["test"]["relations"]["macro"] for r in per_fold), 2
            ),
            "per_fold": per_fold,
        }
    print(json.dumps({"dataset": "ade", "results": out}, indent=1))


if __name__ == "__main__":
    main()
