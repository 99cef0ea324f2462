"""Activate and roll back change what the annotators are shown: with a model that really
predicts (the session's ``predicting_model``) active, a newer version (trained here through
the app's job code) replaces its suggestions, and a rollback brings exactly the old ones back.
On a SQLite file and on PostgreSQL (``backend_url``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

import converters
from app.preannotate import PredictorCache, model_input, preannotate
from app.retraining.retrainer import Retrainer
from app.retraining.versions import activate, rollback
from core_model import Predictor
from db import Store
from tests.retrain.conftest import PROJECT, fill_project

pytestmark = pytest.mark.slow
WAIT_S = 300
#: the first CoNLL04 training documents: the predicting model was overfit on them
SEEN = 6


@pytest.fixture
def store(backend_url: str, shared_data: Path) -> Iterator[Store]:
    """The retraining project, plus unannotated copies of sentences the model has learnt."""
    st = Store.open(backend_url)
    fill_project(st)
    conll = converters.read("spert", shared_data / "conll04" / "conll04_train.json")[:SEEN]
    st.import_documents(
        PROJECT,
        [
            dataclasses.replace(d, id=f"seen{i}", entities=[], relations=[])
            for i, d in enumerate(conll)
        ],
        status="new",
    )
    yield st
    st.close()


def suggestions(store: Store, doc_ids: list[int]) -> list[tuple]:
    """Every open suggestion of these documents, what the annotator is shown: its content,
    and last the id of the version that made it."""
    out = []
    for i in doc_ids:
        view = store.load_document(i)
        spans = {e.id: (e.type, tuple(map(tuple, e.fragments))) for e in view.entities}
        out += [
            ("entity", i, *spans[e.id], round(e.confidence or 0, 4), e.model_version_id)
            for e in view.entities
            if e.review == "suggested"
        ]
        out += [
            ("relation", i, r.type, spans[r.arg1], spans[r.arg2], r.model_version_id)
            for r in view.relations
            if r.review == "suggested"
        ]
    return sorted(out, key=repr)


def test_activate_and_rollback_change_the_suggestions(
    store: Store, retrainer: Retrainer, make_options, predicting_model: Path
) -> None:
    v1 = store.register_model_version(PROJECT, str(predicting_model), state="ready").id
    store.activate_model_version(v1)
    unreviewed = [d.id for d in store.list_documents(PROJECT, status="new")]
    cache = PredictorCache()
    preannotate(store, PROJECT, unreviewed, predictors=cache)
    with_v1 = suggestions(store, unreviewed)
    kinds = [s[0] for s in with_v1]
    # something to compare: the model finds entities and relations in the sentences it knows
    assert kinds.count("entity") >= 10 and kinds.count("relation") >= 3, with_v1
    assert {s[-1] for s in with_v1} == {v1}
    scored_v1 = dict(store.uncertainty_order(PROJECT))
    assert all(scored_v1[i] is not None for i in unreviewed)

    # a second version from the base encoder; it does not beat v1 on dev, so it waits
    job = retrainer.wait(retrainer.start(PROJECT, make_options(from_scratch=True)).id, WAIT_S)
    assert job.state == "done", job.log
    v2 = job.result["version"]
    assert store.active_model_version(PROJECT).id == v1
    activate(store, PROJECT, v2)
    assert store.active_model_version(PROJECT).id == v2
    preannotate(store, PROJECT, unreviewed, predictors=cache)
    with_v2 = suggestions(store, unreviewed)
    # v2 (the tiny random encoder, a few epochs, kept at its best dev epoch) may suggest
    # nothing in these sentences: its run must leave none of v1's suggestions, whatever it
    # suggests itself, and store its own uncertainty for every document
    assert not any(s[-1] == v1 for s in with_v2), with_v2
    assert {s[-1] for s in with_v2} <= {v2}
    assert [s[:-1] for s in with_v2] != [s[:-1] for s in with_v1]  # another model's output
    scored_v2 = dict(store.uncertainty_order(PROJECT))
    assert any(abs(scored_v2[i] - scored_v1[i]) > 1e-6 for i in unreviewed)
    views = [store.load_document(i) for i in unreviewed]
    v2_model = Predictor.load(store.active_model_version(PROJECT).path, device="cpu")
    own = v2_model.predict([model_input(v) for v in views])
    for view, prediction in zip(views, own, strict=True):
        assert scored_v2[view.id] == pytest.approx(prediction.uncertainty, abs=1e-4), view.name

    rolled = rollback(store, PROJECT)
    assert rolled.id == v1 and store.active_model_version(PROJECT).id == v1
    preannotate(store, PROJECT, unreviewed, predictors=cache)
    assert suggestions(store, unreviewed) == with_v1
    rolled_back = dict(store.uncertainty_order(PROJECT))
    assert all(abs(rolled_back[i] - scored_v1[i]) < 1e-6 for i in unreviewed)
