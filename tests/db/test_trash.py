"""Deleting documents and projects into the trash and restoring them exactly, on SQLite and
PostgreSQL: every row back with its id (history and page operations included, so undo and a
repeated operation work as before), new rows after a restore with fresh ids, refusals that say
why (a name taken again, a running job, a project gone), purging, and renames.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from converters.document import Attribute, Document, Entity, Event, Group, Note, Relation
from converters.schema import EntityType, EventType, RelationType, Schema
from converters.schema_changes import SchemaChange
from db import Edit, NotFoundError, Store, StoreError, migrate
from db.models import utcnow
from db.names import DOCUMENT_NAME_LENGTH
from db.session import create_db_engine

SCHEMA = Schema(
    [EntityType("Drug"), EntityType("Effect")],
    [RelationType("Causes", ["Drug"], ["Effect"])],
    event_types=[EventType("Intake")],
)
TEXT = "Aspirin caused nausea and rash after intake."


def _rich(name: str) -> Document:
    """A document with an annotation of every kind."""
    doc = Document(
        name,
        TEXT,
        [
            Entity("T1", "Drug", [(0, 7)]),
            Entity("T2", "Effect", [(15, 21)]),
            Entity("T3", "Effect", [(26, 30)]),
            Entity("T4", "Intake", [(37, 43)]),
        ],
        [Relation("R1", "Causes", "T1", "T2")],
        events=[Event("E1", "Intake", "T4", [("Theme", "T1")])],
    )
    doc.attributes = [Attribute("A1", "Negated", "T3")]
    doc.notes = [Note("#1", "AnnotatorNotes", "T1", "brand")]
    doc.groups = [Group("Equiv", ["T2", "T3"])]
    return doc


@pytest.fixture
def project(store: Store) -> Store:
    store.create_project("p", SCHEMA)
    store.import_documents("p", [_rich("a"), Document("b", "Nothing here.")])
    store.import_documents("p", [_rich("s")], source="model")  # open suggestions
    return store


def _without_trash(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    assert dump["document"] and dump["history"]  # something to compare
    return {t: rows for t, rows in dump.items() if t != "trash"}


def _page_edit(store: Store, doc_id: int, edit: Edit, seq: int) -> Any:
    version = store.load_document(doc_id).version
    return store.apply_edit(doc_id, edit, version, "ann", client_id="page-1", seq=seq)


def test_a_document_comes_back_exactly_and_undo_works(
    project: Store, backend_url: str, dump: Any
) -> None:
    store = project
    doc_id = store.find_document("p", "a")
    added = _page_edit(store, doc_id, Edit.add_entity("Drug", [(31, 35)]), 1)
    edited = store.load_document(doc_id)
    goes = store.what_goes("p", "a")
    assert (goes.entities, goes.relations, goes.events, goes.suggestions) == (4, 1, 1, 0)
    assert goes.history == 2 and goes.documents == 1
    before = _without_trash(dump(backend_url))

    entry = store.delete_document("p", "a", by="boss")
    assert entry.summary == goes and entry.deleted_by == "boss"
    assert entry.purge_after - entry.deleted_at == timedelta(days=30)
    with pytest.raises(NotFoundError):
        store.find_document("p", "a")
    assert [d.name for d in store.list_documents("p")] == ["b", "s"]
    # rows added meanwhile never take the deleted rows' ids (SQLite: migration 0007)
    other = store.import_documents("p", [_rich("c")]).document_ids[0]
    assert other > doc_id
    store.apply_edit(other, Edit.add_entity("Drug", [(31, 35)]), 0, "ann")
    mid = dump(backend_url)
    new_rows = {t: [r for r in rows if r not in before.get(t, [])] for t, rows in mid.items()}

    [listed] = store.list_trash()
    assert (listed.id, listed.kind, listed.name, listed.summary) == (
        entry.id,
        "document",
        "a",
        goes,
    )
    restored = store.restore(entry.id, by="boss")
    assert (restored.id, restored.name, restored.added_entity_types) == (doc_id, "a", [])
    after = _without_trash(dump(backend_url))
    for table, rows in after.items():
        expected = sorted(before.get(table, []) + new_rows.get(table, []), key=repr)
        assert sorted(rows, key=repr) == expected, table
    assert store.list_trash() == []

    # the page that made the edit undoes it, and its old operation is answered, not re-applied
    assert store.load_document(doc_id) == edited
    repeat = _page_edit(store, doc_id, Edit.add_entity("Drug", [(31, 35)]), 1)
    assert repeat.repeated and repeat.entity_id == added.entity_id
    version = store.load_document(doc_id).version
    store.undo(doc_id, "ann", version, client_id="page-1", seq=2)
    assert len(store.load_document(doc_id).entities) == len(edited.entities) - 1
    # new rows after the restore get fresh ids (PostgreSQL: the sequences were not set back)
    fresh = store.import_documents("p", [_rich("d")]).document_ids[0]
    assert fresh > other
    new = store.apply_edit(fresh, Edit.add_entity("Drug", [(31, 35)]), 0, "ann")
    assert new.entity_id > max(e.id for e in edited.entities)
    assert new.history_id > max(h.id for h in store.history(doc_id))


def test_a_project_comes_back_exactly_with_its_models_and_jobs(
    project: Store, backend_url: str, dump: Any, tmp_path: Path
) -> None:
    store = project
    folder = tmp_path / "models" / "v1"
    folder.mkdir(parents=True)
    mv = store.register_model_version("p", str(folder), state="ready")
    store.activate_model_version(mv.id)
    job = store.create_job("retrain", project="p")
    store.start_job(job.id)
    with pytest.raises(StoreError, match=rf"has a retrain job \(job {job.id}\) running"):
        store.delete_project("p", by="boss")
    assert store.list_trash() == [] and len(store.list_documents("p")) == 3
    store.finish_job(job.id)
    goes = store.what_goes("p")
    assert (goes.documents, goes.entities, goes.suggestions, goes.model_versions) == (3, 3, 5, 1)
    before = _without_trash(dump(backend_url))

    entry = store.delete_project("p", by="boss")
    assert entry.summary == goes and "3 documents" in goes.phrase()
    assert store.list_projects() == [] and store.list_jobs(project=None) == []
    assert folder.is_dir()  # model files stay until the entry is purged
    store.create_project("p")
    with pytest.raises(StoreError, match="a project named 'p' exists again: rename that one"):
        store.restore(entry.id, by="boss")
    store.rename_project("p", "p2", by="boss")
    store.delete_project("p2", by="boss")
    restored = store.restore(entry.id, by="boss")
    assert (restored.kind, restored.name) == ("project", "p")
    after = _without_trash(dump(backend_url))
    assert after == before
    assert store.active_model_version("p").path == str(folder)


def test_restore_under_a_new_name_and_into_a_restored_project(project: Store) -> None:
    store = project
    doc = store.delete_document("p", "a", by="boss")
    store.import_documents("p", [Document("a", "another a")])
    with pytest.raises(StoreError, match="project 'p' has a document named 'a' again"):
        store.restore(doc.id, by="boss")
    with pytest.raises(StoreError, match="a document needs a name"):
        store.restore(doc.id, by="boss", new_name="  ")
    assert store.restore(doc.id, by="boss", new_name="a (old)").name == "a (old)"
    assert store.load_document(store.find_document("p", "a (old)")).text == TEXT

    doc = store.delete_document("p", "a (old)", by="boss")
    proj = store.delete_project("p", by="boss")
    with pytest.raises(StoreError, match="restore the project from the Trash first"):
        store.restore(doc.id, by="boss")
    store.restore(proj.id, by="boss", new_name="renamed")
    assert [e.project for e in store.list_trash()] == ["renamed"]  # its name of today
    assert store.restore(doc.id, by="boss").project == "renamed"
    with pytest.raises(NotFoundError, match=f"no trash entry {doc.id}"):
        store.restore(doc.id, by="boss")


def test_a_restored_document_brings_back_types_the_schema_lost(project: Store) -> None:
    store = project
    entry = store.delete_document("p", "a", by="boss")
    store.change_schema("p", SchemaChange("rename", "entity", "Drug", value="Medicine"))
    result = store.restore(entry.id, by="boss")
    assert result.added_entity_types == ["Drug"]
    assert {t.name for t in store.project_schema("p").entity_types} >= {"Drug", "Medicine"}


def test_purge_removes_old_entries_and_unused_model_folders(project: Store, tmp_path: Path) -> None:
    store = project
    shared, own = tmp_path / "shared", tmp_path / "own"
    for folder in (shared, own):
        folder.mkdir()
        (folder / "model.safetensors").write_text("x")
        store.register_model_version("p", str(folder), state="ready")
    store.create_project("q")
    store.register_model_version("q", str(shared), state="ready")  # the same folder, twice
    doc = store.delete_document("p", "b", by="boss")
    proj = store.delete_project("p", by="boss")

    assert store.purge_trash().entries == []  # nothing is 30 days old
    later = utcnow() + timedelta(days=31)
    with pytest.raises(NotFoundError, match="no trash entry 999"):
        store.purge_trash(entry_ids=[proj.id, 999])
    result = store.purge_trash(entry_ids=[proj.id], by="boss")
    assert result.entries == [proj.id] and result.removed == [str(own)]
    assert result.kept == [str(shared)] and not own.exists() and shared.is_dir()
    assert [e.id for e in store.list_trash()] == [doc.id]
    assert store.purge_trash(now=later).entries == [doc.id]
    assert store.list_trash() == []


def test_renames_keep_ids_and_check_names(project: Store) -> None:
    store = project
    doc_id = store.find_document("p", "a")
    version = store.load_document(doc_id).version
    assert store.rename_document("p", "a", "a2", by="boss") == doc_id
    assert store.find_document("p", "a2") == doc_id
    assert store.load_document(doc_id).version == version  # not an edit: nothing to undo
    for bad, reason in (
        ("b", "project 'p' already has a document named 'b'"),
        ("a2", "already named 'a2'"),
        (" ", "a document needs a name"),
        ("x" * (DOCUMENT_NAME_LENGTH + 1), "at most 500 characters"),
    ):
        with pytest.raises(StoreError, match=reason):
            store.rename_document("p", "a2", bad, by="boss")
    with pytest.raises(NotFoundError, match="no document 'zz' in project 'p'"):
        store.rename_document("p", "zz", "y", by="boss")
    store.create_project("q")
    with pytest.raises(StoreError, match="a project named 'q' already exists"):
        store.rename_project("p", "q", by="boss")
    with pytest.raises(StoreError, match="a project needs a name"):
        store.rename_project("p", "", by="boss")
    pid = store.get_project("p").id
    assert store.rename_project("p", "p-new", by="boss") == pid
    assert store.find_document("p-new", "a2") == doc_id


@pytest.mark.from_empty  # migrated to 0006 only: not backend_url's migrated copy
def test_a_database_from_0006_hands_out_no_deleted_id(backend_url: str) -> None:
    with Store.open(backend_url, migrate_to="0006") as old, old.engine.begin() as conn:
        # rows a 0006-era program wrote (today's store methods expect today's columns)
        conn.execute(
            text(
                "INSERT INTO project (name, settings, extra_schema, created_at)"
                " VALUES ('p', '{}', '{}', '2024-01-01')"
            )
        )
        for name in ("a", "b"):
            conn.execute(
                text(
                    "INSERT INTO document (project_id, name, position, text, sha256, status,"
                    " split, version, meta, created_at, updated_at) VALUES (1, :n, 1, 'x', 'x',"
                    " 'new', 'unassigned', 0, '{}', '2024-01-01', '2024-01-01')"
                ),
                {"n": name},
            )
    with Store.open(backend_url) as store:
        engine = create_db_engine(backend_url)
        assert migrate.current_revision(engine) == migrate.head_revision()
        engine.dispose()
        newest = store.find_document("p", "b")
        entry = store.delete_document("p", "b", by="boss")
        assert store.import_documents("p", [Document("c", "z")]).document_ids[0] > newest
        assert store.restore(entry.id, by="boss").id == newest


def _cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, Any, str]:
    from db.cli import main

    code = main([args[0], "--db", url, *args[1:]])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_cli_deletes_only_with_yes_and_restores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with Store.open(url) as store:
        store.create_project("p", SCHEMA)
        store.import_documents("p", [_rich("a"), Document("b", "b")])
    code, out, err = _cli(capsys, url, "delete-document", "--project", "p", "a")
    assert code == 1 and out is None
    assert "nothing was deleted" in err and "3 entities, 1 relation, 1 event" in err
    code, out, err = _cli(capsys, url, "delete-document", "--project", "p", "a", "--by", "boss")
    assert code == 1  # still no --yes
    code, out, err = _cli(capsys, url, "delete-document", "--project", "p", "a", "--yes")
    assert code == 0, err
    entry = out["deleted"]
    assert (entry["kind"], entry["name"], entry["summary"]["entities"]) == ("document", "a", 3)
    code, out, err = _cli(capsys, url, "rename-document", "--project", "p", "b", "a")
    assert code == 0 and out == {"project": "p", "renamed": "b", "to": "a"}
    code, out, err = _cli(capsys, url, "trash")
    assert [e["id"] for e in out] == [entry["id"]] and out[0]["deleted_by"]
    code, out, err = _cli(capsys, url, "restore", str(entry["id"]))
    assert code == 1 and "has a document named 'a' again" in err
    code, out, err = _cli(capsys, url, "restore", str(entry["id"]), "--as", "a-old")
    assert code == 0 and out["restored"]["name"] == "a-old"
    code, out, err = _cli(capsys, url, "rename-project", "p", "q")
    assert code == 0
    code, out, err = _cli(capsys, url, "delete-project", "q", "--yes", "--by", "boss")
    assert code == 0 and out["deleted"]["summary"]["documents"] == 2
    project_entry = out["deleted"]["id"]
    code, out, err = _cli(capsys, url, "purge", "--id", str(project_entry))
    assert code == 1 and "nothing was purged" in err
    code, out, err = _cli(capsys, url, "purge")
    assert code == 0 and out["purged"]["entries"] == []
    code, out, err = _cli(capsys, url, "purge", "--id", str(project_entry), "--yes")
    assert code == 0 and out["purged"]["entries"] == [project_entry]
    with Store.open(url) as store:
        assert store.list_projects() == [] and store.list_trash() == []
