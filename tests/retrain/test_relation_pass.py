"""The relation pass on the store (``app.preannotate.suggest_relations``) with a model that
really predicts relations (the session's ``predicting_model``): suggestions between the
confirmed entities only, the project's schema respected, reviewed relations never touched,
rejected ones not suggested again, open ones replaced."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import converters
from app.preannotate import PredictorCache, confirmed_entities, suggest_relations
from app.store_backend import StoreBackend
from converters.document import Document
from db import ConflictError, Edit, Store
from db.views import EditResult

pytestmark = pytest.mark.slow
TRAIN_DOCS = 16


@pytest.fixture
def conll(shared_data: Path) -> Path:
    return shared_data / "conll04" / "conll04_train.json"


def gold_docs(conll: Path) -> list[Document]:
    """Training documents of the predicting model that have relations."""
    return [d for d in converters.read("spert", conll)[:TRAIN_DOCS] if d.relations]


def make_store(url: str, conll: Path, model: Path, schema=None) -> tuple[Store, list]:
    """Every document's gold entities accepted (as an annotator leaves them after correcting
    the entities), no relations; the model is the active version."""
    store = Store.open(url)
    store.create_project("p", schema or converters.read_schema("spert", conll))
    docs = [dataclasses.replace(d, relations=[]) for d in gold_docs(conll)]
    store.import_documents("p", docs)
    version = store.register_model_version("p", str(model), state="ready")
    store.activate_model_version(version.id)
    return store, [store.find_document("p", d.id) for d in docs]


def stored(store: Store, doc_id: int, review: str) -> set[tuple[str, tuple, tuple]]:
    view = store.load_document(doc_id)
    spans = {e.id: (e.type, tuple(map(tuple, e.fragments))) for e in view.entities}
    return {(r.type, spans[r.arg1], spans[r.arg2]) for r in view.relations if r.review == review}


def gold_set(doc: Document) -> set[tuple[str, tuple, tuple]]:
    spans = {e.id: (e.type, tuple(map(tuple, e.fragments))) for e in doc.entities}
    return {(r.type, spans[r.arg1], spans[r.arg2]) for r in doc.relations}


def test_suggests_the_gold_relations_between_confirmed_entities(
    backend_url: str, conll: Path, predicting_model: Path
) -> None:
    store, ids = make_store(backend_url, conll, predicting_model)
    cache = PredictorCache()
    try:
        found = gold = hits = 0
        for doc, doc_id in zip(gold_docs(conll), ids, strict=True):
            assert len(confirmed_entities(store.load_document(doc_id))) == len(doc.entities)
            result = suggest_relations(store, doc_id, predictors=cache)
            got = stored(store, doc_id, "suggested")
            assert result.relations == len(got)
            found += len(got)
            gold += len(gold_set(doc))
            hits += len(got & gold_set(doc))
        assert found > 0, "the model suggested no relation at all"
        # the model was trained on these documents: most gold relations come back
        assert hits >= 0.8 * gold, (hits, gold, found)
    finally:
        store.close()


def test_schema_constraints_reviewed_and_rejected_relations(
    backend_url: str, conll: Path, predicting_model: Path
) -> None:
    schema = converters.read_schema("spert", conll)
    # the project admits Live_In only from a person to a location, and Kill not at all
    rels = {r.name: r for r in schema.relation_types}
    rels["Live_In"].arg1_types, rels["Live_In"].arg2_types = ["Peop"], ["Loc"]
    rels["Kill"].arg1_types, rels["Kill"].arg2_types = ["Loc"], ["Loc"]
    store, ids = make_store(backend_url, conll, predicting_model, schema)
    cache = PredictorCache()
    try:
        by_doc = {}
        for doc_id in ids:
            suggest_relations(store, doc_id, predictors=cache)
            by_doc[doc_id] = store.load_document(doc_id)
        suggested = [(d, r) for d, v in by_doc.items() for r in v.relations]
        assert len(suggested) >= 3
        for doc_id, r in suggested:
            types = {e.id: e.type for e in by_doc[doc_id].entities}
            assert r.type in schema.allowed_relations(types[r.arg1], types[r.arg2]), r
            assert r.type != "Kill"

        # review some: accept one, reject one; a human adds one; then the pass again
        doc_id = next(d for d, v in by_doc.items() if len(v.relations) >= 2)
        view = by_doc[doc_id]
        keep, drop = view.relations[0], view.relations[1]
        v = view.version
        v = store.apply_edit(doc_id, Edit.accept(relation_id=keep.id), v, "ann").version
        v = store.apply_edit(doc_id, Edit.reject(relation_id=drop.id), v, "ann").version
        before = store.load_document(doc_id)
        accepted = {
            (r.id, r.type, r.arg1, r.arg2) for r in before.relations if r.review == "accepted"
        }
        rejected = {(r.type, r.arg1, r.arg2) for r in before.relations if r.review == "rejected"}
        assert accepted and rejected
        # a stale version is refused, nothing written
        with pytest.raises(ConflictError):
            suggest_relations(store, doc_id, expected_version=v - 1, predictors=cache)
        suggest_relations(store, doc_id, expected_version=v, predictors=cache)
        after = store.load_document(doc_id)
        assert {
            (r.id, r.type, r.arg1, r.arg2) for r in after.relations if r.review == "accepted"
        } == accepted
        assert (
            not {(r.type, r.arg1, r.arg2) for r in after.relations if r.review == "suggested"}
            & rejected
        )
        # one undoable step: undo gives back the relations as they were before the pass

        def state(view) -> set:  # ids too: the pass replaces open suggestions by new rows
            return {(r.id, r.type, r.arg1, r.arg2, r.review) for r in view.relations}

        assert state(after) != state(before)
        store.undo(doc_id, "ann", after.version)
        assert state(store.load_document(doc_id)) == state(before)
    finally:
        store.close()


def test_page_relation_pass_repeated_seq_is_applied_once(
    backend_url: str, conll: Path, predicting_model: Path
) -> None:
    """The page's "suggest relations" sent twice with the same ``(client_id, seq)`` (a retry
    after a lost answer) is applied once; the second answer is the store's record, a repeat."""
    store, ids = make_store(backend_url, conll, predicting_model)
    cache = PredictorCache()

    def relation_pass(
        doc_id: int, version: int, author: str, *, client_id: str, seq: int
    ) -> tuple[str, EditResult]:
        result = suggest_relations(
            store,
            doc_id,
            expected_version=version,
            author=author,
            predictors=cache,
            client_id=client_id,
            seq=seq,
        )
        return result.summary(), result.edit

    backend = StoreBackend(store, suggest_relations=relation_pass)
    try:
        doc_id = ids[0]
        page = backend.load(str(doc_id))
        sent = {
            "doc_id": str(doc_id),
            "client_id": "page-1",
            "seq": 1,
            "base_version": page["version"],
            "kind": "suggest_relations",
        }
        first = backend.apply(dict(sent), "ann")
        assert first["ok"] and not first.get("repeat"), first
        assert first["changes"]["relations"], "the model suggested no relation"
        after = store.load_document(doc_id)
        again = backend.apply(dict(sent), "ann")
        assert again["ok"] and again["repeat"] and again["version"] == first["version"], again
        assert store.load_document(doc_id) == after
        passes = [h for h in store.history(doc_id) if h.op == "replace_suggestions"]
        assert len(passes) == 1
    finally:
        store.close()
