"""Where the database lives and how connections to it are made.

The store runs on SQLite by default (one file, no server) and on PostgreSQL for teams that
outgrow one machine; only the URL differs. Resolution order for the URL:

1. an explicit ``--db URL`` (``cli_value``),
2. the ``SPANREL_DB_URL`` environment variable,
3. ``sqlite:///<data dir>/spanrel.sqlite`` where the data dir is ``$SPANREL_DATA_DIR`` or
   ``./data`` (relative to the working directory), created on demand.

Every SQLite connection is set up for safe concurrent use (see ``_sqlite_on_connect``):

- ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers;
- ``synchronous=FULL``: a commit is on disk before it is acknowledged (annotators' corrections
  must survive a power cut, not only a crash; measured cost is a few ms per edit);
- ``foreign_keys=ON``: SQLite leaves them off unless asked, per connection;
- ``busy_timeout``: a writer waits for the lock instead of failing at once.

Python's ``sqlite3`` module starts transactions lazily and only on the first write, which turns
two concurrent read-then-write transactions into a "database is locked" deadlock. So the driver's
own transaction handling is switched off and the ``begin`` event emits ``BEGIN`` itself:
``BEGIN IMMEDIATE`` (take the write lock now, waiting up to the busy timeout) for connections
marked with the ``spanrel_write`` execution option, a plain deferred ``BEGIN`` for readers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

ENV_URL = "SPANREL_DB_URL"
ENV_DATA_DIR = "SPANREL_DATA_DIR"
DEFAULT_FILE_NAME = "spanrel.sqlite"
BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "spanrel_write"


def data_dir() -> Path:
    """The directory for the default database (and other local state), created on demand."""
    path = Path(os.environ.get(ENV_DATA_DIR) or "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return f"sqlite:///{(data_dir() / DEFAULT_FILE_NAME).resolve()}"


def resolve_db_url(cli_value: str | None) -> str:
    """The database URL to use: ``--db`` value, else ``$SPANREL_DB_URL``, else the default file.

    A bare file path (no ``://``) is accepted as a SQLite file for convenience.
    """
    url = cli_value or os.environ.get(ENV_URL) or default_db_url()
    if "://" not in url:
        url = f"sqlite:///{Path(url).resolve()}"
    return url


def is_sqlite(url_or_engine: str | Engine) -> bool:
    if isinstance(url_or_engine, Engine):
        return url_or_engine.dialect.name == "sqlite"
    return make_url(url_or_engine).get_backend_name() == "sqlite"


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Driver-level autocommit: SQLAlchemy's ``begin`` event below issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn) -> None:
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An Engine for ``url``; for SQLite files the parent directory is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise ValueError(
                "an in-memory SQLite database cannot be shared between connections; "
                "give a file path, e.g. sqlite:///data/spanrel.sqlite"
            )
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)
