"""Double annotation to curated gold in the page: two annotators annotate the same document
differently, each in their own layer through the editor and their own browser; the curator
opens the Curation tab, reads the agreement table (the hand-computed figures of
``tests/ui/test_curation_screen.py``), resolves every disagreement with the keys (a stale view
is refused with a toast that names who changed the document), marks the curated document done
through the "Edit the curated document" link, sees each annotator against it, and the curated
export is the expected BRAT files.

Page only: what the store does with the choices runs on both databases in
``tests/db/test_curating.py`` and ``tests/ui/test_curation_screen.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from converters.brat import write_corpus
from converters.document import Document
from converters.schema import EntityType, RelationType, Schema
from db import Edit
from tests.databases import BACKENDS, fresh_database_url
from tests.ui.conftest import Served, serve, stop
from tests.ui.team_pages import editor_idle, send, sign_in

pytestmark = [
    pytest.mark.slow,
    pytest.mark.page_only(
        "the store side of curation runs on both databases in tests/db/test_curating.py and "
        "tests/ui/test_curation_screen.py"
    ),
]

MIA, ANN, BOB, CARA = (
    ("mia", "Mia-pw-0001-cur"),
    ("ann", "Ann-pw-0002-cur"),
    ("bob", "Bob-pw-0003-cur"),
    ("cara", "Cara-pw-0004-cur"),
)
TEXT = "Alice Smith met Bob Jones in Paris last week."
SCHEMA = Schema([EntityType("Peop"), EntityType("Loc")], [RelationType("Met")])
#: the curated document at the end: ann's version, which the curator picked throughout
EXPECTED_ANN = "T1\tPeop 0 11\tAlice Smith\nT2\tPeop 16 25\tBob Jones\nT3\tLoc 29 34\tParis\n"
EXPECTED_ANN += "R1\tMet Arg1:T1 Arg2:T2\n"

#: the cells of an agreement table: (row name, column name) -> text
CELLS_JS = """cls => {
  const t = document.querySelector('#sr-agreement table.' + cls);
  if (!t) return null;
  const names = [...t.querySelectorAll('thead th')].map(th => th.textContent).slice(1);
  const out = {};
  for (const tr of t.querySelectorAll('tbody tr')) {
    const row = tr.querySelector('th').textContent;
    [...tr.querySelectorAll('td')].forEach((td, i) => {
      out[row + '|' + names[i]] = td.textContent; });
  }
  return out; }"""
ROWS_JS = """() => [...document.querySelectorAll('#sr-cur-docs [role=row]')]
  .map(tr => [...tr.querySelectorAll('[role=gridcell]')].map(td => td.innerText.trim()))
  .filter(cells => cells.length)"""
NONCE_JS = "() => (document.querySelector('#sr-cur-view .sr-cur') || {dataset: {}}).dataset.nonce"
CURRENT_JS = """() => { const li = document.querySelector('#sr-cur-view li.sr-dis.sr-current');
  return li ? li.dataset.id : null; }"""


def at(word: str) -> list[int]:
    start = TEXT.index(word)
    return [start, start + len(word)]


@pytest.fixture(scope="module", params=BACKENDS)
def team(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    from db import Store

    if request.param != BACKENDS[0]:
        pytest.skip(f"page only: {request.node.get_closest_marker('page_only').args[0]}")
    tmp = tmp_path_factory.mktemp("curation")
    url = fresh_database_url(request.param, tmp, schema="curation_app")
    with Store.open(url) as store:
        for name, password in (MIA, ANN, BOB, CARA):
            store.add_user(name, password)  # mia first: the manager
        store.set_role("cara", "curator")
        store.create_project("cur", SCHEMA)
        store.import_documents("cur", [Document("d1", TEXT)])
        store.assign_layers("cur", ["d1"], ["ann", "bob"], author="mia")
    served = serve(tmp, url=url, demo_project=False, sign_in=True)
    yield served
    stop(served)


def open_in_editor(page: Any, doc_id: int) -> None:
    page.wait_for_function(
        "d => { const e = document.querySelector('.sr-editor');"
        " return e && e.dataset.ready === '1' && e.dataset.docId === d; }",
        arg=str(doc_id),
        timeout=30_000,
    )
    editor_idle(page)


def annotate(page: Any, items: list[tuple[str, str]]) -> None:
    for type_, word in items:
        send(page, "add_entity", {"type": type_, "fragments": [at(word)]})


def press(page: Any, key: str, line: str) -> None:
    """Press ``key`` (a choice): wait for the view it draws and its message line."""
    before = page.evaluate(NONCE_JS)
    page.keyboard.press(key)
    page.wait_for_function(f"n => ({NONCE_JS})() !== n", arg=before, timeout=20_000)
    page.locator("#sr-cur-msg", has_text=line).wait_for(timeout=20_000)


def test_two_annotators_then_the_curator_with_keys(browser, team: Served, tmp_path: Path) -> None:
    store = team.store
    doc = store.find_document("cur", "d1")
    ann_layer, bob_layer = store.layer_for(doc, "ann"), store.layer_for(doc, "bob")
    link = f"?project=cur&tab=annotate&doc={doc}"  # the document's link: each gets their layer
    ann, bob = sign_in(browser, team, ANN, link), sign_in(browser, team, BOB, link)
    cara = None
    try:
        open_in_editor(ann, ann_layer)
        open_in_editor(bob, bob_layer)
        annotate(ann, [("Peop", "Alice Smith"), ("Peop", "Bob Jones"), ("Loc", "Paris")])
        annotate(bob, [("Peop", "Alice Smith"), ("Peop", "Bob"), ("Peop", "Paris")])
        annotate(bob, [("Peop", "last")])
        # the page names an entity "e" + its row id
        ids = {TEXT[e.start : e.end]: f"e{e.id}" for e in store.load_document(ann_layer).entities}
        send(
            ann,
            "add_relation",
            {"type": "Met", "arg1": ids["Alice Smith"], "arg2": ids["Bob Jones"]},
        )
        for page in (ann, bob):
            send(page, "set_status", {"status": "done"})
        layer = store.load_document(ann_layer)
        assert [e.author for e in layer.entities + layer.relations] == ["ann"] * 4
        assert store.load_document(doc).entities == []  # the curated document: untouched
        # the annotators do not see the Curation tab: once the page's load script has said
        # who may curate (before that the tab is hidden from everyone, so a count of 0 then
        # would prove nothing), its button stays hidden
        ann.wait_for_function("() => document.body.dataset.srCurates === '0'", timeout=30_000)
        assert ann.get_by_role("tab", name="Annotate").count() == 1  # the tab buttons are drawn
        assert ann.get_by_role("tab", name="Curation").count() == 0

        cara = sign_in(browser, team, CARA)
        cara.get_by_role("tab", name="Curation").click()
        cara.wait_for_function(f"() => ({CELLS_JS})('sr-agree-entities') !== null", timeout=30_000)
        exact = cara.evaluate(CELLS_JS, "sr-agree-entities")
        assert exact["ann|bob"] == "0.29 (1 / 2 / 3)" and exact["bob|ann"] == "0.29 (1 / 3 / 2)"
        assert cara.evaluate(CELLS_JS, "sr-agree-entities_overlap")["ann|bob"] == "0.57 (2 / 1 / 2)"
        assert cara.evaluate(CELLS_JS, "sr-agree-relations")["ann|bob"] == "0.00 (0 / 1 / 0)"
        assert cara.evaluate(CELLS_JS, "sr-agree-kappa")["ann|bob"] == "0.45"

        # the documents to curate; a click on the row opens the aligned view
        cara.locator("#sr-cur-docs [role=gridcell]", has_text="d1").first.click()
        cara.wait_for_selector("#sr-cur-view .sr-cur li.sr-dis", timeout=30_000)
        rows = cara.locator("#sr-cur-view .sr-cur-who").all_inner_texts()
        assert rows == ["curated", "ann", "bob"]
        listed = cara.locator("#sr-cur-view li.sr-dis .sr-dis-head").all_inner_texts()
        assert len(listed) == 4 and "relation" in listed[0] and "Paris" in listed[2]
        cara.wait_for_function(f"() => ({CURRENT_JS})() !== null")  # the first open one
        assert cara.evaluate(CURRENT_JS).startswith("relation:0-25:")

        press(cara, "m", "Merged what the layers agree on")  # Alice Smith: both hold it
        # someone else changes the curated document meanwhile: the next choice is refused
        version = store.load_document(doc).version
        store.apply_edit(doc, Edit.set_assignee("cara"), version, "mia")
        press(cara, "1", "changed by mia (set assignee)")
        cara.locator(".toast-body", has_text="changed by mia").wait_for(timeout=10_000)
        press(cara, "1", 'Chose: + Peop "Bob Jones"; + Met(Alice Smith')  # ann's relation
        cara.keyboard.press("n")  # Bob / Bob Jones is settled by it: the next open is Paris
        assert cara.evaluate(CURRENT_JS).startswith("entity:29-34:")
        assert cara.locator("#sr-cur-view .sr-cur-line .sr-current").first.inner_text() == "Paris"
        press(cara, "1", 'Chose: + Loc "Paris"')
        cara.keyboard.press("n")
        assert cara.evaluate(CURRENT_JS).startswith("entity:35-39:")  # bob's "last"
        press(cara, "1", 'Chose: + Peop "last"')
        press(cara, "0", 'None of them: - Peop "last"')
        press(cara, "u", "Undid this page's last choice")
        assert "last" in [TEXT[e.start : e.end] for e in store.load_document(doc).entities]
        press(cara, "0", 'None of them: - Peop "last"')
        cara.keyboard.press("k")
        assert cara.evaluate(CURRENT_JS).startswith("entity:29-34:")
        history = [h for h in store.history(doc) if h.author == "cara" and h.action == "edit"]
        assert [h.op for h in reversed(history)] == ["merge_agreed"] + ["resolve"] * 5
        # the table's row: every disagreement settled ("last": none of them)
        want = [[str(doc), "d1", "ann: done, bob: done", "0", "4", "0", "in-progress"]]
        try:
            cara.wait_for_function(
                f"w => JSON.stringify(({ROWS_JS})()) === JSON.stringify(w)",
                arg=want,
                timeout=10_000,
            )
        except Exception:
            assert cara.evaluate(ROWS_JS) == want
            raise

        # the curated document in the normal editor: mark it done there
        with cara.context.expect_page() as opened:
            cara.locator("#sr-cur-view a.sr-cur-edit").click()
        editor = opened.value
        open_in_editor(editor, doc)
        send(editor, "set_status", {"status": "done"})
        editor.close()
        assert store.load_document(doc).status == "done"
        cara.locator("#sr-agree-refresh").click()
        cara.wait_for_function(
            f"() => (({CELLS_JS})('sr-agree-entities') || {{}})['(curated)|ann'] === "
            "'1.00 (3 / 0 / 0)'",
            timeout=30_000,
        )
        assert cara.evaluate(CELLS_JS, "sr-agree-entities")["(curated)|bob"] == "0.29 (1 / 2 / 3)"
    finally:
        for page in (ann, bob, cara):
            if page is not None:
                page.context.close()

    documents, schema = store.export_documents("cur")
    out = tmp_path / "export"
    write_corpus(documents, out, schema)
    assert (out / "d1.txt").read_text(encoding="utf-8") == TEXT
    assert (out / "d1.ann").read_text(encoding="utf-8") == EXPECTED_ANN
