"""The Curation tab's Documents-to-curate table, as rows a Gradio table shows.

Kept apart from the HTML modules because it is a pandas table, not HTML; the aligned view
(``curation_view``) returns a document's row from here so the tab can patch the table after a
choice.

``documents_frame``: the project's documents that have layers, with each layer's owner and
status, the disagreements (open / all), what the project's policy would merge, and the curated
document's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from db import Store
from db.curating import CurationView

#: the Documents-to-curate table's columns
DOC_HEADERS = ["id", "name", "layers", "open", "disagreements", "to merge", "curated"]
#: at most this many documents are listed (each is aligned to count its disagreements)
MAX_ROWS = 300


@dataclass(frozen=True)
class DocumentRow:
    """One document to curate, as the table lists it."""

    id: int
    name: str
    layers: str
    open: int
    disagreements: int
    to_merge: int
    curated: str

    def cells(self) -> list[Any]:
        return [
            self.id,
            self.name,
            self.layers,
            self.open,
            self.disagreements,
            self.to_merge,
            self.curated,
        ]


def document_row(view: CurationView) -> DocumentRow:
    """The table's row of a document, from its aligned view."""
    cur = view.curation
    return DocumentRow(
        view.document_id,
        view.name,
        ", ".join(f"{x.owner}: {x.status}" for x in view.layers),
        len(cur.unresolved),
        len(cur.disagreements),
        len(cur.agreed),
        view.status,
    )


def documents_frame(store: Store, project: str | None) -> tuple[pd.DataFrame, str]:
    """The project's documents that have layers (in project order) and a note."""
    if not project:
        return pd.DataFrame([], columns=DOC_HEADERS), "Choose a project."
    with_layers = {row.document_id for row in store.project_layers(project)}
    docs = [d for d in store.list_documents(project) if d.id in with_layers]
    rows = [document_row(store.curation(d.id)).cells() for d in docs[:MAX_ROWS]]
    if not docs:
        note = (
            "No document of this project has layers yet: give documents to two or more "
            "people on the Documents screen."
        )
    else:
        open_ = sum(r[3] for r in rows)
        note = f"{len(docs)} document(s) with layers; {open_} open disagreement(s)"
        if len(docs) > MAX_ROWS:
            note += f" in the first {MAX_ROWS} (listed)"
        note += ". Click a row to curate it."
    return pd.DataFrame(rows, columns=DOC_HEADERS), note


def patch_frame(frame: pd.DataFrame | None, row: DocumentRow | None) -> pd.DataFrame | None:
    """``frame`` with ``row``'s document updated in place of its old row (``None``: nothing
    to update)."""
    if frame is None or row is None or frame.empty or "id" not in frame.columns:
        return None
    out = frame.copy()
    match = out["id"].astype(str) == str(row.id)
    if not match.any():
        return None
    for column, value in zip(DOC_HEADERS, row.cells(), strict=True):
        out[column] = out[column].astype(object)
        out.loc[match, column] = value
    return out
