"""Apply Alembic migrations in code, at every open of the store (no alembic.ini at run time).

The upgrade runs inside one write transaction: ``BEGIN IMMEDIATE`` on SQLite and a transaction
advisory lock on PostgreSQL, so processes that open a fresh database at the same moment take
turns and the second one finds the schema already at head. Both backends have transactional
DDL, so a failed migration leaves the previous schema intact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from db.session import WRITE_OPTION

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x5350414E52454C  # "SPANREL"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` up to ``revision`` (default: the newest)."""
    _migrate(engine, revision, command.upgrade)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database at ``engine`` back to ``revision`` (a release rolled back; tests that
    write data with today's code and check that an upgrade from an older schema keeps it)."""
    _migrate(engine, revision, command.downgrade)


def _migrate(engine: Engine, revision: str, step: Callable[[Config, str], None]) -> None:
    cfg = alembic_config()
    target = head_revision() if revision == "head" else revision
    if current_revision(engine) == target:
        # the usual case (every start, every CLI call): no write lock, so opening a busy
        # database never waits on, or fails behind, the writers already using it
        return
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A table rebuild (Alembic batch mode) drops the old table; with foreign keys on,
            # that drop would cascade-delete the rows that reference it. The pragma only takes
            # effect outside a transaction, so it is set on the driver connection before BEGIN,
            # and the result is checked with foreign_key_check before the commit instead.
            _raw_pragma(conn, "PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                current = MigrationContext.configure(conn).get_current_revision()
                if current == target:
                    return
                log.info("migrating database from %s to %s", current or "empty", target)
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(
                            f"migration to {target} would leave {len(broken)} foreign key "
                            f"violations (first: {tuple(broken[0])}); nothing was changed"
                        )
        finally:
            if sqlite:
                _raw_pragma(conn, "PRAGMA foreign_keys = ON")


def _raw_pragma(conn: Connection, sql: str) -> None:
    """Run ``sql`` on the driver connection itself: no SQLAlchemy BEGIN around it."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()
