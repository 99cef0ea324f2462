"""Plain data the store hands to the app, and the errors it raises.

The app never sees ORM objects: a detached ORM object lazy-loads or goes stale in another
thread, while these dataclasses are snapshots that can be sent to the page as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from converters.document import (
    AnnotationCounts,
    Attribute,
    Event,
    Fragment,
    Group,
    Normalization,
    Note,
)


class StoreError(Exception):
    """Base of every error the store raises on purpose (the message is meant for a person)."""


class NotFoundError(StoreError, LookupError):
    pass


class ConflictError(StoreError):
    """An edit was based on an old version of the document: someone else saved in between.

    Nothing was written. The page reloads the document (``current_version``) and shows the
    other person's change instead of silently overwriting it.
    """

    def __init__(self, document_id: int, expected: int, current: int) -> None:
        self.document_id = document_id
        self.expected_version = expected
        self.current_version = current
        super().__init__(
            f"document {document_id} was changed by someone else: your edit was based on "
            f"version {expected} but the document is now at version {current}; reload it and "
            "apply your edit again"
        )


class JobBusyError(StoreError):
    """A job that may run only once at a time (per project) is already queued or running."""

    def __init__(self, job_id: int, message: str) -> None:
        self.job_id = job_id
        super().__init__(message)


class EditError(StoreError, ValueError):
    """An edit that is not valid (offsets outside the text, a type the schema does not allow,
    a relation from an entity to itself...). ``reason`` says which; nothing was written."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PairNotAllowed(EditError):
    """A retype refused because a relation on the annotation would not be allowed between its
    arguments' new types: the page offers to allow that pair (``Store.change_schema``)."""

    def __init__(self, message: str, relation: str, arg1_type: str, arg2_type: str) -> None:
        super().__init__(message)
        self.relation, self.arg1_type, self.arg2_type = relation, arg1_type, arg2_type

    def offer(self) -> dict[str, str]:
        """The page operation that allows what was refused."""
        return {
            "kind": "allow_pair",
            "type": self.relation,
            "arg1_type": self.arg1_type,
            "arg2_type": self.arg2_type,
            "label": f"Allow {self.relation} from {self.arg1_type} to {self.arg2_type}",
        }


class RoleNotAllowed(PairNotAllowed):
    """A retype refused because the annotation is an event's argument in a role that does not
    take its new type: the page offers to let that role take it."""

    def __init__(self, message: str, event_type: str, role: str, arg_type: str) -> None:
        EditError.__init__(self, message)
        self.event_type, self.role, self.arg_type = event_type, role, arg_type

    def offer(self) -> dict[str, str]:
        return {
            "kind": "allow_role",
            "type": self.event_type,
            "role": self.role,
            "arg_type": self.arg_type,
            "label": f"Allow {self.arg_type} as the {self.role} of {self.event_type}",
        }


@dataclass
class ProjectInfo:
    id: int
    name: str
    settings: dict[str, Any]
    created_at: datetime
    document_count: int = 0


@dataclass
class ImportResult:
    project: str
    documents: int
    entities: int
    relations: int
    document_ids: list[int] = field(default_factory=list)
    added_entity_types: list[str] = field(default_factory=list)
    added_relation_types: list[str] = field(default_factory=list)
    #: the import created the project (``import_documents(create=True)`` on a new name)
    created_project: bool = False
    #: what came in, kind by kind (events, attributes, notes...), as the import report lists it
    counts: AnnotationCounts = field(default_factory=AnnotationCounts)
    #: the status the documents got (``db.document_status.import_status``)
    status: str = ""


@dataclass
class DocumentSummary:
    id: int
    project: str
    name: str
    status: str
    assignee: str | None
    split: str
    version: int
    sha256: str
    length: int
    entities: int
    relations: int
    suggestions: int
    updated_at: datetime
    events: int = 0
    #: who moved the status last (a person, ``"import"``, the pre-annotation's author), when
    status_by: str | None = None
    status_at: datetime | None = None


