"""The people's layers of a whole project in one read (``Store.project_layers``).

``db.layers`` answers per document (``Store.layers``, ``Store.layer_for``); a screen that lists
hundreds of documents (the Documents screen's "layers" column) or a person's documents to do
(``app.ordering``) needs every layer of the project at once, without counting annotations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.lookups import curated, project_named
from db.transactions import StoreBase


@dataclass(frozen=True)
class LayerRow:
    """One person's layer of a document, as a project-wide listing shows it."""

    #: the layer's own document id (what the editor opens)
    id: int
    #: the curated document it is a layer of
    document_id: int
    owner: str
    status: str
    status_by: str | None
    version: int


class LayerLists(StoreBase):
    """``Store.project_layers``."""

    def project_layers(self, project: str, *, owner: str | None = None) -> list[LayerRow]:
        """Every layer of the project's documents (``owner``: that person's only), in the
        documents' order, then by owner."""

        def run(s: Session) -> list[LayerRow]:
            p = project_named(s, project)
            D = m.Document
            q = select(D.id, D.layer_of, D.layer_owner, D.status, D.status_by, D.version).where(
                D.project_id == p.id, ~curated()
            )
            if owner is not None:
                q = q.where(D.layer_owner == owner)
            rows = s.execute(q.order_by(D.position, D.layer_of, D.layer_owner)).all()
            return [LayerRow(*row) for row in rows]

        return self._read(run)
