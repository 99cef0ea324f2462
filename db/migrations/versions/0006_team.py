"""A team's day: roles and disabled accounts, undo per page, who set a status, a trash.

- ``users.role`` (``manager`` | ``annotator``) and ``users.disabled``. Accounts made before
  roles existed could do everything, so they become managers.
- ``history.client_id``: the page (editor tab) an edit came from, so undo and redo act on that
  page's own edits only. Older entries have none and stay undoable by no page.
- ``document.status_by`` / ``status_at``: who moved the status last, and when.
- ``trash``: a deleted document or project, kept whole (its rows with their ids) until it is
  restored or purged.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="manager")
        )
        batch.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("history") as batch:
        batch.add_column(sa.Column("client_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("status_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("status_at", sa.DateTime(), nullable=True))
    op.create_table(
        "trash",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("deleted_by", sa.String(length=200), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trash")),
    )


def downgrade() -> None:
    op.drop_table("trash")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("status_at")
        batch.drop_column("status_by")
    with op.batch_alter_table("history") as batch:
        batch.drop_column("client_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
        batch.drop_column("role")
