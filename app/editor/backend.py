"""What the editor needs from storage (``EditorBackend``) and an in-process implementation.

The editor never touches the database itself: it calls ``load`` to show a document and
``apply`` for each validated operation. ``MemoryBackend`` implements the whole contract
(versions, schema checks, suggestions, undo/redo) in memory; it backs the demo, the browser
tests and the benchmark, and documents by example what a database-backed adapter must do.

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

import copy
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

STATUSES = ("new", "in_progress", "done")


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


class Refused(Exception):
    """An operation the backend will not apply; the message goes to the page."""


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


def attribute_types_for(schema: dict[str, Any], kind: str, type_name: str) -> list[dict]:
    """The schema's attribute types that apply to an ``entity``/``relation`` of this type
    (as ``converters.schema.Schema.attributes_for``; a parent type admits its subtypes)."""
    names = {type_name}
    if kind == "entity":
        parents = {t["name"]: t.get("parent") for t in schema.get("entity_types", [])}
        while parents.get(type_name) and parents[type_name] not in names:
            type_name = parents[type_name]
            names.add(type_name)
    macro = "<ENTITY>" if kind == "entity" else "<RELATION>"
    return [
        a
        for a in schema.get("attribute_types", [])
        if not a.get("targets") or {"<ANY>", macro, *names} & set(a["targets"])
    ]


def relation_allowed(schema: dict[str, Any], rel_type: str, type1: str, type2: str) -> bool:
    """Whether ``rel_type`` admits these argument types; empty list or ``<ANY>`` admits all,
    a parent type admits its subtypes (as in BRAT)."""
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


@dataclass
class _Doc:
    doc_id: str
    name: str
    text: str
    status: str = "new"
    version: int = 0
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)
    undo: list[tuple[dict, dict]] = field(default_factory=list)
    redo: list[tuple[dict, dict]] = field(default_factory=list)
    next_id: int = 1


def _live(ann: dict[str, Any]) -> bool:
    return ann.get("review") != "rejected"


class MemoryBackend:
    """A complete ``EditorBackend`` kept in memory (one lock; documents in insertion order)."""

    def __init__(self, schema: Any, *, undo_limit: int = 200):
        self.schema = schema_dict(schema)
        self.undo_limit = undo_limit
        self._docs: dict[str, _Doc] = {}
        self._lock = threading.Lock()

    # ---- setup -------------------------------------------------------------------------
    def add_document(
        self,
        doc_id: str,
        text: str,
        *,
        name: str | None = None,
        entities: list[dict[str, Any]] = (),  # type: ignore[assignment]
        relations: list[dict[str, Any]] = (),  # type: ignore[assignment]
        status: str = "new",
    ) -> None:
        """Add a document; annotations use the ``load`` format (missing fields get defaults)."""
        doc = _Doc(doc_id=doc_id, name=name or doc_id, text=text, status=status)
        for ent in entities:
            full = {"source": "import", "review": None, "confidence": None, **ent}
            full["fragments"] = [list(f) for f in full["fragments"]]
            doc.entities[full["id"]] = full
        for rel in relations:
            doc.relations[rel["id"]] = {
                "source": "import",
                "review": None,
                "confidence": None,
                **rel,
            }
        doc.next_id = len(doc.entities) + len(doc.relations) + 1
        with self._lock:
            self._docs[doc_id] = doc

    # ---- EditorBackend -------------------------------------------------------------------
    def load(self, doc_id: str, user: str | None = None) -> dict[str, Any]:
        with self._lock:
            doc = self._docs[doc_id]
            ids = list(self._docs)
            pos = ids.index(doc_id)
            return {
                "doc_id": doc.doc_id,
                "name": doc.name,
                "text": doc.text,
                "version": doc.version,
                "status": doc.status,
                "entities": copy.deepcopy(list(doc.entities.values())),
                "relations": copy.deepcopy(list(doc.relations.values())),
                "schema": copy.deepcopy(self.schema),
                "prev_id": ids[pos - 1] if pos > 0 else None,
                "next_id": ids[pos + 1] if pos + 1 < len(ids) else None,
            }

    def apply(self, op: dict[str, Any], user: str | None = None) -> dict[str, Any]:
        seq = op.get("seq")
        with self._lock:
            doc = self._docs.get(op.get("doc_id", ""))
            if doc is None:
                return {"ok": False, "seq": seq, "error": "unknown document"}
            if op["base_version"] != doc.version:
                return {
                    "ok": False,
                    "seq": seq,
                    "conflict": True,
                    "version": doc.version,
                    "error": f"the document changed elsewhere (now version {doc.version}, "
                    f"this page had {op['base_version']}); reloaded",
                }
            before_e, before_r, before_s = doc.entities, doc.relations, doc.status
            work_e, work_r = copy.deepcopy(doc.entities), copy.deepcopy(doc.relations)
            try:
                message = self._mutate(doc, op, work_e, work_r)
            except Refused as exc:
                return {"ok": False, "seq": seq, "error": str(exc)}
            if op["kind"] not in ("undo", "redo", "set_status"):
                doc.undo.append((before_e, before_r))
                del doc.undo[: -self.undo_limit]
                doc.redo.clear()
            if op["kind"] == "set_status":
                work_e, work_r = before_e, before_r
            elif op["kind"] in ("undo", "redo"):
                work_e, work_r = self._step(doc, op["kind"], before_e, before_r)
            doc.entities, doc.relations = work_e, work_r
            doc.version += 1
            changes = _diff(before_e, work_e, before_r, work_r)
            changes["status"] = doc.status
            ack: dict[str, Any] = {"ok": True, "seq": seq, "version": doc.version}
            ack["changes"] = changes
            if before_s != doc.status or message:
                ack["message"] = message or f"status: {doc.status}"
            return ack

    # ---- internals -----------------------------------------------------------------------
    def _step(self, doc: _Doc, kind: str, cur_e: dict, cur_r: dict) -> tuple[dict, dict]:
        src, dst = (doc.undo, doc.redo) if kind == "undo" else (doc.redo, doc.undo)
        state = src.pop()
        dst.append((cur_e, cur_r))
        return state

    def _new_id(self, doc: _Doc, prefix: str, taken: dict) -> str:
        while f"{prefix}{doc.next_id}" in taken:
            doc.next_id += 1
        doc.next_id += 1
        return f"{prefix}{doc.next_id - 1}"

    def _check_fragments(self, doc: _Doc, frags: list[list[int]]) -> None:
        for start, end in frags:
            if end > len(doc.text):
                raise Refused(f"fragment [{start}, {end}] is outside the text ({len(doc.text)})")
        if not "".join(doc.text[s:e] for s, e in frags).strip():
            raise Refused("an entity cannot cover only whitespace")

    def _entity_type(self, name: str) -> None:
        if name not in {t["name"] for t in self.schema.get("entity_types", [])}:
            raise Refused(f"entity type {name!r} is not in the schema")

    def _check_relation(self, rel_type: str, e1: dict, e2: dict) -> None:
        if not relation_allowed(self.schema, rel_type, e1["type"], e2["type"]):
            raise Refused(f"{rel_type} does not allow {e1['type']} \u2192 {e2['type']}")

    def _mutate(self, doc: _Doc, op: dict, ents: dict, rels: dict) -> str | None:
        kind = op["kind"]

        def entity(eid: str) -> dict:
            ent = ents.get(eid)
            if ent is None or not _live(ent):
                raise Refused(f"no entity {eid}")
            return ent

        def touch(ann: dict) -> None:
            if ann.get("review") == "suggested":
                ann["review"] = "accepted"

        def no_duplicate(etype: str, frags: list, skip: str | None = None) -> None:
            for other in ents.values():
                same = other["type"] == etype and other["fragments"] == frags
                if same and other["id"] != skip and _live(other):
                    raise Refused(f"the same {etype} entity exists already ({other['id']})")

        if kind == "add_entity":
            self._entity_type(op["type"])
            self._check_fragments(doc, op["fragments"])
            no_duplicate(op["type"], op["fragments"])
            eid = self._new_id(doc, "T", ents)
            ents[eid] = {
                "id": eid,
                "type": op["type"],
                "fragments": op["fragments"],
                "source": "human",
                "review": None,
                "confidence": None,
            }
            return None
        if kind == "change_entity":
            ent = entity(op["entity_id"])
            etype = op.get("type", ent["type"])
            frags = op.get("fragments", ent["fragments"])
            self._entity_type(etype)
            self._check_fragments(doc, frags)
            no_duplicate(etype, frags, skip=ent["id"])
            if etype != ent["type"]:
                for rel in rels.values():
                    if _live(rel) and ent["id"] in (rel["arg1"], rel["arg2"]):
                        e1 = {**ents[rel["arg1"]]}
                        e2 = {**ents[rel["arg2"]]}
                        (e1 if rel["arg1"] == ent["id"] else e2)["type"] = etype
                        if not relation_allowed(self.schema, rel["type"], e1["type"], e2["type"]):
                            raise Refused(
                                f"relation {rel['id']} ({rel['type']}) does not allow {etype} "
                                "there; delete or retype the relation first"
                            )
            ent["type"], ent["fragments"] = etype, frags
            touch(ent)
            return None
        if kind == "delete_entity":
            entity(op["entity_id"])
            del ents[op["entity_id"]]
            for rid in [
                r["id"] for r in rels.values() if op["entity_id"] in (r["arg1"], r["arg2"])
            ]:
                del rels[rid]
            return None
        if kind == "add_relation":
            e1, e2 = entity(op["arg1"]), entity(op["arg2"])
            self._check_relation(op["type"], e1, e2)
            for rel in rels.values():
                if _live(rel) and (rel["type"], rel["arg1"], rel["arg2"]) == (
                    op["type"],
                    op["arg1"],
                    op["arg2"],
                ):
                    raise Refused(f"this relation exists already ({rel['id']})")
            touch(e1)
            touch(e2)
            rid = self._new_id(doc, "R", rels)
            rels[rid] = {
                "id": rid,
                "type": op["type"],
                "arg1": op["arg1"],
                "arg2": op["arg2"],
                "source": "human",
                "review": None,
                "confidence": None,
            }
            return None
        if kind in ("change_relation", "delete_relation"):
            rel = rels.get(op["relation_id"])
            if rel is None or not _live(rel):
                raise Refused(f"no relation {op['relation_id']}")
            if kind == "delete_relation":
                del rels[rel["id"]]
                return None
            self._check_relation(op["type"], ents[rel["arg1"]], ents[rel["arg2"]])
            rel["type"] = op["type"]
            touch(rel)
            return None
        if kind in ("accept", "reject"):
            ann = ents.get(op["ann_id"]) or rels.get(op["ann_id"])
            if ann is None or ann.get("review") != "suggested":
                raise Refused(f"{op['ann_id']} is not a pending suggestion")
            if kind == "accept":
                ann["review"] = "accepted"
                if "arg1" in ann:
                    touch(ents[ann["arg1"]])
                    touch(ents[ann["arg2"]])
                return None
            ann["review"] = "rejected"
            if "arg1" not in ann:
                for rel in rels.values():
                    if _live(rel) and ann["id"] in (rel["arg1"], rel["arg2"]):
                        if rel.get("review") != "suggested":
                            raise Refused(f"{ann['id']} is used by relation {rel['id']}")
                        rel["review"] = "rejected"
            return None
        if kind == "accept_all":
            threshold = op["min_confidence"]
            count = 0
            for ent in ents.values():
                if ent.get("review") == "suggested" and (ent.get("confidence") or 0) >= threshold:
                    ent["review"] = "accepted"
                    count += 1
            for rel in rels.values():
                pending = rel.get("review") == "suggested"
                args_live = _live(ents[rel["arg1"]]) and _live(ents[rel["arg2"]])
                if pending and args_live and (rel.get("confidence") or 0) >= threshold:
                    rel["review"] = "accepted"
                    touch(ents[rel["arg1"]])
                    touch(ents[rel["arg2"]])
                    count += 1
            if not count:
                raise Refused(f"no suggestion with confidence \u2265 {threshold:g}")
            return f"accepted {count} suggestion(s) with confidence \u2265 {threshold:g}"
        if kind in ("undo", "redo"):
            if not (doc.undo if kind == "undo" else doc.redo):
                raise Refused(f"nothing to {kind}")
            return None
        if kind in ("set_attribute", "delete_attribute", "set_note", "delete_note"):
            self._extra(doc, op, ents, rels)
            return None
        if kind == "set_status":
            if op["status"] not in STATUSES:
                raise Refused(f"unknown status {op['status']!r}")
            doc.status = op["status"]
            return None
        raise Refused(f"unsupported operation {kind}")

    def _extra(self, doc: _Doc, op: dict, ents: dict, rels: dict) -> None:
        """Attributes and notes, with the store's rules (``db.store.Store._apply_extra``)."""
        kind = op["kind"]
        if kind == "delete_note":
            for ann in [*ents.values(), *rels.values()]:
                notes = ann.get("notes", [])
                if any(n["id"] == op["note_id"] for n in notes):
                    ann["notes"] = [n for n in notes if n["id"] != op["note_id"]]
                    if not ann["notes"]:
                        del ann["notes"]
                    return
            raise Refused(f"no note {op['note_id']}")
        ann = ents.get(op["ann_id"]) or rels.get(op["ann_id"])
        if ann is None or not _live(ann):
            raise Refused(f"no entity or relation {op['ann_id']}")
        if ann.get("review") == "suggested":
            ann["review"] = "accepted"
            if "arg1" in ann:
                for arg in (ents[ann["arg1"]], ents[ann["arg2"]]):
                    if arg.get("review") == "suggested":
                        arg["review"] = "accepted"
        if kind == "set_note":
            notes = ann.setdefault("notes", [])
            if "note_id" in op:
                note = next((n for n in notes if n["id"] == op["note_id"]), None)
                if note is None:
                    raise Refused(f"{op['note_id']} is not a note of {ann['id']}")
                note["text"] = op["text"]
            else:
                taken = {
                    n["id"] for a in [*ents.values(), *rels.values()] for n in a.get("notes", [])
                }
                notes.append(
                    {"id": self._new_id(doc, "#", dict.fromkeys(taken)), "text": op["text"]}
                )
            return
        attrs = [a for a in ann.get("attributes", []) if a["name"] != op["name"]]
        if kind == "delete_attribute":
            if len(attrs) == len(ann.get("attributes", [])):
                raise Refused(f"{ann['id']} has no attribute {op['name']}")
        else:
            what = "entity" if "arg1" not in ann else "relation"
            allowed = {a["name"]: a for a in attribute_types_for(self.schema, what, ann["type"])}
            att = allowed.get(op["name"])
            if att is None:
                raise Refused(f"attribute {op['name']} does not apply to {ann['type']}")
            value = op.get("value")
            if (value not in att["values"]) if att["values"] else value is not None:
                raise Refused(f"{value!r} is not a value of attribute {op['name']}")
            attrs.append(
                {"name": op["name"]} if value is None else {"name": op["name"], "value": value}
            )
        if attrs:
            ann["attributes"] = attrs
        else:
            ann.pop("attributes", None)


def _diff(old_e: dict, new_e: dict, old_r: dict, new_r: dict) -> dict[str, Any]:
    """What changed between two annotation states, as the page applies it."""
    return {
        "entities": [copy.deepcopy(v) for k, v in new_e.items() if old_e.get(k) != v],
        "deleted_entities": [k for k in old_e if k not in new_e],
        "relations": [copy.deepcopy(v) for k, v in new_r.items() if old_r.get(k) != v],
        "deleted_relations": [k for k in old_r if k not in new_r],
    }
