"""SQLite: no id of a row a delete can take to the trash is ever handed out again.

A restore from the trash (``db.trash``) puts every row back with its id, and the ids it keeps
(history entries, client ops, a document's id in the page's links and in a model version's
training documents) must still be free. Migration 0005 made the annotation tables
AUTOINCREMENT; the tables a document or project delete takes besides them were still
``max(id) + 1``: once the newest document was deleted, the next import reused its id (and the
next edit anywhere its history's ids), and the restore then failed on the primary key. They are
rebuilt the same way (``db.migrate.upgrade`` turns foreign keys off around migrations), and the
trash too, so ``restore ID`` never finds a later entry; each counter starts past the largest id
the table holds. PostgreSQL: sequences never reuse ids.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# referenced tables before the tables that reference them
TABLES = (
    "project",
    "entity_type",
    "relation_type",
    "model_version",
    "job",
    "document",
    "history",
    "client_op",
    "trash",  # an entry's id names one deletion for ever (``restore ID`` never finds another)
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES if autoincrement else reversed(TABLES):
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    # copying the rows into the AUTOINCREMENT table sets its counter to the largest id
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
