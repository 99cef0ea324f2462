"""What the editor needs from storage (``EditorBackend``), and the schema helpers it shares.

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
     "schema": {"entity_types": [{"name", "color", "shortcut", "parent"}],
                "relation_types": [{"name", "arg1_types", "arg2_types", "color"}],
                "attribute_types": [{"name", "targets", "values"}]},
     "prev_id", "next_id"}

An entity or relation may also carry ``"attributes": [{"name", "value"?}]`` (no value: a
binary flag), ``"notes": [{"id", "text"}]`` and, read-only in the page, ``"norms": [{"ref":
"db:id", "text"}]``; the keys are absent when there are none. Attribute types follow BRAT's
``[attributes]``: ``targets`` are type names, ``<ENTITY>``, ``<RELATION>`` or ``<ANY>`` (none:
any annotation), no ``values`` means a binary flag.

Acknowledgement returned by ``apply``::

    {"ok": True, "seq": n, "version": v, "changes": {...}, "message": "..."}   # or "doc": {...}
    {"ok": False, "seq": n, "error": "reason shown in the page", "conflict": bool}

``changes`` lists upserted ``entities``/``relations``, ``deleted_entities``/
``deleted_relations`` ids and the ``status``; a backend may send a whole ``doc`` instead.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class EditorBackend(Protocol):
    """Storage as the editor sees it. Both methods may be called from several threads."""

    def load(self, doc_id: str, user: str | None) -> dict[str, Any]:
        """The document as described in the module docstring; raise ``KeyError`` if unknown."""
        ...

    def apply(self, op: dict[str, Any], user: str | None) -> dict[str, Any]:
        """Apply one shape-validated operation (see ``app.editor.ops``) and acknowledge it.

        Must refuse (``ok: False``) when ``op["base_version"]`` is not the current version,
        with ``conflict: True`` so the page reloads the document.
        """
        ...


def schema_dict(schema: Any) -> dict[str, Any]:
    """The editor's schema dict from a ``converters.schema.Schema`` (or a dict, passed through)."""
    if isinstance(schema, dict):
        return schema
    return {
        "entity_types": [
            {"name": t.name, "color": t.color, "shortcut": t.shortcut, "parent": t.parent}
            for t in schema.entity_types
            if t.selectable
        ],
        "relation_types": [
            {
                "name": t.name,
                "arg1_types": list(t.arg1_types),
                "arg2_types": list(t.arg2_types),
                "color": t.color,
            }
            for t in schema.relation_types
            if t.selectable
        ],
        "attribute_types": [
            {"name": a.name, "targets": list(a.targets), "values": list(a.values)}
            for a in schema.attribute_types
        ],
    }


def relation_allowed(schema: dict[str, Any], rel_type: str, type1: str, type2: str) -> bool:
    """Whether ``rel_type`` admits these argument types; empty list or ``<ANY>`` admits all,
    a parent type admits its subtypes (as in BRAT).

    The rule the page's relation chooser applies (``allowedRelations`` in editor.js), in Python so
    that tests can compare what the page offers with what the schema says.
    """
    parents = {t["name"]: t.get("parent") for t in schema.get("entity_types", [])}

    def ancestors(name: str) -> set[str]:
        chain = [name]
        while parents.get(chain[-1]) and parents[chain[-1]] not in chain:
            chain.append(parents[chain[-1]])
        return set(chain)

    for rel in schema.get("relation_types", []):
        if rel["name"] != rel_type:
            continue
        ok1 = not rel.get("arg1_types") or "<ANY>" in rel["arg1_types"]
        ok2 = not rel.get("arg2_types") or "<ANY>" in rel["arg2_types"]
        return (ok1 or bool(ancestors(type1) & set(rel["arg1_types"]))) and (
            ok2 or bool(ancestors(type2) & set(rel["arg2_types"]))
        )
    return False
