"""Models, background jobs and pre-annotation, without a browser. A model's output becomes
suggestions in annotators' documents, so the mapping must keep to what the schema admits and
never disturb human work: model folders stay inside --models-dir, the demo's training data and
command, the job queue's progress, failures and recovery after a restart, predictions mapped to
suggestions (known types, admitted argument types, a flood capped by probability), the tokens
the model is given, and pre-annotating a selection that replaces its suggestions but keeps
human edits.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.demo_project import DEMO_PROJECT, ensure_demo_project
from app.jobs import JobQueue
from app.preannotate import model_input, to_suggestions
from app.screens import models
from converters.schema import EntityType, RelationType, Schema
from core_model import PredictedEntity, PredictedRelation, Prediction
from db import Store


def test_model_dir_must_be_inside_models_dir(store: Store, tmp_path: Path) -> None:
    store.create_project("p")
    root = tmp_path / "models"
    root.mkdir()
    with pytest.raises(models.ModelDirError, match="not inside"):
        models.resolve_model_dir(root, "/etc")
    with pytest.raises(models.ModelDirError, match="not inside"):
        models.resolve_model_dir(root, "../x")
    (root / "m").mkdir()
    with pytest.raises(models.ModelDirError, match="not a saved model"):
        models.register_model(store, "p", root, "m")


def test_training_data_and_command(store: Store, tmp_path: Path) -> None:
    ensure_demo_project(store)
    folder, command, n = models.write_training_data(store, DEMO_PROJECT, tmp_path)
    assert n == 231
    assert (folder / "train.json").is_file() and (folder / "dev.json").is_file()
    assert (folder / "train_types.json").is_file()
    assert command.startswith("python -m core_model train --train ")


def test_job_queue_progress_failure_and_recovery(store: Store, caplog) -> None:
    caplog.set_level(logging.INFO, logger="app.jobs")
    queue = JobQueue(store, workers=1)

    def work(ctx):
        ctx.progress(0.5, "half")
        ctx.log("line one")
        return {"n": 3}

    def boom(ctx):
        raise RuntimeError("model exploded")

    job = queue.submit("test", work)
    done = queue.wait(job.id, timeout=10)
    assert (done.state, done.progress, done.result) == ("done", 1.0, {"n": 3})
    assert "line one" in done.log
    job = queue.submit("test", boom)
    failed = queue.wait(job.id, timeout=10)
    assert failed.state == "failed" and "model exploded" in failed.message
    said = [r.getMessage() for r in caplog.records if r.name == "app.jobs"]
    for line in (f"job {job.id} queued", f"job {job.id} started", f"job {done.id} done"):
        assert any(line in m for m in said), (line, said)  # the server's log, at INFO
    queue.shutdown()
    left = store.create_job("orphan")
    store.start_job(left.id)
    assert JobQueue(store).recover() == 1
    assert store.get_job(left.id).state == "failed"


def test_prediction_to_suggestions_keeps_known_types_only() -> None:
    text = "John works for Acme ."
    pred = Prediction(
        text=text,
        tokens=text.split(),
        token_offsets=[(0, 4), (5, 10), (11, 14), (15, 19), (20, 21)],
        entities=[
            PredictedEntity("Peop", 0, 4, 0, 1, 0.9, "John"),
            PredictedEntity("Weird", 5, 10, 1, 2, 0.8, "works"),
            PredictedEntity("Org", 15, 19, 3, 4, 0.7, "Acme"),
        ],
        relations=[
            PredictedRelation("Work_For", 0, 2, 0.6),
            PredictedRelation("Work_For", 0, 1, 0.6),
        ],
    )
    schema = Schema(
        [EntityType("Peop"), EntityType("Org")], [RelationType("Work_For", ["Peop"], ["Org"])]
    )
    ents, rels, skipped = to_suggestions(pred, schema)
    assert [(e.type, e.fragments, e.confidence) for e in ents] == [
        ("Peop", [(0, 4)], 0.9),
        ("Org", [(15, 19)], 0.7),
    ]
    assert [(r.arg1, r.arg2) for r in rels] == [(ents[0].id, ents[1].id)]
    assert skipped == 2


def test_prediction_to_suggestions_keeps_schema_argument_types() -> None:
    """A relation the annotator could not draw (argument types the schema does not admit) is
    not suggested either; a parent type admits its subtypes, as in BRAT."""
    text = "Ann met Bob in Rome"
    pred = Prediction(
        text=text,
        tokens=text.split(),
        token_offsets=[(0, 3), (4, 7), (8, 11), (12, 14), (15, 19)],
        entities=[
            PredictedEntity("Peop", 0, 3, 0, 1, 0.9, "Ann"),
            PredictedEntity("Peop", 8, 11, 2, 3, 0.9, "Bob"),
            PredictedEntity("City", 15, 19, 4, 5, 0.9, "Rome"),
        ],
        relations=[
            PredictedRelation("Live_In", 0, 2, 0.9),  # Peop -> City (a Loc): admitted
            PredictedRelation("Live_In", 0, 1, 0.8),  # Peop -> Peop: not admitted
            PredictedRelation("Live_In", 2, 0, 0.7),  # City -> Peop: not admitted
            PredictedRelation("Knows", 1, 0, 0.6),  # no constraint: admitted
        ],
    )
    schema = Schema(
        [EntityType("Peop"), EntityType("Loc"), EntityType("City", parent="Loc")],
        [RelationType("Live_In", ["Peop"], ["Loc"]), RelationType("Knows")],
    )
    ents, rels, skipped = to_suggestions(pred, schema)
    assert len(ents) == 3
    assert [(r.type, r.arg1, r.arg2) for r in rels] == [
        ("Live_In", "S0", "S2"),
        ("Knows", "S1", "S0"),
    ]
    assert skipped == 2


def test_model_input_uses_stored_tokens(store: Store) -> None:
    ensure_demo_project(store)
    doc = store.load_document(store.list_documents(DEMO_PROJECT)[0].id)
    from core_model.documents import input_doc

    given = input_doc(model_input(doc), 0)
    assert given.tokens[:3] == ["John", "Wilkes", "Booth"]
    # stored tokens that do not fit the text: the model's own sentence splitter instead
    doc.metadata = {"tokens": [[0, 10**6]]}
    split = input_doc(model_input(doc), 0)
    assert split.text == doc.text and split.sentences and split.tokens[:3] == given.tokens[:3]


def test_prediction_to_suggestions_caps_a_flood_by_probability(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.preannotate as pre

    monkeypatch.setattr(pre, "MAX_ENTITIES_PER_DOC", 3)
    monkeypatch.setattr(pre, "MAX_RELATIONS_PER_DOC", 2)
    text = "a b c d e"
    probs = [0.5, 0.9, 0.2, 0.8, 0.7]
    pred = Prediction(
        text=text,
        tokens=text.split(),
        token_offsets=[(i * 2, i * 2 + 1) for i in range(5)],
        entities=[
            PredictedEntity("Peop", i * 2, i * 2 + 1, i, i + 1, p, text[i * 2])
            for i, p in enumerate(probs)
        ],
        relations=[
            PredictedRelation("Work_For", h, t, 0.5 + 0.01 * (h * 5 + t))
            for h in range(5)
            for t in range(5)
            if h != t
        ],
    )
    schema = Schema([EntityType("Peop")], [RelationType("Work_For")])
    ents, rels, skipped = to_suggestions(pred, schema)
    assert sorted(e.confidence for e in ents) == [0.7, 0.8, 0.9]
    kept = {e.id for e in ents}
    assert len(rels) == 2 and all(r.arg1 in kept and r.arg2 in kept for r in rels)
    assert sorted(r.confidence for r in rels) == [0.5 + 0.01 * 21, 0.5 + 0.01 * 23]
    assert skipped == 2 + 18


@pytest.mark.slow
def test_preannotate_a_selection_keeps_human_edits(
    store: Store, tmp_path: Path, predicting_model: Path, shared_data: Path
) -> None:
    """The Documents screen's "listed documents" path: only the filtered documents get
    suggestions, the job reports progress, and a re-run replaces the suggestions (not doubled)
    and leaves human edits alone. The model really predicts on these sentences (it was overfit
    on them), so there are suggestions to double."""
    import dataclasses

    import converters
    from app.ui import AppConfig, SpanrelApp

    conll = shared_data / "conll04" / "conll04_train.json"
    sentences = converters.read("spert", conll)[:6]
    store.create_project("sel", converters.read_schema("spert", conll))
    store.import_documents(
        "sel", [dataclasses.replace(d, entities=[], relations=[]) for d in sentences]
    )
    mv = store.register_model_version("sel", str(predicting_model), state="ready")
    store.activate_model_version(mv.id)
    app = SpanrelApp(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    try:
        docs = store.list_documents("sel")
        target = next(d for d, s in zip(docs, sentences, strict=True) if s.relations)
        listed = app.filtered_ids("sel", "all", "", target.name)
        assert listed == [target.id]
        job = app.jobs.wait(app.submit_preannotation("sel", listed, "selection").id, timeout=120)
        assert job.state == "done" and job.progress == 1.0 and job.result["documents"] == 1
        after = {d.id: d for d in store.list_documents("sel")}
        assert after[target.id].status == "pre-annotated"
        assert after[target.id].suggestions > 0
        assert all(after[d.id].status == "new" for d in docs if d.id != target.id)
        assert all(after[d.id].suggestions == 0 for d in docs if d.id != target.id)

        def suggested(view) -> list[tuple]:
            ents = [
                (e.type, tuple(map(tuple, e.fragments)))
                for e in view.entities
                if e.review == "suggested"
            ]
            rels = [r.type for r in view.relations if r.review == "suggested"]
            return sorted(ents) + sorted(rels)

        first = suggested(store.load_document(target.id))
        assert len(first) >= 2 and any(isinstance(x, str) for x in first), first
        # a human edit, then a re-run: the edit stays, the suggestions are replaced, not doubled
        doc_id = str(target.id)
        page = app.backend.load(doc_id)
        op = {"doc_id": doc_id, "client_id": "c", "seq": 1, "base_version": page["version"]}
        text = store.load_document(target.id).text
        end = text.index(" ")  # the first word: a span no overlap rule refuses
        ack = app.backend.apply(
            {**op, "kind": "add_entity", "type": "Other", "fragments": [[0, end]]}, "ann"
        )
        assert ack["ok"], ack
        job = app.jobs.wait(app.submit_preannotation("sel", listed, "selection").id, timeout=120)
        assert job.state == "done"
        again = store.load_document(target.id)
        human = [(e.type, e.fragments, e.review) for e in again.entities if e.author == "ann"]
        assert human == [("Other", [(0, end)], "accepted")]
        second = suggested(again)
        assert second and len(second) <= len(first)  # one copy (minus any the edit covers)
        assert set(second) <= set(first)
    finally:
        app.close()
