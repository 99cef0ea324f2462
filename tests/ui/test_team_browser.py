"""A team in the page: a manager and two annotators signed in from their own browsers.

Roles are enforced on the server (an annotator's Export, account change or edit of someone
else's document is refused with a toast that stays), the address keeps the place (a reload
returns to the open document), the Annotate tab opens on the person's next document, undo acts
on this page's edits only, and a conflict shows a toast and highlights the other person's
change. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.screens import live
from converters.document import Document
from converters.schema import EntityType, Schema
from db import Edit
from tests.databases import BACKENDS, fresh_database_url
from tests.ui.conftest import Served, serve, stop
from tests.ui.pages import ScreenPage
from tests.ui.team_pages import editor_idle, send, shown_doc, sign_in

MIA, ANN, BOB = (
    ("mia", "Mia-pw-0001-team"),
    ("ann", "Ann-pw-0002-team"),
    ("bob", "Bob-pw-0003-team"),
)
TEXT = "Alice Smith met Bob Jones in Paris last week."
#: seconds between two refreshes of the live views in this module's app
LIVE_S = 2.0


@pytest.fixture(scope="module", params=BACKENDS)
def team(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    from db import Store

    tmp = tmp_path_factory.mktemp("team")
    url = fresh_database_url(request.param, tmp, schema="team_app")
    with Store.open(url) as store:
        for name, password in (MIA, ANN, BOB):
            store.add_user(name, password)  # mia first: the manager
        store.create_project("team", Schema([EntityType("Peop"), EntityType("Loc")]))
        ids = store.import_documents(
            "team", [Document(f"d{i}", TEXT) for i in (1, 2, 3, 4)]
        ).document_ids
        store.apply_edit(ids[0], Edit.set_assignee("bob"), 0, "mia")
    with pytest.MonkeyPatch.context() as mp:
        # the live views' period, read as the app is built: the manager's test waits for two
        # of their refreshes, 10 s apart in the product; the same code asked again sooner
        mp.setattr(live, "LIVE_S", LIVE_S)
        served = serve(tmp, url=url, demo_project=False, sign_in=True)
    yield served
    stop(served)


def test_an_annotator_is_refused_manager_work_and_keeps_her_place(browser, team: Served) -> None:
    page = sign_in(browser, team, ANN)
    try:
        assert "signed in as ann (annotator)" in page.get_by_text("signed in as").first.inner_text()
        page.get_by_role("tab", name="Export").click()
        page.locator("#sr-export-go").click()
        toast = page.locator(".toast-body", has_text="Only a manager may export a project")
        toast.wait_for(timeout=20_000)  # it stays until closed: tests/app/test_permissions.py
        page.get_by_role("tab", name="People").click()
        page.locator("#sr-person-name").locator("textarea, input").first.fill("eve")
        page.locator("#sr-person-password").locator("textarea, input").first.fill(
            "Eve-pw-0004-team"
        )
        page.locator("#sr-person-add").click()
        page.locator(".toast-body", has_text="Only a manager may add people").wait_for(
            timeout=20_000
        )
        assert "eve" not in team.store.list_users()

        # the Annotate tab opens on her next document: d1 is bob's, so d2 (open to all)
        page.get_by_role("tab", name="Annotate").click()
        page.wait_for_selector(".sr-editor[data-ready='1']", timeout=20_000)
        page.wait_for_function("() => document.querySelector('[data-testid=sr-doc-name]')")
        assert shown_doc(page) == "d2"
        d2 = team.store.find_document("team", "d2")
        page.wait_for_function(
            "d => window.location.search.includes('doc=' + d)", arg=str(d2), timeout=10_000
        )
        assert "project=team" in page.url and "tab=annotate" in page.url
        page.reload()  # the sign-in cookie stays; the address brings her back
        page.wait_for_function(
            "() => (document.querySelector('[data-testid=sr-doc-name]') || {}).textContent"
            " === 'd2'",
            timeout=30_000,
        )

        # bob's document: she may look, not edit
        d1 = team.store.find_document("team", "d1")
        page.locator("#sr-open-id").locator("input").first.fill(str(d1))
        page.locator("#sr-open").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=sr-doc-name]').textContent === 'd1'"
        )
        send(page, "add_entity", {"type": "Peop", "fragments": [[0, 5]]})
        page.locator("[data-testid=sr-toast]", has_text="assigned to bob").wait_for(timeout=10_000)
        assert team.store.load_document(d1).entities == []
        page.locator("#sr-pre-doc").click()  # its suggestions would replace bob's open ones
        page.locator(
            ".toast-body", has_text="Not pre-annotated: this document is assigned"
        ).wait_for(timeout=20_000)
    finally:
        page.context.close()


def test_undo_is_per_page_and_a_conflict_is_shown(browser, team: Served) -> None:
    d3 = team.store.find_document("team", "d3")
    query = f"?project=team&tab=annotate&doc={d3}"  # a shared link opens the document
    ann, mia = sign_in(browser, team, ANN, query), sign_in(browser, team, MIA, query)
    try:
        for page in (ann, mia):
            page.wait_for_function(
                "() => (document.querySelector('[data-testid=sr-doc-name]') || {}).textContent"
                " === 'd3'",
                timeout=30_000,
            )
        send(ann, "add_entity", {"type": "Peop", "fragments": [[0, 11]]})  # "Alice Smith"
        # mia's page still has the version before ann's edit: refused, reloaded, shown
        send(mia, "add_entity", {"type": "Loc", "fragments": [[27, 32]]})  # "Paris"
        toast = mia.locator("[data-testid=sr-toast]", has_text="1 added")
        toast.wait_for(timeout=20_000)
        assert mia.locator(".sr-label.sr-changed").count() == 1  # ann's entity, highlighted
        send(mia, "add_entity", {"type": "Loc", "fragments": [[27, 32]]})
        entities = team.store.load_document(d3).entities
        assert sorted((e.type, e.author) for e in entities) == [("Loc", "mia"), ("Peop", "ann")]

        ann.locator(".sr-editor").focus()
        ann.keyboard.press("Control+z")  # ann's undo: her entity goes, mia's newer one stays
        ann.wait_for_function(
            "() => document.querySelector('.sr-editor').srEditor.state.lastStatus[0]"
            ".includes('undo')",
            timeout=10_000,
        )
        editor_idle(ann)
        entities = team.store.load_document(d3).entities
        assert [(e.type, e.author) for e in entities] == [("Loc", "mia")]
    finally:
        ann.context.close()
        mia.context.close()


def test_a_manager_adds_an_annotator_in_the_page(browser, team: Served, tmp_path: Path) -> None:
    page = sign_in(browser, team, MIA)
    try:
        assert "(manager)" in page.get_by_text("signed in as").first.inner_text()
        page.get_by_role("tab", name="People").click()
        page.locator("#sr-person-name").locator("textarea, input").first.fill("cara")
        page.locator("#sr-person-password").locator("textarea, input").first.fill(
            "Cara-pw-0005-team"
        )
        page.locator("#sr-person-add").click()
        page.locator("#sr-people-msg", has_text="Added cara as annotator").wait_for(timeout=20_000)
        assert {a.name: a.role for a in team.store.accounts()}["cara"] == "annotator"
        assert team.store.verify_user("cara", "Cara-pw-0005-team")

        # live tables: a project made elsewhere (another person, the CLI) shows up by itself
        page.get_by_role("tab", name="Projects").click()
        table = page.locator("#sr-projects-table")
        assert "elsewhere" not in table.inner_text()
        team.store.create_project("elsewhere", Schema([EntityType("Peop")]))
        team.store.import_documents("elsewhere", [Document("e1", TEXT), Document("e2", TEXT)])
        page.wait_for_function(
            "() => document.querySelector('#sr-projects-table').innerText.includes('elsewhere')",
            timeout=30_000,
        )
        # and the Documents table: another person's first edit shows there by itself
        screen = ScreenPage(page, team.url)
        screen.choose_project("elsewhere")
        screen.tab("Documents")
        # the table's text (Gradio draws its rows as it likes): e1 listed, nobody's edit yet
        shows = "([a, b]) => { const t = document.querySelector('#sr-docs').innerText;"
        shows += " return t.includes(a) && new RegExp(b).test(t); }"
        page.wait_for_function(shows, arg=["e1", "\\bnew\\b"], timeout=30_000)
        assert not re.search(r"\bann\b", page.locator("#sr-docs").inner_text())
        e1 = team.store.find_document("elsewhere", "e1")
        before = team.store.load_document(e1)
        assert before.status == "new" and before.status_by != "ann"
        team.store.apply_edit(e1, Edit.add_entity("Peop", [(0, 5)]), before.version, "ann")
        page.wait_for_function(shows, arg=["e1", "\\bann\\b"], timeout=30_000)
    finally:
        page.context.close()
