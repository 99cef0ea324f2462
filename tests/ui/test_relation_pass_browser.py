"""The relation pass and the per-kind thresholds of the editor, all real: the session's model
that predicts relations (``predicting_model``, tests/conftest.py), the whole app over a SQLite
store, the editor page in Chromium.

- accepting the last open entity suggestion makes the page ask the active model for relation
  suggestions between the confirmed entities by itself (dashed arcs, stored as suggestions);
- the "Suggest relations" key (">") asks again: reviewed relations stay as they are and a
  rejected one is not suggested again;
- "Show >=" / "Accept >=" have one box per kind, start at the thresholds the active model chose,
  and a value typed for the project wins over them after a reload;
- without a model the automatic pass only leaves a quiet note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import converters
from converters.document import Document, Entity
from tests.ui.pages import AppPage

# the first test also trains the model (a minute or two on an idle 2-core CPU, several on a
# busy one): more than the default 600 s per test
pytestmark = [
    *[pytest.mark.slow, pytest.mark.timeout(1200)],
    pytest.mark.page_only(
        "the relation pass's store side is tests/retrain/test_relation_pass.py, on both databases"
    ),
]

TRAIN_DOCS = 16
# Bob Boyd (Peop), Chattanooga, Tenn. (Loc), 35 years (Other); gold: Live_In x2, Located_In
DOC_INDEX = 10
# the open entity suggestions: every gold entity, at these confidences (one per entity)
CONFIDENCES = (0.95, 0.9, 0.7, 0.55)
THRESHOLDS = {
    "entity": {"show": 0.25, "accept": 0.85},
    "relation": {"show": 0.05, "accept": 0.75},
}
BOXES = ("sr-min-show", "sr-threshold", "sr-min-show-rel", "sr-threshold-rel")


def conll_path(shared_data: Path) -> Path:
    return shared_data / "conll04" / "conll04_train.json"


@pytest.fixture(scope="module")
def conll_docs(shared_data: Path) -> list[Document]:
    return converters.read("spert", conll_path(shared_data))[:TRAIN_DOCS]


def make_project(
    store: Any, shared_data: Path, gold: Document, name: str, model: Path | None
) -> int:
    """A CoNLL04 project with ``gold``'s text, no relations, its entities as open model
    suggestions; ``model`` (if any) registered as the active version, with thresholds."""
    store.create_project(name, converters.read_schema("spert", conll_path(shared_data)))
    store.import_documents(name, [Document(gold.id, gold.text, metadata=dict(gold.metadata))])
    doc_id = store.find_document(name, gold.id)
    suggestions = [
        Entity(e.id, e.type, [tuple(f) for f in e.fragments], confidence=c)
        for e, c in zip(gold.entities, CONFIDENCES, strict=True)
    ]
    store.replace_suggestions(doc_id, None, suggestions, [])
    if model is not None:
        version = store.register_model_version(
            name, str(model), metrics={"thresholds": THRESHOLDS}, state="ready"
        )
        store.activate_model_version(version.id)
    return doc_id


def gold_relations(gold: Document) -> set[tuple[str, tuple, tuple]]:
    spans = {e.id: tuple(map(tuple, e.fragments)) for e in gold.entities}
    return {(r.type, spans[r.arg1], spans[r.arg2]) for r in gold.relations}


def stored_relations(store: Any, doc_id: int) -> dict[str, tuple[str, str, tuple, tuple]]:
    """Page id -> (review, type, arg1 fragments, arg2 fragments) of every stored relation."""
    view = store.load_document(doc_id)
    spans = {e.id: tuple(map(tuple, e.fragments)) for e in view.entities}
    return {f"r{r.id}": (r.review, r.type, spans[r.arg1], spans[r.arg2]) for r in view.relations}


class RelPage(AppPage):
    def state(self) -> dict[str, Any]:
        """What the page draws: its suggestion arcs (dashed?), all arcs, its selection."""
        return self.js(
            """() => {
              const dashed = a => getComputedStyle(a.querySelector('.sr-arcpath')).strokeDasharray;
              const arcs = {};
              for (const a of document.querySelectorAll('.sr-arc'))
                arcs[a.dataset.rid] = {sugg: a.classList.contains('sr-sugg'), dash: dashed(a)};
              const pop = document.querySelector('.sr-pop');
              return {arcs: arcs, selected: pop.hidden ? '' : pop.getAttribute('aria-label'),
                      version: +document.querySelector('.sr-editor').dataset.version};
            }"""
        )

    def status(self) -> tuple[str, str]:
        note = self.page.locator("[data-testid=sr-status-note]")
        return (
            self.page.locator("[data-testid=sr-status-msg]").inner_text(),
            note.inner_text() if note.count() else "",
        )

    def open_in(self, project: str, doc_name: str) -> None:
        """Load the app, choose ``project`` and open its document ``doc_name``."""
        self.goto()
        self.choose_project(project)
        self.open_doc(doc_name)

    def numbered(self) -> int:
        """How many operations the page has numbered (sent or queued) for its document."""
        return self.js(
            "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
            " return s.seqs[s.docId] || 0; }"
        )

    def boxes(self) -> dict[str, str]:
        return {b: self.page.get_by_test_id(b).input_value() for b in BOXES}

    def focus_editor(self) -> None:
        self.js("() => document.querySelector('.sr-editor').focus()")

    def accept_every_entity_by_tab(self, n: int) -> None:
        """Tab to each open entity suggestion and accept it with Enter (the page moves on)."""
        self.focus_editor()
        self.page.keyboard.press("Tab")
        for _ in range(n):
            assert self.state()["selected"].startswith("Entity "), self.state()
            self.page.keyboard.press("Enter")
            self.settle()


def test_accepting_the_last_entity_suggestion_suggests_relations(
    browser, served, predicting_model, conll_docs, shared_data
) -> None:
    store = served.store
    gold = conll_docs[DOC_INDEX]
    doc_id = make_project(store, shared_data, gold, "Relation pass", predicting_model)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = RelPage(page, served.url)
    try:
        ap.open_in("Relation pass", gold.id)
        assert ap.state()["arcs"] == {} and stored_relations(store, doc_id) == {}
        version, numbered = ap.state()["version"], ap.numbered()
        ap.accept_every_entity_by_tab(len(gold.entities))
        # the last Enter answered the last entity suggestion: the page asked by itself
        page.wait_for_function(
            "() => document.querySelectorAll('.sr-arc.sr-sugg').length > 0", timeout=60_000
        )
        ap.settle()
        view = store.load_document(doc_id)
        assert all(e.review == "accepted" for e in view.entities)
        rels = stored_relations(store, doc_id)
        assert rels and {r[0] for r in rels.values()} == {"suggested"}
        assert all(r.source == "model" and r.confidence is not None for r in view.relations)
        # at least one is right
        assert {r[1:] for r in rels.values()} & gold_relations(gold)
        # drawn dashed, exactly the stored ones
        arcs = ap.state()["arcs"]
        assert set(arcs) == set(rels)
        assert all(a["sugg"] and a["dash"] not in ("", "none") for a in arcs.values())
        # one more version for the accepts and one for the relation pass, which said so
        assert ap.state()["version"] == version + len(gold.entities) + 1
        msg, note = ap.status()
        assert "suggest relations saved" in msg and "relation suggestion(s)" in msg, msg
        assert note == ""
        # the Tab review goes on with the new relation suggestions
        assert ap.state()["selected"].startswith("Relation "), ap.state()
        # once for that transition: the page numbered one operation per accept and one relation
        # pass, nothing more (a second pass would be numbered by the handler of the first
        # one's answer, which has run), and nothing waits to be sent
        ap.settle()
        assert ap.numbered() == numbered + len(gold.entities) + 1
        assert ap.state()["version"] == version + len(gold.entities) + 1
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()


def test_the_relation_pass_key_keeps_reviewed_relations(
    browser, served, predicting_model, conll_docs, shared_data
) -> None:
    store = served.store
    gold = conll_docs[DOC_INDEX]
    doc_id = make_project(store, shared_data, gold, "Relation pass again", predicting_model)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = RelPage(page, served.url)
    try:
        ap.open_in("Relation pass again", gold.id)
        ap.accept_every_entity_by_tab(len(gold.entities))
        page.wait_for_function(
            "() => document.querySelectorAll('.sr-arc.sr-sugg').length >= 2", timeout=60_000
        )
        ap.settle()
        first = stored_relations(store, doc_id)
        assert len(first) >= 2, first
        # the review selected the first relation suggestion: accept it, reject the next
        kept = ap.state()["selected"].removeprefix("Relation ")
        page.keyboard.press("Enter")
        ap.settle()
        gone = ap.state()["selected"].removeprefix("Relation ")
        assert gone in first and gone != kept
        page.keyboard.press("Delete")
        ap.settle()
        reviewed = stored_relations(store, doc_id)
        assert reviewed[kept][0] == "accepted" and reviewed[gone][0] == "rejected"
        page.keyboard.press("Escape")
        version = ap.state()["version"]

        page.keyboard.press(">")
        page.wait_for_function(
            "v => +document.querySelector('.sr-editor').dataset.version > v",
            arg=version,
            timeout=60_000,
        )
        ap.settle()
        after = stored_relations(store, doc_id)
        # the accepted relation untouched, the rejected one still rejected and not back
        assert after[kept] == reviewed[kept] and after[gone] == reviewed[gone]
        open_now = {rid: r for rid, r in after.items() if r[0] == "suggested"}
        assert reviewed[gone][1:] not in {r[1:] for r in open_now.values()}
        assert reviewed[kept][1:] not in {r[1:] for r in open_now.values()}
        # what is open now was stored by this pass (fresh ids), and the page draws it dashed
        assert open_now and not set(open_now) & set(reviewed), (reviewed, after)
        arcs = ap.state()["arcs"]
        assert {rid for rid, a in arcs.items() if a["sugg"]} == set(open_now)
        assert kept in arcs and not arcs[kept]["sugg"] and gone not in arcs
        msg, _ = ap.status()
        assert "suggest relations saved" in msg, msg
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()


def test_threshold_boxes_start_at_the_models_choice_and_keep_typed_values(
    browser, served, predicting_model, conll_docs, shared_data
) -> None:
    store = served.store
    gold = conll_docs[DOC_INDEX]
    doc_id = make_project(store, shared_data, gold, "Thresholds", predicting_model)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = RelPage(page, served.url)
    model_boxes = {"sr-min-show": "0.25", "sr-threshold": "0.85"}
    model_boxes |= {"sr-min-show-rel": "0.05", "sr-threshold-rel": "0.75"}
    try:
        ap.open_in("Thresholds", gold.id)
        assert ap.boxes() == model_boxes
        assert page.get_by_test_id("sr-count").inner_text() == "4 suggestions"
        show = page.get_by_test_id("sr-min-show")
        show.fill("0.6")
        show.press("Enter")
        page.get_by_text("4 suggestions (1 hidden)").wait_for()

        # a reload: the page keeps the typed value for this project
        ap.open_in("Thresholds", gold.id)
        assert ap.boxes() == model_boxes | {"sr-min-show": "0.60"}
        assert page.get_by_test_id("sr-count").inner_text() == "4 suggestions (1 hidden)"
        # Accept >= takes the entity box (0.85 here): the two strongest suggestions
        page.get_by_test_id("sr-accept-all").click()
        ap.settle()
        view = store.load_document(doc_id)
        accepted = sorted(e.confidence for e in view.entities if e.review == "accepted")
        assert accepted == pytest.approx([0.9, 0.95])
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()


def test_the_automatic_pass_without_a_model_only_leaves_a_note(
    browser, served, conll_docs, shared_data
) -> None:
    store = served.store
    gold = conll_docs[DOC_INDEX]
    doc_id = make_project(store, shared_data, gold, "No model", None)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = RelPage(page, served.url)
    try:
        ap.open_in("No model", gold.id)
        # no model thresholds: the built-in defaults
        assert ap.boxes() == {
            "sr-min-show": "0.00",
            "sr-threshold": "0.80",
            "sr-min-show-rel": "0.00",
            "sr-threshold-rel": "0.80",
        }
        ap.accept_every_entity_by_tab(len(gold.entities))
        page.get_by_test_id("sr-status-note").wait_for(timeout=20_000)
        ap.settle()
        msg, note = ap.status()
        assert "accept saved" in msg and "refused" not in msg, msg
        assert "no relation suggestions" in note and "no active model" in note, note
        assert page.locator("[data-testid=sr-status-msg].sr-err").count() == 0
        assert store.load_document(doc_id).relations == []
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
