"""Migrations build the models' schema from empty and upgrade a database made by 0001."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from converters.document import Document, Entity
from db import Edit, Store, migrate
from db.models import Base
from db.session import create_db_engine

# the migrations themselves, from an empty SQLite file (not backend_url's migrated copy)
pytestmark = pytest.mark.from_empty


def _diff(url: str) -> list:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_the_models(backend_url: str) -> None:
    Store.open(backend_url).close()
    assert _diff(backend_url) == []
    engine = create_db_engine(backend_url)
    assert migrate.current_revision(engine) == migrate.head_revision() == "0008"
    engine.dispose()


def test_database_from_first_migration_upgrades(backend_url: str) -> None:
    with Store.open(backend_url, migrate_to="0001") as old:
        tables = set(inspect(old.engine).get_table_names())
        assert "document" in tables and "history" not in tables
        with old.engine.begin() as conn:  # data written by a 0001-era program
            conn.execute(
                text(
                    "INSERT INTO project (name, settings, extra_schema, created_at)"
                    " VALUES ('p', '{}', '{}', '2024-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO document (project_id, name, position, text, sha256, status,"
                    " split, version, meta, created_at, updated_at) VALUES (1, 'd', 1, 'abc',"
                    " 'x', 'new', 'unassigned', 0, '{}', '2024-01-01', '2024-01-01')"
                )
            )
    with Store.open(backend_url) as store:
        assert _diff(backend_url) == []
        doc_id = store.find_document("p", "d")
        store.update_schema("p", _schema())
        r = store.apply_edit(doc_id, Edit.add_entity("Drug", [(0, 2)]), 0, "a")
        store.undo(doc_id, "a", r.version)
        assert store.load_document(doc_id).entities == []
        store.import_documents("p", [Document("e", "xyz", [Entity("T1", "Drug", [(0, 1)])])])


def _schema():
    from converters.schema import EntityType, Schema

    return Schema([EntityType("Drug")])


def _open(url: str, queue) -> None:
    try:
        Store.open(url).close()
        queue.put("ok")
    except Exception as exc:  # reported to the parent
        queue.put(repr(exc))


def test_two_processes_open_a_fresh_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_open, args=(url, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok"] * 3
    assert _diff(url) == []
