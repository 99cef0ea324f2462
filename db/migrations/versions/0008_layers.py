"""Annotation layers: one row per person's layer of a document (``db.layers``).

- ``document.layer_of``: the curated document a layer belongs to (``ON DELETE CASCADE``: a
  document goes with its layers); NULL for the curated document itself.
- ``document.layer_owner``: whose layer it is; ``''`` for the curated document. Every existing
  document becomes the curated document of itself, with no layers: a project made before
  layers existed works as before.
- The unique name of a document becomes (project, name, layer owner): a layer shares its
  document's name.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    kwargs = {"sqlite_autoincrement": True} if sqlite else {}
    with op.batch_alter_table("document", table_kwargs=kwargs) as batch:
        batch.add_column(
            sa.Column("layer_owner", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("layer_of", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_document_layer_of_document", "document", ["layer_of"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_document_layer_of", ["layer_of"])
        batch.drop_constraint("uq_document_project_id_name", type_="unique")
        batch.create_unique_constraint(
            "uq_document_project_id_name_layer_owner", ["project_id", "name", "layer_owner"]
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    kwargs = {"sqlite_autoincrement": True} if sqlite else {}
    op.execute(sa.text("DELETE FROM document WHERE layer_of IS NOT NULL"))
    with op.batch_alter_table("document", table_kwargs=kwargs) as batch:
        batch.drop_constraint("uq_document_project_id_name_layer_owner", type_="unique")
        batch.create_unique_constraint("uq_document_project_id_name", ["project_id", "name"])
        batch.drop_index("ix_document_layer_of")
        batch.drop_constraint("fk_document_layer_of_document", type_="foreignkey")
        batch.drop_column("layer_of")
        batch.drop_column("layer_owner")
