"""A manager's work and its limits in the page, each person signed in from a browser context of
their own, on SQLite and PostgreSQL.

- An annotator reaches the manager's buttons (delete, rename, assign, change the schema) and
  each is refused with a toast that stays, the database unchanged.
- A manager deletes a document and a project (the confirmation says what goes), they leave the
  listings, and the Trash brings both back with every annotation.
- The People tab: a disabled account's session ends and it cannot sign in, enabled it can; a
  role change takes effect at the next click; a reset password is shown once, signs in, and
  the old one no longer does.
- The Import screen asks whether annotated uploads are finished gold: yes (the default) makes
  them done by the import, no leaves them to annotate.
- One person in two tabs: Ctrl+Z in a tab undoes that tab's edit, not the other's newer one.

Every check reads the database back through ``db.Store``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from converters.document import Document, Entity, Relation
from converters.schema import EntityType, RelationType, Schema
from tests.databases import BACKENDS, fresh_database_url
from tests.ui.conftest import Served, serve, stop
from tests.ui.pages import AppPage, ScreenPage
from tests.ui.team_pages import editor_idle, fill_sign_in, send, sign_in

pytestmark = pytest.mark.slow

MIA, ANN, CARA = (
    ("mia", "Mia-pw-0001-admin"),
    ("ann", "Ann-pw-0002-admin"),
    ("cara", "Cara-pw-0003-admin"),
)
TEXT = "Alice Smith met Bob Jones in Paris last week."
ALICE, BOB, PARIS, WEEK = (0, 11), (16, 25), (29, 34), (40, 44)
SCHEMA = Schema(
    [EntityType("Peop"), EntityType("Loc")], [RelationType("Meets", ["Peop"], ["Peop"])]
)
#: how long a page may take to load (a loaded 2-core machine has taken 30 s)
LOAD_MS = 60_000
#: JS: the texts of one column of a Gradio table
COLUMN_JS = """([sel, col]) => [...document.querySelectorAll(
  `${sel} [role=gridcell][data-col='${col}']`)].map(c => c.innerText.trim())"""


def _annotated(name: str) -> Document:
    return Document(
        name,
        TEXT,
        [Entity("T1", "Peop", [ALICE]), Entity("T2", "Peop", [BOB]), Entity("T3", "Loc", [PARIS])],
        [Relation("R1", "Meets", "T1", "T2")],
    )


@pytest.fixture(scope="module", params=BACKENDS)
def admin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One app per database: mia (manager), ann and cara (annotators); project "team" (d1
    annotated, d2-d4 plain), "archive" (two annotated documents) and "gold" (empty, for the
    imports)."""
    from db import Store

    tmp = tmp_path_factory.mktemp("team_admin")
    url = fresh_database_url(request.param, tmp, schema="team_admin_app")
    with Store.open(url) as store:
        for name, password in (MIA, ANN, CARA):
            store.add_user(name, password)  # mia first: the manager
        for project in ("team", "archive", "gold"):
            store.create_project(project, SCHEMA)
        plain = [Document(f"d{i}", TEXT) for i in (2, 3, 4)]
        store.import_documents("team", [_annotated("d1"), *plain])
        store.import_documents("archive", [_annotated("a1"), _annotated("a2")])
    served = serve(tmp, url=url, demo_project=False, sign_in=True)
    yield served
    stop(served)


def _open(browser: Any, served: Served, who: tuple[str, str], query: str) -> ScreenPage:
    """A browser context of ``who``'s own, signed in, its page placed at ``query``."""
    page = sign_in(browser, served, who, query, timeout=LOAD_MS)
    page.wait_for_selector("body[data-sr-placed='1']", state="attached", timeout=LOAD_MS)
    return ScreenPage(page, served.url)


@pytest.fixture(scope="module")
def manager(browser, admin: Served) -> Iterator[ScreenPage]:
    """mia's page, signed in once for the module's manager work (a page load costs seconds);
    each test chooses its project and screen."""
    ap = _open(browser, admin, MIA, "?project=team")
    yield ap
    ap.page.context.close()


def _wait_column(ap: AppPage, table: str, col: int, name: str, present: bool) -> None:
    ap.page.wait_for_function(
        f"([sel, col, n, present]) => ({COLUMN_JS})([sel, col]).includes(n) === present",
        arg=[f"#{table}", col, name, present],
        timeout=20_000,
    )


