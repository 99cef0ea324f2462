"""The edit rules of the app's ``StoreBackend`` on a real database (a SQLite file, and PostgreSQL
when ``SPANREL_TEST_PG_URL`` is set). Whatever the page sends, the database must only ever hold
what the schema and the text allow: refused edits (unknown types, spans outside the text or on
whitespace, duplicates, disallowed relations, stale versions) leave it untouched, relations go
and come back with their entities through undo and redo, suggestions are accepted and
rejected without pulling in weaker ones, and attributes and notes follow the project's
attribute types.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.editor.backend import EditorBackend
from app.editor.demo import CONLL04_SCHEMA, store_document
from app.store_backend import StoreBackend
from tests.app.store_ops import PROJECT, TEXT, make_backend, op, store_two_documents


@pytest.fixture
def backend(backend_url: str) -> Iterator[StoreBackend]:
    """The app's backend on this test's own empty database, with the CoNLL04 project (not the
    module-wide one of conftest.py: these tests read exact versions and neighbours)."""
    be = make_backend(backend_url)
    yield be
    be.store.close()


@pytest.fixture
def docs(backend: StoreBackend) -> dict[str, str]:
    """Page ids of two stored documents, "d" (``TEXT``) and "e", in that order."""
    return store_two_documents(backend)


def test_store_backend_is_an_editor_backend(backend, docs):
    assert isinstance(backend, EditorBackend)
    doc = backend.load(docs["d"])
    assert doc["next_id"] == docs["e"] and doc["prev_id"] is None and doc["version"] == 0
    assert [t["name"] for t in doc["schema"]["entity_types"]] == ["Peop", "Org", "Loc", "Other"]


def test_backend_rules(backend, docs):
    d, store = docs["d"], backend.store
    add = backend.apply(op(type="Peop", fragments=[[0, 5]], doc_id=d))
    assert add["ok"] and add["version"] == 1
    (t1_row,) = store.load_document(int(d)).entities
    assert (t1_row.ann_id, t1_row.type, t1_row.fragments) == ("T1", "Peop", [(0, 5)])
    assert (t1_row.source, t1_row.review) == ("human", "accepted")
    t1 = add["changes"]["entities"][0]["id"]
    assert t1 == f"e{t1_row.id}"
    t2 = backend.apply(op(2, base=1, type="Org", fragments=[[16, 20]], doc_id=d))
    t2 = t2["changes"]["entities"][0]["id"]
    bad = [
        (op(3, base=2, type="Nope", fragments=[[0, 5]]), "unknown entity type"),
        (op(3, base=2, type="Peop", fragments=[[0, 500]]), "outside the text"),
        (op(3, base=2, type="Peop", fragments=[[5, 6]]), "whitespace"),
        (op(3, base=2, type="Peop", fragments=[[0, 5]]), "exists already"),
        (
            op(3, base=2, kind="change_entity", entity_id=t2, type="Peop", fragments=[[0, 5]]),
            "exists already",
        ),
        (op(3, base=2, kind="add_relation", type="Kill", arg1=t1, arg2=t2), "is not allowed"),
        (op(3, base=1, type="Loc", fragments=[[24, 29]]), "changed elsewhere"),
        (op(3, base=2, kind="redo"), "nothing to redo"),
    ]
    for payload, message in bad:
        ack = backend.apply({**payload, "doc_id": d})
        assert not ack["ok"] and message in ack["error"], (payload, ack)
    # nothing refused reached the database
    view = store.load_document(int(d))
    assert view.version == 2 and [(e.type, e.fragments) for e in view.entities] == [
        ("Peop", [(0, 5)]),
        ("Org", [(16, 20)]),
    ]
    assert backend.apply(op(3, base=1, type="Loc", fragments=[[24, 29]], doc_id=d))["conflict"]
    rel = backend.apply(
        op(3, base=2, kind="add_relation", type="Work_For", arg1=t1, arg2=t2, doc_id=d)
    )
    assert rel["ok"] and rel["changes"]["relations"][0]["type"] == "Work_For"
    # retyping an argument into a type the relation does not allow is refused
    ack = backend.apply(op(4, base=3, kind="change_entity", entity_id=t2, type="Loc", doc_id=d))
    assert not ack["ok"] and "relation" in ack["error"]
    # deleting an entity deletes its relations; undo brings both back, redo removes again
    ack = backend.apply(op(4, base=3, kind="delete_entity", entity_id=t1, doc_id=d))
    assert ack["changes"]["deleted_entities"] == [t1]
    assert ack["changes"]["deleted_relations"] == [rel["changes"]["relations"][0]["id"]]
    ack = backend.apply(op(5, base=4, kind="undo", doc_id=d))
    assert {e["id"] for e in ack["changes"]["entities"]} == {t1}
    assert len(store.load_document(int(d)).relations) == 1
    backend.apply(op(6, base=5, kind="redo", doc_id=d))
    assert [f"e{e.id}" for e in store.load_document(int(d)).entities] == [t2]
    ack = backend.apply(op(7, base=6, kind="set_status", status="done", doc_id=d))
    assert ack["changes"]["status"] == "done"
    assert store.load_document(int(d)).status == "done"


def test_suggestions(backend):
    sugg = {"source": "model", "review": "suggested"}
    doc_id, ids = store_document(
        backend.store,
        PROJECT,
        {
            "doc_id": "s",
            "text": TEXT,
            "entities": [
                {"id": "T1", "type": "Peop", "fragments": [[0, 5]], "confidence": 0.9, **sugg},
                {"id": "T2", "type": "Org", "fragments": [[16, 20]], "confidence": 0.4, **sugg},
                {"id": "T3", "type": "Loc", "fragments": [[24, 29]], "confidence": 0.7, **sugg},
                {"id": "T4", "type": "Other", "fragments": [[6, 11]], "confidence": 0.5, **sugg},
            ],
            "relations": [
                {"id": "R1", "type": "Work_For", "arg1": "T1", "arg2": "T2", "confidence": 0.8}
                | sugg
            ],
        },
    )
    base = {"doc_id": doc_id, "client_id": "c"}

    def reviews() -> dict[str, str]:
        view = backend.store.load_document(int(doc_id))
        got = {f"e{e.id}": e.review for e in view.entities}
        got.update({f"r{r.id}": r.review for r in view.relations})
        return {given: got[page] for given, page in ids.items()}

    version = backend.load(doc_id)["version"]
    ack = backend.apply(
        {**base, "seq": 1, "base_version": version, "kind": "accept_all", "min_confidence": 0.75}
    )
    # the relation (0.8) would need T2 (0.4): a relation never pulls in an entity below the
    # threshold, so only T1 is accepted
    assert ack["ok"] and "accepted 1 " in ack["message"]
    assert reviews() == {
        "T1": "accepted",
        "T2": "suggested",
        "T3": "suggested",
        "T4": "suggested",
        "R1": "suggested",
    }
    # accepting the relation itself accepts both its arguments
    ack = backend.apply(
        {**base, "seq": 2, "base_version": version + 1, "kind": "accept", "ann_id": ids["R1"]}
    )
    assert ack["ok"], ack
    assert reviews() == {
        "T1": "accepted",
        "T2": "accepted",
        "T3": "suggested",
        "T4": "suggested",
        "R1": "accepted",
    }
    ack = backend.apply(
        {**base, "seq": 3, "base_version": version + 2, "kind": "reject", "ann_id": ids["T3"]}
    )
    assert ack["ok"] and reviews()["T3"] == "rejected"
    ack = backend.apply(
        {**base, "seq": 4, "base_version": version + 3, "kind": "accept", "ann_id": ids["T3"]}
    )
    assert not ack["ok"] and "not an open suggestion" in ack["error"]
    # an annotator's entity equal to a confirmed one is refused; equal to a rejected or an
    # open suggestion it is not (the suggestion gives way)
    add = {**base, "kind": "add_entity"}
    ack = backend.apply(
        {**add, "seq": 5, "base_version": version + 3, "type": "Peop", "fragments": [[0, 5]]}
    )
    assert not ack["ok"] and f"exists already (entity {ids['T1'][1:]})" in ack["error"]
    for n, (etype, span) in enumerate([("Loc", [24, 29]), ("Other", [6, 11])]):
        ack = backend.apply(
            {
                **add,
                "seq": 6 + n,
                "base_version": version + 3 + n,
                "type": etype,
                "fragments": [span],
            }
        )
        assert ack["ok"], ack
    human = [
        (e.type, e.fragments)
        for e in backend.store.load_document(int(doc_id)).entities
        if e.source == "human"
    ]
    assert human == [("Loc", [(24, 29)]), ("Other", [(6, 11)])]


def test_attributes_and_notes(backend_url):
    schema = {
        **CONLL04_SCHEMA,
        "attribute_types": [
            {"name": "Negated", "targets": ["<ENTITY>"], "values": []},
            {"name": "Level", "targets": ["Peop"], "values": ["low", "high"]},
        ],
    }
    be = make_backend(backend_url, schema)
    try:
        d, ids = store_document(
            be.store,
            PROJECT,
            {
                "doc_id": "d",
                "text": TEXT,
                "entities": [
                    {"id": "T1", "type": "Peop", "fragments": [[0, 5]]},
                    {"id": "T2", "type": "Org", "fragments": [[16, 20]]},
                ],
            },
        )
        t1, t2 = ids["T1"], ids["T2"]
        steps = [
            ("set_attribute", {"ann_id": t1, "name": "Negated"}),
            ("set_attribute", {"ann_id": t1, "name": "Level", "value": "high"}),
            ("set_note", {"ann_id": t1, "text": "first"}),
            ("set_note", {"ann_id": t1, "text": "second"}),
        ]
        for seq, (kind, fields) in enumerate(steps, 1):
            assert be.apply(op(seq, kind, seq - 1, doc_id=d, **fields))["ok"]
        first_t1 = be.load(d)["entities"][0]
        assert first_t1["attributes"] == [{"name": "Negated"}, {"name": "Level", "value": "high"}]
        first, second = first_t1["notes"]
        assert (first["text"], second["text"]) == ("first", "second")
        bad = [
            ("set_attribute", {"ann_id": t1, "name": "Level", "value": "max"}, "takes one of"),
            ("set_attribute", {"ann_id": t1, "name": "Negated", "value": "x"}, "takes no value"),
            ("set_attribute", {"ann_id": t1, "name": "Other"}, "unknown attribute"),
            ("set_attribute", {"ann_id": t2, "name": "Level", "value": "low"}, "does not apply"),
            ("delete_note", {"note_id": "#99"}, "not in document"),
        ]
        for kind, fields, message in bad:
            ack = be.apply(op(9, kind, 4, doc_id=d, **fields))
            assert not ack["ok"] and message in ack["error"], ack
        assert be.apply(op(9, "delete_note", 4, doc_id=d, note_id=first["id"]))["ok"]
        assert be.apply(op(10, "delete_attribute", 5, doc_id=d, ann_id=t1, name="Negated"))["ok"]
        view = be.store.load_document(int(d))
        assert [(a.target, a.type, a.value) for a in view.attributes] == [("T1", "Level", "high")]
        assert [(n.target, n.text) for n in view.notes] == [("T1", "second")]
        assert be.load(d)["entities"][0]["notes"] == [second]
        assert be.apply(op(11, "undo", 6, doc_id=d))["ok"]
        assert len(be.load(d)["entities"][0]["attributes"]) == 2
    finally:
        be.store.close()
