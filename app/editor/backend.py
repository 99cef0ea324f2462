"""What the editor needs from storage (``EditorBackend``), and the document it shows.

The editor never touches the database itself: it calls ``load`` to show a document and
``apply`` for each validated operation. The app's implementation is
``app.store_backend.StoreBackend`` over ``db.Store``, which holds the one copy of the edit rules
(versions, schema checks, suggestions, undo/redo); the demo, the benchmark and the tests run it
on a SQLite file (or PostgreSQL) too.

Document dict returned by ``load``::

    {"doc_id", "name", "text", "version", "status",
     "entities": [{"id", "type", "fragments": [[s, e], ...], "source": "human|model|import",
                   "review": "suggested|accepted|rejected" | None, "confidence": float | None}],
     "relations": [{"id", "type", "arg1", "arg2", "source", "review", "confidence"}],
     "schema": {"entity_types": [{"name", "color", "key", "parent"}],
                "relation_types": [{"name", "arg1_types", "arg2_types", "color"}],
                "attribute_types": [{"name", "targets", "values"}],
                "allowed_relations": {head: {tail: [name, ...]}},
                "attributes": {"entity": {type: [name, ...]}, "relation": {...},
                               "other": {"entity": [...], "relation": [...]}}},
     "prev_id", "next_id"}

``prev_id``/``next_id`` are the document's neighbours in the project's order (None at either
end): the page's "previous" falls back on ``prev_id`` when it has no document of its own to go
back to. Its "next" asks ``next_to_do`` when pressed instead: the person's next document to do
depends on statuses and assignments that change while the page is open.

``schema`` comes from ``app.editor.page_schema.schema_dict``: the page looks up which relation
types a pair of entity types admits and which attributes a type takes in its tables, computed
by ``converters.schema.Schema``. ``status`` is one of ``db.models.DOCUMENT_STATUSES``.

An entity or relation may also carry ``"attributes": [{"name", "value"?}]`` (no value: a
binary flag), ``"notes": [{"id", "text"}]`` and, read-only in the page, ``"norms": [{"ref":
"db:id", "text"}]``; the keys are absent when there are none. An attribute type without
``values`` is a binary flag.

Acknowledgement returned by ``apply``::

    {"ok": True, "seq": n, "version": v, "changes": {...}, "message": "..."}   # or "doc": {...}
    {"ok": False, "seq": n, "error": "reason shown in the page", "conflict": bool}

``changes`` lists upserted ``entities``/``relations``, ``deleted_entities``/
``deleted_relations`` ids and the ``status``; a backend may send a whole ``doc`` instead.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

# the page's schema tables live in page_schema; re-exported for callers of the earlier home
from app.editor.page_schema import relation_allowed, schema_dict

__all__ = ["EditorBackend", "relation_allowed", "schema_dict"]


@runtime_checkable
class EditorBackend(Protocol):
    """Storage as the editor sees it. Every method may be called from several threads."""

    def load(self, doc_id: str, user: str | None) -> dict[str, Any]:
        """The document as described in the module docstring; raise ``KeyError`` if unknown."""
        ...

    def next_to_do(self, doc_id: str, user: str | None) -> str | None:
        """The id of the document ``user`` should do next after ``doc_id`` (the toolbar's
        "next"), None when nothing is left for them; raise ``KeyError`` if ``doc_id`` is
        unknown."""
        ...

    def apply(self, op: dict[str, Any], user: str | None) -> dict[str, Any]:
        """Apply one shape-validated operation (see ``app.editor.ops``) and acknowledge it.

        Must refuse (``ok: False``) when ``op["base_version"]`` is not the current version,
        with ``conflict: True`` so the page reloads the document.
        """
        ...
