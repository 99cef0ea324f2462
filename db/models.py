"""The database schema (SQLAlchemy 2 ORM). The store (``db.store``) is the only user.

Design notes (why the tables look as they do):

- Every annotation row keeps ``ann_id``, the id it had in the source format (``T1``, ``R3``,
  ``SYNTH-E1-1``...), and ``position``, its place in the source list, so an export reproduces
  the converter document exactly. References between annotations are stored by ``ann_id``
  (``arg1_ref``, ``target_ref``, ``members``...) because BRAT lets relations, events,
  attributes and groups point at any annotation kind; relations additionally hold foreign keys
  to their argument entities (``arg1_id``/``arg2_id``, ``ON DELETE CASCADE``) so the database
  itself can never keep a relation to a deleted entity.
- Fragments, role lists and free-form metadata are JSON: they are read and written whole.
- ``document.version`` is the optimistic-concurrency counter: every edit runs
  ``UPDATE document SET version = version + 1 WHERE id = ? AND version = <expected>``.
- ``history`` (migration 0002) holds one row per change of a document with the exact rows
  before and after, for undo/redo and audit; ``client_op`` makes edits sent by the page
  idempotent (a repeated ``(client_id, seq)`` is answered from the stored result).
- Timestamps are naive UTC (``utcnow``); SQLite has no time zones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: a document's statuses, in the order of work. Spelled here once, for the column; code names
#: them through ``db.document_status`` (``NEW`` ... ``DONE``, ``DOCUMENT_STATUSES``), which also
#: says what moves a document from one to another
DOCUMENT_STATUSES = ("new", "pre-annotated", "in-progress", "done")
SPLITS = ("train", "dev", "test", "unassigned")
SOURCES = ("human", "model", "import")
REVIEW_STATES = ("suggested", "accepted", "rejected")
MODEL_STATES = ("training", "ready", "failed")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
#: the roles of an account, spelled once (``db.accounts`` says what each may do)
MANAGER, CURATOR, ANNOTATOR = "manager", "curator", "annotator"
ROLES = (MANAGER, CURATOR, ANNOTATOR)


# Migrations 0005 and 0007: on SQLite a deleted row's id is never handed out again (history
# replays rows with their ids, so an undo must find the id free; a restore from the trash puts
# documents and projects back with theirs). PostgreSQL sequences never reuse ids.
AUTOINCREMENT: dict[str, Any] = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Project(Base):
    __tablename__ = "project"
    __table_args__ = AUTOINCREMENT  # migration 0007: restored rows keep their ids
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Event and attribute types (converters.schema dataclasses as dicts): read and written whole.
    extra_schema: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EntityType(Base):
    __tablename__ = "entity_type"
    __table_args__ = (UniqueConstraint("project_id", "name"), AUTOINCREMENT)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    parent: Mapped[str | None] = mapped_column(String(200))
    selectable: Mapped[bool] = mapped_column(Boolean, default=True)
    color: Mapped[str | None] = mapped_column(String(32))
    shortcut: Mapped[str | None] = mapped_column(String(16))
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class RelationType(Base):
    __tablename__ = "relation_type"
    # Not unique: BRAT may list one relation name several times with other argument types.
    __table_args__ = (Index(None, "project_id", "name"), AUTOINCREMENT)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    arg1_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    arg2_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    arg1_role: Mapped[str] = mapped_column(String(100), default="Arg1")
    arg2_role: Mapped[str] = mapped_column(String(100), default="Arg2")
    parent: Mapped[str | None] = mapped_column(String(200))
    selectable: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    color: Mapped[str | None] = mapped_column(String(32))
    shortcut: Mapped[str | None] = mapped_column(String(16))


class Document(Base):
    """A document of a project, or one annotator's layer of one (migration 0008).

    A layer is a row of its own: the same text, name and position as the document it belongs
    to (``layer_of``), its own annotations, status, version and history, so edits, undo,
    exactly-once and suggestions work on a layer as on any document. ``layer_owner`` is the
    person whose layer it is, ``''`` for the document itself, which holds the curated
    annotations: what export and training read unless told otherwise (``db.layers``).
    """

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("project_id", "name", "layer_owner"),
        Index(None, "project_id", "position"),
        Index(None, "project_id", "status"),
        Index(None, "sha256"),
        AUTOINCREMENT,
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=DOCUMENT_STATUSES[0])  # new
    assignee: Mapped[str | None] = mapped_column(String(200))
    split: Mapped[str] = mapped_column(String(20), default="unassigned")
    version: Mapped[int] = mapped_column(Integer, default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # migration 0003: how unsure the model that last pre-annotated it was (``Prediction.
    # uncertainty``, 0..1, higher = less confident); NULL until a model has seen it
    uncertainty: Mapped[float | None] = mapped_column(Float, nullable=True)
    # migration 0006: who moved the status last (a person, or "import"), and when
    status_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # migration 0008: annotation layers (see the class docstring)
    layer_of: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), nullable=True, index=True
    )
    layer_owner: Mapped[str] = mapped_column(String(200), default="", server_default="")


class ModelVersion(Base):
    __tablename__ = "model_version"
    __table_args__ = AUTOINCREMENT
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    training_documents: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="training")
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class _Annotated:
    """Columns shared by entities and relations: who/what made them and their review state."""

    source: Mapped[str] = mapped_column(String(20), default="import")
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_version.id", ondelete="SET NULL")
    )
    confidence: Mapped[float | None] = mapped_column(Float)
    review: Mapped[str] = mapped_column(String(20), default="accepted")
    author: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Entity(_Annotated, Base):
    __tablename__ = "entity"
    __table_args__ = (
        UniqueConstraint("document_id", "ann_id"),
        Index(None, "document_id", "start"),
        AUTOINCREMENT,
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    ann_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(200))
    fragments: Mapped[list[list[int]]] = mapped_column(JSON)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    head_start: Mapped[int | None] = mapped_column(Integer)
    head_end: Mapped[int | None] = mapped_column(Integer)


class Relation(_Annotated, Base):
    __tablename__ = "relation"
    __table_args__ = (UniqueConstraint("document_id", "ann_id"), AUTOINCREMENT)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    ann_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(200))
    arg1_id: Mapped[int | None] = mapped_column(
        ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    arg2_id: Mapped[int | None] = mapped_column(
        ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    arg1_ref: Mapped[str] = mapped_column(String(100))
    arg2_ref: Mapped[str] = mapped_column(String(100))
    arg1_role: Mapped[str] = mapped_column(String(100), default="Arg1")
    arg2_role: Mapped[str] = mapped_column(String(100), default="Arg2")
    extra_args: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class _DocumentChild:
    __table_args__ = AUTOINCREMENT
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(200))


class Event(_DocumentChild, Base):
    __tablename__ = "event"
    ann_id: Mapped[str] = mapped_column(String(100))
    trigger_ref: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attribute(_DocumentChild, Base):
    __tablename__ = "attribute"
    ann_id: Mapped[str] = mapped_column(String(100))
    target_ref: Mapped[str] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(String(500))


class Normalization(_DocumentChild, Base):
    __tablename__ = "normalization"
    ann_id: Mapped[str] = mapped_column(String(100))
    target_ref: Mapped[str] = mapped_column(String(100))
    ref_db: Mapped[str] = mapped_column(String(200))
    ref_id: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")


class Note(_DocumentChild, Base):
    __tablename__ = "note"
    ann_id: Mapped[str] = mapped_column(String(100))
    target_ref: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")


class Group(_DocumentChild, Base):
    """BRAT ``*`` equivalence lines (no id) and ACE entities (coreference groups of mentions)."""

    __tablename__ = "coref_group"
    ann_id: Mapped[str | None] = mapped_column(String(100))
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Job(Base):
    __tablename__ = "job"
    __table_args__ = AUTOINCREMENT
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    log: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- migration 0002 --------------------------------------------------------------------------


class History(Base):
    """One change of a document: an edit, an undo or redo of one, an import, a pre-annotation.

    ``changes`` is a list of ``{"t": table, "id": pk, "b": row-before | None, "a": row-after |
    None}`` in the order applied (children removed before parents, parents added before
    children), so undo replays the ``b`` sides in reverse and redo the ``a`` sides forward.
    ``state`` applies to undoable actions: ``done`` -> ``undone`` (by undo) -> ``done`` (by
    redo); a new edit turns every ``undone`` row of the document into ``dropped`` (no redo past
    a new edit, as in every editor).
    """

    __tablename__ = "history"
    __table_args__ = (Index(None, "document_id", "state"), AUTOINCREMENT)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    op: Mapped[str] = mapped_column(String(50))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version_before: Mapped[int] = mapped_column(Integer)
    version_after: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="done")
    target_id: Mapped[int | None] = mapped_column(Integer)
    # migration 0006: the page the edit came from; undo and redo act on that page's edits only
    client_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ClientOp(Base):
    """An edit the page sent with ``(client_id, seq)``: a repeat is answered, not re-applied."""

    __tablename__ = "client_op"
    __table_args__ = (UniqueConstraint("document_id", "client_id", "seq"), AUTOINCREMENT)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


ANNOTATION_TABLES = {
    m.__tablename__: m
    for m in (Entity, Relation, Event, Attribute, Normalization, Note, Group, Document)
}


# --- migration 0004 --------------------------------------------------------------------------


class User(Base):
    """An account that may sign in to the app (``python -m db users``).

    ``password_hash`` is ``db.passwords.hash_password`` output (salted scrypt with its
    parameters); the plain password is never stored. ``name`` is what edits record as author.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # migration 0006
    role: Mapped[str] = mapped_column(String(20), default=ANNOTATOR, server_default=MANAGER)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# --- migration 0006 --------------------------------------------------------------------------


class Trash(Base):
    """A deleted document or project, kept whole until restored or purged (``db.trash``).

    ``payload`` holds every row that went, table by table, with its id (ids are never reused,
    migration 0005), so a restore puts back exactly what was there, history included.
    ``summary`` is what the confirmation said would go (counts), shown in the trash list.
    """

    __tablename__ = "trash"
    __table_args__ = AUTOINCREMENT  # migration 0007: an entry's id names one deletion for ever
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    project: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deleted_by: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
