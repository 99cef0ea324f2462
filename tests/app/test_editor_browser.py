"""The editor in Chromium over the app's ``StoreBackend``: rendering, mouse/keyboard editing,
persistence, escaping, ordering; what the page did is read back from the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from app.editor.demo import CONLL04_SCHEMA, store_schema
from app.store_backend import StoreBackend
from converters.brat import parse_conf
from db import Edit
from tests.app.conftest import BRAT_CONF, EditorPage, add_doc
from tests.ui.pages import LABEL_OVERLAPS_JS

pytestmark = pytest.mark.slow

TEXT = "John Wilkes Booth, who assassinated President Abraham Lincoln, was an actor in Washington."


def _entity(eid, etype, start, end, **extra):
    return {"id": eid, "type": etype, "fragments": [[start, end]], **extra}


def _add(
    backend: StoreBackend,
    name: str,
    text: str = TEXT,
    entities: Sequence[dict[str, Any]] = (),
    relations: Sequence[dict[str, Any]] = (),
    project: str = "editor",
) -> tuple[str, dict[str, str]]:
    """Store the document; its page id and the page ids of its annotations (``T1`` -> ``e7``)."""
    return add_doc(backend, name, text, list(entities), list(relations), project=project)


def _find(text, word):
    i = text.index(word)
    return i, i + len(word)


def test_renders_spans_stacked_and_arcs(backend, editor):
    s1, e1 = _find(TEXT, "John Wilkes Booth")
    s2, e2 = _find(TEXT, "President Abraham Lincoln")
    s3, e3 = _find(TEXT, "Abraham Lincoln")
    s4, e4 = _find(TEXT, "Lincoln")
    s5, e5 = _find(TEXT, "Washington")
    ents = [
        _entity("T1", "Peop", s1, e1),
        _entity("T2", "Peop", s2, e2),
        _entity("T3", "Peop", s3, e3),
        _entity("T4", "Other", s4, e4),
        {"id": "T5", "type": "Loc", "fragments": [[s5, e5], [s1, s1 + 4]]},  # discontinuous
    ]
    rels = [{"id": "R1", "type": "Kill", "arg1": "T1", "arg2": "T2"}]
    doc_id, ids = _add(backend, "render", entities=ents, relations=rels)
    ed = editor(doc_id)
    labels = ed.js("() => [...document.querySelectorAll('.sr-label')].map(e => e.dataset.eid)")
    assert sorted(labels) == sorted(ids[t] for t in ("T1", "T2", "T3", "T4", "T5"))
    # the text is shown exactly, split into segments
    shown = ed.js(
        "() => [...document.querySelectorAll('.sr-seg')].map(s => s.textContent).join('')"
    )
    assert shown == TEXT
    # three nested entities over "Lincoln": three distinct band levels and label lanes
    levels = ed.js(
        "ids => ids.map(id => document.querySelector(`.sr-band[data-eid='${id}']`).dataset.level)",
        [ids["T2"], ids["T3"], ids["T4"]],
    )
    assert len(set(levels)) == 3
    # no two labels overlap (collisions are stacked into lanes)
    overlaps = ed.js(LABEL_OVERLAPS_JS)
    assert overlaps == 0
    # innermost entity tints the text and sits nearest to it
    level = "id => document.querySelector(`.sr-band[data-eid='${id}']`).dataset.level"
    assert ed.js(level, ids["T4"]) == "0"
    # discontinuous entity: one band per fragment, one label
    assert (
        ed.js("id => document.querySelectorAll(`.sr-band[data-eid='${id}']`).length", ids["T5"])
        == 2
    )
    assert (
        ed.js("id => document.querySelectorAll(`.sr-arc[data-rid='${id}']`).length", ids["R1"]) == 1
    )
    assert ed.arc_text(ids["R1"]) == "Kill"
    assert not ed.errors


def test_create_by_mouse_relation_by_clicks_reload_and_undo(backend, editor):
    doc_id, _ = _add(backend, "create")
    ed = editor(doc_id)
    state = "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
    client = ed.js(state + " return s.clientId; }")
    ed.page.keyboard.press("p")  # choose Peop (keyboard shortcut)
    s1, e1 = _find(TEXT, "John Wilkes Booth")
    ed.drag_select(s1 + 2, e1 - 1)  # partial words snap to whole words
    ed.settle()
    ed.page.locator("[data-testid=sr-type-2]").click()  # choose Loc in the toolbar
    s2, e2 = _find(TEXT, "Washington")
    ed.drag_select(s2, e2)
    ed.settle()
    doc = backend.load(doc_id)
    got = sorted((e["type"], e["fragments"][0][0], e["fragments"][0][1]) for e in doc["entities"])
    assert got == [("Loc", s2, e2), ("Peop", s1, e1)]
    ids = {e["type"]: e["id"] for e in doc["entities"]}
    # click the person, then the place: the chooser offers only what the schema allows
    ed.label(ids["Peop"]).click()
    ed.label(ids["Loc"]).click()
    offered = ed.js(
        "() => [...document.querySelectorAll('.sr-pop [data-type]')].map(b => b.dataset.type)"
    )
    assert offered == ["Live_In"]
    ed.page.locator(".sr-pop [data-type='Live_In']").click()
    ed.settle()
    rels = backend.load(doc_id)["relations"]
    assert [(r["type"], r["arg1"], r["arg2"]) for r in rels] == [
        ("Live_In", ids["Peop"], ids["Loc"])
    ]
    # a reload shows exactly what was stored
    ed.page.reload()
    ed.page.wait_for_selector(".sr-editor[data-ready='1']")
    ed.open(doc_id)
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 2
    assert ed.arc_text(rels[0]["id"]) == "Live_In"
    # and it is the same page (its client id and numbers survive, identity.js): an edit after
    # the reload is applied, not answered as a repeat, and undo twice takes back that edit and
    # the relation drawn before the reload
    assert ed.js(state + " return s.clientId; }") == client
    send = "op => document.querySelector('.sr-editor').srEditor.send(op[0], op[1])"
    ed.js(send, ["add_entity", {"type": "Other", "fragments": [list(_find(TEXT, "actor"))]}])
    ed.settle()
    assert len(backend.load(doc_id)["entities"]) == 3
    ed.js(send, ["undo", {}])
    ed.js(send, ["undo", {}])
    ed.settle()
    doc = backend.load(doc_id)
    assert sorted(e["type"] for e in doc["entities"]) == ["Loc", "Peop"] and doc["relations"] == []
    # a window the page opens gets a copy of its sessionStorage, as a duplicated tab does: a
    # page of its own (numbering on from the same record, the next edits of the two would
    # carry the same client id and seq, and the second would be answered as a repeat)
    ed.js("() => sessionStorage.setItem('copied', 'yes')")
    with ed.page.expect_popup() as opened:
        ed.js("() => { window.open(location.href); }")
    copy = EditorPage(opened.value)
    copy.page.wait_for_selector(".sr-editor[data-ready='1']", timeout=30_000)
    assert copy.js("() => sessionStorage.getItem('copied')") == "yes"
    assert copy.js(state + " return s.clientId; }") not in (None, client)
    copy.open(doc_id)
    copy.js(send, ["add_entity", {"type": "Org", "fragments": [list(_find(TEXT, "President"))]}])
    copy.settle()
    ed.open(doc_id)  # (its copy of the document is a version behind)
    ed.js(send, ["add_entity", {"type": "Peop", "fragments": [list(_find(TEXT, "Lincoln"))]}])
    ed.settle()
    assert "repeat" not in ed.status()
    assert sorted(e["type"] for e in backend.load(doc_id)["entities"]) == [
        "Loc",
        "Org",
        "Peop",
        "Peop",
    ]
    copy.page.close()
    assert not ed.errors and not copy.errors


def test_retype_resize_delete_undo_redo(backend, editor):
    s, e = _find(TEXT, "Abraham")
    doc_id, ids = _add(backend, "edit", entities=[_entity("T1", "Peop", s, e)])
    ed = editor(doc_id)
    ed.label(ids["T1"]).click()
    ed.page.locator(".sr-pop [data-type='Org']").click()  # retype with the mouse
    ed.settle()
    assert backend.load(doc_id)["entities"][0]["type"] == "Org"
    ed.page.keyboard.press("l")  # retype with the key of Loc
    ed.settle()
    assert backend.load(doc_id)["entities"][0]["type"] == "Loc"
    ed.page.keyboard.press("ArrowRight")  # end one word right
    ed.settle()
    assert backend.load(doc_id)["entities"][0]["fragments"] == [[s, e + len(" Lincoln")]]
    ed.page.keyboard.press("Shift+ArrowLeft")  # start one word left
    ed.settle()
    start = TEXT.index("President")
    assert backend.load(doc_id)["entities"][0]["fragments"] == [[start, e + len(" Lincoln")]]
    ed.page.locator(".sr-pop [data-testid=sr-end-left]").click()  # shrink with the mouse
    ed.settle()
    assert backend.load(doc_id)["entities"][0]["fragments"] == [[start, e]]
    ed.page.keyboard.press("Delete")
    ed.settle()
    assert backend.load(doc_id)["entities"] == []
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 0
    ed.page.keyboard.press("Control+z")
    ed.settle()
    assert backend.load(doc_id)["entities"][0]["fragments"] == [[start, e]]
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 1
    ed.page.locator("[data-testid=sr-undo]").click()
    ed.settle()
    assert backend.load(doc_id)["entities"][0]["fragments"] == [[start, e + len(" Lincoln")]]
    ed.page.locator("[data-testid=sr-redo]").click()
    ed.page.keyboard.press("Control+y")
    ed.settle()
    assert backend.load(doc_id)["entities"] == []
    assert "saved" in ed.status()


def test_suggestions_dashed_accept_reject_accept_all(backend, editor):
    spans = [_find(TEXT, w) for w in ("John Wilkes Booth", "Abraham Lincoln", "Washington")]
    sugg = {"source": "model", "review": "suggested"}
    doc_id, ids = _add(
        backend,
        "sugg",
        entities=[
            _entity("T1", "Peop", *spans[0], confidence=0.87, **sugg),
            _entity("T2", "Peop", *spans[1], confidence=0.42, **sugg),
            _entity("T3", "Loc", *spans[2], confidence=0.95, **sugg),
        ],
        relations=[
            {"id": "R1", "type": "Kill", "arg1": "T1", "arg2": "T2", "confidence": 0.6, **sugg}
        ],
    )
    t1, t2, t3 = ids["T1"], ids["T2"], ids["T3"]
    ed = editor(doc_id)
    assert ed.label_text(t1) == "Peop 0.87"
    assert "sr-sugg" in ed.label(t1).get_attribute("class")
    dash = ed.js(
        "id => getComputedStyle(document.querySelector(`.sr-band[data-eid='${id}']`))"
        ".strokeDasharray",
        t1,
    )
    assert dash not in ("", "none")
    assert ed.arc_text(ids["R1"]) == "Kill 0.60"
    ed.label(t1).click()
    ed.page.locator(".sr-pop [data-testid=sr-accept]").click()
    ed.settle()
    by_id = {e["id"]: e for e in backend.load(doc_id)["entities"]}
    assert by_id[t1]["review"] == "accepted"
    assert "sr-sugg" not in ed.label(t1).get_attribute("class")
    ed.label(t2).click()
    ed.page.keyboard.press("Delete")  # on a suggestion: reject (its relation goes too)
    ed.settle()
    doc = backend.load(doc_id)
    assert {e["id"]: e["review"] for e in doc["entities"]}[t2] == "rejected"
    assert doc["relations"][0]["review"] == "rejected"
    assert ed.js("id => document.querySelectorAll(`.sr-label[data-eid='${id}']`).length", t2) == 0
    ed.page.locator("[data-testid=sr-threshold]").fill("0.9")
    ed.page.locator("[data-testid=sr-accept-all]").click()
    ed.settle()
    assert {e["id"]: e["review"] for e in backend.load(doc_id)["entities"]}[t3] == "accepted"
    assert "accepted 1" in ed.status()


def test_text_and_type_names_are_never_markup(backend, editor):
    nasty_text = "<img src=x onerror=alert(1)> and ${alert(2)} `x` <script>alert(3)</script>"
    nasty_type = "<b>x</b>"
    nasty_rel = "<i onmouseover=alert(4)>r</i>"
    schema = {
        "entity_types": [
            *CONLL04_SCHEMA["entity_types"],
            {"name": nasty_type, "color": "red;background:url(x)"},
        ],
        "relation_types": [
            *CONLL04_SCHEMA["relation_types"],
            {"name": nasty_rel, "arg1_types": [], "arg2_types": []},
        ],
    }
    backend.store.create_project("xss", store_schema(schema))
    doc_id, ids = _add(
        backend,
        "xss",
        text=nasty_text,
        entities=[_entity("T1", nasty_type, 0, 28), _entity("T2", "Peop", 33, 44)],
        relations=[{"id": "R1", "type": nasty_rel, "arg1": "T1", "arg2": "T2"}],
        project="xss",
    )
    ed = editor(doc_id)
    ed.label(ids["T1"]).hover()
    ed.arc_label(ids["R1"]).hover()
    ed.label(ids["T1"]).click()
    assert (
        ed.js(
            "() => document.querySelectorAll('.sr-editor img, .sr-editor b, "
            ".sr-editor i, .sr-editor script').length"
        )
        == 0
    )
    shown = ed.js(
        "() => [...document.querySelectorAll('.sr-seg')].map(s => s.textContent).join('')"
    )
    assert shown == nasty_text
    assert ed.label_text(ids["T1"]) == nasty_type
    assert ed.arc_text(ids["R1"]) == nasty_rel
    assert nasty_type in ed.page.locator(".sr-toolbar").inner_text()
    ed.page.wait_for_timeout(300)
    assert ed.dialogs == []


def test_repeated_seq_applied_once_and_rapid_edits_in_order(backend, editor):
    doc_id, _ = _add(backend, "seq")
    ed = editor(doc_id)
    acks = ed.js(
        """async (docId) => {
          const ed = document.querySelector('.sr-editor').srEditor;
          const op = {doc_id: docId, client_id: 'tester', seq: 1, base_version: 0,
                      kind: 'add_entity', type: 'Peop', fragments: [[0, 4]]};
          return [await ed.call('editor_apply', op), await ed.call('editor_apply', op)];
        }""",
        doc_id,
    )
    assert acks[0]["ok"] and acks[1]["ok"] and acks[1].get("repeat")
    assert acks[0]["version"] == acks[1]["version"] == 1
    assert len(backend.store.load_document(int(doc_id)).entities) == 1
    ed.open(doc_id)
    # ten edits fired without waiting: all applied, in order
    words = [(TEXT.index(w), TEXT.index(w) + len(w)) for w in TEXT.split()[:12]]
    spans = [list(sp) for sp in words[1:11]]
    assert len(set(map(tuple, spans))) == 10  # ten distinct words
    ed.js(
        """spans => { const ed = document.querySelector('.sr-editor').srEditor;
                     for (const f of spans)
                       ed.send('add_entity', {type: 'Org', fragments: [f]}); }""",
        spans,
    )
    ed.settle(20_000)
    # read back from the database: the stored entities in creation order, and the document's
    # history, one edit per operation with consecutive versions
    view = backend.store.load_document(int(doc_id))
    assert view.version == 11
    assert [(e.type, list(e.fragments[0])) for e in view.entities] == [
        ("Peop", [0, 4]),
        *(("Org", sp) for sp in spans),
    ]
    assert [e.ann_id for e in view.entities] == [f"T{n}" for n in range(1, 12)]
    edits = [h for h in reversed(backend.store.history(int(doc_id))) if h.action == "edit"]
    assert [(h.op, h.version_before, h.version_after) for h in edits] == [
        ("add_entity", n, n + 1) for n in range(11)
    ]
    added = [c["a"]["fragments"] for h in edits[1:] for c in h.changes if c["t"] == "entity"]
    assert added == [[sp] for sp in spans]
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 11


def test_refusal_conflict_navigation_and_done(backend, editor):
    # nav2 before nav1 in the project's order: "previous" from nav2 goes back to nav1 only
    # along what the page showed
    nav2, _ = _add(backend, "nav2", text="Second document.")
    nav1, ids = _add(backend, "nav1", entities=[_entity("T1", "Peop", *_find(TEXT, "John"))])
    # the page's person (no sign-in: the backend's default user) has nav2 to do: "next" goes
    # there first, past every document of the module open to all
    store = backend.store
    store.apply_edit(int(nav2), Edit.set_assignee(backend.default_user), 0, "manager")
    ed = editor(nav1)
    # a refused edit shows its reason
    ed.js(
        "() => document.querySelector('.sr-editor').srEditor.send('add_entity',"
        " {type: 'Peop', fragments: [[3, 5000]]})"
    )
    ed.settle()
    assert "refused" in ed.status() and "outside the text" in ed.status()
    # someone else removes "John" and adds a place: the page's next edit is refused as stale
    # and the page reloads
    other = {"doc_id": nav1, "client_id": "other", "base_version": 0}
    ack = backend.apply({**other, "seq": 1, "kind": "delete_entity", "entity_id": ids["T1"]})
    assert ack["ok"], ack
    washington = list(_find(TEXT, "Washington"))
    ack = backend.apply(
        {**other, "seq": 2, "base_version": 1, "kind": "add_entity", "type": "Loc"}
        | {"fragments": [washington]}
    )
    assert ack["ok"], ack
    ed.js(
        "() => document.querySelector('.sr-editor').srEditor.send('add_entity',"
        " {type: 'Peop', fragments: [[5, 11]]})"
    )
    ed.settle()
    # what the other person did: the place outlined, the removed person named and its text
    # marked
    toast = ed.page.locator("[data-testid=sr-toast]", has_text="1 added, 0 changed, 1 removed")
    toast.wait_for()
    assert "changed elsewhere" in ed.status()
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 1
    assert "removed: Peop \u201cJohn\u201d" in toast.inner_text()
    outlined = ed.js("() => [...document.querySelectorAll('.sr-changed')].map(g => g.dataset.eid)")
    assert outlined == [ack["changes"]["entities"][0]["id"]]
    marked = ed.js(
        "() => [...document.querySelectorAll('.sr-seg.sr-removed')].map(s => s.textContent)"
    )
    assert "".join(marked) == "John"
    ed.page.locator("[data-testid=sr-done]").click()
    ed.settle()
    assert backend.store.load_document(int(nav1)).status == "done"
    assert ed.page.locator("[data-testid=sr-doc-status]").inner_text().lower() == "done"
    ed.page.locator("[data-testid=sr-next]").click()
    ed.page.wait_for_function(
        "id => document.querySelector('.sr-editor').dataset.docId === id", arg=nav2
    )
    assert ed.page.locator("[data-testid=sr-doc-name]").inner_text() == "nav2"
    # "previous": back to the document the page came from, not nav2's neighbour
    assert backend.load(nav2)["prev_id"] not in (None, nav1)
    ed.page.locator("[data-testid=sr-prev]").click()
    ed.page.wait_for_function(
        "id => document.querySelector('.sr-editor').dataset.docId === id", arg=nav1
    )
    assert not ed.errors


def test_relation_types_offered_under_abstract_parents_and_entity(backend, editor):
    """Regression: under abstract parent types (Person -> !Human -> !Agent) and ``<ENTITY>``
    arguments the page offered no relation type from Person to Company, where the schema allows
    two; the page now offers exactly what ``Schema.allowed_relations`` answers."""
    schema = parse_conf(BRAT_CONF)
    backend.store.create_project("brat-abstract", schema)
    text = "Ann Lee works for Acme Corp in Oslo."
    ents = [
        _entity("T1", "Person", *_find(text, "Ann Lee")),
        _entity("T2", "Company", *_find(text, "Acme Corp")),
        _entity("T3", "Place", *_find(text, "Oslo")),
    ]
    doc_id, ids = _add(backend, "abstract", text=text, entities=ents, project="brat-abstract")
    ed = editor(doc_id)
    offered = "() => [...document.querySelectorAll('.sr-pop [data-type]')].map(b => b.dataset.type)"
    pairs = (("T1", "T2", ("Person", "Company")), ("T3", "T1", ("Place", "Person")))
    for first, second, types in pairs:
        ed.page.keyboard.press("Escape")
        ed.label(ids[first]).click()
        ed.label(ids[second]).click()
        assert ed.js(offered) == schema.allowed_relations(*types)
    assert schema.allowed_relations("Person", "Company") == ["Works_for", "Any_link"]
    # draw Works_for from Person to Company: stored as drawn
    ed.page.keyboard.press("Escape")
    ed.label(ids["T1"]).click()
    ed.label(ids["T2"]).click()
    ed.page.locator(".sr-pop [data-type='Works_for']").click()
    ed.settle()
    rels = backend.load(doc_id)["relations"]
    got = [(r["type"], r["arg1"], r["arg2"]) for r in rels]
    assert got == [("Works_for", ids["T1"], ids["T2"])]
    # the attributes the schema gives Person (<ENTITY> and the abstract Human)
    ed.label(ids["T1"]).click()
    attrs = ed.js("() => [...document.querySelectorAll('.sr-attr')].map(a => a.dataset.attr)")
    want = [a.name for a in schema.attributes_for("entity", "Person")]
    assert attrs == want == ["Negated", "Level"]
    assert not ed.errors
