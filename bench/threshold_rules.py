"""Show thresholds chosen on a project's dev documents against fixed ones: which saves edits.

    python bench/threshold_rules.py --docs 50,100,200,400 [--target 200] [--boot 200] \
        [--out DIR] [--reuse]

For each size: the first ``--docs`` CoNLL04 training documents are split as the app splits a project
(about 20 % dev), a model is trained with the app's retraining settings, and every suggestion it
makes on the dev documents and on the next ``--target`` documents is labelled
(``app.retraining.worker_process.score_documents``: entities as predicted, relations between the
gold entities as in the editor's relation pass). Then, per rule (``rules``: the exact minimiser of
expected edits on dev, ``core_model.calibration.DEFAULTS``, the median minimiser over bootstrap
resamples), the show threshold is chosen on dev and the expected edits it gives on the target
documents are counted, once on the whole dev set and on ``--boot`` bootstrap resamples of the dev
documents (how much the choice swings with the sample). The labelled suggestions go to
``DIR/scores-N.json``, so the analysis can be rerun (``--reuse``) without training.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
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
KINDS = ("entity", "relation")


def score(n_docs: int, target_n: int, seed: int) -> dict[str, Any]:
    """Train on the first ``n_docs`` documents; labelled suggestions of dev and target."""
    import converters
    from app.retraining.options import DEFAULT_TRAIN_CONFIG
    from app.retraining.training_data import is_dev
    from app.retraining.worker_process import score_documents
    from core_model import Predictor, TrainConfig, load_documents, train

    path = DATA / "conll04" / "conll04_train.json"
    docs = converters.read("spert", path)
    schema = converters.read_schema("spert", path)
    for i, d in enumerate(docs):
        d.id = f"doc{i:04d}"
    part, target = docs[:n_docs], docs[n_docs : n_docs + target_n]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        converters.write(
            "spert", [d for d in part if not is_dev(d.id)], tmp / "train.json", schema=schema
        )
        converters.write("spert", [d for d in part if is_dev(d.id)], tmp / "dev.json")
        converters.write("spert", target, tmp / "target.json")
        started = time.perf_counter()
        train(
            str(tmp / "train.json"),
            str(tmp / "dev.json"),
            str(tmp / "train_types.json"),
            tmp / "model",
            train_config=TrainConfig(**{**DEFAULT_TRAIN_CONFIG, "seed": seed, "device": "cpu"}),
            show_progress=False,
        )
        seconds = time.perf_counter() - started
        predictor = Predictor.load(tmp / "model", device="cpu")

        def plain(name: str) -> list[dict[str, Any]]:
            return [
                {
                    "entities": [[s.confidence, s.outcome] for s in d.entities],
                    "entities_missed": d.entities_missed,
                    "relations": [[s.confidence, s.outcome] for s in d.relations],
                    "relations_missed": d.relations_missed,
                }
                for d in score_documents(predictor, load_documents(str(tmp / name)))
            ]

        return {
            "docs": n_docs,
            "seed": seed,
            "train_seconds": round(seconds, 1),
            "dev": plain("dev.json"),
            "target": plain("target.json"),
        }


def _pool(docs: list[dict[str, Any]], kind: str) -> tuple[list[Any], int]:
    from core_model.calibration import ScoredSuggestion

    key = "entities" if kind == "entity" else "relations"
    scored = [ScoredSuggestion(c, o) for d in docs for c, o in d[key]]
    return scored, sum(d[key + "_missed"] for d in docs)


def choose(docs: list[dict[str, Any]], kind: str) -> float:
    """The show threshold with the fewest expected edits on these dev documents."""
    from core_model.calibration import edit_threshold

    return edit_threshold(*_pool(docs, kind)).threshold


def bagged(docs: list[dict[str, Any]], kind: str, n: int = 30, seed: int = 1) -> float:
    """The median of the exact minimisers over ``n`` bootstrap resamples of the documents."""
    rng = random.Random(seed)
    picks = [choose([rng.choice(docs) for _ in docs], kind) for _ in range(n)]
    return statistics.median(picks)


def rules() -> dict[str, Any]:
    """Ways to pick a show threshold from dev documents: name -> f(docs, kind)."""
    from core_model.calibration import DEFAULTS

    return {
        "dev minimiser": choose,
        "fixed default": lambda docs, kind: DEFAULTS[kind][0],
        "bagged median": bagged,
    }


def analyse(run: dict[str, Any], boot: int, seed: int = 0) -> list[dict[str, Any]]:
    from core_model.calibration import edit_threshold, expected_edits

    rows = []
    rng = random.Random(seed)
    dev = run["dev"]
    samples = [[rng.choice(dev) for _ in dev] for _ in range(boot)]
    for kind in KINDS:
        target, target_missed = _pool(run["target"], kind)
        gold = sum(s.outcome != "wrong" for s in target) + target_missed
        oracle = edit_threshold(target, target_missed)
        base = {"docs": run["docs"], "kind": kind, "target_gold": gold}
        dev_scored, dev_missed = _pool(dev, kind)
        base["dev_gold"] = sum(s.outcome != "wrong" for s in dev_scored) + dev_missed
        base["oracle_threshold"] = round(oracle.threshold, 3)
        base["oracle_edits"] = oracle.edits
        base["show_all_edits"] = oracle.edits_at_zero
        for name, rule in rules().items():
            t = rule(dev, kind)
            boot_t = [rule(s, kind) for s in samples]
            boot_e = [expected_edits(target, target_missed, x) for x in boot_t]
            rows.append(
                {
                    **base,
                    "rule": name,
                    "threshold": round(t, 3),
                    "target_edits": expected_edits(target, target_missed, t),
                    "boot_threshold_mean": round(statistics.fmean(boot_t), 3),
                    "boot_threshold_sd": round(statistics.pstdev(boot_t), 3),
                    "boot_edits_mean": round(statistics.fmean(boot_e), 1),
                    "boot_edits_p90": sorted(boot_e)[int(0.9 * (len(boot_e) - 1))],
                }
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", default="50,100,200,400")
    ap.add_argument("--target", type=int, default=200)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("bench/results/threshold-rules"))
    ap.add_argument("--reuse", action="store_true", help="analyse DIR/scores-N.json again")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for n in [int(x) for x in args.docs.split(",")]:
        path = args.out / f"scores-{n}.json"
        if args.reuse:
            run = json.loads(path.read_text(encoding="utf-8"))
        else:
            import torch

            torch.set_num_threads(args.threads)
            run = score(n, args.target, args.seed)
            path.write_text(json.dumps(run), encoding="utf-8")
        for row in analyse(run, args.boot):
            print(json.dumps(row), flush=True)
            rows.append(row)
    (args.out / "analysis.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
