"""The rounds of ``bench/effort.py``: documents annotated batch by batch, with retraining.

Split out of ``bench/effort.py`` to keep the benchmark's loop (project set-up, the next batch,
the automatic or per-batch retraining and one ``RoundRecord`` per round) apart from the
annotator and the report. Imported through ``bench/effort.py``, which re-exports every name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.effort_annotator import (
    Annotator,
    DocCount,
    annotate_document,
    check_gold,
    page_thresholds,
)
from bench.effort_edits import Ent, Rel, gold_of

log = logging.getLogger("bench.effort")

ORDERS = ("document", "uncertainty")


@dataclass
class RoundRecord:
    round: int
    documents_done: int
    batch_documents: int
    model_version: int | None
    gold_entities: int
    gold_relations: int
    entity_edits: int
    relation_edits: int
    scratch_entity_edits: int
    scratch_relation_edits: int
    entity_edits_per_100: float
    relation_edits_per_100: float
    scratch_edits_per_100: float
    edits_saved_pct: float
    entity_precision: float | None
    entity_recall: float | None
    relation_precision: float | None
    relation_recall: float | None
    preannotate_seconds: float
    retrain_seconds: float | None
    retrain_state: str
    activated: bool
    retrain_count: int = 0  # retrainings that ran during the round
    entity_threshold: float | None = None  # "Show ≥" of the round's first document
    relation_threshold: float | None = None


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _per100(a: int, b: int) -> float:
    return round(100.0 * a / b, 2) if b else 0.0


def setup_project(store: Any, project: str, documents: Sequence[Any], schema: Any) -> dict:
    """Import ``documents`` without annotations (status new); gold matcher input by name."""
    gold: dict[str, tuple[list[Ent], list[Rel]]] = {}
    bare = []
    for i, d in enumerate(documents):
        name = f"doc{i:04d}"
        d = replace(d, id=name)
        gold[name] = gold_of(d)
        bare.append(replace(d, entities=[], relations=[], events=[], attributes=[]))
    store.create_project(project, schema)
    store.import_documents(project, bare, status="new")
    return gold


def next_batch(store: Any, project: str, order: str, size: int, has_model: bool) -> list[int]:
    """The next ``size`` unfinished documents: document order, or least confident first."""
    from app.preannotate import preannotate

    if order == "uncertainty" and has_model:
        pending = [d.id for d in store.list_documents(project) if d.status != "done"]
        preannotate(store, project, pending)
        return [doc_id for doc_id, _ in store.uncertainty_order(project)[:size]]
    return [d.id for d in store.list_documents(project) if d.status != "done"][:size]


POLICIES = ("auto", "batch")


def run_rounds(
    store: Any,
    project: str,
    gold: dict[str, tuple[list[Ent], list[Rel]]],
    retrainer: Any,
    options: Any,
    *,
    batch: int,
    max_docs: int,
    order: str = "document",
    policy: str = "auto",
    annotator: Annotator | None = None,
    on_round: Any = None,
) -> list[RoundRecord]:
    """Annotate ``max_docs`` documents, reported ``batch`` at a time.

    ``policy="auto"``: the app's automatic retraining (``app.retraining.auto``) is asked after
    every document marked done; a retraining it starts is waited for (a person would go on
    with the old model for those minutes), and each document is pre-annotated just before it
    is opened, by the model active then (as the app refreshes unopened documents after a new
    version). ``policy="batch"``: one retraining after every batch, the batch pre-annotated at
    its start (the old benchmark).
    """
    from app.preannotate import preannotate
    from app.retraining.auto import AutoRetrainer
    from app.retraining.options import RetrainError

    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    annotator = annotator or Annotator()
    auto = AutoRetrainer(store, retrainer, lambda: options)
    rows: list[RoundRecord] = []
    done = 0
    limit = min(max_docs, len(gold))

    def retrain(job: Any) -> tuple[str, dict[str, Any], float]:
        started = time.perf_counter()
        job = retrainer.wait(job.id)
        if job.state != "done":
            log.warning("retraining job %d: %s %s", job.id, job.state, job.message)
        return job.state, job.result or {}, time.perf_counter() - started

    while done < limit:
        active = store.active_model_version(project)
        thresholds = page_thresholds(store, project, annotator)
        started = time.perf_counter()
        ids = next_batch(store, project, order, min(batch, limit - done), active is not None)
        if policy == "batch" and active is not None and order == "document":
            preannotate(store, project, ids)
        pre_s = time.perf_counter() - started
        total = DocCount()
        states: list[str] = []
        retrain_s = 0.0
        activated = False
        for doc_id in ids:
            if policy == "auto" and order == "document":
                now = store.active_model_version(project)
                if now is not None:
                    t0 = time.perf_counter()
                    preannotate(store, project, [doc_id])
                    pre_s += time.perf_counter() - t0
            view = store.load_document(doc_id)
            g = gold[view.name]
            shown = page_thresholds(store, project, annotator)
            total.add(annotate_document(store, doc_id, g, annotator, shown))
            check_gold(store.load_document(doc_id), g)
            if policy == "auto":
                job = auto.check(project)
                if job is not None:
                    state, result, secs = retrain(job)
                    states.append(state)
                    retrain_s += secs
                    activated = activated or bool(result.get("activated"))
        done += len(ids)
        if policy == "batch":
            try:
                state, result, secs = retrain(retrainer.start(project, options))
                states.append(state)
                retrain_s += secs
                activated = bool(result.get("activated"))
            except RetrainError as exc:  # e.g. fewer done documents than a retraining needs
                log.warning("retraining after round %d not started: %s", len(rows) + 1, exc)
                states.append("not started")
        ge, gr = total.gold_entities, total.gold_relations
        row = RoundRecord(
            round=len(rows) + 1,
            documents_done=done,
            batch_documents=len(ids),
            model_version=active.id if active else None,
            gold_entities=ge,
            gold_relations=gr,
            entity_edits=total.entity_edits,
            relation_edits=total.relation_edits,
            scratch_entity_edits=ge,
            scratch_relation_edits=gr,
            entity_edits_per_100=_per100(total.entity_edits, ge),
            relation_edits_per_100=_per100(total.relation_edits, gr),
            scratch_edits_per_100=100.0 if ge + gr else 0.0,
            edits_saved_pct=round(
                100.0 - _per100(total.entity_edits + total.relation_edits, ge + gr), 2
            ),
            entity_precision=_ratio(total.right_entities, total.shown_entities) if active else None,
            entity_recall=_ratio(total.right_entities, ge) if active else None,
            relation_precision=_ratio(total.right_relations, total.shown_relations)
            if active
            else None,
            relation_recall=_ratio(total.right_relations, gr) if active else None,
            preannotate_seconds=round(pre_s, 2),
            retrain_seconds=round(retrain_s, 2) if states else None,
            retrain_state=",".join(states) or "none",
            activated=activated,
            retrain_count=len(states),
            entity_threshold=thresholds[0] if active else None,
            relation_threshold=thresholds[1] if active else None,
        )
        rows.append(row)
        if on_round is not None:
            on_round(row)
        if not ids:
            break
    return rows
