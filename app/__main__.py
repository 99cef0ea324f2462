"""Headless use of the app: ``python -m app retrain|models``.

    python -m app retrain --db URL --project NAME [--epochs N] [--time-budget MIN]
                          [--from-scratch|--warm-start] [--models-dir DIR] [--encoder DIR]
                          [--no-auto-activate]
    python -m app models --db URL --project NAME

``retrain`` runs exactly what the Model screen's *Retrain* button runs (``app.retraining``), waits
for it (a progress bar with the time left on stderr) and prints one JSON object (the job's
outcome); Ctrl-C cancels the training. Without ``--epochs`` the number of epochs follows the
data (``core_model.schedule``), as the button's default does.
``models`` prints the project's versions as a JSON list with their metrics and active flag.
Exit codes: 0 done, 1 the training failed or was cancelled, 2 bad input (no such project,
nothing to train on, a retraining already running).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

log = logging.getLogger("app")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", help="database URL (default: $SPANREL_DB_URL)")
    common.add_argument("--project", required=True, help="project name")
    r = sub.add_parser("retrain", parents=[common], help="train a new model version and wait")
    r.add_argument(
        "--epochs",
        type=int,
        help="a fixed number of epochs (default: automatic, more epochs for fewer documents)",
    )
    r.add_argument(
        "--time-budget",
        type=float,
        metavar="MIN",
        help="stop training after this many minutes and keep the best epoch so far",
    )
    start = r.add_mutually_exclusive_group()
    start.add_argument(
        "--from-scratch",
        dest="from_scratch",
        action="store_const",
        const=True,
        help="start from the base encoder (default: by the project's size, as the button does)",
    )
    start.add_argument(
        "--warm-start",
        dest="from_scratch",
        action="store_const",
        const=False,
        help="start from the active version (default: by the project's size)",
    )
    r.add_argument(
        "--models-dir", type=Path, metavar="DIR", help="default: <data dir>/models (as launch.py)"
    )
    r.add_argument("--encoder", metavar="DIR", help="base encoder directory (default: bundled)")
    r.add_argument(
        "--no-auto-activate",
        action="store_true",
        help="never activate the new version (default: the project's setting, on unless "
        "switched off: activate when better on dev)",
    )
    r.add_argument("-v", "--verbose", action="store_true")
    sub.add_parser("models", parents=[common], help="list model versions as JSON")
    return p


def _follow(retrainer, job_id: int):
    """Wait for the job, showing its progress and message (epoch, loss, time left)."""
    from tqdm.auto import tqdm

    with tqdm(total=100, desc="retraining", unit="%", file=sys.stderr) as bar:
        while True:
            try:
                return retrainer.wait(job_id, timeout=1.0)
            except TimeoutError:
                job = retrainer.store.get_job(job_id)
                bar.n = round(100 * job.progress, 1)
                bar.set_postfix_str(job.message or "", refresh=False)
                bar.refresh()


def _retrain(store, args: argparse.Namespace) -> int:
    from app.retraining.options import RetrainOptions
    from app.retraining.recovery import recover_versions
    from app.retraining.retrainer import Retrainer
    from db.session import data_dir

    models_dir = args.models_dir or data_dir() / "models"
    options = RetrainOptions(
        epochs=args.epochs,
        max_seconds=60 * args.time_budget if args.time_budget else None,
        from_scratch=args.from_scratch,
        auto_activate=False if args.no_auto_activate else None,
        encoder_dir=args.encoder,
    )
    retrainer = Retrainer(store, models_dir)
    recover_versions(store)
    job = retrainer.start(args.project, options)
    print(f"job {job.id} started", file=sys.stderr)
    try:
        job = _follow(retrainer, job.id)
    except KeyboardInterrupt:
        retrainer.cancel(job.id)
        job = retrainer.wait(job.id)
    out = {
        "job": job.id,
        "state": job.state,
        "message": job.message,
        "result": job.result,
        "log": job.log,
    }
    print(json.dumps(out, indent=1, default=str))
    return 0 if job.state == "done" else 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from app.retraining.versions import versions_json
    from db import Store, StoreError, resolve_db_url

    try:
        store = Store.open(resolve_db_url(args.db))
    except Exception as exc:
        print(f"error: cannot open the database: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "models":
            print(json.dumps(versions_json(store, args.project), indent=1, default=str))
            return 0
        return _retrain(store, args)
    except StoreError as exc:  # no such project, nothing to train on, already running
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
