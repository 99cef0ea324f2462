"""The Documents-to-curate rows kept between listings, so an unchanged document is not aligned
again each time the Curation tab shows the table.

Counting a document's disagreements means aligning its layers (``Store.curation``): about
10 ms a document, several hundred ms on dense ones, 3-5 s for a listing of 300 documents x 3
layers (bench/RESULTS.md). The listing runs on every tab open, project change and refresh,
though most documents have not changed in between; so a row is kept under a key made of
everything the row is computed from, and aligned again only when a part of it moved:

- the curated document: its id, name, status and version (``version`` moves with every change
  of its annotations and of the disagreements the curator settled with none of the variants,
  which live in its ``meta``: every edit, curation edit, undo, import into it and type rename
  bumps it);
- each of its layers: id, owner, status and version (the same for a layer's annotations; a
  layer added or deleted changes the set);
- the project's curation policy (the agreed set, hence "to merge", and the disagreements
  depend on it).

Text never changes once imported, and deleted rows' ids are never handed out again (migrations
0005 and 0007, sequences on PostgreSQL), so equal keys mean equal inputs and a row is a pure
function of its key: a hit is never stale. The listing reads the keys (two queries for the
whole project, plus the policy) before it aligns anything, and a freshly aligned row is stored
under the key of what ``Store.curation`` itself read (``view_key``), so a change made between
the two reads only costs a miss later, never a stale row.

The cache is per store (a test process holds several stores whose documents share ids), held
by a weak reference so a closed store's rows go with it, and bounded (an LRU of
``MAX_KEPT`` rows per store). It counts its hits and misses so tests and the bench can tell
what was aligned again.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from db import Store
from db.curating import CurationView
from db.layer_lists import LayerRow
from db.views import DocumentSummary

#: rows kept per store: a listing shows at most 300, so this holds a dozen projects' listings
MAX_KEPT = 4096

#: one layer as the key holds it: (layer id, owner, status, version)
LayerKey = tuple[int, str, str, int]


@dataclass(frozen=True)
class RowKey:
    """Everything a document's row is computed from (module docstring)."""

    document_id: int
    name: str
    status: str
    version: int
    policy: str
    layers: tuple[LayerKey, ...]


def _layers(items: Iterable[LayerKey]) -> tuple[LayerKey, ...]:
    # by owner then id: the listing's query and the view's read order their layers by owner
    # in SQL; sorting here makes the two keys equal whatever the database's collation
    return tuple(sorted(items, key=lambda x: (x[1], x[0])))


def listing_key(doc: DocumentSummary, layers: Iterable[LayerRow], policy: str) -> RowKey:
    """The key of ``doc``'s row as the listing's reads see it (``Store.list_documents``,
    ``Store.project_layers``, ``Store.curation_policy``)."""
    return RowKey(
        doc.id,
        doc.name,
        doc.status,
        doc.version,
        policy,
        _layers((x.id, x.owner, x.status, x.version) for x in layers),
    )


def view_key(view: CurationView) -> RowKey:
    """The key of the row computed from ``view``: what ``Store.curation`` read."""
    return RowKey(
        view.document_id,
        view.name,
        view.status,
        view.version,
        view.policy,
        _layers((x.document_id, x.owner, x.status, x.version) for x in view.layers),
    )


V = TypeVar("V")


class RowCache(Generic[V]):
    """A bounded LRU of rows by ``RowKey``, safe across Gradio's worker threads; ``hits`` and
    ``misses`` count the lookups since it was made (or last cleared)."""

    def __init__(self, size: int = MAX_KEPT) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._rows: OrderedDict[RowKey, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: RowKey) -> V | None:
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                self.misses += 1
                return None
            self._rows.move_to_end(key)
            self.hits += 1
            return row

    def put(self, key: RowKey, row: V) -> None:
        with self._lock:
            self._rows[key] = row
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        """Forget every row and reset the counters (the bench times a first listing so)."""
        with self._lock:
            self._rows.clear()
            self.hits = self.misses = 0


_caches: weakref.WeakKeyDictionary[Store, RowCache[Any]] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def row_cache(store: Store) -> RowCache[Any]:
    """``store``'s cache of rows, made on first use."""
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = RowCache()
        return cache
