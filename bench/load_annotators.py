"""Simulated annotators under load (issue #8, item 3): edits through HTTP while jobs run.

    python bench/load_annotators.py [--annotators 10] [--edits 1000] [--epochs 1]
        [--docs-per-annotator 3] [--think-ms 0] [--model DIR] [--encoder DIR]
        [--data SPERT.json] [--db FILE] [--seed 7] [--out FILE.json]

The real app is started in-process (``app.ui.create_app`` + ``launch(prevent_thread_lock=True)``
on 127.0.0.1, a free port, a fresh SQLite file) with one ``--auth`` user per annotator. The
project is the shipped demo (231 gold CoNLL04 sentences marked done, 60 new ones), plus the
documents of ``--data`` (SpERT JSON, annotations dropped) when given.

Each annotator logs in (``POST /login``, the cookie kept), reads the editor's component id from
``GET /config`` and edits exactly as the editor page (``app/editor/js``) does: ``POST
/gradio_api/component_server/`` with ``{session_hash, component_id, fn_name, data}``, where
``editor_load`` opens a document and ``editor_apply`` sends one operation at a time (the next
after the answer) with the page's ``client_id``, a ``seq`` per document and the version the
page holds as ``base_version``. A lost answer is resent with the same ``seq`` (as the page
does); a conflict makes it reload the document. Operations are chosen with valid offsets from
the text (word boundaries): add / retype / resize / delete entities, add / delete relations
allowed by the schema. Every pair of annotators shares one document and both open it first,
so concurrent-edit refusals happen; a refusal is answered and is not a loss.

While they edit, the two jobs the buttons start run through the same code: a pre-annotation job
(``SpanrelApp.submit_preannotation`` on ``JobQueue``, resubmitted until the annotators finish)
over the project's new documents nobody edits, with a tiny model trained first (or ``--model``),
and one retraining (``Retrainer.start``) of the default encoder on the done documents
(``--epochs 1``, from the encoder, no automatic activation so the pre-annotation model stays).

Then the checks: every acknowledged edit has its ``client_op`` record and one ``edit`` history
entry; per document the acknowledged operations, ordered by the version each produced
(``base_version + 1``: a successful edit moves the document from exactly its base version),
cover the versions without collision, and replaying them on the document's starting state
gives exactly the live entities and relations ``Store.load_document`` returns; new ids
agree with the ids the store recorded. "database is locked" is counted in every answer, every
log record (all loggers, captured) and the job logs; both jobs must end ``done``; ``PRAGMA
integrity_check`` must say ``ok``. One JSON summary is printed.

This script is the command line; the parts live beside it, by concern:
``load_annotators_config.py`` (constants, ``LoadConfig``, the acknowledged-edit records),
``load_annotators_setup.py`` (the tiny model, the project, who edits what),
``load_annotators_client.py`` (the simulated annotator), ``load_annotators_verify.py`` (the
checks against the database), ``load_annotators_measure.py`` (log records, latencies, job
timings) and ``load_annotators_run.py`` (``run_load``: the app, the jobs, the summary). Their
names are re-exported here. The benchmark imports the product and repeats none of its rules.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from bench.load_annotators_client import Annotator
from bench.load_annotators_config import (
    COMPONENT_SERVER,
    DEMO,
    EDIT_MIX,
    EDITOR_ELEM_ID,
    HTTP_RETRIES,
    LOCKED,
    REPO,
    TINY_MODEL_SENTENCES,
    TOKENIZER_FILES,
    WORD,
    Acked,
    AnnotatorResult,
    LoadConfig,
)
from bench.load_annotators_measure import LockedCounter
from bench.load_annotators_run import run_load, wait_for_training
from bench.load_annotators_setup import (
    assign_documents,
    make_tiny_encoder,
    setup_project,
    train_tiny_model,
)
from bench.load_annotators_verify import snapshot, verify

__all__ = [
    "COMPONENT_SERVER",
    "DEMO",
    "EDITOR_ELEM_ID",
    "EDIT_MIX",
    "HTTP_RETRIES",
    "LOCKED",
    "REPO",
    "TINY_MODEL_SENTENCES",
    "TOKENIZER_FILES",
    "WORD",
    "Acked",
    "Annotator",
    "AnnotatorResult",
    "LoadConfig",
    "LockedCounter",
    "assign_documents",
    "main",
    "make_tiny_encoder",
    "run_load",
    "setup_project",
    "snapshot",
    "train_tiny_model",
    "verify",
    "wait_for_training",
]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--annotators", type=int, default=10)
    p.add_argument("--edits", type=int, default=1000, help="edits in all (default 1000)")
    p.add_argument("--docs-per-annotator", type=int, default=3, help="besides the shared one")
    p.add_argument("--think-ms", type=float, default=0.0, help="mean pause between edits")
    p.add_argument("--epochs", type=int, default=1, help="retraining epochs (default 1)")
    p.add_argument("--encoder", help="retraining encoder directory (default: the default one)")
    p.add_argument("--train-config", type=json.loads, default={}, help="TrainConfig JSON")
    p.add_argument("--model", type=Path, help="pre-annotation model (default: train a tiny one)")
    p.add_argument("--data", type=Path, help="SpERT JSON whose documents are added as new")
    p.add_argument("--db", type=Path, help="SQLite file to create (default: in a temp dir)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-retrain", action="store_true")
    p.add_argument("--no-preannotate", action="store_true")
    p.add_argument("--out", type=Path, help="also write the JSON summary here")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="start editing at once, not when the retraining reports its first step",
    )
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.annotators < 1 or args.edits < 1:
        p.error("--annotators and --edits must be at least 1")
    cfg = LoadConfig(
        annotators=args.annotators,
        edits=args.edits,
        docs_per_annotator=args.docs_per_annotator,
        think_ms=args.think_ms,
        seed=args.seed,
        epochs=args.epochs,
        encoder_dir=args.encoder,
        train_config=args.train_config,
        model_dir=args.model,
        data=args.data,
        db=args.db,
        preannotate=not args.no_preannotate,
        retrain=not args.no_retrain,
        progress=not args.no_progress,
        wait_for_training=not args.no_wait,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="spanrel-load-") as tmp:
        summary = run_load(cfg, Path(tmp))
    summary["total_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return summary


if __name__ == "__main__":
    main()
