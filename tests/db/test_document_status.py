"""Statuses that mean something (issue 23, item 5), in the store on SQLite and PostgreSQL:
the first human edit or review moves a document on, done is set by hand and can be reopened,
who moved the status and when is kept, undo moves it back, imports of annotated files are
finished gold by default, and the per-person progress and the Projects counts agree."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import converters
from app.screens.projects import PROJECT_HEADERS, project_rows
from converters.document import Document, Entity
from converters.schema import EntityType, Schema
from db import Edit, EditError, Store, StoreError
from db.cli import main
from db.models import DOCUMENT_STATUSES
from tests.cli_runs import run_main

TEXT = "Aspirin caused nausea in the patient."
SCHEMA = Schema([EntityType("Drug"), EntityType("Effect")], [])


def _plain(name: str) -> Document:
    return Document(name, TEXT, [], [])


def _annotated(name: str) -> Document:
    return Document(name, TEXT, [Entity("T1", "Drug", [(0, 7)])], [])


def _status(store: Store, doc_id: int) -> tuple[str, str | None]:
    (summary,) = [d for d in store.list_documents("p") if d.id == doc_id]
    assert summary.status_at is not None  # every status has a when
    return summary.status, summary.status_by


def test_first_human_edit_moves_new_to_in_progress_and_undo_moves_it_back(store: Store) -> None:
    store.create_project("p", SCHEMA)
    (doc,) = store.import_documents("p", [_plain("d1")]).document_ids
    assert _status(store, doc) == ("new", "import")
    # assigning is not annotation work
    r = store.apply_edit(doc, Edit.set_assignee("ann"), 0, "lead")
    assert _status(store, doc) == ("new", "import")
    r = store.apply_edit(doc, Edit.add_entity("Drug", [(0, 7)]), r.version, "ann")
    assert _status(store, doc) == ("in-progress", "ann")
    # the move is part of the edit's recorded changes, in the same history entry
    entry = store.history(doc, limit=1)[0]
    assert entry.id == r.history_id
    moved = [c for c in entry.changes if c["t"] == "document"]
    assert moved and moved[0]["b"]["status"] == "new" and moved[0]["a"]["status"] == "in-progress"
    r = store.apply_edit(doc, Edit.add_entity("Effect", [(15, 21)]), r.version, "bob")
    assert _status(store, doc) == ("in-progress", "ann")  # already moved: ann started it
    r = store.undo(doc, "bob", r.version)
    assert _status(store, doc) == ("in-progress", "ann")
    r = store.undo(doc, "ann", r.version)  # ann's first edit gone: untouched again
    assert _status(store, doc) == ("new", "import")
    r = store.redo(doc, "ann", r.version)
    assert _status(store, doc) == ("in-progress", "ann")


def test_undo_per_page_keeps_the_status_others_work_holds(store: Store) -> None:
    store.create_project("p", SCHEMA)
    one, two = store.import_documents("p", [_plain("d1"), _plain("d2")]).document_ids
    # alone on a document, a page's undo and redo move the status back and forth
    r = store.apply_edit(one, Edit.add_entity("Drug", [(0, 7)]), 0, "ann", client_id="a", seq=1)
    r = store.undo(one, "ann", r.version, client_id="a", seq=2)
    assert _status(store, one) == ("new", "import")
    store.redo(one, "ann", r.version, client_id="a", seq=3)
    assert _status(store, one) == ("in-progress", "ann")
    # ann's first edit moved it; mia's edit came after: ann's undo leaves it in progress
    r = store.apply_edit(two, Edit.add_entity("Drug", [(0, 7)]), 0, "ann", client_id="a", seq=1)
    r = store.apply_edit(
        two, Edit.add_entity("Effect", [(15, 21)]), r.version, "mia", client_id="m", seq=1
    )
    r = store.undo(two, "ann", r.version, client_id="a", seq=2)
    assert [e.author for e in store.load_document(two).entities] == ["mia"]
    assert _status(store, two) == ("in-progress", "ann")
    # mia marks it done; ann's redo brings her entity back and leaves the status alone
    r = store.apply_edit(two, Edit.set_status("done"), r.version, "mia", client_id="m", seq=2)
    store.redo(two, "ann", r.version, client_id="a", seq=3)
    assert sorted(e.author for e in store.load_document(two).entities) == ["ann", "mia"]
    assert _status(store, two) == ("done", "mia")


def test_review_moves_pre_annotated_to_in_progress(store: Store) -> None:
    store.create_project("p", SCHEMA)
    one, two = store.import_documents("p", [_plain("d1"), _plain("d2")]).document_ids
    for doc in (one, two):
        store.replace_suggestions(
            doc, None, [Entity("S1", "Drug", [(0, 7)]), Entity("S2", "Effect", [(15, 21)])]
        )
        assert _status(store, doc) == ("pre-annotated", "model")
    view = store.load_document(one)
    assert view.entities
    store.apply_edit(one, Edit.reject(entity_id=view.entities[0].id), view.version, "ann")
    assert _status(store, one) == ("in-progress", "ann")
    store.accept_all(two, 0.0, store.load_document(two).version, "bob")
    assert _status(store, two) == ("in-progress", "bob")


def test_done_by_hand_stays_done_until_reopened(store: Store) -> None:
    store.create_project("p", SCHEMA)
    (doc,) = store.import_documents("p", [_annotated("d1")]).document_ids
    r = store.apply_edit(doc, Edit.set_status("done"), 0, "ann")
    assert _status(store, doc) == ("done", "ann")
    with pytest.raises(EditError, match="changes nothing"):
        store.apply_edit(doc, Edit.set_status("done"), r.version, "bob")
    r = store.apply_edit(doc, Edit.add_entity("Effect", [(15, 21)]), r.version, "bob")
    assert _status(store, doc) == ("done", "ann")  # an edit never leaves done by itself
    r = store.apply_edit(doc, Edit.set_status("in-progress"), r.version, "lead")  # reopen
    assert _status(store, doc) == ("in-progress", "lead")
    r = store.apply_edit(doc, Edit.set_status("done"), r.version, "bob")
    assert _status(store, doc) == ("done", "bob")
    store.undo(doc, "bob", r.version)  # a mis-clicked "Mark done" is taken back
    assert _status(store, doc) == ("in-progress", "lead")


def test_import_status_auto_choice_and_refusal(store: Store, backend_url: str) -> None:
    store.create_project("p", SCHEMA)
    gold = store.import_documents("p", [_annotated("g1"), _plain("g2")], status="auto")
    assert gold.status == "done"
    # a gold corpus's sentence without annotations is gold too: the upload decides
    assert {_status(store, d) for d in gold.document_ids} == {("done", "import")}
    plain = store.import_documents("p", [_plain("t1")], status="auto")
    assert plain.status == "new" and _status(store, plain.document_ids[0]) == ("new", "import")
    model = store.import_documents("p", [_annotated("m1")], status="auto", source="model")
    assert model.status == "pre-annotated"
    told = store.import_documents("p", [_plain("t2")], status="done")
    assert told.status == "done"
    before = len(store.list_documents("p"))
    with pytest.raises(StoreError, match="'finished' is not one of auto, new, pre-annotated"):
        store.import_documents("p", [_annotated("x1")], status="finished")
    assert len(store.list_documents("p")) == before


def test_progress_per_person_agrees_with_the_projects_table(store: Store) -> None:
    store.create_project("p", SCHEMA)
    ids = store.import_documents("p", [_plain(f"d{i}") for i in range(7)]).document_ids
    store.import_documents("p", [_annotated("gold")], status="done")
    owners = ["ann", "ann", "ann", "bob", "bob", None, None]
    for doc, owner in zip(ids, owners, strict=True):
        if owner:
            store.apply_edit(doc, Edit.set_assignee(owner), 0, "lead")

    def work(doc: int, who: str, status: str) -> None:
        version = store.load_document(doc).version
        store.apply_edit(doc, Edit.set_status(status), version, who)

    work(ids[0], "ann", "done")
    work(ids[1], "ann", "done")
    work(ids[2], "ann", "in-progress")
    work(ids[3], "bob", "in-progress")
    work(ids[5], "bob", "done")  # open to all, finished by bob
    progress = store.progress("p")
    rows = {p.person: (p.assigned, p.done, p.in_progress, p.marked_done) for p in progress.people}
    assert rows == {
        "ann": (3, 2, 1, 2),
        "bob": (2, 0, 1, 1),
        None: (3, 2, 0, 0),  # d5 (done by bob), d6 and the imported gold
    }
    assert [p.person for p in progress.people] == ["ann", "bob", None]
    assert progress.statuses == {"new": 2, "pre-annotated": 0, "in-progress": 2, "done": 4}
    assert progress.documents == 8 == sum(r[0] for r in rows.values())
    # the Projects table shows the same counts
    (row,) = project_rows(store)
    shown = dict(zip(PROJECT_HEADERS, row, strict=True))
    assert shown["documents"] == progress.documents
    headers = {"in-progress": "in progress"}  # the table's spelling
    for status in DOCUMENT_STATUSES:
        assert shown[headers.get(status, status)] == progress.statuses[status]


def _cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m db ...`` run by ``db.cli.main`` in this process (tests/cli_runs.py; the
    ``-m`` entry runs as a process in test_db_cli.py)."""
    return run_main(main, *args)


def test_cli_import_status(backend_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    converters.write("brat", [_annotated("a1"), _annotated("a2")], corpus)
    base = ["import", "--db", backend_url, "--format", "brat"]
    proc = _cli(*base, "--project", "auto", str(corpus))  # default: auto
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "done"
    proc = _cli(*base, "--project", "told", "--status", "new", str(corpus))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "new"
    plain = tmp_path / "plain"  # text only: auto would say new; --status done says done
    converters.write("brat", [_plain("p1")], plain)
    proc = _cli(*base, "--project", "gold", "--status", "done", str(plain))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "done"
    proc = _cli(*base, "--project", "bad", "--status", "finished", str(corpus))
    assert proc.returncode == 2 and "invalid choice: 'finished'" in proc.stderr
    with Store.open(backend_url) as store:
        done = {(d.name, d.status, d.status_by) for d in store.list_documents("auto")}
        assert done == {("a1", "done", "import"), ("a2", "done", "import")}
        assert {d.status for d in store.list_documents("told")} == {"new"}
        assert {d.status for d in store.list_documents("gold")} == {"done"}
        assert [p.name for p in store.list_projects()] == ["auto", "told", "gold"]
