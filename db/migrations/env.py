"""Alembic environment, run programmatically by ``db.migrate.upgrade`` (no alembic.ini needed).

The caller passes an open SQLAlchemy Connection in ``config.attributes["connection"]`` that is
already inside a transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so
two processes opening a fresh database at once cannot both run the same migration.
"""

from __future__ import annotations

from alembic import context

from db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("db migrations run through db.migrate.upgrade(engine), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
