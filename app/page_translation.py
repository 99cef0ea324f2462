"""Page <-> store translation: the editor's string ids, operations and documents against the
store's integer ids and ``db.Edit``.

The page names documents ``"<db id>"``, entities ``"e<db id>"`` and relations ``"r<db id>"``, so
an ``accept``/``reject`` on an ``ann_id`` says by itself which table it means. Kept apart from
``StoreBackend`` (caching, concurrency, the relation pass) because it is pure: no store, no
state.
"""

from __future__ import annotations

from typing import Any

from db import Edit, StoreError
from db.views import DocumentView


def extras_by_target(view: DocumentView) -> dict[str, dict[str, list[Any]]]:
    """Attributes, normalizations and notes of each annotation, keyed by its BRAT id.

    Only annotations that have any get the keys, so the page document stays small.
    """
    out: dict[str, dict[str, list[Any]]] = {}
    for a in view.attributes:
        item = {"name": a.type} if a.value is None else {"name": a.type, "value": a.value}
        out.setdefault(a.target, {}).setdefault("attributes", []).append(item)
    for n in view.normalizations:
        item = {"ref": f"{n.ref_db}:{n.ref_id}", "text": n.text}
        out.setdefault(n.target, {}).setdefault("norms", []).append(item)
    for n in view.notes:
        out.setdefault(n.target, {}).setdefault("notes", []).append({"id": n.id, "text": n.text})
    return out


def page_annotations(view: DocumentView) -> dict[str, list[dict[str, Any]]]:
    """The document's entities, relations and events as the page holds them. Page ids:
    entities ``e<id>``, relations ``r<id>``, events ``v<id>`` (database ids); a relation or
    event argument may be an entity or an event (a relation on a relation is not drawn)."""
    extras = extras_by_target(view)
    entities = [
        {
            "id": f"e{e.id}",
            "type": e.type,
            "fragments": [[s, t] for s, t in e.fragments],
            "source": e.source,
            "review": e.review,
            "confidence": e.confidence,
            **extras.get(e.ann_id, {}),
        }
        for e in view.entities
    ]
    # page ids: entities "e<id>", relations "r<id>", events "v<id>" (database ids)
    page_ids = {e.ann_id: f"e{e.id}" for e in view.entities}
    page_ids.update({ref: f"v{db_id}" for ref, db_id in view.event_ids.items()})
    relations = [
        {
            "id": f"r{r.id}",
            "type": r.type,
            "arg1": page_ids[r.arg1_ref],
            "arg2": page_ids[r.arg2_ref],
            "source": r.source,
            "review": r.review,
            "confidence": r.confidence,
            **extras.get(r.ann_id, {}),
        }
        # an argument may be an entity or an event (a relation on a relation: not drawn)
        for r in view.relations
        if r.arg1_ref in page_ids and r.arg2_ref in page_ids
    ]
    events = [
        {
            "id": page_ids[ev.id],
            "type": ev.type,
            "trigger": page_ids[ev.trigger],
            "args": [
                {"role": role, "target": page_ids[ref]}
                for role, ref in ev.arguments
                if ref in page_ids
            ],
            **extras.get(ev.id, {}),
        }
        for ev in view.events
        if ev.id in page_ids and ev.trigger in page_ids
    ]
    # equivalences (brat ``*`` lines, no id of their own): "q<id>", members by page id
    groups = [
        {
            "id": f"q{db_id}",
            "type": g.type,
            "members": [page_ids[x] for x in g.members if x in page_ids],
        }
        for g, db_id in zip(view.groups, view.group_ids, strict=True)
        if g.id is None
    ]
    return {"entities": entities, "relations": relations, "events": events, "groups": groups}


def parse_doc_id(doc_id: Any) -> int:
    """The database id in a page document id; ``KeyError`` (not found) for anything else."""
    if not isinstance(doc_id, str) or not doc_id.isascii() or not doc_id.isdigit():
        raise KeyError(doc_id)
    if len(doc_id) > 18:
        raise KeyError(doc_id)
    return int(doc_id)


#: the page's id prefix of each kind of annotation
PREFIXES = {"e": "entity", "r": "relation", "v": "event", "q": "group"}


def ann_id(value: Any, prefix: str) -> int:
    if (
        not isinstance(value, str)
        or len(value) < 2
        or len(value) > 19
        or value[0] != prefix
        or not value[1:].isascii()
        or not value[1:].isdigit()
    ):
        raise StoreError(f"{value!r} is not a {PREFIXES[prefix]} of this document")
    return int(value[1:])


