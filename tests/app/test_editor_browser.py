"""The editor in Chromium: rendering, mouse/keyboard editing, persistence, escaping, ordering."""

from __future__ import annotations

import pytest

from tests.ui.pages import LABEL_OVERLAPS_JS

pytestmark = pytest.mark.slow

TEXT = "John Wilkes Booth, who assassinated President Abraham Lincoln, was an actor in Washington."


def _entity(eid, etype, start, end, **extra):
    return {"id": eid, "type": etype, "fragments": [[start, end]], **extra}


def _add(backend, doc_id, text=TEXT, entities=(), relations=()):
    backend.add_document(doc_id, text, entities=list(entities), relations=list(relations))


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
    _add(backend, "render", entities=ents, relations=rels)
    ed = editor("render")
    labels = ed.js("() => [...document.querySelectorAll('.sr-label')].map(e => e.dataset.eid)")
    assert sorted(labels) == ["T1", "T2", "T3", "T4", "T5"]
    # the text is shown exactly, split into segments
    shown = ed.js(
        "() => [...document.querySelectorAll('.sr-seg')].map(s => s.textContent).join('')"
    )
    assert shown == TEXT
    # three nested entities over "Lincoln": three distinct band levels and label lanes
    levels = ed.js(
        "ids => ids.map(id => document.querySelector(`.sr-band[data-eid='${id}']`).dataset.level)",
        ["T2", "T3", "T4"],
    )
    assert len(set(levels)) == 3
    # no two labels overlap (collisions are stacked into lanes)
    overlaps = ed.js(LABEL_OVERLAPS_JS)
    assert overlaps == 0
    # innermost entity tints the text and sits nearest to it
    assert ed.js("() => document.querySelector(`.sr-band[data-eid='T4']`).dataset.level") == "0"
    # discontinuous entity: one band per fragment, one label
    assert ed.js("() => document.querySelectorAll(`.sr-band[data-eid='T5']`).length") == 2
    assert ed.js("() => document.querySelectorAll(`.sr-arc[data-rid='R1']`).length") == 1
    assert ed.arc_text("R1") == "Kill"
    assert not ed.errors


def test_create_by_mouse_relation_by_clicks_and_reload(backend, editor):
    _add(backend, "create")
    ed = editor("create")
    ed.page.keyboard.press("p")  # choose Peop (keyboard shortcut)
    s1, e1 = _find(TEXT, "John Wilkes Booth")
    ed.drag_select(s1 + 2, e1 - 1)  # partial words snap to whole words
    ed.settle()
    ed.page.locator("[data-testid=sr-type-2]").click()  # choose Loc in the toolbar
    s2, e2 = _find(TEXT, "Washington")
    ed.drag_select(s2, e2)
    ed.settle()
    doc = backend.load("create")
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
    rels = backend.load("create")["relations"]
    assert [(r["type"], r["arg1"], r["arg2"]) for r in rels] == [
        ("Live_In", ids["Peop"], ids["Loc"])
    ]
    # a reload shows exactly what was stored
    ed.page.reload()
    ed.page.wait_for_selector(".sr-editor[data-ready='1']")
    ed.open("create")
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 2
    assert ed.arc_text(rels[0]["id"]) == "Live_In"