def _state(store: Any) -> dict[str, Any]:
    """What a manager's action could change: projects, their documents (names, assignees,
    statuses, versions) and schemas, the Trash, the accounts."""
    names = sorted(p.name for p in store.list_projects())
    return {
        "projects": names,
        "documents": {
            p: [(d.name, d.assignee, d.status, d.version) for d in store.list_documents(p)]
            for p in names
        },
        "schemas": {p: store.project_schema(p) for p in names},
        "trash": store.list_trash(),
        "accounts": store.accounts(),
    }


def _refused(ap: AppPage, what: str) -> Any:
    """The toast's message refusing ``what`` to an annotator, once it shows."""
    text = ap.page.locator(
        "[data-testid=toast-text]",
        has_text=f"Only a manager may {what}; you are signed in as an annotator",
    )
    text.wait_for(timeout=20_000)
    return text


def test_an_annotator_is_refused_each_managers_action_with_a_toast_that_stays(
    browser, admin: Served
) -> None:
    store = admin.store
    before = _state(store)
    assert [d[0] for d in before["documents"]["team"]] == ["d1", "d2", "d3", "d4"]
    assert before["schemas"]["team"].entity_names() == ["Peop", "Loc"]
    ap = _open(browser, admin, ANN, "?project=team&tab=documents")
    page = ap.page
    try:
        assert "signed in as ann (annotator)" in page.get_by_text("signed in as").first.inner_text()
        toasts = []
        page.locator("#sr-doc-cleanup").get_by_text("Rename or delete a document").click()
        ap.fill("sr-doc-target", "d4")
        page.locator("#sr-doc-delete").click()
        toasts.append(_refused(ap, "delete a document"))
        ap.fill("sr-doc-new-name", "d4-renamed")
        page.locator("#sr-doc-rename").click()
        toasts.append(_refused(ap, "rename a document"))
        ap.fill("sr-assign-name", "ann")
        page.locator("#sr-assign-go").click()
        toasts.append(_refused(ap, "assign documents"))

        ap.tab("Projects")
        ap.fill("sr-project-new-name", "team-renamed")
        page.locator("#sr-project-rename").click()
        toasts.append(_refused(ap, "rename a project"))
        page.locator("#sr-project-delete").click()
        toasts.append(_refused(ap, "delete a project"))
        ap.fill("sr-schema-name", "Org")  # the form's default: add an entity type
        page.locator("#sr-schema-apply").click()
        toasts.append(_refused(ap, "change the schema"))
        assert all(t.is_visible() for t in toasts)

        # they stay: no countdown (Gradio draws one on a toast that goes by itself), and
        # still there seconds later
        assert page.locator("[data-testid=toast-body] .timer").count() == 0
        page.wait_for_timeout(3_000)
        assert [t.is_visible() for t in toasts] == [True] * len(toasts)
        assert _state(store) == before
        assert not page.locator("#sr-project-delete-confirm").is_visible()  # nothing was asked
        assert not ap.errors
    finally:
        page.context.close()


