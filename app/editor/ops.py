"""Shape validation of the edit operations the page sends.

The component-server endpoint is plain public HTTP, so anything may arrive. This module checks
only the SHAPE (keys, types, lengths, integer ranges) and returns a normalised copy; whether an
offset lies inside the text, a type is in the schema or an id exists is the backend's job,
because only it knows the document.

The limits an edit shares with the store (fragments per entity, attribute value and note
lengths) and the document statuses are the store's own (``db.edits``, ``db.models``); those the
page needs reach it through ``page_limits``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from db.edits import MAX_FRAGMENTS, MAX_NOTE, MAX_VALUE, breaks_line, overlapping
from db.models import DOCUMENT_STATUSES

#: what the page may ask for; each kind lists its own required and optional fields
OP_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "add_entity": (("type", "fragments"), ()),
    "change_entity": (("entity_id",), ("type", "fragments")),
    "delete_entity": (("entity_id",), ()),
    "add_relation": (("type", "arg1", "arg2"), ()),
    "change_relation": (("relation_id", "type"), ()),
    "delete_relation": (("relation_id",), ()),
    "accept": (("ann_id",), ()),
    "reject": (("ann_id",), ()),
    "accept_all": (("min_confidence",), ("min_relation_confidence",)),
    "undo": ((), ()),
    "redo": ((), ()),
    "set_status": (("status",), ()),
    # attributes by name on one annotation (``value`` absent or null: a binary flag)
    "set_attribute": (("ann_id", "name"), ("value",)),
    "delete_attribute": (("ann_id", "name"), ()),
    # notes: ``note_id`` names the note to rewrite; without it a note is added
    "set_note": (("ann_id", "text"), ("note_id",)),
    "delete_note": (("note_id",), ()),
    # relation suggestions between the document's confirmed entities, by the active model
    "suggest_relations": ((), ()),
    # events: a trigger span with an event type; arguments by role (as written: Theme2) on
    # an entity or another event (``target``: "e12" / "v3")
    "add_event": (("type", "fragments"), ()),
    "change_event": (("event_id", "type"), ()),
    "delete_event": (("event_id",), ()),
    "add_argument": (("event_id", "role", "target"), ()),
    "change_argument": (("event_id", "role", "new_role"), ()),
    "delete_argument": (("event_id", "role"), ()),
    # "allow this pair" after a refused retype: the relation type also admits the two types
    "allow_pair": (("type", "arg1_type", "arg2_type"), ()),
    # the same after a retype an event role refused: the role also takes the type
    "allow_role": (("type", "role", "arg_type"), ()),
    # equivalences (brat ``*``): link two annotations; a group's member out; a group gone
    "add_equivalence": (("type", "arg1", "arg2"), ()),
    "remove_member": (("group_id", "member"), ()),
    "delete_group": (("group_id",), ()),
}
COMMON_FIELDS = ("doc_id", "client_id", "seq", "base_version", "kind")

# limits of the page's transport only (ids are the page's strings, not the store's integers)
MAX_ID = 200
MAX_TYPE = 100
MAX_OFFSET = 50_000_000
MAX_SEQ = 2**53 - 1  # what a JS number still counts exactly
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

__all__ = [
    "MAX_FRAGMENTS",
    "MAX_ID",
    "MAX_NOTE",
    "MAX_VALUE",
    "OpError",
    "page_limits",
    "validate_op",
]


def page_limits() -> dict[str, int]:
    """The limits the page checks before sending (it says why at once, without a round trip)."""
    return {"max_fragments": MAX_FRAGMENTS, "max_note": MAX_NOTE, "max_value": MAX_VALUE}


class OpError(ValueError):
    """An operation with a bad shape; the message is shown in the page."""


def _int(op: dict[str, Any], key: str, lo: int, hi: int) -> int:
    value = op.get(key)
    # bool is an int subclass; a float like 3.0 is not an integer offset from a JS Range either
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise OpError(f"{key} must be an integer in [{lo}, {hi}], got {value!r:.40}")
    return value


def _str(op: dict[str, Any], key: str, max_len: int) -> str:
    value = op.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= max_len:
        raise OpError(f"{key} must be a non-empty string of at most {max_len} characters")
    if any(ord(c) < 32 for c in value):
        raise OpError(f"{key} contains control characters")
    return value


def _fragments(value: Any) -> list[list[int]]:
    if not isinstance(value, list) or not 0 < len(value) <= MAX_FRAGMENTS:
        raise OpError(f"fragments must be a list of 1 to {MAX_FRAGMENTS} [start, end] pairs")
    out: list[list[int]] = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise OpError("each fragment must be a [start, end] pair")
        start = _int({"start": pair[0]}, "start", 0, MAX_OFFSET)
        end = _int({"end": pair[1]}, "end", 0, MAX_OFFSET)
        if start >= end:
            raise OpError(f"fragment [{start}, {end}] is empty or reversed")
        out.append([start, end])
    out.sort()
    if overlapping(out):
        raise OpError("fragments overlap")
    return out


def validate_op(payload: Any) -> dict[str, Any]:
    """Return a normalised copy of ``payload`` or raise ``OpError`` naming what is wrong.

    Unknown keys are refused rather than ignored, so a client built against another protocol
    version fails loudly instead of losing part of an edit.
    """
    if not isinstance(payload, dict):
        raise OpError("operation must be a JSON object")
    kind = payload.get("kind")
    if kind not in OP_FIELDS:
        raise OpError(f"unknown operation kind {kind!r:.40}")
    required, optional = OP_FIELDS[kind]
    unknown = set(payload) - set(COMMON_FIELDS) - set(required) - set(optional)
    if unknown:
        raise OpError(f"unexpected field(s) for {kind}: {', '.join(sorted(map(str, unknown)))}")
    missing = [k for k in (*COMMON_FIELDS, *required) if k not in payload]
    if missing:
        raise OpError(f"missing field(s) for {kind}: {', '.join(missing)}")
    op: dict[str, Any] = {
        "kind": kind,
        "doc_id": _str(payload, "doc_id", MAX_ID),
        "seq": _int(payload, "seq", 1, MAX_SEQ),
        "base_version": _int(payload, "base_version", 0, MAX_SEQ),
    }
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise OpError("client_id must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'")
    op["client_id"] = client_id
    for key in (
        "entity_id",
        "relation_id",
        "event_id",
        "group_id",
        "member",
        "ann_id",
        "arg1",
        "arg2",
        "note_id",
    ):
        if key in payload:
            op[key] = _str(payload, key, MAX_ID)
    for key in ("target", "role", "new_role"):
        if key in payload:
            op[key] = _str(payload, key, MAX_ID)
    for key in ("type", "arg1_type", "arg2_type", "arg_type"):
        if key in payload:
            op[key] = _str(payload, key, MAX_TYPE)
    if "name" in payload:
        op["name"] = _str(payload, "name", MAX_TYPE)
    if payload.get("value") is not None:
        op["value"] = _str(payload, "value", MAX_VALUE)
    if "text" in payload:
        text = payload["text"]
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTE:
            raise OpError(f"text must be a non-blank string of at most {MAX_NOTE} characters")
        if breaks_line(text):
            raise OpError("text must not contain line breaks or control characters")
        op["text"] = text
    if "fragments" in payload:
        op["fragments"] = _fragments(payload["fragments"])
    if kind == "change_entity" and "type" not in op and "fragments" not in op:
        raise OpError("change_entity needs a new type or new fragments")
    if kind == "accept_all":
        for key in ("min_confidence", "min_relation_confidence"):
            if key not in payload:
                continue
            value = payload[key]
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not math.isfinite(value)
                or not 0.0 <= value <= 1.0
            ):
                raise OpError(f"{key} must be a number between 0 and 1")
            op[key] = float(value)
    if kind == "set_status":
        status = payload["status"]
        if status not in DOCUMENT_STATUSES:
            raise OpError(f"status must be one of {', '.join(DOCUMENT_STATUSES)}")
        op["status"] = status
    return op
