"""Pre-annotation into annotation layers (issue 24: "the model's suggestions appear in each layer
independently"): pre-annotating a document writes the same suggestions into the document and
into each person's layer of it, replacing only each row's open suggestions (what an annotator
accepted, rejected or drew stays); a layer pre-annotated by its own id gets them alone; the
background job says how many layers it reached.

The model is a stand-in that predicts fixed spans (``FixedPredictor``), so the test checks
what the app does with predictions, not a model's quality (the real predicting model runs in
test_models_jobs_preannotation.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.preannotate import PredictorCache, preannotate
from converters.document import Document
from converters.schema import EntityType, RelationType, Schema
from core_model import PredictedEntity, PredictedRelation, Prediction
from db import Edit, Store

TEXT = "Aspirin caused nausea and severe headache in the patient."
SCHEMA = Schema(
    [EntityType("Drug"), EntityType("Effect")],
    [RelationType("Causes", ["Drug"], ["Effect"])],
)
P = "p"


class FixedPredictor:
    """Predicts ``spans`` (``(type, start, end)``) in every document and a ``Causes`` from the
    first span to each other one."""

    def __init__(self, spans: list[tuple[str, int, int]]) -> None:
        self.spans = spans

    def predict(self, docs: list[Any], batch_size: int = 16) -> list[Prediction]:
        out = []
        for doc in docs:
            ents = [
                PredictedEntity(t, a, b, 0, 1, 0.9 - 0.1 * i, doc.text[a:b])
                for i, (t, a, b) in enumerate(self.spans)
            ]
            rels = [PredictedRelation("Causes", 0, j, 0.7) for j in range(1, len(ents))]
            out.append(Prediction(doc.text, [], [], ents, rels, uncertainty=0.4))
        return out


class FixedCache(PredictorCache):
    """A ``PredictorCache`` that hands out one ``FixedPredictor`` (no model is loaded)."""

    def __init__(self, predictor: FixedPredictor) -> None:
        super().__init__()
        self.predictor = predictor

    def get(self, model_dir: str | Path) -> Any:
        return self.predictor


FIRST = [("Drug", 0, 7), ("Effect", 15, 21)]  # Aspirin, nausea
SECOND = [("Drug", 0, 7), ("Effect", 49, 56)]  # Aspirin, patient


@pytest.fixture
def layered(store: Store) -> Iterator[tuple[Store, dict[str, int]]]:
    """d1 (layers: ann, bob) and d2 (no layers), before any model ran."""
    store.create_project(P, SCHEMA)
    d1, d2 = store.import_documents(P, [Document("d1", TEXT), Document("d2", TEXT)]).document_ids
    store.assign_layers(P, ["d1"], ["ann", "bob"], author="boss")
    ids = {"d1": d1, "d2": d2}
    for who in ("ann", "bob"):
        layer = store.layer_for(d1, who)
        assert layer is not None
        ids[who] = layer
    yield store, ids


def _rows(store: Store, doc_id: int) -> list[tuple[str, str, tuple, str]]:
    """(type, text or relation, source, review) of every entity and relation of a row."""
    view = store.load_document(doc_id)
    spans = {e.id: view.text[e.fragments[0][0] : e.fragments[0][1]] for e in view.entities}
    ents = [(e.type, spans[e.id], e.source, e.review) for e in view.entities]
    rels = [
        (r.type, f"{spans[r.arg1]}->{spans[r.arg2]}", r.source, r.review) for r in view.relations
    ]
    return sorted(ents) + sorted(rels)


def _suggested(store: Store, doc_id: int) -> list[tuple]:
    return [row for row in _rows(store, doc_id) if row[3] == "suggested"]


def _run(store: Store, ids: list[int], spans: list[tuple[str, int, int]]):
    cache = FixedCache(FixedPredictor(spans))
    return preannotate(store, P, ids, model_dir="fixed", predictors=cache)


def test_suggestions_go_into_each_layer_and_keep_what_people_did(layered) -> None:
    store, ids = layered
    result = _run(store, [ids["d1"], ids["d2"]], FIRST)
    assert (result.documents, result.layers, result.failed) == (2, 2, 0)
    assert "the same suggestions in 2 annotator layer(s)" in result.summary()
    expected = [
        ("Drug", "Aspirin", "model", "suggested"),
        ("Effect", "nausea", "model", "suggested"),
        ("Causes", "Aspirin->nausea", "model", "suggested"),
    ]
    for row in ("d1", "d2", "ann", "bob"):
        assert sorted(_suggested(store, ids[row])) == sorted(expected), row
    assert {store.load_document(ids[w]).status for w in ("ann", "bob")} == {"pre-annotated"}

    # ann accepts the drug and rejects nausea in her layer; bob draws a span of his own
    ann = store.load_document(ids["ann"])
    drug = next(e.id for e in ann.entities if e.type == "Drug")
    nausea = next(e.id for e in ann.entities if e.type == "Effect")
    store.apply_edit(ids["ann"], Edit.accept(entity_id=drug), ann.version, "ann")
    version = store.load_document(ids["ann"]).version
    store.apply_edit(ids["ann"], Edit.reject(entity_id=nausea), version, "ann")
    version = store.load_document(ids["bob"]).version
    store.apply_edit(ids["bob"], Edit.add_entity("Effect", [(33, 41)]), version, "bob")
    bob_before = store.load_document(ids["bob"]).version

    # a new model: each row's open suggestions are replaced, reviewed and human ones stay
    result = _run(store, [ids["d1"]], SECOND)
    assert (result.documents, result.layers) == (1, 2)
    new = [
        ("Drug", "Aspirin", "model", "suggested"),
        ("Effect", "patient", "model", "suggested"),
        ("Causes", "Aspirin->patient", "model", "suggested"),
    ]
    assert sorted(_suggested(store, ids["d1"])) == sorted(new)
    assert sorted(_suggested(store, ids["bob"])) == sorted(new)
    assert ("Effect", "headache", "human", "accepted") in _rows(store, ids["bob"])
    assert store.load_document(ids["bob"]).version == bob_before + 1  # one step, undoable
    mine = _rows(store, ids["ann"])
    assert ("Drug", "Aspirin", "model", "accepted") in mine
    assert ("Effect", "nausea", "model", "rejected") in mine
    # her accepted drug is not suggested again beside itself
    assert sorted(_suggested(store, ids["ann"])) == [
        ("Causes", "Aspirin->patient", "model", "suggested"),
        ("Effect", "patient", "model", "suggested"),
    ]
    # d2 has no layers and was not asked for: as it was
    assert sorted(_suggested(store, ids["d2"])) == sorted(expected)


def test_a_layer_pre_annotated_by_its_own_id_gets_the_suggestions_alone(layered) -> None:
    store, ids = layered
    before = {row: store.load_document(ids[row]).version for row in ("d1", "bob")}
    result = _run(store, [ids["ann"]], FIRST)
    assert (result.documents, result.layers) == (1, 0)
    assert len(_suggested(store, ids["ann"])) == 3
    assert {row: store.load_document(ids[row]).version for row in ("d1", "bob")} == before
    assert _suggested(store, ids["d1"]) == _suggested(store, ids["bob"]) == []


def test_the_job_says_how_many_layers_it_reached(layered, tmp_path: Path) -> None:
    from app.ui import AppConfig, SpanrelApp

    store, ids = layered
    (tmp_path / "fixed").mkdir()
    version = store.register_model_version(P, str(tmp_path / "fixed"), state="ready")
    store.activate_model_version(version.id)
    app = SpanrelApp(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    app.predictors = FixedCache(FixedPredictor(FIRST))
    try:
        job = app.jobs.wait(app.submit_preannotation(P, [ids["d1"]], "selection").id, timeout=60)
        assert job.state == "done" and job.result["layers"] == 2, job.message
        summary = app.job_summary(job)
        assert "1 document(s) pre-annotated" in summary
        assert "The same suggestions went into 2 annotator layer(s)." in summary
        assert len(_suggested(store, ids["bob"])) == 3
    finally:
        app.close()


def test_a_refresh_may_leave_the_layers_under_way_alone(layered) -> None:
    """``layer_statuses``: e.g. a refresh after a new model version passes the suggestions on
    only to the layers nobody has started (``UNTOUCHED``)."""
    from db.document_status import UNTOUCHED

    store, ids = layered
    _run(store, [ids["d1"]], FIRST)
    ann = store.load_document(ids["ann"])
    drug = next(e.id for e in ann.entities if e.type == "Drug")
    store.apply_edit(ids["ann"], Edit.accept(entity_id=drug), ann.version, "ann")
    assert store.load_document(ids["ann"]).status not in UNTOUCHED
    ann_before = _rows(store, ids["ann"])
    cache = FixedCache(FixedPredictor(SECOND))
    result = preannotate(
        store, P, [ids["d1"]], model_dir="fixed", predictors=cache, layer_statuses=UNTOUCHED
    )
    assert (result.documents, result.layers) == (1, 1)
    assert _rows(store, ids["ann"]) == ann_before
    assert ("Effect", "patient", "model", "suggested") in _suggested(store, ids["bob"])
    assert ("Effect", "patient", "model", "suggested") in _suggested(store, ids["d1"])
