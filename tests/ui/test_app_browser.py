"""The whole app in Chromium: create a project, import a BRAT zip, annotate with the mouse,
reload, export, pre-annotate with a model, accept a suggestion, and no markup injection."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.ui.pages import WATCH_OUTPUT_JS, AppPage

pytestmark = [
    pytest.mark.slow,
    pytest.mark.page_only(
        "the team's browser tests walk the same screens on both databases (test_team_*, "
        "test_status_browser, test_cleanup_browser)"
    ),
]

TEXT = "John Smith works for Acme Corp in Boston."
ANN = "T1\tPerson 0 10\tJohn Smith\nT2\tOrg 21 30\tAcme Corp\n"
NASTY = "<img src=x onerror=alert(1)>"

#: whether an output's Gradio status tracker (its progress overlay) is hidden
TRACKER_IDLE_JS = """sel => {
  const t = document.querySelector(sel).querySelector('[data-testid=status-tracker]');
  return !t || t.classList.contains('hide'); }"""

#: ``window.srPreWatch``: whether pre-annotation's progress showed (on its message, and how
#: high that box was: an empty Markdown is 0 px), and whether the documents table was covered
#: by a progress overlay meanwhile
COVERED_WHILE_RUNNING_JS = (
    """() => {
  const idle = """
    + TRACKER_IDLE_JS
    + """;
  const state = window.srPreWatch = {running: false, covered: false, height: 0};
  new MutationObserver(() => {
    if (idle('#sr-pre-msg')) return;
    state.running = true;
    const box = document.querySelector('#sr-pre-msg').getBoundingClientRect();
    state.height = Math.max(state.height, Math.round(box.height));
    if (!idle('#sr-docs')) state.covered = true;
  }).observe(document.body, {attributes: true, childList: true, subtree: true}); }"""
)


def brat_zip(tmp: Path) -> Path:
    out = tmp / "corpus.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("corpus/doc1.txt", TEXT)
        zf.writestr("corpus/doc1.ann", ANN)
    return out


@pytest.fixture
def app_page(browser, served) -> Any:
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    ap = AppPage(page, served.url)
    ap.goto()
    yield ap
    page.close()


def test_create_import_annotate_reload_export(app_page, served, tmp_path: Path) -> None:
    ap, store = app_page, served.store
    # create a project by listing types
    ap.tab("Projects")
    ap.fill("sr-new-name", "News")
    ap.fill("sr-new-entities", "Person #8fb4ff p\nOrg #7fd19b o\nPlace #ffb38a l")
    ap.fill("sr-new-relations", "Works_for Person -> Org #3b5bdb\nBased_in Org -> Place")
    ap.page.locator("#sr-create").click()
    ap.page.locator("#sr-create-msg").get_by_text("created").wait_for()
    assert [t.name for t in store.project_schema("News").entity_types] == ["Person", "Org", "Place"]
    # import a BRAT zip into it
    ap.tab("Import")
    ap.type_import_target("News")
    ap.upload(brat_zip(tmp_path))
    ap.run_import()
    assert [d.name for d in store.list_documents("News")] == ["doc1"]
    # open it: the imported spans are there
    ap.open_doc("doc1")
    assert sorted(ap.labels()) == ["Org", "Person"]
    shown = ap.js(
        "() => [...document.querySelectorAll('.sr-seg')].map(s => s.textContent).join('')"
    )
    assert shown == TEXT
    # an entity by mouse selection, a relation by two clicks
    ap.page.locator(".sr-typebtn[data-type='Place']").click()
    start = TEXT.index("Boston")
    ap.drag_select(start, start + len("Boston"))
    ap.settle()
    doc_id = store.find_document("News", "doc1")
    view = store.load_document(doc_id)
    place = next(e for e in view.entities if e.type == "Place")
    assert place.fragments == [(start, start + 6)] and place.author == "tester"
    org = next(e for e in view.entities if e.type == "Org")
    ap.page.locator(f".sr-label[data-eid='e{org.id}']").first.click()
    ap.page.locator(f".sr-label[data-eid='e{place.id}']").first.click()
    ap.page.locator(".sr-pop [data-type='Based_in']").click()
    ap.settle()
    rels = store.load_document(doc_id).relations
    assert [(r.type, r.arg1, r.arg2) for r in rels] == [("Based_in", org.id, place.id)]
    # a reload shows exactly what was stored
    ap.page.reload()
    ap.page.wait_for_selector("#sr-docs", timeout=30_000)
    ap.choose_project("News")
    ap.open_doc("doc1")
    assert sorted(ap.labels()) == ["Org", "Person", "Place"]
    assert ap.js(f"() => document.querySelectorAll(\".sr-arc[data-rid='r{rels[0].id}']\").length")
    # export a BRAT zip and compare the .ann
    ap.tab("Export")
    ap.page.locator("#sr-export-go").click()
    link = ap.page.locator("#sr-export-file a").first
    link.wait_for(timeout=20_000)
    data = ap.page.request.get(link.get_attribute("href")).body()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ann = zf.read("news/doc1.ann").decode("utf-8").splitlines()
    assert ann == [
        "T1\tPerson 0 10\tJohn Smith",
        "T2\tOrg 21 30\tAcme Corp",
        f"T3\tPlace {start} {start + 6}\tBoston",
        "R1\tBased_in Arg1:T2 Arg2:T3",
    ]
    assert not ap.errors and not ap.dialogs


def test_markup_in_text_and_names_stays_text(app_page, served, tmp_path: Path) -> None:
    ap, store = app_page, served.store
    nasty = tmp_path / "nasty.txt"
    nasty.write_text(NASTY, encoding="utf-8")
    ap.tab("Import")
    # the target first, as in the test above: its wait lets the page's load chain finish
    ap.type_import_target("<b>bold</b> project")
    ap.upload(nasty)
    ap.run_import()
    assert store.list_documents("<b>bold</b> project")[0].name == "nasty"
    ap.open_doc("nasty")
    shown = ap.js(
        "() => [...document.querySelectorAll('.sr-seg')].map(s => s.textContent).join('')"
    )
    assert shown == NASTY
    assert ap.js("() => document.querySelectorAll('img[src=x], #sr-import-msg b').length") == 0
    assert "<b>bold</b> project" in ap.page.locator("#sr-import-msg").inner_text()
    ap.page.wait_for_timeout(300)
    assert ap.dialogs == [] and not ap.errors


def suggestions_key(view: Any) -> tuple[list[tuple], list[tuple]]:
    """Every entity and relation of a document by content (ids change when suggestions are
    replaced): what would show a suggestion stored twice."""
    spans = {e.id: (e.type, tuple(map(tuple, e.fragments))) for e in view.entities}
    entities = sorted((*spans[e.id], e.review) for e in view.entities)
    relations = sorted((r.type, spans[r.arg1], spans[r.arg2], r.review) for r in view.relations)
    return entities, relations


# the first test of a run that asks for ``predicting_model`` also trains it (minutes on a busy CPU)
@pytest.mark.timeout(1200)
def test_preannotate_with_a_model_and_accept(
    app_page, served, predicting_model: Path, shared_data: Path
) -> None:
    """Register a model, pre-annotate through the job queue, accept a suggestion, re-run.

    The model is the session's overfit CoNLL04 model and the documents are the sentences it
    learnt (without their annotations), so it suggests entities and relations, and the re-run
    has open suggestions of both kinds that it could double.
    """
    import dataclasses
    import shutil

    import converters

    ap, store = app_page, served.store
    conll = shared_data / "conll04" / "conll04_train.json"
    trained_on = json.loads((predicting_model / "training.json").read_text())["train_documents"]
    docs = converters.read("spert", conll)[:trained_on]
    store.create_project("Overfit", converters.read_schema("spert", conll))
    store.import_documents(
        "Overfit", [dataclasses.replace(d, entities=[], relations=[]) for d in docs]
    )
    ap.goto()
    ap.choose_project("Overfit")
    # no model yet: an honest message
    ap.tab("Model")
    ap.page.locator("#sr-model-info").get_by_text("No model is trained yet").wait_for()
    # the model must live in the app's models directory to be registered
    shutil.copytree(predicting_model, served.models_dir / "conll04-overfit")
    ap.fill("sr-model-path", "conll04-overfit")
    ap.page.locator("#sr-register").click()
    ap.page.locator("#sr-model-msg").get_by_text("registered and active").wait_for(timeout=15_000)
    # pre-annotate the project through the job queue
    # the tab's own refresh of the table shows its progress there: let it end first (or, were
    # it ever to show none, let 2 s pass)
    ap.js(WATCH_OUTPUT_JS, "#sr-docs")
    since = ap.js("() => performance.now()")
    ap.tab("Documents")
    ap.page.wait_for_function(
        f"t0 => window.srWatch['#sr-docs'].done || (({TRACKER_IDLE_JS})('#sr-docs')"
        " && performance.now() - t0 > 2000)",
        arg=since,
        timeout=30_000,
    )
    ap.js(COVERED_WHILE_RUNNING_JS)
    ap.page.locator("#sr-pre-all").click()
    ap.page.locator("#sr-pre-msg").get_by_text("pre-annotated").wait_for(timeout=120_000)
    # the progress showed on the message; the documents table stayed readable all along
    watched = ap.js("() => window.srPreWatch")
    assert watched["running"] and not watched["covered"], watched
    assert watched["height"] >= 40, watched  # room for the bar and its line
    job = store.list_jobs(project="Overfit")[0]
    assert job.state == "done" and job.result["documents"] == trained_on
    assert job.result["entities"] > 0 and job.result["relations"] > 0, job.result
    assert {d.status for d in store.list_documents("Overfit")} == {"pre-annotated"}

    def open_suggestions(view: Any) -> tuple[list, list]:
        return (
            [e for e in view.entities if e.review == "suggested"],
            [r for r in view.relations if r.review == "suggested"],
        )

    # a document with a relation suggestion and more than one entity suggestion: accepting
    # one entity (an argument of that relation) leaves suggestions of both kinds open
    views = [store.load_document(d.id) for d in store.list_documents("Overfit")]
    doc = next(v for v in views if open_suggestions(v)[1] and len(open_suggestions(v)[0]) > 2)
    eid = f"e{open_suggestions(doc)[1][0].arg1}"
    ap.open_doc(doc.name)
    ap.page.wait_for_selector(".sr-label.sr-sugg", timeout=10_000)
    ap.page.locator(f".sr-label[data-eid='{eid}']").first.click()
    ap.page.locator(".sr-pop [data-testid=sr-accept]").click()
    ap.settle()
    ent = store.load_document(doc.id).entity(int(eid[1:]))
    assert ent.review == "accepted" and ent.source == "model" and ent.author == "tester"
    # re-running replaces open suggestions only: the accepted one stays, nothing doubles
    before = store.load_document(doc.id)
    open_entities, open_relations = open_suggestions(before)
    assert open_entities and open_relations, "nothing left open that a re-run could double"
    assert any(ent.id in (r.arg1, r.arg2) for r in open_relations)
    ap.page.locator("#sr-pre-doc").click()
    ap.page.locator("#sr-annotate-msg").get_by_text("pre-annotated").wait_for(timeout=60_000)
    after = store.load_document(doc.id)
    assert after.entity(ent.id).review == "accepted"
    assert suggestions_key(after) == suggestions_key(before)
    assert not ap.errors


def test_signed_in_user_is_the_author(browser, serve_app, tmp_path: Path) -> None:
    served = serve_app(tmp_path, auth=[("ann", "secret-pass")])
    page = browser.new_page()
    try:
        doc = served.store.list_documents("CoNLL04 demo", status="new")[0]
        page.goto(served.url)
        page.locator("input[type=password]").wait_for(timeout=30_000)
        page.locator("input").first.fill("ann")
        page.locator("input[type=password]").fill("secret-pass")
        page.keyboard.press("Enter")
        page.wait_for_selector("#sr-docs", timeout=30_000)
        page.get_by_text("signed in as").first.wait_for()
        assert "ann" in page.get_by_text("signed in as").first.inner_text()
        page.get_by_role("tab", name="Annotate").click()
        page.locator("#sr-open-id").locator("input").first.fill(str(doc.id))
        page.locator("#sr-open").click()
        page.wait_for_selector(".sr-editor[data-ready='1']", timeout=20_000)
        page.evaluate(
            "() => document.querySelector('.sr-editor').srEditor.send('add_entity',"
            " {type: 'Peop', fragments: [[0, 2]]})"
        )
        page.wait_for_function(
            "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
            " return s.queue.length === 0 && !s.inflight; }"
        )
        assert [(e.type, e.author) for e in served.store.load_document(doc.id).entities] == [
            ("Peop", "ann")
        ]
    finally:
        page.close()