def test_retype_resize_delete_undo_redo(backend, editor):
    s, e = _find(TEXT, "Abraham")
    _add(backend, "edit", entities=[_entity("T1", "Peop", s, e)])
    ed = editor("edit")
    ed.label("T1").click()
    ed.page.locator(".sr-pop [data-type='Org']").click()  # retype with the mouse
    ed.settle()
    assert backend.load("edit")["entities"][0]["type"] == "Org"
    ed.page.keyboard.press("l")  # retype with the key of Loc
    ed.settle()
    assert backend.load("edit")["entities"][0]["type"] == "Loc"
    ed.page.keyboard.press("ArrowRight")  # end one word right
    ed.settle()
    assert backend.load("edit")["entities"][0]["fragments"] == [[s, e + len(" Lincoln")]]
    ed.page.keyboard.press("Shift+ArrowLeft")  # start one word left
    ed.settle()
    start = TEXT.index("President")
    assert backend.load("edit")["entities"][0]["fragments"] == [[start, e + len(" Lincoln")]]
    ed.page.locator(".sr-pop [data-testid=sr-end-left]").click()  # shrink with the mouse
    ed.settle()
    assert backend.load("edit")["entities"][0]["fragments"] == [[start, e]]
    ed.page.keyboard.press("Delete")
    ed.settle()
    assert backend.load("edit")["entities"] == []
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 0
    ed.page.keyboard.press("Control+z")
    ed.settle()
    assert backend.load("edit")["entities"][0]["fragments"] == [[start, e]]
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 1
    ed.page.locator("[data-testid=sr-undo]").click()
    ed.settle()
    assert backend.load("edit")["entities"][0]["fragments"] == [[start, e + len(" Lincoln")]]
    ed.page.locator("[data-testid=sr-redo]").click()
    ed.page.keyboard.press("Control+y")
    ed.settle()
    assert backend.load("edit")["entities"] == []
    assert "saved" in ed.status()