@dataclass
class EntityView:
    id: int
    ann_id: str
    type: str
    fragments: list[Fragment]
    head: Fragment | None
    source: str
    model_version_id: int | None
    confidence: float | None
    review: str
    author: str | None
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return min(s for s, _ in self.fragments)

    @property
    def end(self) -> int:
        return max(e for _, e in self.fragments)


@dataclass
class RelationView:
    """``arg1``/``arg2`` are entity database ids (``None`` when the argument is not an entity,
    e.g. a BRAT relation to an event); ``arg1_ref``/``arg2_ref`` are annotation ids."""

    id: int
    ann_id: str
    type: str
    arg1: int | None
    arg2: int | None
    arg1_ref: str
    arg2_ref: str
    arg1_role: str
    arg2_role: str
    extra_args: list[tuple[str, str]]
    source: str
    model_version_id: int | None
    confidence: float | None
    review: str
    author: str | None
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocumentView:
    """A document with every annotation, rejected suggestions included (``review`` says)."""

    id: int
    project: str
    name: str
    text: str
    status: str
    assignee: str | None
    split: str
    version: int
    sha256: str
    metadata: dict[str, Any]
    entities: list[EntityView]
    relations: list[RelationView]
    events: list[Event] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    normalizations: list[Normalization] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    #: the database id of each event (by its annotation id): edits name events by it
    event_ids: dict[str, int] = field(default_factory=dict)
    #: the database id of each group, in the order of ``groups``
    group_ids: list[int] = field(default_factory=list)
    #: who moved the status last (a person, "import", the model's author)
    status_by: str | None = None
    #: annotation layers (migration 0008): whose layer this row is ('' for the curated
    #: document), the curated document it is a layer of (None for the curated document), and,
    #: for a curated document, the owners of its layers (sorted; empty without layers)
    layer_owner: str = ""
    layer_of: int | None = None
    layer_owners: tuple[str, ...] = ()

    def entity(self, entity_id: int) -> EntityView:
        for ent in self.entities:
            if ent.id == entity_id:
                return ent
        raise KeyError(entity_id)

    def relation(self, relation_id: int) -> RelationView:
        for rel in self.relations:
            if rel.id == relation_id:
                return rel
        raise KeyError(relation_id)


@dataclass
class EditResult:
    """The acknowledgement of one edit. ``repeated`` is true when ``(client_id, seq)`` had been
    applied before and this answer is the stored one (nothing was applied again). ``dropped``:
    model suggestions not stored because the schema does not admit them (``replace_suggestions``;
    the page's edits are refused instead, so it is not part of their stored answer)."""

    document_id: int
    version: int
    op: str
    history_id: int | None = None
    entity_id: int | None = None
    relation_id: int | None = None
    event_id: int | None = None
    changed: int = 0
    repeated: bool = False
    dropped: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "version": self.version,
            "op": self.op,
            "history_id": self.history_id,
            "entity_id": self.entity_id,
            "relation_id": self.relation_id,
            "event_id": self.event_id,
            "changed": self.changed,
        }


@dataclass
class HistoryEntry:
    id: int
    document_id: int
    author: str | None
    created_at: datetime
    action: str
    op: str
    state: str
    version_before: int
    version_after: int
    target_id: int | None
    changes: list[dict[str, Any]]


@dataclass
class ModelVersionInfo:
    id: int
    project: str
    path: str
    created_at: datetime
    metrics: dict[str, Any]
    training_documents: list[int]
    state: str
    active: bool


@dataclass
class JobInfo:
    id: int
    project: str | None
    kind: str
    state: str
    progress: float
    message: str
    log: str
    params: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass
class TrainingData:
    """Documents for ``core_model`` training with the split each belongs to."""

    documents: list  # list[converters.Document]
    splits: dict[str, str]  # document name -> train/dev/test/unassigned

    def by_split(self, split: str) -> list:
        return [d for d in self.documents if self.splits.get(d.id) == split]
