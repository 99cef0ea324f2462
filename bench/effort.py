"""Annotation effort saved by pre-annotation: a simulated annotator on the real store and jobs.

    python bench/effort.py --batch 50 --max-docs 900 --order document|uncertainty --out DIR \
        [--policy auto|batch] [--one-pass] [--show-all] [--relation-show X] \
        [--from-scratch|--warm-start] [--epochs N] [--encoder DIR] [--pool N] [--data FILE] \
        [--train-config JSON]

A temporary project gets CoNLL04's training documents without their annotations (the gold ones
are kept aside, by document name). The simulated annotator works as the app's defaults make a
person work: each document is pre-annotated by the active model just before it is opened;
suggestions below the active version's calibrated "Show ≥" thresholds are not seen; the
entities are corrected first, then the page's relation pass suggests relations between the
corrected entities (``app.preannotate.suggest_relations``) and those are corrected; the document
is marked done, and the app's automatic retraining (``app.retraining.auto``) is asked whether a new
version is due (the simulator waits for it; a person would go on meanwhile). Results are
reported per ``--batch`` documents (document order, or least confident first: ``--order
uncertainty`` pre-annotates every unfinished document and takes the highest stored uncertainty,
as the editor's "next" does). The old benchmark is ``--policy batch --one-pass --show-all
--epochs 4 --train-config '{"batch_size": 8, "lr": 5e-5, "patience": null}'``: one retraining
after every batch, the batch pre-annotated at its start, all suggestions shown at once.

What counts as an edit (``plan_edits``): only corrections. Suggestions that are already right
cost nothing: they are accepted wholesale when the document is marked done (``accept_all``),
so "suggestions equal to gold need 0 edits" and "from scratch, edits = gold annotations".
Entities: retype (same span, other type), resize (same type, overlapping span; one
``change_entity`` with the gold fragments) and reject and add cost 1 each; a suggestion that
would need both a retype and a resize is rejected and the gold entity added (2, the same cost).
Relations, after mapping suggested entities to the gold ones they were corrected into (in the
relation pass the entities are already the gold ones): retype
(same arguments, other type), reject and add cost 1; a relation suggestion on a rejected entity
is rejected by the store with it (0, as in the editor); a reversed relation is reject + add.

Per round ``DIR/effort.csv`` gets one row (documents done so far, edits per 100 gold
annotations for entities and relations, the from-scratch edits, suggestion precision/recall
with exact span+type matching, retraining wall time); ``DIR/effort.png`` plots the edits saved
against documents annotated (drawn with Pillow: matplotlib is not a dependency);
``DIR/summary.txt`` repeats the totals printed at the end and ``DIR/versions.json`` holds every
model version with its dev scores and calibrated thresholds. Seeds are fixed (training seed
``--seed``; document order is the file's).

This script is the command line; the parts live beside it, by concern: ``effort_edits.py``
(the minimal-edit matcher), ``effort_annotator.py`` (the simulated annotator),
``effort_rounds.py`` (the rounds and the retraining) and ``effort_report.py`` (CSV, plot,
summary). Their names are re-exported here (``bench.effort.plan_edits`` and so on). The
benchmark imports the product and repeats none of its rules.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.effort_annotator import (
    AUTHOR,
    Annotator,
    DocCount,
    Hidden,
    accepted_entities,
    accepted_of,
    annotate_document,
    apply_plan,
    check_gold,
    page_thresholds,
    shown_suggestions,
    suggestions_of,
)
from bench.effort_edits import EditPlan, Ent, Frags, Rel, Step, gold_of, plan_edits
from bench.effort_report import read_csv, summary, write_csv, write_plot
from bench.effort_rounds import (
    ORDERS,
    POLICIES,
    RoundRecord,
    next_batch,
    run_rounds,
    setup_project,
)

__all__ = [
    "AUTHOR",
    "DATA",
    "ORDERS",
    "POLICIES",
    "PROJECT",
    "Annotator",
    "DocCount",
    "EditPlan",
    "Ent",
    "Frags",
    "Hidden",
    "Rel",
    "RoundRecord",
    "Step",
    "accepted_entities",
    "accepted_of",
    "annotate_document",
    "apply_plan",
    "check_gold",
    "gold_of",
    "main",
    "next_batch",
    "page_thresholds",
    "plan_edits",
    "read_csv",
    "run_rounds",
    "setup_project",
    "shown_suggestions",
    "suggestions_of",
    "summary",
    "write_csv",
    "write_plot",
]

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
PROJECT = "effort"


# -- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> list[RoundRecord]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=50, help="documents per round")
    parser.add_argument("--max-docs", type=int, default=900, help="documents annotated in all")
    parser.add_argument(
        "--epochs", type=int, help="a fixed number of epochs (default: the automatic schedule)"
    )
    parser.add_argument(
        "--policy",
        choices=POLICIES,
        default="auto",
        help="auto: the app's automatic retraining (default); batch: after every batch",
    )
    parser.add_argument(
        "--one-pass", action="store_true", help="no relation pass between corrected entities"
    )
    parser.add_argument(
        "--show-all", action="store_true", help="ignore the calibrated Show thresholds"
    )
    parser.add_argument(
        "--relation-show",
        type=float,
        default=None,
        help="a fixed relation Show threshold instead of the calibrated one (entities keep theirs)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--from-scratch",
        dest="from_scratch",
        action="store_const",
        const=True,
        help="train every version from the base encoder (default: by size, as the app)",
    )
    start.add_argument(
        "--warm-start",
        dest="from_scratch",
        action="store_const",
        const=False,
        help="train every version from the active one (default: by size, as the app)",
    )
    parser.add_argument("--order", choices=ORDERS, default="document")
    parser.add_argument("--out", type=Path, required=True, help="folder for effort.csv/.png")
    parser.add_argument("--encoder", help="base encoder directory (default: core_model's)")
    parser.add_argument("--data", type=Path, default=DATA / "conll04" / "conll04_train.json")
    parser.add_argument("--pool", type=int, help="import only the first N documents")
    parser.add_argument("--seed", type=int, default=42, help="training seed")
    parser.add_argument("--train-config", default="{}", help="JSON TrainConfig overrides")
    parser.add_argument("--model-config", default="{}", help="JSON ModelConfig overrides")
    parser.add_argument(
        "--replot", action="store_true", help="only redraw DIR/effort.png from DIR/effort.csv"
    )
    args = parser.parse_args(argv)
    if args.replot:
        rows = read_csv(args.out / "effort.csv")
        write_plot(rows, args.out / "effort.png")
        return rows
    if args.batch < 1 or args.max_docs < 1:
        parser.error("--batch and --max-docs must be at least 1")
    logging.basicConfig(level=logging.WARNING)

    import converters
    from app.retraining.options import RetrainOptions
    from app.retraining.retrainer import Retrainer
    from db import Store

    docs = converters.read("spert", args.data)
    if args.pool:
        docs = docs[: args.pool]
    schema = converters.read_schema("spert", args.data)
    options = RetrainOptions(
        epochs=args.epochs,
        encoder_dir=args.encoder,
        from_scratch=args.from_scratch,
        train_config={"seed": args.seed, **json.loads(args.train_config)},
        model_config=json.loads(args.model_config),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'effort.sqlite'}")
        retrainer = Retrainer(store, Path(tmp) / "models")
        try:
            gold = setup_project(store, PROJECT, docs, schema)

            done: list[RoundRecord] = []

            def show(r: RoundRecord) -> None:
                done.append(r)  # written after every round: a long run can be cut short
                write_csv(done, args.out / "effort.csv")
                write_plot(done, args.out / "effort.png")
                print(
                    f"round {r.round}: {r.documents_done} done; edits/100 gold: entities "
                    f"{r.entity_edits_per_100}, relations {r.relation_edits_per_100} "
                    f"(saved {r.edits_saved_pct}%); {r.retrain_count} retraining(s) "
                    f"{r.retrain_seconds} s ({r.retrain_state}); show >= "
                    f"{r.entity_threshold}/{r.relation_threshold}",
                    flush=True,
                )

            rows = run_rounds(
                store,
                PROJECT,
                gold,
                retrainer,
                options,
                batch=args.batch,
                max_docs=args.max_docs,
                order=args.order,
                policy=args.policy,
                annotator=Annotator(
                    thresholds=not args.show_all,
                    relation_pass=not args.one_pass,
                    relation_show=args.relation_show,
                ),
                on_round=show,
            )
            from app.retraining.versions import versions_json

            # every version's dev scores, schedule and calibrated thresholds (RESULTS' tables)
            (args.out / "versions.json").write_text(
                json.dumps(versions_json(store, PROJECT), indent=1, default=str), encoding="utf-8"
            )
        finally:
            retrainer.shutdown()
            store.close()
    text = summary(rows)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    return rows


if __name__ == "__main__":
    main()