def test_suggestions_dashed_accept_reject_accept_all(backend, editor):
    spans = [_find(TEXT, w) for w in ("John Wilkes Booth", "Abraham Lincoln", "Washington")]
    sugg = {"source": "model", "review": "suggested"}
    _add(
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
    ed = editor("sugg")
    assert ed.label_text("T1") == "Peop 0.87"
    assert "sr-sugg" in ed.label("T1").get_attribute("class")
    dash = ed.js(
        "() => getComputedStyle(document.querySelector(`.sr-band[data-eid='T1']`)).strokeDasharray"
    )
    assert dash not in ("", "none")
    assert ed.arc_text("R1") == "Kill 0.60"
    ed.label("T1").click()
    ed.page.locator(".sr-pop [data-testid=sr-accept]").click()
    ed.settle()
    by_id = {e["id"]: e for e in backend.load("sugg")["entities"]}
    assert by_id["T1"]["review"] == "accepted"
    assert "sr-sugg" not in ed.label("T1").get_attribute("class")
    ed.label("T2").click()
    ed.page.keyboard.press("Delete")  # on a suggestion: reject (its relation goes too)
    ed.settle()
    doc = backend.load("sugg")
    assert {e["id"]: e["review"] for e in doc["entities"]}["T2"] == "rejected"
    assert doc["relations"][0]["review"] == "rejected"
    assert ed.js("() => document.querySelectorAll(`.sr-label[data-eid='T2']`).length") == 0
    ed.page.locator("[data-testid=sr-threshold]").fill("0.9")
    ed.page.locator("[data-testid=sr-accept-all]").click()
    ed.settle()
    assert {e["id"]: e["review"] for e in backend.load("sugg")["entities"]}["T3"] == "accepted"
    assert "accepted 1" in ed.status()


def test_text_and_type_names_are_never_markup(backend, editor):
    nasty_text = "<img src=x onerror=alert(1)> and ${alert(2)} `x` <script>alert(3)</script>"
    nasty_type = "<b>x</b>"
    backend.schema["entity_types"].append({"name": nasty_type, "color": "red;background:url(x)"})
    backend.schema["relation_types"].append(
        {"name": "<i onmouseover=alert(4)>r</i>", "arg1_types": [], "arg2_types": []}
    )
    try:
        _add(
            backend,
            "xss",
            text=nasty_text,
            entities=[_entity("T1", nasty_type, 0, 28), _entity("T2", "Peop", 33, 44)],
            relations=[
                {"id": "R1", "type": "<i onmouseover=alert(4)>r</i>", "arg1": "T1", "arg2": "T2"}
            ],
        )
        ed = editor("xss")
        ed.label("T1").hover()
        ed.arc_label("R1").hover()
        ed.label("T1").click()
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
        assert ed.label_text("T1") == nasty_type
        assert ed.arc_text("R1") == "<i onmouseover=alert(4)>r</i>"
        assert nasty_type in ed.page.locator(".sr-toolbar").inner_text()
        ed.page.wait_for_timeout(300)
        assert ed.dialogs == []
    finally:
        del backend.schema["entity_types"][-1]
        del backend.schema["relation_types"][-1]


def test_repeated_seq_applied_once_and_rapid_edits_in_order(backend, editor):
    _add(backend, "seq")
    ed = editor("seq")
    acks = ed.js(
        """async () => {
          const ed = document.querySelector('.sr-editor').srEditor;
          const op = {doc_id: 'seq', client_id: 'tester', seq: 1, base_version: 0,
                      kind: 'add_entity', type: 'Peop', fragments: [[0, 4]]};
          return [await ed.call('editor_apply', op), await ed.call('editor_apply', op)];
        }"""
    )
    assert acks[0]["ok"] and acks[1]["ok"] and acks[1].get("repeat")
    assert acks[0]["version"] == acks[1]["version"] == 1
    assert len(backend.load("seq")["entities"]) == 1
    ed.open("seq")
    # ten edits fired without waiting: all applied, in order
    words = [(m, m + len(w)) for w in TEXT.split()[:12] if (m := TEXT.index(w)) >= 0]
    spans = [list(sp) for sp in words[1:11]]
    ed.js(
        """spans => { const ed = document.querySelector('.sr-editor').srEditor;
                     for (const f of spans)
                       ed.send('add_entity', {type: 'Org', fragments: [f]}); }""",
        spans,
    )
    ed.settle(20_000)
    doc = backend.load("seq")
    orgs = [e for e in doc["entities"] if e["type"] == "Org"]
    assert [e["fragments"][0] for e in orgs] == spans
    assert [int(e["id"][1:]) for e in orgs] == sorted(int(e["id"][1:]) for e in orgs)
    assert doc["version"] == 11
    assert ed.js("() => document.querySelectorAll('.sr-label').length") == 11


def test_refusal_conflict_navigation_and_done(backend, editor):
    _add(backend, "nav1")
    _add(backend, "nav2", text="Second document.")
    ed = editor("nav1")
    # a refused edit shows its reason
    ed.js(
        "() => document.querySelector('.sr-editor').srEditor.send('add_entity',"
        " {type: 'Peop', fragments: [[3, 5000]]})"
    )
    ed.settle()
    assert "refused" in ed.status() and "outside the text" in ed.status()
    # someone else edits: the page's next edit is refused as stale and the page reloads
    backend.apply(
        {
            "doc_id": "nav1",
            "client_id": "other",
            "seq": 1,
            "base_version": 0,
            "kind": "add_entity",
            "type": "Loc",
            "fragments": [[0, 4]],
        }
    )
    ed.js(
        "() => document.querySelector('.sr-editor').srEditor.send('add_entity',"
        " {type: 'Peop', fragments: [[5, 11]]})"
    )
    ed.settle()
    ed.page.wait_for_function("() => document.querySelectorAll('.sr-label').length === 1")
    assert "changed elsewhere" in ed.status()
    ed.page.locator("[data-testid=sr-done]").click()
    ed.settle()
    assert backend.load("nav1")["status"] == "done"
    assert ed.page.locator("[data-testid=sr-doc-status]").inner_text().lower() == "done"
    ed.page.locator("[data-testid=sr-next]").click()
    ed.page.wait_for_function("() => document.querySelector('.sr-editor').dataset.docId === 'nav2'")
    assert ed.page.locator("[data-testid=sr-doc-name]").inner_text() == "nav2"
    assert not ed.errors
