"""The entity popup in Chromium stays whole: it was drawn inside the text's scroll box, so on an
entity near the box's bottom (or right) edge the box cut it off and its buttons were out of
reach. Opened there, it must lie inside the viewport, on top (nothing covers or clips any of
its corners), and work; it hides while its entity is scrolled out of the box.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demo_project import demo_schema
from converters.document import Document, Entity
from tests.ui.editor_pages import TEXT, StorePage, span

pytestmark = pytest.mark.slow

REPEAT = 40  # sentences: enough rows that the text's box scrolls

#: the popup's box, the viewport's size, and whether the element found at each of the popup's
#: four corners (10 px inside: hits follow its rounded border) belongs to the popup: false
#: where a scroll box clips it or something else covers it (``what`` names that element)
POP_BOX_JS = """() => {
  const pop = document.querySelector('.sr-pop');
  const r = pop.getBoundingClientRect();
  const corners = [[r.left + 10, r.top + 10], [r.right - 10, r.top + 10],
                   [r.left + 10, r.bottom - 10], [r.right - 10, r.bottom - 10]];
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
          vw: document.documentElement.clientWidth, vh: document.documentElement.clientHeight,
          visible: getComputedStyle(pop).visibility !== 'hidden',
          onTop: corners.map(([x, y]) => pop.contains(document.elementFromPoint(x, y))),
          what: corners.map(([x, y]) => {
            const e = document.elementFromPoint(x, y);
            return e ? e.tagName + '.' + e.className : null; })}; }"""

#: the page id of the entity label lowest and furthest right in the scroll box's visible part
CORNER_LABEL_JS = """() => {
  const box = document.querySelector('.sr-scroll').getBoundingClientRect();
  const shown = [...document.querySelectorAll('.sr-label')].filter(l => {
    const r = l.getBoundingClientRect();
    return r.top >= box.top && r.bottom <= box.bottom; });
  const score = l => { const r = l.getBoundingClientRect(); return r.bottom + r.right; };
  return shown.reduce((a, b) => (score(b) > score(a) ? b : a)).dataset.eid; }"""


def _long_doc(store: Any, project: str) -> int:
    """``REPEAT`` copies of the sentence, "Washington" an entity in each; the document's id."""
    text = " ".join([TEXT] * REPEAT)
    start, end = span("Washington")
    step = len(TEXT) + 1
    entities = [
        Entity(f"T{i + 1}", "Loc", [(i * step + start, i * step + end)]) for i in range(REPEAT)
    ]
    store.create_project(project, demo_schema())
    store.import_documents(project, [Document("long", text, entities)])
    return store.find_document(project, "long")


def test_popup_near_the_scroll_box_edges_is_whole_and_works(browser: Any, served: Any) -> None:
    store = served.store
    doc_id = _long_doc(store, "Popup edges")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("Popup edges")
        ap.open_doc("long")
        scroll_box = page.locator(".sr-scroll")
        assert ap.js(
            "() => { const s = document.querySelector('.sr-scroll');"
            " return s.scrollHeight > s.clientHeight; }"
        ), "the text must scroll"
        # the box at the bottom of the viewport, its text scrolled to the end
        ap.js(
            "() => { const s = document.querySelector('.sr-scroll');"
            " s.scrollTop = s.scrollHeight; s.scrollIntoView({block: 'end'}); }"
        )
        eid = ap.js(CORNER_LABEL_JS)
        ap.label(eid).click()
        pop = page.locator(".sr-pop")
        pop.wait_for()
        assert pop.get_attribute("aria-label") == f"Entity {eid}"
        box = ap.js(POP_BOX_JS)
        assert box["visible"]
        assert box["left"] >= 0 and box["right"] <= box["vw"], box
        assert box["top"] >= 0 and box["bottom"] <= box["vh"], box
        assert all(box["onTop"]), box["what"]  # not clipped by the scroll box, not covered
        # and it works: retype the entity from the popup
        page.locator(".sr-pop .sr-typebtn[data-type='Peop']").click()
        ap.settle()
        ann = int(eid[1:])
        assert next(e.type for e in store.load_document(doc_id).entities if e.id == ann) == "Peop"
        # still open on it; with the entity scrolled out of the box it hides, back it shows
        assert pop.is_visible() and pop.get_attribute("aria-label") == f"Entity {eid}"
        scroll_box.evaluate("s => { s.scrollTop = 0; }")
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.sr-pop')).visibility === 'hidden'"
        )
        scroll_box.evaluate("s => { s.scrollTop = s.scrollHeight; }")
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.sr-pop')).visibility !== 'hidden'"
        )
        assert all(ap.js(POP_BOX_JS)["onTop"])
        assert not ap.errors, ap.errors
    finally:
        page.close()
