"""Fixtures for the store tests: one real database per test, SQLite file or PostgreSQL
(``backend_url``, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from db import Store


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
