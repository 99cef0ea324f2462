"""Shared helpers for the security suite: the database under test on both backends, and a
snapshot of it to compare before/after.

Every test here that touches the store takes ``backend_url`` (tests/conftest.py) or one of the
fixtures below built on it, so it runs on a SQLite file and, when ``$SPANREL_TEST_PG_URL`` is
set, on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.databases import BACKENDS, fresh_database_url, pg_url_or_skip, worker_schema


def dump_database(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered, so a refused import can be shown to change nothing."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in sorted(inspect(conn).get_table_names()):
                rows = [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}"'))]
                out[table] = sorted(rows, key=repr)
            return out
    finally:
        engine.dispose()


@pytest.fixture
def dump_db() -> Callable[[str], dict[str, list[tuple[Any, ...]]]]:
    return dump_database


@pytest.fixture
def db_url(backend_url: str) -> str:
    """The empty database of one test, on each backend (``backend_url``)."""
    return backend_url


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``backend_url`` for a database shared by one module's tests (a running app): a SQLite
    file, or a PostgreSQL schema of the module's own, dropped afterwards.

    Not ``public``: the function-scoped ``backend_url`` empties that schema before each
    PostgreSQL test, which may run while the module's app is still up.
    """
    schema = "spanrel_" + request.module.__name__.rsplit(".", 1)[-1]
    folder = tmp_path_factory.mktemp("db") / "data"
    url = fresh_database_url(request.param, folder, schema=schema)
    try:
        yield url
    finally:
        if request.param != "sqlite":
            drop_pg_schema(pg_url_or_skip(), worker_schema(schema))


def drop_pg_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()
