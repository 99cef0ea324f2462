"""Discontinuous entities made in the page over the app's ``StoreBackend``: "Add fragment"
(button, key, Shift+drag), overlap refusal, fragment removal, undo, and the BRAT export of the
result."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.screens import exporting, importing
from app.store_backend import StoreBackend
from db import Store
from tests.app.conftest import add_doc

pytestmark = pytest.mark.slow

TEXT = "John Wilkes Booth, who assassinated President Abraham Lincoln, was an actor in Washington."


def _span(word: str, text: str = TEXT) -> list[int]:
    i = text.index(word)
    return [i, i + len(word)]


def _seq(ed: Any) -> int:
    """How many operations the page has numbered for its document (nothing sent: unchanged)."""
    return ed.js(
        "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
        " return s.seqs[s.docId] || 0; }"
    )


def _shift_drag(ed: Any, start: int, end: int) -> None:
    ed.page.keyboard.down("Shift")
    try:
        ed.drag_select(start, end)
    finally:
        ed.page.keyboard.up("Shift")


def _frag_mode(ed: Any) -> str | None:
    return ed.js("() => document.querySelector('.sr-editor').dataset.fragMode || null")


def test_add_fragments_refuse_overlap_remove_and_undo(backend, editor) -> None:
    doc_id, _ = add_doc(backend, "frags", TEXT)
    ed = editor(doc_id)
    ed.page.keyboard.press("p")  # new entities: Peop
    booth, john, lincoln = _span("Booth"), _span("John"), _span("Lincoln")
    ed.drag_select(*booth)
    ed.settle()
    (ent,) = backend.load(doc_id)["entities"]
    eid = ent["id"]
    frags = lambda: backend.load(doc_id)["entities"][0]["fragments"]  # noqa: E731

    # 1. the button: mode shown in the status line, then the next selection is added (sorted)
    ed.label(eid).click()
    assert ed.page.locator(".sr-pop [data-testid=sr-frag-list]").count() == 0
    ed.page.locator(".sr-pop [data-testid=sr-add-frag]").click()
    assert _frag_mode(ed) == eid
    assert "Esc cancels" in ed.page.locator("[data-testid=sr-mode]").inner_text()
    ed.drag_select(*john)
    ed.settle()
    assert frags() == [john, booth]
    assert _frag_mode(ed) is None
    assert ed.js(f"() => document.querySelectorAll(`.sr-band[data-eid='{eid}']`).length") == 2
    assert ed.page.locator(".sr-pop .sr-fragrow").count() == 2  # the popup lists both

    # 2. Shift+drag while the entity is selected: the same in one gesture
    _shift_drag(ed, *lincoln)
    ed.settle()
    assert frags() == [john, booth, lincoln]
    texts = ed.page.locator(".sr-pop .sr-fragtext").all_inner_texts()
    assert texts == ["\u201cJohn\u201d", "\u201cBooth\u201d", "\u201cLincoln\u201d"]

    # 3. an overlapping fragment (by the key) is refused with a message and nothing is sent
    sent, version = _seq(ed), backend.load(doc_id)["version"]
    ed.page.keyboard.press("+")
    assert _frag_mode(ed) == eid
    ed.drag_select(*_span("Wilkes Booth"))
    assert "overlaps fragment 2" in ed.status() and "not added" in ed.status()
    _shift_drag(ed, *_span("Abraham Lincoln"))
    assert "overlaps fragment 3" in ed.status()
    ed.page.wait_for_timeout(200)
    assert _seq(ed) == sent and backend.load(doc_id)["version"] == version
    assert frags() == [john, booth, lincoln]
    # Esc leaves the mode but keeps the entity selected
    ed.page.keyboard.press("+")
    ed.page.keyboard.press("Escape")
    assert _frag_mode(ed) is None and "cancelled" in ed.status()
    assert ed.page.locator(".sr-pop").is_visible()

    # 4. remove a fragment; with one left there is nothing to remove
    ed.page.locator(".sr-pop [data-testid=sr-frag-remove-1]").click()
    ed.settle()
    assert frags() == [john, lincoln]
    ed.page.locator(".sr-pop [data-testid=sr-frag-remove-0]").click()
    ed.settle()
    assert frags() == [lincoln]
    assert ed.page.locator(".sr-pop [data-testid^=sr-frag-remove-]").count() == 0

    # 5. undo restores the removed fragments, redo removes again
    ed.page.keyboard.press("Control+z")
    ed.settle()
    assert frags() == [john, lincoln]
    ed.page.keyboard.press("Control+z")
    ed.settle()
    assert frags() == [john, booth, lincoln]
    assert ed.js(f"() => document.querySelectorAll(`.sr-band[data-eid='{eid}']`).length") == 3
    ed.page.keyboard.press("Control+y")
    ed.settle()
    assert frags() == [john, lincoln]
    assert not ed.errors


def test_fragment_text_is_never_markup(backend, editor) -> None:
    nasty = "<img src=x onerror=alert(1)> and <b>bold</b> ${alert(2)}"
    doc_id, ids = add_doc(
        backend,
        "frag-xss",
        nasty,
        entities=[{"id": "T1", "type": "Peop", "fragments": [[0, 28], [33, 44]]}],
    )
    ed = editor(doc_id)
    ed.label(ids["T1"]).click()
    texts = ed.page.locator(".sr-pop .sr-fragtext").all_inner_texts()
    assert texts == ["\u201c<img src=x onerror=alert(1)>\u201d", "\u201c<b>bold</b>\u201d"]
    assert ed.js("() => document.querySelectorAll('.sr-editor img, .sr-editor b').length") == 0
    assert ed.dialogs == [] and not ed.errors


# -- to the BRAT export ---------------------------------------------------------------------

CONF = "[entities]\nPerson\nPlace\n[relations]\n[events]\n[attributes]\n"


@pytest.fixture
def news_doc(backend: StoreBackend, tmp_path: Path) -> str:
    """One BRAT document without annotations, uploaded as the app's import screen does (its
    own project "news", types Person and Place); its page id."""
    upload = tmp_path / "corpus.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr("corpus/annotation.conf", CONF)
        zf.writestr("corpus/doc1.txt", TEXT)
        zf.writestr("corpus/doc1.ann", "")
    outcome = importing.import_uploads(backend.store, "news", [upload])
    assert outcome.ok, outcome.error
    return str(backend.store.find_document("news", "doc1"))


def _brat_ann(store: Store, out: Path) -> str:
    files, problems = exporting.export_project(store, "news", "brat", out_dir=out)
    assert problems == []
    with zipfile.ZipFile(files[0]) as zf:
        return zf.read("news/doc1.ann").decode()


def test_fragments_stored_undone_and_exported(
    backend: StoreBackend, news_doc: str, editor: Any, tmp_path: Path
) -> None:
    store = backend.store
    ed = editor(news_doc)
    john, booth = _span("John"), _span("Booth")
    ed.drag_select(*john)  # the first type (Person) is the default
    ed.settle()
    eid = ed.js("() => [...document.querySelector('.sr-editor').srEditor.state.ents.keys()][0]")
    ed.label(eid).click()
    ed.page.locator(".sr-pop [data-testid=sr-add-frag]").click()
    ed.drag_select(*booth)
    ed.settle()
    assert "saved" in ed.status()
    assert _brat_ann(store, tmp_path / "a") == "T1\tPerson 0 4;12 17\tJohn Booth\n"
    # remove, then undo: the store gives the fragment back
    ed.page.locator(".sr-pop [data-testid=sr-frag-remove-0]").click()
    ed.settle()
    assert _brat_ann(store, tmp_path / "b") == "T1\tPerson 12 17\tBooth\n"
    ed.page.keyboard.press("Control+z")
    ed.settle()
    assert _brat_ann(store, tmp_path / "c") == "T1\tPerson 0 4;12 17\tJohn Booth\n"
    assert not ed.errors
