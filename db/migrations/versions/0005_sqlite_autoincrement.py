"""SQLite: annotation ids are never reused (AUTOINCREMENT), so undo/redo can always restore them.

Without AUTOINCREMENT SQLite gives a new row ``max(id) + 1``: once the newest entity is deleted
(or an added one undone), the next entity added to ANY document takes its id, and undoing the
delete (or redoing the add) in the first document then fails on the primary key. History
replays whole rows, ids included, so ids must stay unique for ever, as PostgreSQL's sequences
already keep them. The tables are rebuilt (``db.migrate.upgrade`` turns foreign keys off
around migrations, so dropping the old ``entity`` table cannot cascade to relations) and each
table's counter starts past every id its history mentions. PostgreSQL: nothing to do.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# referenced tables (entity) before the tables that reference them (relation)
TABLES = ("entity", "relation", "event", "attribute", "normalization", "note", "coref_group")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
    for table in TABLES:
        top = bind.execute(
            sa.text(
                "SELECT max(m) FROM ("
                f'  SELECT max(id) AS m FROM "{table}"'
                "  UNION ALL"
                "  SELECT max(CAST(json_extract(c.value, '$.id') AS INTEGER))"
                "  FROM history, json_each(history.changes) AS c"
                "  WHERE json_extract(c.value, '$.t') = :t)"
            ),
            {"t": table},
        ).scalar()
        if top is not None:
            bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
            bind.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"),
                {"t": table, "s": int(top)},
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in reversed(TABLES):
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ):
            pass