def test_a_manager_deletes_a_document_and_a_project_then_restores_both(
    admin: Served, manager: ScreenPage
) -> None:
    store = admin.store
    d1 = store.find_document("team", "d1")
    archive = [d.id for d in store.list_documents("archive")]
    before = {i: store.load_document(i) for i in (d1, *archive)}
    assert len(before) == 3
    assert all(len(d.entities) == 3 and len(d.relations) == 1 for d in before.values())
    doc_goes, project_goes = store.what_goes("team", "d1"), store.what_goes("archive")
    assert (doc_goes.entities, project_goes.documents) == (3, 2)
    ap, page = manager, manager.page
    ap.choose_project("team")
    ap.tab("Documents")
    _wait_column(ap, "sr-docs", 1, "d1", True)
    page.locator("#sr-doc-cleanup").get_by_text("Rename or delete a document").click()
    ap.fill("sr-doc-target", "d1")
    page.locator("#sr-doc-delete").click()
    msg = page.locator("#sr-doc-msg")
    msg.get_by_text(f"This takes {doc_goes.phrase()} with it").wait_for(timeout=20_000)
    assert "Delete document d1 of project team?" in msg.inner_text()
    page.locator("#sr-doc-delete-confirm").click()
    msg.get_by_text("can be restored from the Trash").wait_for(timeout=20_000)
    _wait_column(ap, "sr-docs", 1, "d1", False)
    assert [d.name for d in store.list_documents("team")] == ["d2", "d3", "d4"]

    ap.choose_project("archive")
    ap.tab("Projects")
    page.locator("#sr-project-delete").click()
    msg = page.locator("#sr-project-msg")
    msg.get_by_text(f"This takes {project_goes.phrase()} with it").wait_for(timeout=20_000)
    assert "Delete project archive?" in msg.inner_text()
    page.locator("#sr-project-delete-confirm").click()
    msg.get_by_text("Project archive deleted").wait_for(timeout=20_000)
    _wait_column(ap, "sr-projects-table", 0, "archive", False)
    assert "archive" not in [p.name for p in store.list_projects()]

    entries = {e.name: e.id for e in store.list_trash()}
    assert sorted(entries) == ["archive", "d1"]
    for name in entries:
        _wait_column(ap, "sr-trash", 3, name, True)
    ap.fill("sr-trash-entry", str(entries["d1"]))
    page.locator("#sr-trash-restore").click()
    trash_msg = page.locator("#sr-trash-msg")
    trash_msg.get_by_text("Document d1 of project team restored").wait_for(timeout=20_000)
    ap.fill("sr-trash-entry", str(entries["archive"]))
    page.locator("#sr-trash-restore").click()
    trash_msg.get_by_text("Project archive restored").wait_for(timeout=20_000)
    _wait_column(ap, "sr-projects-table", 0, "archive", True)
    _wait_column(ap, "sr-trash", 3, "d1", False)
    assert store.list_trash() == []
    assert {i: store.load_document(i) for i in before} == before

    ap.choose_project("team")  # d1 is listed again
    ap.tab("Documents")
    _wait_column(ap, "sr-docs", 1, "d1", True)
    assert not ap.errors


def _change_account(ap: AppPage, name: str, action: str, said: str) -> str:
    """On the People tab: choose ``name``, the change ``action``, Apply; the message, once it
    says ``said``."""
    page = ap.page
    page.locator("#sr-person-who").locator("input").first.click()
    page.get_by_role("option", name=name, exact=True).click()
    page.get_by_role("radio", name=action, exact=True).check()
    page.locator("#sr-person-apply").click()
    msg = page.locator("#sr-people-msg")
    msg.get_by_text(said).wait_for(timeout=20_000)
    return msg.inner_text()


def _session_ends(page: Any, url: str) -> None:
    """Wait until the server no longer knows ``page``'s sign-in (its requests get 401)."""
    for _ in range(40):
        if page.request.get(url + "config").status == 401:
            return
        page.wait_for_timeout(250)
    raise AssertionError("the session did not end within 10 s")


def _sign_in_refused(page: Any, who: tuple[str, str]) -> None:
    fill_sign_in(page, who, LOAD_MS)
    page.get_by_text("Incorrect Credentials").wait_for(timeout=LOAD_MS)


def _signed_in(ap: AppPage, who: tuple[str, str], role: str) -> None:
    """Sign in on the sign-in form ``ap`` shows; the page says who, as what."""
    fill_sign_in(ap.page, who, LOAD_MS)
    line = ap.page.get_by_text("signed in as").first
    line.wait_for(timeout=LOAD_MS)
    assert f"signed in as {who[0]} ({role})" in line.inner_text()
    ap.page.wait_for_selector("body[data-sr-placed='1']", state="attached", timeout=LOAD_MS)


def _rename_document(ap: AppPage, name: str, new_name: str) -> None:
    page = ap.page
    ap.tab("Documents")
    page.locator("#sr-doc-cleanup").get_by_text("Rename or delete a document").click()
    ap.fill("sr-doc-target", name)
    ap.fill("sr-doc-new-name", new_name)
    page.locator("#sr-doc-rename").click()


