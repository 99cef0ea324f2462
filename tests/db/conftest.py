"""Fixtures for the store tests: one real database per test, SQLite file or PostgreSQL.

``backend_url`` is parametrized over ``sqlite`` (a file in ``tmp_path``) and ``postgresql``
(``$SPANREL_TEST_PG_URL``, emptied before each test). Without that variable the PostgreSQL
cases are skipped, except under ``SPANREL_REQUIRE_PG=1`` (CI) where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from db import Store

PG_ENV = "SPANREL_TEST_PG_URL"


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def pg_url_or_skip() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("SPANREL_REQUIRE_PG") == "1":
            pytest.fail(f"SPANREL_REQUIRE_PG=1 but {PG_ENV} is not set")
        pytest.skip(f"{PG_ENV} not set")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    url = pg_url_or_skip()
    reset_postgres(url)
    return url


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    s = Store.open(backend_url)
    try:
        yield s
    finally:
        s.close()


def dump_database(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (ordered), to compare a database before and after."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in sorted(inspect(conn).get_table_names()):
                cols = [c["name"] for c in inspect(conn).get_columns(table)]
                order = "id" if "id" in cols else cols[0]
                out[table] = [
                    tuple(r)
                    for r in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY "{order}"'))
                ]
            return out
    finally:
        engine.dispose()


@pytest.fixture
def dump() -> Any:
    """``dump(url)``: every row of every table, for before/after comparisons."""
    return dump_database
