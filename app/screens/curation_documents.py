"""The Curation tab's Documents-to-curate table, as rows a Gradio table shows.

Kept apart from the HTML modules because it is a pandas table, not HTML; the aligned view
(``curation_view``) returns a document's row from here so the tab can patch the table after a
choice.

``documents_frame``: the project's documents that have layers, with each layer's owner and
status, the disagreements (open / all), what the project's policy would merge, and the curated
document's status. Counting the disagreements means aligning the document, so each row is kept
(``curation_rows``) and a document is aligned again only when it, a layer of it or the policy
changed; ``remembered_row`` keeps the row the aligned view computed anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from app.screens.curation_rows import listing_key, row_cache, view_key
from db import Store
from db.curating import CurationView
from db.layer_lists import LayerRow

#: the Documents-to-curate table's columns
DOC_HEADERS = ["id", "name", "layers", "open", "disagreements", "to merge", "curated"]
#: at most this many documents are listed (each aligned to count its disagreements, unless
#: its row is kept from an earlier listing)
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


def remembered_row(store: Store, view: CurationView) -> DocumentRow:
    """The table's row of ``view``, kept for the next listing (what ``Store.curation`` read
    is its key, so it is right whatever changed since)."""
    row = document_row(view)
    row_cache(store).put(view_key(view), row)
    return row


def documents_frame(store: Store, project: str | None) -> tuple[pd.DataFrame, str]:
    """The project's documents that have layers (in project order) and a note; a document
    unchanged since an earlier listing is not aligned again (``curation_rows``)."""
    if not project:
        return pd.DataFrame([], columns=DOC_HEADERS), "Choose a project."
    # the keys are read before anything is aligned: a change after this read is a miss next
    # time, never a stale row (``curation_rows``)
    layers: dict[int, list[LayerRow]] = {}
    for layer in store.project_layers(project):
        layers.setdefault(layer.document_id, []).append(layer)
    docs = [d for d in store.list_documents(project) if d.id in layers]
    rows: list[list[Any]] = []
    if docs:
        policy = store.curation_policy(project)
        cache = row_cache(store)
        for d in docs[:MAX_ROWS]:
            row = cache.get(listing_key(d, layers[d.id], policy))
            if row is None:
                row = remembered_row(store, store.curation(d.id))
            rows.append(row.cells())
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
