"""Shared helpers for the hostile-input suite: a database snapshot to compare before/after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text


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
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"
