"""The training process of a retraining job:
``python -m app.retraining.worker_process SPEC.json``.

Why a separate process: training takes minutes of full CPU. Inside the web server it would
hold the GIL against every user's requests, and a crash (out of memory, a killed process) would
take the server down with it. This process knows nothing of the database: the manager
(``retrainer``, ``monitor``) writes the data and the spec, reads what this process prints and
does all the bookkeeping.

Protocol: one JSON object per line on stdout (``{"event": "progress", ...}`` after training
steps and dev passes, ``{"event": "done", ...}`` once at the end); logging goes to stderr.
The spec (JSON) holds ``train``, ``dev``, ``types`` (SpERT files), ``out`` (the model
directory to create; ``core_model`` writes it under a temporary name and renames it when
complete), ``stop_file`` (its appearance cancels), optional ``encoder_dir``, ``init_from`` (warm
start), ``compare_with`` (the active model, evaluated on the same dev data), ``train_config``,
``model_config`` and ``parent_pid`` (when that process is gone, training stops: no orphan
keeps burning the CPU after the app was killed).

Exit codes: 0 done, 3 cancelled, 1 any other failure (the reason is the last stderr line).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXIT_CANCELLED = 3
NICE = 5  # annotators' requests go first on a small machine
PROGRESS_EVERY_S = 0.5


@dataclass
class DocScores:
    """One document's labelled suggestions (``ScoredSuggestion`` lists) and the gold items no
    suggestion covers, for entities and for relations."""

    entities: list[Any]
    entities_missed: int
    relations: list[Any]
    relations_missed: int

    @staticmethod
    def total(docs: list[DocScores]) -> tuple[list[Any], int, list[Any], int]:
        """The arguments of ``calibrate`` over several documents."""
        return (
            [s for d in docs for s in d.entities],
            sum(d.entities_missed for d in docs),
            [s for d in docs for s in d.relations],
            sum(d.relations_missed for d in docs),
        )


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def run(spec: dict[str, Any]) -> int:
    from core_model import (
        ModelConfig,
        Predictor,
        TrainConfig,
        TrainingCancelled,
        TrainProgress,
        train,
    )

    stop_file = Path(spec["stop_file"])
    parent = int(spec.get("parent_pid") or os.getppid())
    last = [0.0]

    def should_stop() -> bool:
        return stop_file.exists() or os.getppid() != parent

    def progress(p: TrainProgress) -> None:
        now = time.monotonic()
        final_step = p.step == p.steps
        if p.phase == "train" and not final_step and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        emit(
            "progress",
            epoch=p.epoch,
            epochs=p.epochs,
            step=p.step,
            steps=p.steps,
            loss=p.loss,
            dev_f1=p.dev_f1,
            phase=p.phase,
        )

    started = time.perf_counter()
    emit("start", pid=os.getpid())
    try:
        result = train(
            spec["train"],
            spec["dev"],
            spec["types"],
            spec["out"],
            encoder_dir=spec.get("encoder_dir"),
            model_config=ModelConfig(**spec.get("model_config", {})),
            train_config=TrainConfig(**spec.get("train_config", {})),
            init_from=spec.get("init_from"),
            progress=progress,
            should_stop=should_stop,
            show_progress=False,
        )
    except TrainingCancelled as exc:
        log.warning("cancelled: %s", exc)
        return EXIT_CANCELLED
    train_seconds = time.perf_counter() - started
    device = spec.get("train_config", {}).get("device", "auto")
    previous = None
    if spec.get("compare_with"):
        try:
            emit("progress", phase="compare")
            previous = Predictor.load(spec["compare_with"], device=device).evaluate(spec["dev"])
        except Exception as exc:  # the new model stands on its own; say why there is no diff
            log.warning("could not evaluate the active model %s: %s", spec["compare_with"], exc)
    thresholds = None
    try:
        emit("progress", phase="calibrate")
        thresholds = calibrate_on_dev(Predictor.load(result.model_dir, device=device), spec["dev"])
    except Exception as exc:  # the model is fine without; the page then keeps its defaults
        log.warning("could not calibrate the suggestion thresholds: %s", exc)
    emit(
        "done",
        model_dir=str(result.model_dir),
        thresholds=thresholds,
        best_epoch=result.best_epoch,
        threshold=result.threshold,
        dev=result.dev_scores,
        previous=previous,
        history=result.history,
        train_seconds=round(train_seconds, 2),
        seconds=round(time.perf_counter() - started, 2),
    )
    return 0


#: relation candidates scored for the threshold search (far below any useful cut-off)
CALIBRATION_FLOOR = 0.01


def score_documents(predictor: Any, docs: list[Any]) -> list[DocScores]:
    """Every suggestion the model would make on ``docs``, labelled against their gold
    annotations (``core_model.calibration``), one ``DocScores`` per document.

    Entities: the model's own predictions against the gold ones. Relations: scored between the
    gold entities, as the editor's second pass scores them between the confirmed entities.
    """
    from core_model.calibration import label_entities, label_relations

    out: list[DocScores] = []
    preds = predictor.predict(docs)  # only its entities are used here
    given = []
    for doc, pred in zip(docs, preds, strict=True):
        assert doc.token_offsets is not None
        offsets = doc.token_offsets
        gold = [(offsets[e.start][0], offsets[e.end - 1][1], e.type) for e in doc.entities]
        scored, missed = label_entities(
            [(e.start, e.end, e.type, e.probability) for e in pred.entities], gold
        )
        out.append(DocScores(scored, missed, [], 0))
        given.append(gold)
    rels = predictor.suggest_relations(docs, given, threshold=CALIBRATION_FLOOR)
    for doc, gold, found, scores in zip(docs, given, rels, out, strict=True):
        span = [(s, e) for s, e, _ in gold]
        gold_rels = [(span[r.head], span[r.tail], r.type) for r in doc.relations]
        scores.relations, scores.relations_missed = label_relations(
            [(span[r.head], span[r.tail], r.type, r.probability) for r in found], gold_rels
        )
    return out


def calibrate_on_dev(predictor: Any, dev: str | Path) -> dict[str, Any]:
    """Show/accept thresholds of entity and relation suggestions that minimise the edits on
    the dev documents (``core_model.calibration.calibrate``)."""
    from core_model import load_documents
    from core_model.calibration import calibrate

    return calibrate(*DocScores.total(score_documents(predictor, load_documents(str(dev)))))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if len(args) != 1:
        print("usage: python -m app.retraining.worker_process SPEC.json", file=sys.stderr)
        return 2
    with contextlib.suppress(OSError):
        os.nice(NICE)
    try:
        spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        return run(spec)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
