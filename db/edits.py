"""One small, validated edit operation, as sent by the page.

The page sends JSON over public HTTP (shared/design/editor.md), so ``Edit.from_dict`` checks
every field's type before the store looks at it; the store then checks everything that needs
the database (offsets within the text, types allowed by the schema, ids in this document).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.models import DOCUMENT_STATUSES, SPLITS
from db.views import EditError

OPS = (
    "add_entity",
    "change_entity",
    "delete_entity",
    "add_relation",
    "change_relation",
    "delete_relation",
    "accept",
    "reject",
    "set_status",
    "set_assignee",
    "set_split",
    "set_attribute",
    "delete_attribute",
    "set_note",
    "delete_note",
    "add_event",
    "change_event",
    "delete_event",
    "add_argument",
    "change_argument",
    "delete_argument",
    "add_equivalence",
    "remove_member",
    "delete_group",
)
# The limits of an edit's shape, for every writer: the page's handler (app.editor.ops) checks
# the same values and sends them to the page.
MAX_FRAGMENTS = 32  # fragments of one entity
MAX_VALUE = 500  # the attribute value column's width
MAX_NOTE = 10_000


def overlapping(fragments: Sequence[Sequence[int]]) -> bool:
    """Whether any two ``[start, end]`` fragments of one entity overlap."""
    ordered = sorted(tuple(f) for f in fragments)
    return any(s2 < e1 for (_, e1), (s2, _) in itertools.pairwise(ordered))


def breaks_line(value: str) -> bool:
    """Whether ``value`` holds a line break or another control character (a tab is allowed):
    BRAT keeps each annotation, attribute value and note on one line of the ``.ann`` file."""
    return any(ord(c) < 32 and c != "\t" for c in value)


#: ops on an attribute or note of one annotation: they name exactly one entity, relation or
#: event
TARGETED = ("set_attribute", "delete_attribute", "set_note")
#: an event argument or a relation argument may be an entity or an event: each side is named
#: by exactly one of these fields
ARGUMENT_SIDES = {
    "add_argument": (("entity_id", "target_event"),),
    "add_relation": (("arg1", "arg1_event"), ("arg2", "arg2_event")),
    "add_equivalence": (("arg1", "arg1_event"), ("arg2", "arg2_event")),
    "remove_member": (("entity_id", "target_event"),),
}

_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # op: (required, optional)
    "add_entity": ({"type", "fragments"}, {"head"}),
    "change_entity": ({"entity_id"}, {"type", "fragments", "head"}),
    "delete_entity": ({"entity_id"}, set()),
    "add_relation": ({"type"}, {"arg1", "arg2", "arg1_event", "arg2_event"}),
    "change_relation": ({"relation_id"}, {"type", "arg1", "arg2", "arg1_event", "arg2_event"}),
    "delete_relation": ({"relation_id"}, set()),
    "accept": (set(), {"entity_id", "relation_id"}),
    "reject": (set(), {"entity_id", "relation_id"}),
    "set_status": ({"status"}, set()),
    "set_assignee": ({"assignee"}, set()),
    "set_split": ({"split"}, set()),
    # attributes are named by ``type`` (the BRAT attribute name); ``value`` None = binary
    "set_attribute": ({"type"}, {"entity_id", "relation_id", "event_id", "value"}),
    "delete_attribute": ({"type"}, {"entity_id", "relation_id", "event_id"}),
    # ``note`` is the note's BRAT id (``#3``): given, that note is rewritten, else one is added
    "set_note": ({"text"}, {"entity_id", "relation_id", "event_id", "note"}),
    "delete_note": ({"note"}, set()),
    # an event is its trigger (a text span typed with the event type) and its arguments;
    # ``role`` names an argument as written (``Theme2``), ``new_role`` a role to give it
    "add_event": ({"type", "fragments"}, set()),
    "change_event": ({"event_id", "type"}, set()),
    "delete_event": ({"event_id"}, set()),
    "add_argument": ({"event_id", "role"}, {"entity_id", "target_event"}),
    "change_argument": ({"event_id", "role", "new_role"}, set()),
    "delete_argument": ({"event_id", "role"}, set()),
    # equivalences (brat ``*`` lines): a group of annotations of a symmetric-transitive
    # relation type; adding one links two annotations, merging their groups
    "add_equivalence": ({"type"}, {"arg1", "arg2", "arg1_event", "arg2_event"}),
    "remove_member": ({"group_id"}, {"entity_id", "target_event"}),
    "delete_group": ({"group_id"}, set()),
}
#: every optional field of ``Edit``, in declaration order (the shape checks walk them)
_NAMES = (
    "entity_id",
    "relation_id",
    "event_id",
    "group_id",
    "type",
    "fragments",
    "head",
    "arg1",
    "arg2",
    "arg1_event",
    "arg2_event",
    "target_event",
    "role",
    "new_role",
    "status",
    "assignee",
    "split",
    "value",
    "text",
    "note",
)


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EditError(f"{name} must be an integer, got {value!r}")
    return value


def _range(name: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise EditError(f"{name} must be a [start, end] pair, got {value!r}")
    start, end = _int(f"{name} start", value[0]), _int(f"{name} end", value[1])
    if not 0 <= start < end:
        raise EditError(f"{name} {start}-{end} is empty or reversed")
    return start, end


_INT_FIELDS = (
    "entity_id",
    "relation_id",
    "event_id",
    "group_id",
    "arg1",
    "arg2",
    "arg1_event",
    "arg2_event",
    "target_event",
)
#: a role is one token of a BRAT ``.ann`` event line (``Theme2:T3``)
_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


@dataclass(frozen=True)
class Edit:
    """An operation on one document; build it with the class methods or ``from_dict``.

    ``fragments`` are character ranges ``(start, end)``, END exclusive; ``arg1``/``arg2`` and
    ``entity_id``/``relation_id`` are database ids from ``Store.load_document``.
    """

    op: str
    entity_id: int | None = None
    relation_id: int | None = None
    type: str | None = None
    fragments: tuple[tuple[int, int], ...] | None = None
    head: tuple[int, int] | None = None
    arg1: int | None = None
    arg2: int | None = None
    status: str | None = None
    event_id: int | None = None
    group_id: int | None = None
    arg1_event: int | None = None
    arg2_event: int | None = None
    target_event: int | None = None
    role: str | None = None
    new_role: str | None = None
    assignee: str | None = None
    split: str | None = None
    value: str | None = None
    text: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise EditError(f"unknown operation {self.op!r}; expected one of {', '.join(OPS)}")
        required, optional = _FIELDS[self.op]
        given = {name for name in _NAMES if getattr(self, name) is not None}
        if self.op == "set_assignee":
            given.add("assignee")  # None means "unassign"
        missing = required - given
        if missing:
            raise EditError(f"{self.op} needs {', '.join(sorted(missing))}")
        extra = given - required - optional
        if extra:
            raise EditError(f"{self.op} does not take {', '.join(sorted(extra))}")
        if self.op in ("accept", "reject") and (self.entity_id is None) == (
            self.relation_id is None
        ):
            raise EditError(f"{self.op} needs exactly one of entity_id or relation_id")
        if self.op in TARGETED and len(given & {"entity_id", "relation_id", "event_id"}) != 1:
            raise EditError(f"{self.op} needs exactly one of entity_id, relation_id or event_id")
        for sides in ARGUMENT_SIDES.get(self.op, ()):
            if len(given & set(sides)) != 1:
                raise EditError(f"{self.op} needs exactly one of {' or '.join(sides)}")
        if self.op == "change_relation" and {"arg1", "arg1_event"} <= given:
            raise EditError("change_relation takes one of arg1 or arg1_event")
        if self.op == "change_relation" and {"arg2", "arg2_event"} <= given:
            raise EditError("change_relation takes one of arg2 or arg2_event")
        for name, limit in (
            ("value", MAX_VALUE),
            ("text", MAX_NOTE),
            ("note", 100),
            ("role", 100),
            ("new_role", 100),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str) or not value.strip():
                raise EditError(f"{name} must be a non-empty string, got {value!r:.60}")
            if len(value) > limit:
                raise EditError(f"{name} is longer than {limit} characters")
            if breaks_line(value):
                raise EditError(f"{name} must not contain line breaks or control characters")
            if name in ("role", "new_role") and not _ROLE.fullmatch(value):
                raise EditError(f"{name} must be a role name (letters, digits, '_' or '-')")
        for name in _INT_FIELDS:
            if getattr(self, name) is not None:
                _int(name, getattr(self, name))
        if self.type is not None and (not isinstance(self.type, str) or not self.type.strip()):
            raise EditError(f"type must be a non-empty string, got {self.type!r}")
        if self.fragments is not None:
            if not isinstance(self.fragments, list | tuple) or not self.fragments:
                raise EditError("fragments must be a non-empty list of [start, end] pairs")
            if len(self.fragments) > MAX_FRAGMENTS:
                raise EditError(f"at most {MAX_FRAGMENTS} fragments per entity")
            frags = tuple(_range("fragment", f) for f in self.fragments)
            if overlapping(frags):
                raise EditError(f"fragments overlap: {sorted(frags)}")
            object.__setattr__(self, "fragments", frags)
        if self.head is not None:
            object.__setattr__(self, "head", _range("head", self.head))
        if self.status is not None and self.status not in DOCUMENT_STATUSES:
            raise EditError(f"status must be one of {', '.join(DOCUMENT_STATUSES)}")
        if self.split is not None and self.split not in SPLITS:
            raise EditError(f"split must be one of {', '.join(SPLITS)}")
        if self.assignee is not None and not isinstance(self.assignee, str):
            raise EditError("assignee must be a string or null")

    # -- constructors ---------------------------------------------------------------------

    @classmethod
    def add_entity(
        cls, type: str, fragments: list[tuple[int, int]], head: tuple[int, int] | None = None
    ) -> Edit:
        return cls("add_entity", type=type, fragments=tuple(fragments), head=head)

    @classmethod
    def change_entity(
        cls,
        entity_id: int,
        type: str | None = None,
        fragments: list[tuple[int, int]] | None = None,
        head: tuple[int, int] | None = None,
    ) -> Edit:
        return cls(
            "change_entity",
            entity_id=entity_id,
            type=type,
            fragments=tuple(fragments) if fragments is not None else None,
            head=head,
        )

    @classmethod
    def delete_entity(cls, entity_id: int) -> Edit:
        return cls("delete_entity", entity_id=entity_id)

    @classmethod
    def add_relation(
        cls,
        type: str,
        arg1: int | None = None,
        arg2: int | None = None,
        *,
        arg1_event: int | None = None,
        arg2_event: int | None = None,
    ) -> Edit:
        """A relation between two entities (``arg1``, ``arg2``) or with an event as either
        argument (``arg1_event``, ``arg2_event``)."""
        return cls(
            "add_relation",
            type=type,
            arg1=arg1,
            arg2=arg2,
            arg1_event=arg1_event,
            arg2_event=arg2_event,
        )

    @classmethod
    def change_relation(
        cls,
        relation_id: int,
        type: str | None = None,
        arg1: int | None = None,
        arg2: int | None = None,
    ) -> Edit:
        return cls("change_relation", relation_id=relation_id, type=type, arg1=arg1, arg2=arg2)

    @classmethod
    def delete_relation(cls, relation_id: int) -> Edit:
        return cls("delete_relation", relation_id=relation_id)

    @classmethod
    def accept(cls, entity_id: int | None = None, relation_id: int | None = None) -> Edit:
        return cls("accept", entity_id=entity_id, relation_id=relation_id)

    @classmethod
    def reject(cls, entity_id: int | None = None, relation_id: int | None = None) -> Edit:
        return cls("reject", entity_id=entity_id, relation_id=relation_id)

    @classmethod
    def set_status(cls, status: str) -> Edit:
        return cls("set_status", status=status)

    @classmethod
    def set_assignee(cls, assignee: str | None) -> Edit:
        return cls("set_assignee", assignee=assignee)

    @classmethod
    def set_split(cls, split: str) -> Edit:
        return cls("set_split", split=split)

    @classmethod
    def set_attribute(
        cls,
        type: str,
        value: str | None = None,
        entity_id: int | None = None,
        relation_id: int | None = None,
        event_id: int | None = None,
    ) -> Edit:
        return cls(
            "set_attribute",
            type=type,
            value=value,
            entity_id=entity_id,
            relation_id=relation_id,
            event_id=event_id,
        )

    @classmethod
    def delete_attribute(
        cls,
        type: str,
        entity_id: int | None = None,
        relation_id: int | None = None,
        event_id: int | None = None,
    ) -> Edit:
        return cls(
            "delete_attribute",
            type=type,
            entity_id=entity_id,
            relation_id=relation_id,
            event_id=event_id,
        )

    @classmethod
    def set_note(
        cls,
        text: str,
        entity_id: int | None = None,
        relation_id: int | None = None,
        note: str | None = None,
        event_id: int | None = None,
    ) -> Edit:
        return cls(
            "set_note",
            text=text,
            entity_id=entity_id,
            relation_id=relation_id,
            note=note,
            event_id=event_id,
        )

    @classmethod
    def delete_note(cls, note: str) -> Edit:
        return cls("delete_note", note=note)

    @classmethod
    def add_event(cls, type: str, fragments: list[tuple[int, int]]) -> Edit:
        return cls("add_event", type=type, fragments=tuple(fragments))

    @classmethod
    def change_event(cls, event_id: int, type: str) -> Edit:
        return cls("change_event", event_id=event_id, type=type)

    @classmethod
    def delete_event(cls, event_id: int) -> Edit:
        return cls("delete_event", event_id=event_id)

    @classmethod
    def add_argument(
        cls,
        event_id: int,
        role: str,
        entity_id: int | None = None,
        target_event: int | None = None,
    ) -> Edit:
        return cls(
            "add_argument",
            event_id=event_id,
            role=role,
            entity_id=entity_id,
            target_event=target_event,
        )

    @classmethod
    def change_argument(cls, event_id: int, role: str, new_role: str) -> Edit:
        return cls("change_argument", event_id=event_id, role=role, new_role=new_role)

    @classmethod
    def delete_argument(cls, event_id: int, role: str) -> Edit:
        return cls("delete_argument", event_id=event_id, role=role)

    @classmethod
    def from_dict(cls, payload: Any) -> Edit:
        """Build an edit from untrusted JSON (``{"op": "add_entity", "type": ..., ...}``)."""
        if not isinstance(payload, dict):
            raise EditError("an edit must be a JSON object")
        op = payload.get("op")
        if op not in OPS:
            raise EditError(f"unknown operation {op!r}; expected one of {', '.join(OPS)}")
        required, optional = _FIELDS[op]
        unknown = set(payload) - required - optional - {"op"}
        if unknown:
            raise EditError(f"{op} does not take {', '.join(sorted(unknown))}")
        kwargs = {k: v for k, v in payload.items() if k != "op"}
        if "fragments" in kwargs and isinstance(kwargs["fragments"], list):
            kwargs["fragments"] = tuple(
                tuple(f) if isinstance(f, list) else f for f in kwargs["fragments"]
            )
        if isinstance(kwargs.get("head"), list):
            kwargs["head"] = tuple(kwargs["head"])
        return cls(op, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op}
        for name in _FIELDS[self.op][0] | _FIELDS[self.op][1]:
            value = getattr(self, name)
            if value is not None or (self.op == "set_assignee" and name == "assignee"):
                if name == "fragments":
                    value = [list(f) for f in value]
                elif name == "head":
                    value = list(value)
                out[name] = value
        return out
