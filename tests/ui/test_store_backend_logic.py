"""The editor's backend over the database store, without a browser. ``StoreBackend`` is what the
page talks to inside the app, so these check its contract directly: page ids, schema and
neighbours on load; edits with their diffs, repeats, schema refusals, conflicts and authors;
suggestions accepted and rejected; and that the page document it patches after each edit is
exactly what a fresh load would build, so the page never drifts from the database.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.screens import importing
from app.store_backend import StoreBackend
from db import Store
from tests.ui.brat_corpus import ANN, TEXT, brat_zip


def op(doc_id: str, seq: int, version: int, kind: str, **fields):
    return {
        "doc_id": doc_id,
        "client_id": "c1",
        "seq": seq,
        "base_version": version,
        "kind": kind,
        **fields,
    }


def test_backend_load_maps_ids_schema_and_neighbours(brat_project) -> None:
    store, doc_id = brat_project
    backend = StoreBackend(store)
    doc = backend.load(str(doc_id))
    assert doc["text"] == TEXT
    assert doc["status"] == "new"
    assert sorted((e["type"], e["fragments"]) for e in doc["entities"]) == [
        ("Org", [[21, 30]]),
        ("Person", [[0, 10]]),
    ]
    assert all(e["id"].startswith("e") for e in doc["entities"])
    assert [t["name"] for t in doc["schema"]["entity_types"]] == ["Person", "Org", "Place"]
    assert doc["prev_id"] is None and doc["next_id"] is None
    with pytest.raises(KeyError):
        backend.load("99999")
    with pytest.raises(KeyError):
        backend.load("../etc/passwd")


def test_backend_edits_diffs_conflicts_and_authors(brat_project, caplog) -> None:
    caplog.set_level(logging.INFO, logger="app.store_backend")
    store, doc_id = brat_project
    backend = StoreBackend(store)
    d = str(doc_id)
    doc = backend.load(d)
    ids = {e["type"]: e["id"] for e in doc["entities"]}
    ack = backend.apply(op(d, 1, 0, "add_entity", type="Place", fragments=[[34, 40]]), "ann")
    assert ack["ok"], ack
    assert [e["type"] for e in ack["changes"]["entities"]] == ["Place"]
    ack = backend.apply(
        op(
            d,
            2,
            ack["version"],
            "add_relation",
            type="Works_for",
            arg1=ids["Person"],
            arg2=ids["Org"],
        ),
        "ann",
    )
    assert ack["ok"], ack
    rel = ack["changes"]["relations"][0]
    assert (rel["arg1"], rel["arg2"]) == (ids["Person"], ids["Org"])
    # a repeat of seq 2 is answered from the store's record, not applied twice
    again = backend.apply(
        op(d, 2, 1, "add_relation", type="Works_for", arg1=ids["Person"], arg2=ids["Org"]), "ann"
    )
    assert again["ok"] and len(store.load_document(doc_id).relations) == 1
    # schema checks come from the store: Works_for needs Person -> Org
    bad = backend.apply(
        op(
            d,
            3,
            ack["version"],
            "add_relation",
            type="Works_for",
            arg1=ids["Org"],
            arg2=ids["Person"],
        ),
        "ann",
    )
    assert not bad["ok"] and "not allowed" in bad["error"]
    stale = backend.apply(op(d, 4, 0, "delete_entity", entity_id=ids["Org"]), "ann")
    assert stale["conflict"] and stale["version"] == ack["version"]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(m.startswith("conflict: ann's delete_entity") for m in said), said
    assert any(m.startswith("refused ann's add_relation") for m in said), said
    white = backend.apply(
        op(d, 5, ack["version"], "add_entity", type="Place", fragments=[[10, 11]]), "x"
    )
    assert not white["ok"] and "whitespace" in white["error"]
    done = backend.apply(op(d, 6, ack["version"], "set_status", status="done"), "ann")
    assert done["ok"] and done["changes"]["status"] == "done" and "status" in done["message"]
    undo = backend.apply(op(d, 7, done["version"], "undo"), "ann")
    # back to what the first edits made it (in progress), not to the imported "new"
    assert undo["ok"] and undo["changes"]["status"] == "in-progress"
    view = store.load_document(doc_id)
    assert {e.author for e in view.entities if e.type == "Place"} == {"ann"}
    assert view.relations[0].author == "ann"
    # no user: the default author
    anon = StoreBackend(store, default_user="someone")
    ack = anon.apply(
        op(d, 1, undo["version"], "delete_relation", relation_id=rel["id"]) | {"client_id": "c2"},
        None,
    )
    assert ack["ok"] and ack["changes"]["deleted_relations"] == [rel["id"]]
    assert store.history(doc_id, limit=1)[0].author == "someone"


def test_backend_accept_reject_and_accept_all(brat_project) -> None:
    from converters.document import Entity

    store, doc_id = brat_project
    store.replace_suggestions(
        doc_id,
        None,
        [
            Entity("a", "Place", [(34, 40)], confidence=0.9),
            Entity("b", "Person", [(21, 25)], confidence=0.3),
        ],
    )
    backend = StoreBackend(store)
    doc = backend.load(str(doc_id))
    sugg = {e["type"]: e["id"] for e in doc["entities"] if e["review"] == "suggested"}
    assert set(sugg) == {"Place", "Person"}
    ack = backend.apply(op(str(doc_id), 1, doc["version"], "reject", ann_id=sugg["Person"]), "u")
    assert ack["ok"] and ack["changes"]["entities"][0]["review"] == "rejected"
    ack = backend.apply(op(str(doc_id), 2, ack["version"], "accept_all", min_confidence=0.5), "u")
    assert ack["ok"] and "accepted 1" in ack["message"]
    assert {e.type: e.review for e in store.load_document(doc_id).entities}["Place"] == "accepted"


def test_backend_patches_its_copy_exactly_as_a_reload_would(store: Store, tmp_path: Path) -> None:
    """After an edit the backend builds the new page document from the edit's changed rows
    (no reload of every annotation); it must equal a fresh load after every kind of op,
    attributes and notes of the edited entities included."""
    from converters.document import Entity, Relation

    extras = "A1\tNegation T1\n#1\tAnnotatorNotes T1\tcheck the name\n"
    upload = brat_zip(tmp_path, docs={"doc1": (TEXT, ANN + extras)})
    assert importing.import_uploads(store, "news", [upload]).ok
    doc_id = store.find_document("news", "doc1")
    store.replace_suggestions(
        doc_id,
        None,
        [
            Entity("a", "Place", [(34, 40)], confidence=0.9),
            Entity("b", "Person", [(0, 4)], confidence=0.3),
        ],
        [Relation("r", "Works_for", "b", "a", confidence=0.8)],
    )

    class Counting(StoreBackend):
        reloads = 0

        def _fresh(self, doc_key: str) -> dict:
            Counting.reloads += 1
            return super()._fresh(doc_key)

    backend = Counting(store)
    d = str(doc_id)
    page = backend.load(d)
    ids = {e["type"]: e["id"] for e in page["entities"] if e["review"] != "suggested"}
    sugg = {e["type"]: e["id"] for e in page["entities"] if e["review"] == "suggested"}
    person = next(e for e in page["entities"] if e["id"] == ids["Person"])
    assert person["attributes"] == [{"name": "Negation"}]
    assert person["notes"] == [{"id": "#1", "text": "check the name"}]
    steps = [
        ("change_entity", {"entity_id": ids["Person"], "fragments": [[0, 4]]}),
        ("add_entity", {"type": "Org", "fragments": [[5, 10]]}),
        ("change_entity", {"entity_id": ids["Org"], "fragments": [[21, 25]]}),
        ("add_relation", {"type": "Works_for", "arg1": ids["Person"], "arg2": ids["Org"]}),
        ("reject", {"ann_id": sugg["Person"]}),
        ("accept", {"ann_id": sugg["Place"]}),
        ("set_status", {"status": "done"}),  # the accept made it in progress
        ("delete_entity", {"entity_id": ids["Org"]}),
        ("undo", {}),
        ("redo", {}),
        ("set_status", {"status": "in-progress"}),  # reopened
        # attributes and notes: the rows are not the page's own, so these reload
        ("delete_attribute", {"ann_id": ids["Person"], "name": "Negation"}),
        ("set_attribute", {"ann_id": ids["Person"], "name": "Negation"}),
        ("set_note", {"ann_id": ids["Person"], "note_id": "#1", "text": "checked"}),
        ("set_note", {"ann_id": ids["Person"], "text": "second"}),
        ("delete_note", {"note_id": "#1"}),
    ]

    def norm(doc: dict) -> dict:
        return {
            **doc,
            "entities": sorted(doc["entities"], key=lambda e: e["id"]),
            "relations": sorted(doc["relations"], key=lambda r: r["id"]),
        }

    version, reloads = page["version"], Counting.reloads
    for seq, (kind, fields) in enumerate(steps, 1):
        ack = backend.apply(op(d, seq, version, kind, **fields), "ann")
        assert ack["ok"], (kind, ack)
        version = ack["version"]
        patched = backend._cache[d]
        assert patched["version"] == version
        assert norm(patched) == norm(StoreBackend(store).load(d)), kind
    person = next(e for e in backend._cache[d]["entities"] if e["id"] == ids["Person"])
    assert person["fragments"] == [[0, 4]] and person["notes"] == [{"id": "#2", "text": "second"}]
    assert person["attributes"] == [{"name": "Negation"}]
    # only undo, redo and the five attribute and note edits reloaded the whole document
    assert Counting.reloads - reloads == 7