def target_of(ann: Any) -> dict[str, int]:
    """``entity_id=``, ``relation_id=`` or ``event_id=`` for a page annotation id (``e12`` /
    ``r3`` / ``v2``)."""
    prefix = ann[:1] if isinstance(ann, str) and ann[:1] in PREFIXES else "e"
    return {f"{PREFIXES[prefix]}_id": ann_id(ann, prefix)}


def argument_of(ann: Any, side: str) -> dict[str, int]:
    """A relation argument (``side`` "arg1" / "arg2") or an event argument (``side``
    "target"): an entity (``e12``) or an event (``v2``), as ``Edit`` fields."""
    if isinstance(ann, str) and ann.startswith("v"):
        return {"target_event" if side == "target" else f"{side}_event": ann_id(ann, "v")}
    return {"entity_id" if side == "target" else side: ann_id(ann, "e")}


def edit_from_op(op: dict[str, Any], before: dict[str, Any]) -> Edit:
    """The ``db.Edit`` of a page operation on the page document ``before`` (its text)."""
    kind = op["kind"]
    text = before["text"]
    if "fragments" in op and not "".join(text[s:e] for s, e in op["fragments"]).strip():
        raise StoreError("an entity cannot cover only whitespace")
    if kind == "add_entity":
        return Edit.add_entity(op["type"], [tuple(f) for f in op["fragments"]])
    if kind == "change_entity":
        frags = op.get("fragments")
        return Edit.change_entity(
            ann_id(op["entity_id"], "e"),
            type=op.get("type"),
            fragments=[tuple(f) for f in frags] if frags is not None else None,
        )
    if kind == "delete_entity":
        return Edit.delete_entity(ann_id(op["entity_id"], "e"))
    if kind == "add_relation":
        return Edit.add_relation(
            op["type"], **argument_of(op["arg1"], "arg1"), **argument_of(op["arg2"], "arg2")
        )
    if kind == "add_event":
        return Edit.add_event(op["type"], [tuple(f) for f in op["fragments"]])
    if kind == "change_event":
        return Edit.change_event(ann_id(op["event_id"], "v"), op["type"])
    if kind == "delete_event":
        return Edit.delete_event(ann_id(op["event_id"], "v"))
    if kind == "add_argument":
        event = ann_id(op["event_id"], "v")
        return Edit.add_argument(event, op["role"], **argument_of(op["target"], "target"))
    if kind == "change_argument":
        return Edit.change_argument(ann_id(op["event_id"], "v"), op["role"], op["new_role"])
    if kind == "delete_argument":
        return Edit.delete_argument(ann_id(op["event_id"], "v"), op["role"])
    if kind == "add_equivalence":
        sides = {**argument_of(op["arg1"], "arg1"), **argument_of(op["arg2"], "arg2")}
        return Edit("add_equivalence", type=op["type"], **sides)
    if kind == "remove_member":
        member = argument_of(op["member"], "target")
        return Edit("remove_member", group_id=ann_id(op["group_id"], "q"), **member)
    if kind == "delete_group":
        return Edit("delete_group", group_id=ann_id(op["group_id"], "q"))
    if kind == "change_relation":
        return Edit.change_relation(ann_id(op["relation_id"], "r"), type=op["type"])
    if kind == "delete_relation":
        return Edit.delete_relation(ann_id(op["relation_id"], "r"))
    if kind in ("accept", "reject"):
        build = Edit.accept if kind == "accept" else Edit.reject
        return build(**target_of(op["ann_id"]))
    if kind == "set_attribute":
        return Edit.set_attribute(op["name"], op.get("value"), **target_of(op["ann_id"]))
    if kind == "delete_attribute":
        return Edit.delete_attribute(op["name"], **target_of(op["ann_id"]))
    if kind == "set_note":
        return Edit.set_note(op["text"], note=op.get("note_id"), **target_of(op["ann_id"]))
    if kind == "delete_note":
        return Edit.delete_note(op["note_id"])
    if kind == "set_status":
        return Edit.set_status(op["status"])
    raise StoreError(f"unsupported operation {kind}")


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two page documents, in the shape the page applies."""
    old_e = {e["id"]: e for e in before["entities"]}
    new_e = {e["id"]: e for e in after["entities"]}
    old_r = {r["id"]: r for r in before["relations"]}
    new_r = {r["id"]: r for r in after["relations"]}
    changes = {
        "entities": [v for k, v in new_e.items() if old_e.get(k) != v],
        "deleted_entities": [k for k in old_e if k not in new_e],
        "relations": [v for k, v in new_r.items() if old_r.get(k) != v],
        "deleted_relations": [k for k in old_r if k not in new_r],
        "status": after["status"],
    }
    for kind in ("events", "groups"):  # few per document: sent whole
        if before.get(kind) != after.get(kind):
            changes[kind] = after.get(kind, [])
    return changes