def _next_password(monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    """The People tab's next reset password (the app runs in this process), instead of a
    random one: a known one, so that what the page shows can be compared with it."""
    from app.screens import people

    monkeypatch.setattr(people, "secrets", SimpleNamespace(token_urlsafe=lambda _n: password))


def test_a_manager_disables_enables_promotes_and_resets_a_password_on_the_people_tab(
    browser, admin: Served, manager: ScreenPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = admin.store
    # token_urlsafe's alphabet has "_" and "-", which Markdown would take for its own (the page
    # once showed them backslashed, a password that did not sign in): a new password with both
    _next_password(monkeypatch, "Fresh_Cara-0001")
    assert store.role_of("cara") == "annotator"
    cara = _open(browser, admin, CARA, "?project=team&tab=documents")
    d2 = store.find_document("team", "d2")
    editor = cara.page.context.new_page()  # her second tab, a document open in the editor
    editor.goto(f"{admin.url}?project=team&tab=annotate&doc={d2}")
    _wait_editor(editor, "d2")
    mia = manager
    mia.tab("People")
    try:
        _wait_column(mia, "sr-people", 0, "cara", True)
        # disabled: her session ends, she cannot sign in again
        _change_account(mia, "cara", "disable", "cara is disabled")
        assert {a.name: a.disabled for a in store.accounts()}["cara"] is True
        _session_ends(cara.page, admin.url)
        # her open editor says so at her next edit (instead of retrying for ever), unsaved
        before = store.load_document(d2).version
        editor.evaluate(
            "() => document.querySelector('.sr-editor').srEditor.send("
            "'add_entity', {type: 'Peop', fragments: [[0, 5]]})"
        )
        toast = editor.locator("[data-testid=sr-toast]").filter(has_text="sign-in has ended")
        toast.wait_for(timeout=LOAD_MS)
        assert "1 edit(s) not saved" in toast.inner_text()
        assert store.load_document(d2).version == before
        editor.close()
        cara.page.reload()  # her next request: the server asks her to sign in
        _sign_in_refused(cara.page, CARA)
        # enabled: she signs in again, as an annotator, and may not rename a document
        _change_account(mia, "cara", "enable", "cara is enabled")
        _signed_in(cara, CARA, "annotator")
        cara.choose_project("team")
        _rename_document(cara, "d3", "d3-renamed")
        _refused(cara, "rename a document")
        assert [d.name for d in store.list_documents("team")][1:3] == ["d2", "d3"]
        # made a manager: the same click in the same page now renames it
        _change_account(mia, "cara", "make manager", "cara is now a manager")
        cara.page.locator("#sr-doc-rename").click()
        cara.page.locator("#sr-doc-msg").get_by_text("is now d3-renamed").wait_for(timeout=20_000)
        assert store.find_document("team", "d3-renamed")
        assert store.role_of("cara") == "manager"
        # a new password, shown once: it signs in, the old one no longer does
        msg = _change_account(mia, "cara", "reset password", "New password for cara")
        fresh = mia.page.locator("#sr-people-msg code").inner_text()
        assert fresh == "Fresh_Cara-0001" and fresh in msg
        _session_ends(cara.page, admin.url)
        cara.page.reload()
        _sign_in_refused(cara.page, CARA)
        _signed_in(cara, ("cara", fresh), "manager")
        assert store.verify_user("cara", fresh) and not store.verify_user(*CARA)
        assert not cara.errors and not mia.errors
    finally:
        cara.page.context.close()


def _brat_pair(folder: Path, stem: str, ann: str) -> list[Path]:
    folder.mkdir(parents=True)
    (folder / f"{stem}.txt").write_text(TEXT, encoding="utf-8")
    (folder / f"{stem}.ann").write_text(ann, encoding="utf-8")
    return [folder / f"{stem}.txt", folder / f"{stem}.ann"]


def _upload(ap: AppPage, paths: list[Path]) -> None:
    """Put ``paths`` into the Import screen's file box at once; wait until it lists them.

    ``ScreenPage.upload_files`` first waits up to 5 s for a quiet network, for a page just
    loaded; this page has been up since the module's first test."""
    box = ap.page.locator("#sr-import-files")
    box.locator("input[type=file]").set_input_files([str(p) for p in paths])
    for path in paths:
        ap.page.wait_for_function(
            "n => document.querySelector('#sr-import-files').textContent"
            ".replace(/\\s+/g, '').includes(n)",
            arg=path.name,
            timeout=LOAD_MS,
        )


def _open_by_id(page: Any, doc_id: int, name: str) -> None:
    """Open a document by its id on the Annotate tab (the Documents table lists a new import
    only at its next live refresh)."""
    page.get_by_role("tab", name="Annotate").click()
    page.locator("#sr-open-id").locator("input").first.fill(str(doc_id))
    page.locator("#sr-open").click()
    _wait_editor(page, name)


def _wait_editor(page: Any, name: str) -> None:
    page.wait_for_function(
        "n => (document.querySelector('.sr-editor') || {dataset: {}}).dataset.ready === '1'"
        " && (document.querySelector('[data-testid=sr-doc-name]') || {}).textContent === n",
        arg=name,
        timeout=LOAD_MS,
    )


def _words(store: Any, doc_id: int) -> list[str]:
    return sorted(TEXT[e.start : e.end] for e in store.load_document(doc_id).entities)


def _undo(page: Any) -> None:
    page.bring_to_front()
    page.locator(".sr-editor").focus()
    page.keyboard.press("Control+z")
    page.wait_for_function(
        "() => document.querySelector('.sr-editor').srEditor.state.lastStatus[0].includes('undo')",
        timeout=10_000,
    )
    editor_idle(page)


def test_an_import_asks_whether_it_is_gold_and_undo_is_per_tab(
    admin: Served, manager: ScreenPage, tmp_path: Path
) -> None:
    store = admin.store
    full = "T1\tPeop 0 11\tAlice Smith\nT2\tPeop 16 25\tBob Jones\nR1\tMeets Arg1:T1 Arg2:T2\n"
    ap, page = manager, manager.page
    ap.choose_project("gold")
    ap.tab("Import")
    tab2 = page.context.new_page()
    try:
        choice = page.locator("#sr-import-status label:has(input:checked)")
        assert choice.inner_text().strip() == "Yes if the files hold annotations (auto)"
        _upload(ap, _brat_pair(tmp_path / "yes", "g1", full))
        ap.run_import()
        msg = page.locator("#sr-import-msg").inner_text()
        assert "Imported 1 document(s) with 2 entities, 1 relation into gold" in msg, msg
        assert "marked done" in msg, msg
        [g1] = store.list_documents("gold")
        assert (g1.name, g1.status, g1.status_by, g1.entities) == ("g1", "done", "import", 2)

        # answered no: to annotate
        page.locator("#sr-import-files button[aria-label=Clear]").click()
        page.locator("#sr-import-files tr.file").first.wait_for(state="detached")
        _upload(ap, _brat_pair(tmp_path / "no", "g2", "T1\tPeop 0 11\tAlice Smith\n"))
        page.locator("#sr-import-status").get_by_label("No: to annotate", exact=True).check()
        msg = ap.click_and_wait("sr-import-go", "sr-import-msg")
        assert "Imported 1 document(s) with 1 entity into gold" in msg, msg
        g2 = {d.name: d for d in store.list_documents("gold")}["g2"]
        assert (g2.status, g2.entities) == ("new", 1)
        assert store.list_documents("gold")[0].status == "done"  # g1 as it was

        # one person, two tabs of one browser: each tab's Ctrl+Z undoes its own edit
        _open_by_id(page, g2.id, "g2")
        send(page, "add_entity", {"type": "Peop", "fragments": [list(BOB)]})
        tab2.goto(f"{admin.url}?project=gold&tab=annotate&doc={g2.id}")  # a shared link
        _wait_editor(tab2, "g2")
        send(tab2, "add_entity", {"type": "Loc", "fragments": [list(PARIS)]})
        # tab 1 still shows the version before tab 2's edit: refused, reloaded, sent again
        send(page, "add_entity", {"type": "Loc", "fragments": [list(WEEK)]})
        page.locator("[data-testid=sr-toast]", has_text="1 added").wait_for(timeout=LOAD_MS)
        send(page, "add_entity", {"type": "Loc", "fragments": [list(WEEK)]})
        assert _words(store, g2.id) == ["Alice Smith", "Bob Jones", "Paris", "week"]

        _undo(tab2)  # tab 2's edit goes, though tab 1's "week" is newer
        assert _words(store, g2.id) == ["Alice Smith", "Bob Jones", "week"]
        _undo(page)  # tab 1's newest: "week"; its "Bob Jones" stays
        assert _words(store, g2.id) == ["Alice Smith", "Bob Jones"]
        assert not ap.errors
    finally:
        tab2.close()
