"""The test databases: a SQLite file, and PostgreSQL when ``SPANREL_TEST_PG_URL`` is set.

Without that variable the PostgreSQL cases are skipped, except under ``SPANREL_REQUIRE_PG=1``
(CI), where they fail: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PG_ENV = "SPANREL_TEST_PG_URL"


def reset_postgres(url: str, schema: str = "public") -> None:
    """Empty one schema of the test database (drop and recreate it)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


def pg_url_or_skip() -> str:
    """``$SPANREL_TEST_PG_URL``; without it the test is skipped, or fails under
    ``SPANREL_REQUIRE_PG=1`` (CI)."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("SPANREL_REQUIRE_PG") == "1":
            pytest.fail(f"SPANREL_REQUIRE_PG=1 but {PG_ENV} is not set")
        pytest.skip(f"{PG_ENV} not set")
    return url


#: ``params`` of a fixture that runs its tests on both databases
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def worker_schema(schema: str) -> str:
    """``schema`` for this test process: under ``pytest -n`` (pytest-xdist) every worker gets
    its own copy of each schema, so that one worker's reset never empties another's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{schema}_{worker}" if worker else schema


def fresh_database_url(
    kind: str, folder: Path, schema: str = "public", migrated: Path | None = None
) -> str:
    """A real, empty database: a SQLite file in ``folder``, or the PostgreSQL database of
    ``$SPANREL_TEST_PG_URL`` emptied first (skipped without it, except in CI).

    ``schema``: the PostgreSQL schema the store works in (its search path). A module-scoped
    app keeps its own schema, so that per-test databases, emptied before every test, do not
    wipe it in the middle of the module.
    ``migrated``: an empty SQLite store already at the newest schema (``migrated_sqlite``),
    copied to be the file; without it the file does not exist yet and the first
    ``Store.open`` runs every migration.
    """
    if kind == "sqlite":
        path = folder / "store.sqlite"
        if migrated is not None:
            shutil.copyfile(migrated, path)
        return f"sqlite:///{path}"
    url = pg_url_or_skip()
    schema = worker_schema(schema)
    reset_postgres(url, schema)
    if schema == "public":
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def migrated_sqlite(folder: Path) -> Path:
    """An empty SQLite store made by ``Store.open`` (every migration from empty) in
    ``folder``, closed, for ``fresh_database_url(..., migrated=)`` to copy."""
    from db import Store

    path = folder / "migrated.sqlite"
    Store.open(f"sqlite:///{path}").close()
    # closed by its last connection, the write-ahead log is merged into the file: the file
    # alone is the database
    assert not Path(f"{path}-wal").exists(), "the migrated store left a write-ahead log"
    return path
