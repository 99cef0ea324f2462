"""The annotation store: the app's one door to the database.

``Store.open(url)`` creates the engine (``db.session``), applies migrations and returns a store
that is safe to share between threads. Every public method is one transaction and returns plain
dataclasses (``db.views``), never ORM objects.

Decisions, where the issue left room:

- **Writes** run in ``BEGIN IMMEDIATE`` on SQLite (the write lock is taken first, so two
  writers queue instead of deadlocking on a lock upgrade) and are retried a few times when the
  database stays busy past the busy timeout. Every edit first runs
  ``UPDATE document SET version = version + 1 WHERE id = ? AND version = <expected>``: zero rows
  means someone saved in between and ``ConflictError`` is raised before anything is written.
  On PostgreSQL the same UPDATE takes the row lock, so concurrent edits of one document queue
  and the loser sees the new version.
- **Imports** are one transaction: a bad document anywhere rolls back everything. Types the data
  uses but the schema lacks are *added* (listed in ``ImportResult``), because BRAT corpora often
  use types their ``annotation.conf`` forgets; refusing them would make real corpora unloadable.
  A document name already in the project is refused (no silent replacement of corrected work).
- **Review states**: imported and human annotations are ``accepted``; model output is
  ``suggested``. Changing a suggestion (type or span) accepts it; accepting a relation accepts its
  suggested arguments; adding a relation on a suggested entity accepts the entity; rejecting an
  entity rejects the relations on it. Rejected rows are kept (never exported) so a later
  pre-annotation does not suggest the same thing again.
- **Deleting** an entity deletes its relations and the attributes, notes and normalizations on
  them, and removes it from groups; all of it is in the history, so undo restores it. An entity
  used by an event is not deleted (events are not edited here).
- **Attributes and notes** are edited one at a time (``set_attribute``, ``delete_attribute``,
  ``set_note``, ``delete_note``): an attribute is one per name and annotation, checked against
  the project's ``[attributes]`` (name, ``Arg:`` target types, values); notes are free text on
  one line. Editing either on a suggestion accepts it. Normalizations and events are kept as
  imported and not edited.
- **Undo/redo** are linear per document and shared by all users of the document (as the version
  counter is); a new edit drops the redo stack. Undo and redo bump the version too.
- **Idempotent page edits**: with ``client_id`` and ``seq``, a repeated op is answered with the
  stored acknowledgement, an op older than the newest applied one is refused as out of order.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, func, insert, literal, select, union_all, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from converters import document as cd
from converters import schema as cs
from converters.errors import ConversionError, Problem
from db import migrate, passwords
from db import models as m
from db.changes import ChangeLog, replay
from db.edits import Edit
from db.session import WRITE_OPTION, create_db_engine, is_sqlite
from db.views import (
    ConflictError,
    DocumentSummary,
    DocumentView,
    EditError,
    EditResult,
    EntityView,
    HistoryEntry,
    ImportResult,
    JobBusyError,
    JobInfo,
    ModelVersionInfo,
    NotFoundError,
    ProjectInfo,
    RelationView,
    StoreError,
    TrainingData,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# A qualitative palette (Okabe-Ito, then Tableau-like) assigned by type position.
PALETTE = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
    "#9467BD",
)
_ID_NUM = re.compile(r"^([A-Za-z#]+)(\d+)$")
_BUSY_RETRIES = 5


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_busy(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01"):  # serialization failure, deadlock detected
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and (
        "locked" in str(exc.orig) or "busy" in str(exc.orig)
    )


def default_shortcuts(names: Sequence[str], taken: set[str] | None = None) -> list[str | None]:
    """One key per type, deterministic: first free letter of the name, else a free digit."""
    used = set(taken or ())
    out: list[str | None] = []
    for name in names:
        key = next((c for c in name.lower() if c.isascii() and c.isalnum() and c not in used), None)
        if key is None:
            key = next((d for d in "1234567890" if d not in used), None)
        if key is not None:
            used.add(key)
        out.append(key)
    return out


def fill_defaults(schema: cs.Schema) -> cs.Schema:
    """Give every entity and relation type a colour and every selectable one a shortcut."""
    types: list[cs.EntityType | cs.RelationType] = [
        *schema.entity_types,
        *schema.relation_types,
    ]
    for kind in (schema.entity_types, schema.relation_types):
        for i, t in enumerate(kind):
            if not t.color:
                t.color = PALETTE[i % len(PALETTE)]
    missing = [t for t in types if not t.shortcut and t.selectable]
    keys = default_shortcuts([t.name for t in missing], {t.shortcut for t in types if t.shortcut})
    for t, key in zip(missing, keys, strict=True):
        t.shortcut = key
    return schema


def _kind(row: m.Entity | m.Relation) -> str:
    return "entity" if isinstance(row, m.Entity) else "relation"


class Store:
    """See the module docstring. Create with ``Store.open(url)``; close with ``close()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, migrate_to: str = "head") -> Store:
        """Open (and create or upgrade) the database at ``url``."""
        engine = create_db_engine(url)
        migrate.upgrade(engine, migrate_to)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                session = Session(bind=conn, autoflush=False, expire_on_commit=False)
                try:
                    yield session
                    session.flush()
                finally:
                    session.close()

    def _read(self, fn: Callable[[Session], T]) -> T:
        with self._session() as session:
            return fn(session)

    def _write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one write transaction, retrying when the database stays busy."""
        for attempt in range(_BUSY_RETRIES):
            try:
                with self._session(write=True) as session:
                    return fn(session)
            except OperationalError as exc:
                if not _is_busy(exc) or attempt == _BUSY_RETRIES - 1:
                    raise
                log.warning("database busy, retrying (%d)", attempt + 1)
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    # -- projects and schema --------------------------------------------------------------

    def _project(self, s: Session, name: str) -> m.Project:
        project = s.scalar(select(m.Project).where(m.Project.name == name))
        if project is None:
            raise NotFoundError(f"no project named {name!r}")
        return project

    def _project_info(self, s: Session, p: m.Project) -> ProjectInfo:
        count = s.scalar(select(func.count()).where(m.Document.project_id == p.id)) or 0
        return ProjectInfo(p.id, p.name, dict(p.settings or {}), p.created_at, count)

    def create_project(
        self, name: str, schema: cs.Schema | None = None, settings: dict[str, Any] | None = None
    ) -> ProjectInfo:
        return self._write(
            lambda s: self._project_info(s, self._create_project(s, name, schema, settings))
        )

    def _create_project(
        self,
        s: Session,
        name: str,
        schema: cs.Schema | None,
        settings: dict[str, Any] | None = None,
    ) -> m.Project:
        if not name or not name.strip():
            raise StoreError("a project needs a name")
        if s.scalar(select(m.Project.id).where(m.Project.name == name)) is not None:
            raise StoreError(f"a project named {name!r} already exists")
        project = m.Project(name=name, settings=dict(settings or {}), extra_schema={})
        s.add(project)
        s.flush()
        if schema is not None:
            self._merge_schema(s, project, schema)
        return project

    def get_project(self, name: str) -> ProjectInfo:
        return self._read(lambda s: self._project_info(s, self._project(s, name)))

    def list_projects(self) -> list[ProjectInfo]:
        def run(s: Session) -> list[ProjectInfo]:
            projects = s.scalars(select(m.Project).order_by(m.Project.id)).all()
            return [self._project_info(s, p) for p in projects]

        return self._read(run)

    def update_project_settings(self, name: str, settings: dict[str, Any]) -> ProjectInfo:
        def run(s: Session) -> ProjectInfo:
            project = self._project(s, name)
            project.settings = {**(project.settings or {}), **settings}
            s.flush()
            return self._project_info(s, project)

        return self._write(run)

    def _merge_schema(
        self, s: Session, project: m.Project, schema: cs.Schema, update_existing: bool = True
    ) -> tuple[list[str], list[str]]:
        """Add the schema's types that the project lacks and update the ones it has.

        Colours and shortcuts are stored only as given (by ``annotation.conf``, ``visual.conf``
        or the user), so an export writes back exactly what was imported; ``project_schema``
        fills the absent ones with deterministic defaults for display. Returns the names of the
        entity and relation types added.
        """
        added: tuple[list[str], list[str]] = ([], [])
        for kind, model, types in (
            (0, m.EntityType, schema.entity_types),
            (1, m.RelationType, schema.relation_types),
        ):
            # BRAT lets one relation name appear on several lines with different argument
            # types (``Equiv Arg1:Protein...`` and ``Equiv Arg1:Entity...``): the k-th line of a
            # name matches the k-th stored row of that name.
            rows: dict[str, list[Any]] = defaultdict(list)
            for r in s.scalars(
                select(model).where(model.project_id == project.id).order_by(model.position)
            ):
                rows[r.name].append(r)
            position = sum(len(v) for v in rows.values())
            seen: Counter[str] = Counter()
            for t in types:
                seen[t.name] += 1
                same = rows[t.name]
                values: dict[str, Any] = {
                    "parent": t.parent,
                    "selectable": t.selectable,
                    "options": dict(t.options),
                }
                if isinstance(t, cs.RelationType):
                    values.update(
                        arg1_types=list(t.arg1_types),
                        arg2_types=list(t.arg2_types),
                        arg1_role=t.arg1_role,
                        arg2_role=t.arg2_role,
                    )
                row = same[seen[t.name] - 1] if seen[t.name] <= len(same) else None
                if row is None and (kind == 1 or not same):
                    row = model(
                        project_id=project.id,
                        name=t.name,
                        position=position,
                        color=t.color,
                        shortcut=t.shortcut,
                        **values,
                    )
                    s.add(row)
                    same.append(row)
                    position += 1
                    added[kind].append(t.name)
                elif row is not None and update_existing:
                    for key, value in values.items():
                        setattr(row, key, value)
                    if t.color:
                        row.color = t.color
                    if t.shortcut:
                        row.shortcut = t.shortcut
        extra = dict(project.extra_schema or {})
        if not update_existing:
            # attribute types the data uses and the project lacks altogether are added, with
            # the targets and values seen, so they can be set on other annotations too
            have = {a["name"] for a in extra.get("attribute_types", [])}
            new = [
                {"name": at.name, "targets": list(at.targets), "values": list(at.values)}
                for at in schema.attribute_types
                if at.name not in have
            ]
            if new:
                project.extra_schema = {
                    **extra,
                    "attribute_types": [*extra.get("attribute_types", []), *new],
                }
            s.flush()
            return added
        events = {e["name"]: e for e in extra.get("event_types", [])}
        for ev in schema.event_types:
            events[ev.name] = {
                "name": ev.name,
                "parent": ev.parent,
                "selectable": ev.selectable,
                "arguments": [
                    {"role": a.role, "types": list(a.types), "cardinality": a.cardinality}
                    for a in ev.arguments
                ],
            }
        attrs = {a["name"]: a for a in extra.get("attribute_types", [])}
        for at in schema.attribute_types:
            attrs[at.name] = {
                "name": at.name,
                "targets": list(at.targets),
                "values": list(at.values),
            }
        project.extra_schema = {
            "event_types": list(events.values()),
            "attribute_types": list(attrs.values()),
        }
        s.flush()
        return added

    def _schema(self, s: Session, project: m.Project) -> cs.Schema:
        ents = s.scalars(
            select(m.EntityType)
            .where(m.EntityType.project_id == project.id)
            .order_by(m.EntityType.position)
        ).all()
        rels = s.scalars(
            select(m.RelationType)
            .where(m.RelationType.project_id == project.id)
            .order_by(m.RelationType.position)
        ).all()
        extra = project.extra_schema or {}
        return cs.Schema(
            entity_types=[
                cs.EntityType(
                    name=e.name,
                    parent=e.parent,
                    selectable=e.selectable,
                    color=e.color,
                    shortcut=e.shortcut,
                    options=dict(e.options or {}),
                )
                for e in ents
            ],
            relation_types=[
                cs.RelationType(
                    name=r.name,
                    arg1_types=list(r.arg1_types),
                    arg2_types=list(r.arg2_types),
                    arg1_role=r.arg1_role,
                    arg2_role=r.arg2_role,
                    parent=r.parent,
                    selectable=r.selectable,
                    options=dict(r.options or {}),
                    color=r.color,
                    shortcut=r.shortcut,
                )
                for r in rels
            ],
            event_types=[
                cs.EventType(
                    e["name"],
                    [
                        cs.EventArgument(a["role"], a["types"], a["cardinality"])
                        for a in e["arguments"]
                    ],
                    e["parent"],
                    e["selectable"],
                )
                for e in extra.get("event_types", [])
            ],
            attribute_types=[
                cs.AttributeType(a["name"], a["targets"], a["values"])
                for a in extra.get("attribute_types", [])
            ],
        )

    def project_schema(self, project: str, *, with_defaults: bool = True) -> cs.Schema:
        """The project's types in display order, with colours and keyboard shortcuts.

        ``with_defaults`` fills absent colours from ``PALETTE`` by position and absent shortcuts
        with ``default_shortcuts`` (unique across entity and relation types, explicit ones
        kept); the same schema always gets the same defaults. Exports use the stored values only.
        """
        schema = self._read(lambda s: self._schema(s, self._project(s, project)))
        if with_defaults:
            fill_defaults(schema)
        return schema

    def update_schema(self, project: str, schema: cs.Schema) -> cs.Schema:
        """Add or update types (colour, shortcut, allowed argument types). Types not named in
        ``schema`` stay: removing a type would orphan the annotations that use it."""

        def run(s: Session) -> cs.Schema:
            p = self._project(s, project)
            keys: dict[str, str] = {}
            for t in [*schema.entity_types, *schema.relation_types]:
                if t.shortcut:
                    if t.shortcut in keys and keys[t.shortcut] != t.name:
                        raise StoreError(
                            f"shortcut {t.shortcut!r} given to both {keys[t.shortcut]} and {t.name}"
                        )
                    keys[t.shortcut] = t.name
            self._merge_schema(s, p, schema)
            return self._schema(s, p)

        return self._write(run)

    # -- import -----------------------------------------------------------------------------

    def import_documents(
        self,
        project: str,
        documents: Sequence[cd.Document],
        *,
        source: str = "import",
        author: str | None = None,
        schema: cs.Schema | None = None,
        status: str | None = None,
        split: str = "unassigned",
        model_version_id: int | None = None,
        batch_size: int = 500,
        create: bool = False,
    ) -> ImportResult:
        """Add ``documents`` to ``project`` in ONE transaction: all of them or none.

        With ``create`` a missing project is created (with ``schema``) inside that same
        transaction, so a refused import leaves no empty project behind.

        ``source="model"`` stores the annotations as suggestions (status ``pre-annotated``);
        otherwise they are accepted and the status is ``new``. A document whose
        ``metadata["split"]`` is one of train/dev/test keeps it, else ``split`` applies.
        Every document is checked before the first row is written (``_check_import``), then
        they are written batch by batch; a refusal raises ``ConversionError`` naming each
        refused document and rolls everything back.
        """
        if source not in m.SOURCES:
            raise StoreError(f"source must be one of {', '.join(m.SOURCES)}")
        if split not in m.SPLITS:
            raise StoreError(f"split must be one of {', '.join(m.SPLITS)}")
        review = "suggested" if source == "model" else "accepted"
        doc_status = status or ("pre-annotated" if source == "model" else "new")
        if doc_status not in m.DOCUMENT_STATUSES:
            raise StoreError(f"status must be one of {', '.join(m.DOCUMENT_STATUSES)}")

        def run(s: Session) -> ImportResult:
            log.info("import into %s: transaction started (%d documents)", project, len(documents))
            found = s.scalar(select(m.Project).where(m.Project.name == project))
            if found is None and not create:
                raise NotFoundError(f"no project named {project!r}")
            taken = set(
                s.scalars(select(m.Document.name).where(m.Document.project_id == found.id))
                if found is not None
                else ()
            )
            self._check_import(documents, taken, project)  # before anything is written
            added_e, added_r = ([], [])
            if found is None:
                p = self._create_project(s, project, schema)
            else:
                p = found
                if schema is not None:
                    added_e, added_r = self._merge_schema(s, p, schema)
            # Types the data uses but the project lacks are added (with the argument types
            # seen in the data, attributes with their targets and values); existing types are
            # left exactly as they are.
            inferred = cs.infer_schema(list(documents))
            more_e, more_r = self._merge_schema(
                s,
                p,
                cs.Schema(
                    inferred.entity_types,
                    inferred.relation_types,
                    attribute_types=inferred.attribute_types,
                ),
                update_existing=False,
            )
            position = (
                s.scalar(select(func.max(m.Document.position)).where(m.Document.project_id == p.id))
                or 0
            )
            now = m.utcnow()
            result = ImportResult(
                project,
                0,
                0,
                0,
                [],
                added_e + [t for t in more_e if t not in added_e],
                added_r + [t for t in more_r if t not in added_r],
            )
            for start in range(0, len(documents), batch_size):
                batch = documents[start : start + batch_size]
                doc_rows = []
                for doc in batch:
                    position += 1
                    meta_split = doc.metadata.get("split") if doc.metadata else None
                    doc_rows.append(
                        {
                            "project_id": p.id,
                            "name": doc.id,
                            "position": position,
                            "text": doc.text,
                            "sha256": _sha256(doc.text),
                            "status": doc_status,
                            "assignee": None,
                            "split": meta_split if meta_split in m.SPLITS else split,
                            "version": 0,
                            "meta": dict(doc.metadata),
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                doc_ids = self._insert_returning(s, m.Document, doc_rows)
                common = {
                    "source": source,
                    "model_version_id": model_version_id,
                    "review": review,
                    "author": author,
                    "created_at": now,
                    "updated_at": now,
                }
                ent_rows, ent_keys = [], []
                for doc, doc_id in zip(batch, doc_ids, strict=True):
                    for i, e in enumerate(doc.entities):
                        ent_rows.append(self._entity_row(doc_id, i, e, common))
                        ent_keys.append((doc_id, e.id))
                ent_ids = dict(
                    zip(ent_keys, self._insert_returning(s, m.Entity, ent_rows), strict=True)
                )
                rel_rows = []
                extra_rows: dict[type[m.Base], list[dict[str, Any]]] = defaultdict(list)
                for doc, doc_id in zip(batch, doc_ids, strict=True):
                    for i, r in enumerate(doc.relations):
                        rel_rows.append(
                            {
                                "document_id": doc_id,
                                "ann_id": r.id,
                                "position": i,
                                "type": r.type,
                                "arg1_id": ent_ids.get((doc_id, r.arg1)),
                                "arg2_id": ent_ids.get((doc_id, r.arg2)),
                                "arg1_ref": r.arg1,
                                "arg2_ref": r.arg2,
                                "arg1_role": r.arg1_role,
                                "arg2_role": r.arg2_role,
                                "extra_args": [list(a) for a in r.extra_args],
                                "confidence": r.confidence,
                                "meta": dict(r.metadata),
                                **common,
                            }
                        )
                    self._extra_rows(doc, doc_id, extra_rows)
                if rel_rows:
                    s.execute(insert(m.Relation), rel_rows)
                for model, rows in extra_rows.items():
                    s.execute(insert(model), rows)
                s.execute(
                    insert(m.History),
                    [
                        {
                            "document_id": doc_id,
                            "author": author,
                            "created_at": now,
                            "action": "import",
                            "op": f"import:{source}",
                            "changes": [],
                            "version_before": 0,
                            "version_after": 0,
                            "state": "done",
                            "target_id": None,
                        }
                        for doc_id in doc_ids
                    ],
                )
                result.documents += len(batch)
                result.entities += len(ent_rows)
                result.relations += len(rel_rows)
                result.document_ids.extend(doc_ids)
                log.info("import into %s: %d documents written", project, result.documents)
            return result

        result = self._write(run)
        log.info(
            "imported %d documents (%d entities, %d relations) into %s",
            result.documents,
            result.entities,
            result.relations,
            project,
        )
        return result

    @classmethod
    def _check_import(cls, documents: Sequence[cd.Document], taken: set[str], project: str) -> None:
        """Refuse the import when any document is refused, naming every refused one (so a
        caller that read several files can say which of them are at fault).

        This is the one check of a document on its way in, for every caller: the rule of what
        a document may hold lives in ``converters`` (``Document.problems``); here it meets what
        only the database knows (names ``taken`` in the project) and what it cannot store (NUL).
        """
        refused: list[ConversionError] = []
        incoming: set[str] = set()
        for doc in documents:
            try:
                cls._check_import_document(doc, taken, incoming, project)
            except ConversionError as exc:
                refused.append(exc)
            incoming.add(doc.id)
        if refused:
            first = refused[0]
            more = f" ({len(refused) - 1} more documents refused)" if len(refused) > 1 else ""
            raise ConversionError(
                first.path,
                first.problem.message + more,
                offset=first.offset,
                problems=[p for exc in refused for p in exc.problems],
            )

    @staticmethod
    def _check_import_document(
        doc: cd.Document, taken: set[str], incoming: set[str], project: str
    ) -> None:
        if not doc.id or not doc.id.strip():
            raise ConversionError("<document>", "a document has no name (id)")
        if doc.id in taken:
            raise ConversionError(
                doc.id, f"a document named {doc.id!r} is already in project {project!r}"
            )
        if doc.id in incoming:
            raise ConversionError(doc.id, f"two documents in this import are named {doc.id!r}")
        if "\x00" in doc.text:
            raise ConversionError(
                doc.id, "text contains a NUL character", offset=doc.text.index("\x00")
            )
        problems = doc.problems()
        ids = [x.id for x in (*doc.entities, *doc.relations, *doc.events)]
        dup = [k for k, n in Counter(ids).items() if n > 1]
        if dup:
            problems.append(f"duplicate annotation ids: {', '.join(sorted(dup)[:5])}")
        if problems:
            raise ConversionError(
                doc.id,
                "; ".join(problems[:5])
                + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
                problems=[Problem(doc.id, p) for p in problems],
            )

    @staticmethod
    def _insert_returning(s: Session, model: type[m.Base], rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(s.execute(stmt, rows).scalars())

    @staticmethod
    def _entity_row(doc_id: int, position: int, e: cd.Entity, common: dict[str, Any]) -> dict:
        return {
            "document_id": doc_id,
            "ann_id": e.id,
            "position": position,
            "type": e.type,
            "fragments": [list(f) for f in e.fragments],
            "start": e.start,
            "end": e.end,
            "head_start": e.head[0] if e.head else None,
            "head_end": e.head[1] if e.head else None,
            "confidence": e.confidence,
            "meta": dict(e.metadata),
            **common,
        }

    @staticmethod
    def _extra_rows(
        doc: cd.Document, doc_id: int, out: dict[type[m.Base], list[dict[str, Any]]]
    ) -> None:
        for i, ev in enumerate(doc.events):
            out[m.Event].append(
                {
                    "document_id": doc_id,
                    "position": i,
                    "ann_id": ev.id,
                    "type": ev.type,
                    "trigger_ref": ev.trigger,
                    "arguments": [list(a) for a in ev.arguments],
                    "meta": dict(ev.metadata),
                }
            )
        for i, a in enumerate(doc.attributes):
            out[m.Attribute].append(
                {
                    "document_id": doc_id,
                    "position": i,
                    "ann_id": a.id,
                    "type": a.type,
                    "target_ref": a.target,
                    "value": a.value,
                }
            )
        for i, n in enumerate(doc.normalizations):
            out[m.Normalization].append(
                {
                    "document_id": doc_id,
                    "position": i,
                    "ann_id": n.id,
                    "type": n.type,
                    "target_ref": n.target,
                    "ref_db": n.ref_db,
                    "ref_id": n.ref_id,
                    "text": n.text,
                }
            )
        for i, n in enumerate(doc.notes):
            out[m.Note].append(
                {
                    "document_id": doc_id,
                    "position": i,
                    "ann_id": n.id,
                    "type": n.type,
                    "target_ref": n.target,
                    "text": n.text,
                }
            )
        for i, g in enumerate(doc.groups):
            out[m.Group].append(
                {
                    "document_id": doc_id,
                    "position": i,
                    "ann_id": g.id,
                    "type": g.type,
                    "members": list(g.members),
                    "attributes": dict(g.attributes),
                }
            )

    # -- reading documents ------------------------------------------------------------------

    def list_documents(
        self,
        project: str,
        *,
        status: str | None = None,
        split: str | None = None,
        assignee: str | None = None,
        text_contains: str | None = None,
        name_contains: str | None = None,
        order: str = "position",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[DocumentSummary]:
        """Documents of ``project`` with annotation counts (``entities``/``relations`` count
        accepted ones, ``suggestions`` open model suggestions), filtered and paged.

        ``order``: ``position`` (import order), ``name``, ``updated`` (newest first), ``status``.
        """
        orders = {
            "position": (m.Document.position,),
            "name": (m.Document.name,),
            "updated": (m.Document.updated_at.desc(), m.Document.id.desc()),
            "status": (m.Document.status, m.Document.position),
        }
        if order not in orders:
            raise StoreError(f"order must be one of {', '.join(orders)}")

        def counts(model: type[m.Base], review: str) -> Any:
            return (
                select(model.document_id, func.count().label("n"))
                .where(model.review == review)
                .group_by(model.document_id)
                .subquery()
            )

        def run(s: Session) -> list[DocumentSummary]:
            p = self._project(s, project)
            ents, rels = counts(m.Entity, "accepted"), counts(m.Relation, "accepted")
            sugg = counts(m.Entity, "suggested")
            D = m.Document
            q = (
                select(
                    D.id,
                    D.name,
                    D.status,
                    D.assignee,
                    D.split,
                    D.version,
                    D.sha256,
                    func.length(D.text),
                    func.coalesce(ents.c.n, 0),
                    func.coalesce(rels.c.n, 0),
                    func.coalesce(sugg.c.n, 0),
                    D.updated_at,
                )
                .outerjoin(ents, ents.c.document_id == D.id)
                .outerjoin(rels, rels.c.document_id == D.id)
                .outerjoin(sugg, sugg.c.document_id == D.id)
                .where(D.project_id == p.id)
            )
            if status is not None:
                q = q.where(D.status == status)
            if split is not None:
                q = q.where(D.split == split)
            if assignee is not None:
                q = q.where(D.assignee == assignee)
            if text_contains:
                q = q.where(D.text.contains(text_contains, autoescape=True))
            if name_contains:
                q = q.where(D.name.contains(name_contains, autoescape=True))
            q = q.order_by(*orders[order]).offset(offset)
            if limit is not None:
                q = q.limit(limit)
            return [DocumentSummary(row[0], project, *row[1:]) for row in s.execute(q)]

        return self._read(run)

    def find_document(self, project: str, name: str) -> int:
        """The database id of the document called ``name`` in ``project``."""

        def run(s: Session) -> int:
            p = self._project(s, project)
            doc_id = s.scalar(
                select(m.Document.id).where(m.Document.project_id == p.id, m.Document.name == name)
            )
            if doc_id is None:
                raise NotFoundError(f"no document {name!r} in project {project!r}")
            return doc_id

        return self._read(run)

    def assign_splits(self, splits: dict[int, str]) -> int:
        """Set the split of documents whose split is still ``unassigned``; how many changed.

        Used by retraining to fix each document's dev/train membership once, so that dev scores
        of successive model versions stay comparable. A split already set (by an import or by
        hand) is never overwritten. Not an edit of the annotations: no version bump, no history.
        """
        for split in splits.values():
            if split not in m.SPLITS:
                raise StoreError(f"split must be one of {', '.join(m.SPLITS)}")

        def run(s: Session) -> int:
            changed = 0
            for doc_id, split in splits.items():
                result = s.execute(
                    update(m.Document)
                    .where(m.Document.id == doc_id, m.Document.split == "unassigned")
                    .values(split=split)
                    .execution_options(synchronize_session=False)
                )
                changed += result.rowcount or 0
            return changed

        return self._write(run)

    def set_uncertainty(self, values: dict[int, float | None]) -> None:
        """Store each document's model uncertainty (``None`` clears it); not an edit."""

        def run(s: Session) -> None:
            for doc_id, value in values.items():
                s.execute(
                    update(m.Document)
                    .where(m.Document.id == doc_id)
                    .values(uncertainty=None if value is None else float(value))
                    .execution_options(synchronize_session=False)
                )

        self._write(run)

    def uncertainty_order(self, project: str) -> list[tuple[int, float | None]]:
        """``(id, uncertainty)`` of the project's documents not yet ``done``: least confident
        first, documents no model has scored after them, ties in document order."""

        def run(s: Session) -> list[tuple[int, float | None]]:
            p = self._project(s, project)
            D = m.Document
            q = (
                select(D.id, D.uncertainty)
                .where(D.project_id == p.id, D.status != "done")
                .order_by(D.uncertainty.is_(None), D.uncertainty.desc(), D.position)
            )
            return [(row[0], row[1]) for row in s.execute(q)]

        return self._read(run)

    def _document(self, s: Session, doc_id: int) -> m.Document:
        doc = s.get(m.Document, doc_id)
        if doc is None:
            raise NotFoundError(f"no document with id {doc_id}")
        return doc

    def load_document(self, doc_id: int) -> DocumentView:
        """The document with every annotation (database ids included), in source order."""

        def run(s: Session) -> DocumentView:
            doc = self._document(s, doc_id)
            project = s.get(m.Project, doc.project_id)
            assert project is not None
            ents, rels, extras = self._annotations(s, [doc.id])
            return DocumentView(
                id=doc.id,
                project=project.name,
                name=doc.name,
                text=doc.text,
                status=doc.status,
                assignee=doc.assignee,
                split=doc.split,
                version=doc.version,
                sha256=doc.sha256,
                metadata=dict(doc.meta or {}),
                entities=[self._entity_view(e) for e in ents[doc.id]],
                relations=[self._relation_view(r) for r in rels[doc.id]],
                **{k: v[doc.id] for k, v in extras.items()},
            )

        return self._read(run)

    @staticmethod
    def _entity_view(e: m.Entity) -> EntityView:
        return EntityView(
            id=e.id,
            ann_id=e.ann_id,
            type=e.type,
            fragments=[(f[0], f[1]) for f in e.fragments],
            head=(e.head_start, e.head_end) if e.head_start is not None else None,  # type: ignore[arg-type]
            source=e.source,
            model_version_id=e.model_version_id,
            confidence=e.confidence,
            review=e.review,
            author=e.author,
            created_at=e.created_at,
            updated_at=e.updated_at,
            metadata=dict(e.meta or {}),
        )

    @staticmethod
    def _relation_view(r: m.Relation) -> RelationView:
        return RelationView(
            id=r.id,
            ann_id=r.ann_id,
            type=r.type,
            arg1=r.arg1_id,
            arg2=r.arg2_id,
            arg1_ref=r.arg1_ref,
            arg2_ref=r.arg2_ref,
            arg1_role=r.arg1_role,
            arg2_role=r.arg2_role,
            extra_args=[(a[0], a[1]) for a in r.extra_args],
            source=r.source,
            model_version_id=r.model_version_id,
            confidence=r.confidence,
            review=r.review,
            author=r.author,
            created_at=r.created_at,
            updated_at=r.updated_at,
            metadata=dict(r.meta or {}),
        )

    def _annotations(
        self, s: Session, doc_ids: list[int] | None, project_id: int | None = None
    ) -> tuple[dict[int, list[m.Entity]], dict[int, list[m.Relation]], dict[str, dict[int, list]]]:
        """Every annotation of the documents (or of a whole project), grouped by document."""

        def rows(model: type[m.Base]) -> dict[int, list]:
            q = select(model)
            if doc_ids is not None:
                q = q.where(model.document_id.in_(doc_ids))
            else:
                q = q.join(m.Document, m.Document.id == model.document_id).where(
                    m.Document.project_id == project_id
                )
            grouped: dict[int, list] = defaultdict(list)
            for row in s.scalars(q.order_by(model.document_id, model.position, model.id)):
                grouped[row.document_id].append(row)
            return grouped

        extras: dict[str, dict[int, list]] = {}
        ev = rows(m.Event)
        extras["events"] = defaultdict(
            list,
            {
                k: [
                    cd.Event(
                        e.ann_id,
                        e.type,
                        e.trigger_ref,
                        [(a[0], a[1]) for a in e.arguments],
                        dict(e.meta or {}),
                    )
                    for e in v
                ]
                for k, v in ev.items()
            },
        )
        extras["attributes"] = defaultdict(
            list,
            {
                k: [cd.Attribute(a.ann_id, a.type, a.target_ref, a.value) for a in v]
                for k, v in rows(m.Attribute).items()
            },
        )
        extras["normalizations"] = defaultdict(
            list,
            {
                k: [
                    cd.Normalization(n.ann_id, n.type, n.target_ref, n.ref_db, n.ref_id, n.text)
                    for n in v
                ]
                for k, v in rows(m.Normalization).items()
            },
        )
        extras["notes"] = defaultdict(
            list,
            {
                k: [cd.Note(n.ann_id, n.type, n.target_ref, n.text) for n in v]
                for k, v in rows(m.Note).items()
            },
        )
        extras["groups"] = defaultdict(
            list,
            {
                k: [
                    cd.Group(g.type, list(g.members), g.ann_id, dict(g.attributes or {})) for g in v
                ]
                for k, v in rows(m.Group).items()
            },
        )
        return rows(m.Entity), rows(m.Relation), extras

    # -- export and training data ------------------------------------------------------------

    @staticmethod
    def _to_document(
        doc: m.Document,
        ents: list[m.Entity],
        rels: list[m.Relation],
        extras: dict[str, list],
        reviews: set[str],
    ) -> cd.Document:
        entities = [
            cd.Entity(
                e.ann_id,
                e.type,
                [(f[0], f[1]) for f in e.fragments],
                (e.head_start, e.head_end) if e.head_start is not None else None,  # type: ignore[arg-type]
                e.confidence,
                dict(e.meta or {}),
            )
            for e in ents
            if e.review in reviews
        ]
        dropped = {e.ann_id for e in ents if e.review not in reviews}
        dropped |= {r.ann_id for r in rels if r.review not in reviews}
        relations = []
        for r in rels:
            refs = {r.arg1_ref, r.arg2_ref, *(a[1] for a in r.extra_args)}
            if r.review not in reviews or refs & dropped:
                dropped.add(r.ann_id)
                continue
            relations.append(
                cd.Relation(
                    r.ann_id,
                    r.type,
                    r.arg1_ref,
                    r.arg2_ref,
                    r.arg1_role,
                    r.arg2_role,
                    [(a[0], a[1]) for a in r.extra_args],
                    r.confidence,
                    dict(r.meta or {}),
                )
            )
        out = cd.Document(doc.name, doc.text, entities, relations, metadata=dict(doc.meta or {}))
        out.events = [
            ev
            for ev in extras["events"]
            if ev.trigger not in dropped and not {a[1] for a in ev.arguments} & dropped
        ]
        dropped |= {ev.id for ev in extras["events"] if ev not in out.events}
        out.attributes = [a for a in extras["attributes"] if a.target not in dropped]
        out.normalizations = [n for n in extras["normalizations"] if n.target not in dropped]
        out.notes = [n for n in extras["notes"] if n.target not in dropped]
        groups = []
        for g in extras["groups"]:
            members = [x for x in g.members if x not in dropped]
            if members:
                groups.append(cd.Group(g.type, members, g.id, g.attributes))
        out.groups = groups
        return out

    def _export(
        self, s: Session, project: str, reviews: set[str], statuses: Sequence[str] | None
    ) -> tuple[list[cd.Document], list[m.Document]]:
        p = self._project(s, project)
        q = select(m.Document).where(m.Document.project_id == p.id)
        if statuses is not None:
            q = q.where(m.Document.status.in_(list(statuses)))
        docs = list(s.scalars(q.order_by(m.Document.position)))
        if statuses is None:
            ents, rels, extras = self._annotations(s, None, p.id)
        else:
            ents, rels, extras = self._annotations(s, [d.id for d in docs])
        out = [
            self._to_document(
                d, ents[d.id], rels[d.id], {k: v[d.id] for k, v in extras.items()}, reviews
            )
            for d in docs
        ]
        return out, docs

    def export_documents(
        self, project: str, *, include_suggestions: bool = False
    ) -> tuple[list[cd.Document], cs.Schema]:
        """The project as converter documents, in import order, and its schema as stored (no
        display defaults), read in one transaction so the two agree.

        Accepted annotations (human, imported, accepted suggestions), plus open suggestions
        when asked; never rejected ones. Annotations that point at something left out are left
        out too. Writing files is ``converters``' business (``converters.upload.write_export``).
        """
        reviews = {"accepted", "suggested"} if include_suggestions else {"accepted"}

        def run(s: Session) -> tuple[list[cd.Document], cs.Schema]:
            documents = self._export(s, project, reviews, None)[0]
            return documents, self._schema(s, self._project(s, project))

        return self._read(run)

    def training_data(self, project: str, statuses: Sequence[str] = ("done",)) -> TrainingData:
        """Accepted annotations of the documents whose status is in ``statuses``."""

        def run(s: Session) -> TrainingData:
            docs, rows = self._export(s, project, {"accepted"}, statuses)
            return TrainingData(docs, {r.name: r.split for r in rows})

        return self._read(run)

    # -- edits ------------------------------------------------------------------------------

    def _bump_version(self, s: Session, doc_id: int, expected: int) -> m.Document:
        res = s.execute(
            update(m.Document)
            .where(m.Document.id == doc_id, m.Document.version == expected)
            .values(version=m.Document.version + 1, updated_at=m.utcnow())
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:
            current = s.scalar(select(m.Document.version).where(m.Document.id == doc_id))
            if current is None:
                raise NotFoundError(f"no document with id {doc_id}")
            raise ConflictError(doc_id, expected, current)
        doc = self._document(s, doc_id)
        s.refresh(doc)
        return doc

    def _record(
        self,
        s: Session,
        doc: m.Document,
        log_: ChangeLog,
        author: str | None,
        action: str,
        op: str,
        target_id: int | None = None,
    ) -> m.History:
        entry = m.History(
            document_id=doc.id,
            author=author,
            created_at=m.utcnow(),
            action=action,
            op=op,
            changes=log_.items,
            version_before=doc.version - 1,
            version_after=doc.version,
            state="done" if action == "edit" else action,
            target_id=target_id,
        )
        s.add(entry)
        s.flush()
        return entry

    def apply_edit(
        self,
        doc_id: int,
        edit: Edit | dict[str, Any],
        expected_version: int,
        author: str | None,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Apply one edit if the document is still at ``expected_version``.

        Raises ``ConflictError`` (stale version), ``EditError`` (invalid edit; the reason says
        why) or ``NotFoundError``; nothing is written in those cases. With ``client_id`` and
        ``seq`` a repeat of an applied op returns its stored result (``repeated=True``).
        """
        if not isinstance(edit, Edit):
            edit = Edit.from_dict(edit)

        def run(s: Session) -> EditResult:
            doc = self._bump_version(s, doc_id, expected_version)
            changes = ChangeLog(s)
            result = EditResult(doc_id, doc.version, edit.op)
            self._apply(s, doc, edit, changes, author, result)
            if not changes.items:
                raise EditError(f"{edit.op} changes nothing")
            self._drop_redo(s, doc_id)
            entry = self._record(s, doc, changes, author, "edit", edit.op)
            result.history_id = entry.id
            result.changed = len(changes.items)
            return result

        return self._once(doc_id, client_id, seq, run)

    def _once(
        self,
        doc_id: int,
        client_id: str | None,
        seq: int | None,
        body: Callable[[Session], EditResult],
    ) -> EditResult:
        """Run one write of the page's operation ``(client_id, seq)`` exactly once.

        Without a client id this is a plain write. With one, a repeat (a retry after a lost
        answer or an app restart) is answered from the stored record (``repeated=True``), an
        older seq is refused as out of order, and the record is written in the same
        transaction as the edit, so an applied op is never applied twice.
        """
        if (client_id is None) != (seq is None):
            raise EditError("client_id and seq go together")
        if client_id is None:
            return self._write(body)

        def run(s: Session) -> EditResult:
            repeat = self._client_repeat(s, doc_id, client_id, seq)  # type: ignore[arg-type]
            if repeat is not None:
                return repeat
            try:
                result = body(s)
            except ConflictError:
                # the version moved on: maybe because this very op was applied (a retry)
                repeat = self._client_repeat(s, doc_id, client_id, seq)  # type: ignore[arg-type]
                if repeat is not None:
                    return repeat
                raise
            s.add(
                m.ClientOp(
                    document_id=doc_id, client_id=client_id, seq=seq, result=result.to_dict()
                )
            )
            s.flush()
            return result

        try:
            return self._write(run)
        except IntegrityError as exc:
            # A concurrent repeat of the same op won the race: answer from its record.
            repeat = self._read(lambda s: self._client_repeat(s, doc_id, client_id, seq))  # type: ignore[arg-type]
            if repeat is not None:
                return repeat
            raise EditError(f"the database refused the edit: {exc.orig}") from exc

    @staticmethod
    def _client_repeat(s: Session, doc_id: int, client_id: str, seq: int) -> EditResult | None:
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise EditError(f"seq must be an integer, got {seq!r}")
        row = s.scalar(
            select(m.ClientOp).where(
                m.ClientOp.document_id == doc_id,
                m.ClientOp.client_id == client_id,
                m.ClientOp.seq == seq,
            )
        )
        if row is not None:
            return EditResult(**row.result, repeated=True)
        last = s.scalar(
            select(func.max(m.ClientOp.seq)).where(
                m.ClientOp.document_id == doc_id, m.ClientOp.client_id == client_id
            )
        )
        if last is not None and seq < last:
            raise EditError(
                f"operation {seq} from {client_id} arrived after operation {last} was applied; "
                "refused as out of order"
            )
        return None

    @staticmethod
    def _drop_redo(s: Session, doc_id: int) -> None:
        s.execute(
            update(m.History)
            .where(m.History.document_id == doc_id, m.History.state == "undone")
            .values(state="dropped")
            .execution_options(synchronize_session=False)
        )

    # validation helpers

    def _types(self, s: Session, project_id: int) -> tuple[cs.Schema, dict[str, bool]]:
        project = s.get(m.Project, project_id)
        assert project is not None
        schema = self._schema(s, project)
        selectable = {t.name: t.selectable for t in schema.entity_types}
        return schema, selectable

    @staticmethod
    def _check_range(doc: m.Document, rng: tuple[int, int], what: str) -> None:
        start, end = rng
        if end > len(doc.text):
            raise EditError(f"{what} {start}-{end} is outside the text (length {len(doc.text)})")

    def _entity_in(self, s: Session, doc: m.Document, entity_id: int | None) -> m.Entity:
        ent = s.get(m.Entity, entity_id) if entity_id is not None else None
        if ent is None or ent.document_id != doc.id:
            raise EditError(f"entity {entity_id} is not in document {doc.id}")
        return ent

    def _relation_in(self, s: Session, doc: m.Document, relation_id: int | None) -> m.Relation:
        rel = s.get(m.Relation, relation_id) if relation_id is not None else None
        if rel is None or rel.document_id != doc.id:
            raise EditError(f"relation {relation_id} is not in document {doc.id}")
        return rel

    def _check_entity_type(self, s: Session, doc: m.Document, type_: str) -> None:
        _, selectable = self._types(s, doc.project_id)
        if type_ not in selectable:
            raise EditError(f"unknown entity type {type_!r}")
        if not selectable[type_]:
            raise EditError(f"entity type {type_!r} only groups other types; pick a subtype")

    def _check_relation(
        self, s: Session, doc: m.Document, type_: str, a1: m.Entity, a2: m.Entity
    ) -> None:
        schema, _ = self._types(s, doc.project_id)
        if type_ not in schema.relation_names():
            raise EditError(f"unknown relation type {type_!r}")
        if a1.id == a2.id:
            raise EditError("a relation needs two different entities (self relation refused)")
        for a in (a1, a2):
            if a.review == "rejected":
                raise EditError(f"entity {a.id} was rejected; a relation cannot use it")
        if type_ not in schema.allowed_relations(a1.type, a2.type):
            raise EditError(f"relation type {type_!r} is not allowed from {a1.type} to {a2.type}")

    def _fresh_ann_id(self, s: Session, doc_id: int, prefix: str) -> str:
        """A new id like ``T12`` not used by any annotation of the document."""
        parts = [
            select(model.ann_id).where(model.document_id == doc_id)
            for model in (
                m.Entity,
                m.Relation,
                m.Event,
                m.Attribute,
                m.Normalization,
                m.Note,
                m.Group,
            )
        ]
        used = {x for x in s.scalars(union_all(*parts)) if x is not None}
        top = 0
        for x in used:
            match = _ID_NUM.match(x)
            if match and match.group(1) == prefix:
                top = max(top, int(match.group(2)))
        n = top + 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    @staticmethod
    def _next_position(s: Session, model: type[m.Base], doc_id: int) -> int:
        top = s.scalar(select(func.max(model.position)).where(model.document_id == doc_id))
        return 0 if top is None else top + 1

    @staticmethod
    def _check_no_twin(
        s: Session,
        doc: m.Document,
        type_: str,
        fragments: Sequence[Sequence[int]],
        skip: int | None,
    ) -> None:
        """Refuse a second confirmed entity with the same type and fragments: it would be one
        annotation twice (INCEpTION refuses it unless a layer allows stacking; relations have
        the same rule below). An open suggestion gives way to the annotator's own entity, and a
        rejected one is gone, so neither blocks the edit."""
        key = sorted((int(a), int(b)) for a, b in fragments)
        for other in s.scalars(
            select(m.Entity).where(
                m.Entity.document_id == doc.id,
                m.Entity.type == type_,
                m.Entity.start == key[0][0],
                m.Entity.end == max(b for _, b in key),
                m.Entity.review.not_in(("suggested", "rejected")),
                m.Entity.id != (skip if skip is not None else -1),
            )
        ):
            if sorted((int(a), int(b)) for a, b in other.fragments) == key:
                raise EditError(f"the same {type_} entity exists already (entity {other.id})")

    def _accept(self, changes: ChangeLog, row: m.Entity | m.Relation, author: str | None) -> None:
        if row.review == "suggested":
            changes.update(row, review="accepted", author=author, updated_at=m.utcnow())

    def _apply(
        self,
        s: Session,
        doc: m.Document,
        edit: Edit,
        changes: ChangeLog,
        author: str | None,
        result: EditResult,
    ) -> None:
        now = m.utcnow()
        op = edit.op
        if op == "add_entity":
            assert edit.type and edit.fragments
            self._check_entity_type(s, doc, edit.type)
            for frag in edit.fragments:
                self._check_range(doc, frag, "fragment")
            if edit.head:
                self._check_range(doc, edit.head, "head")
            self._check_no_twin(s, doc, edit.type, edit.fragments, None)
            ent = m.Entity(
                document_id=doc.id,
                ann_id=self._fresh_ann_id(s, doc.id, "T"),
                position=self._next_position(s, m.Entity, doc.id),
                type=edit.type,
                fragments=[list(f) for f in edit.fragments],
                start=min(f[0] for f in edit.fragments),
                end=max(f[1] for f in edit.fragments),
                head_start=edit.head[0] if edit.head else None,
                head_end=edit.head[1] if edit.head else None,
                source="human",
                model_version_id=None,
                confidence=None,
                review="accepted",
                author=author,
                meta={},
                created_at=now,
                updated_at=now,
            )
            changes.add(ent)
            result.entity_id = ent.id
        elif op == "change_entity":
            ent = self._entity_in(s, doc, edit.entity_id)
            values: dict[str, Any] = {}
            if edit.type is not None and edit.type != ent.type:
                self._check_entity_type(s, doc, edit.type)
                values["type"] = edit.type
                schema, _ = self._types(s, doc.project_id)
                for rel in s.scalars(
                    select(m.Relation).where(
                        (m.Relation.arg1_id == ent.id) | (m.Relation.arg2_id == ent.id),
                        m.Relation.review != "rejected",
                    )
                ):
                    a1 = (
                        edit.type
                        if rel.arg1_id == ent.id
                        else self._entity_in(s, doc, rel.arg1_id).type
                    )
                    a2 = (
                        edit.type
                        if rel.arg2_id == ent.id
                        else self._entity_in(s, doc, rel.arg2_id).type
                    )
                    if rel.type not in schema.allowed_relations(a1, a2):
                        raise EditError(
                            f"relation {rel.id} ({rel.type}) would not be allowed from {a1} to "
                            f"{a2}; change or delete it first"
                        )
            if edit.fragments is not None:
                for frag in edit.fragments:
                    self._check_range(doc, frag, "fragment")
                values["fragments"] = [list(f) for f in edit.fragments]
                values["start"] = min(f[0] for f in edit.fragments)
                values["end"] = max(f[1] for f in edit.fragments)
            if edit.head is not None:
                self._check_range(doc, edit.head, "head")
                values["head_start"], values["head_end"] = edit.head
            if "type" in values or "fragments" in values:
                self._check_no_twin(
                    s,
                    doc,
                    values.get("type", ent.type),
                    values.get("fragments", ent.fragments),
                    ent.id,
                )
            if ent.review == "suggested":
                values["review"] = "accepted"
            if values:
                values.update(author=author, updated_at=now)
                changes.update(ent, **values)
            result.entity_id = ent.id
        elif op == "delete_entity":
            ent = self._entity_in(s, doc, edit.entity_id)
            self._delete_annotations(s, doc, changes, entities=[ent])
        elif op in ("add_relation", "change_relation"):
            rel = self._relation_in(s, doc, edit.relation_id) if op == "change_relation" else None
            a1 = self._entity_in(
                s, doc, edit.arg1 if edit.arg1 is not None else (rel.arg1_id if rel else None)
            )
            a2 = self._entity_in(
                s, doc, edit.arg2 if edit.arg2 is not None else (rel.arg2_id if rel else None)
            )
            type_ = edit.type or (rel.type if rel else "")
            self._check_relation(s, doc, type_, a1, a2)
            duplicate = s.scalar(
                select(m.Relation.id).where(
                    m.Relation.document_id == doc.id,
                    m.Relation.type == type_,
                    m.Relation.arg1_id == a1.id,
                    m.Relation.arg2_id == a2.id,
                    m.Relation.review != "rejected",
                    m.Relation.id != (rel.id if rel else -1),
                )
            )
            if duplicate is not None:
                raise EditError(
                    f"relation {type_} from entity {a1.id} to {a2.id} already exists "
                    f"(relation {duplicate})"
                )
            self._accept(changes, a1, author)
            self._accept(changes, a2, author)
            if rel is None:
                new = m.Relation(
                    document_id=doc.id,
                    ann_id=self._fresh_ann_id(s, doc.id, "R"),
                    position=self._next_position(s, m.Relation, doc.id),
                    type=type_,
                    arg1_id=a1.id,
                    arg2_id=a2.id,
                    arg1_ref=a1.ann_id,
                    arg2_ref=a2.ann_id,
                    arg1_role="Arg1",
                    arg2_role="Arg2",
                    extra_args=[],
                    source="human",
                    model_version_id=None,
                    confidence=None,
                    review="accepted",
                    author=author,
                    meta={},
                    created_at=now,
                    updated_at=now,
                )
                changes.add(new)
                result.relation_id = new.id
            else:
                values = {
                    "type": type_,
                    "arg1_id": a1.id,
                    "arg2_id": a2.id,
                    "arg1_ref": a1.ann_id,
                    "arg2_ref": a2.ann_id,
                }
                if rel.review == "suggested":
                    values["review"] = "accepted"
                if any(getattr(rel, k) != v for k, v in values.items()):
                    values.update(author=author, updated_at=now)
                    changes.update(rel, **values)
                result.relation_id = rel.id
        elif op == "delete_relation":
            rel = self._relation_in(s, doc, edit.relation_id)
            self._delete_annotations(s, doc, changes, relations=[rel])
        elif op in ("accept", "reject"):
            row: m.Entity | m.Relation
            if edit.entity_id is not None:
                row = self._entity_in(s, doc, edit.entity_id)
                result.entity_id = row.id
            else:
                row = self._relation_in(s, doc, edit.relation_id)
                result.relation_id = row.id
            if row.review != "suggested":
                raise EditError(
                    f"{'entity' if isinstance(row, m.Entity) else 'relation'} {row.id} is not "
                    f"an open suggestion (it is {row.review})"
                )
            if op == "accept":
                self._accept_target(s, doc, changes, row, author)
            else:
                changes.update(row, review="rejected", author=author, updated_at=now)
                if isinstance(row, m.Entity):
                    for rel in s.scalars(
                        select(m.Relation).where(
                            (m.Relation.arg1_id == row.id) | (m.Relation.arg2_id == row.id),
                            m.Relation.review != "rejected",
                        )
                    ):
                        changes.update(rel, review="rejected", author=author, updated_at=now)
        elif op in ("set_attribute", "delete_attribute", "set_note", "delete_note"):
            self._apply_extra(s, doc, edit, changes, author)
        elif op in ("set_status", "set_assignee", "set_split"):
            field = op.removeprefix("set_")
            changes.update(doc, **{field: getattr(edit, field)})
        else:  # pragma: no cover - Edit validates op names
            raise EditError(f"unknown operation {op!r}")

    def _target(self, s: Session, doc: m.Document, edit: Edit) -> m.Entity | m.Relation:
        """The entity or relation an attribute or note edit is about (not a rejected one)."""
        row: m.Entity | m.Relation
        if edit.entity_id is not None:
            row = self._entity_in(s, doc, edit.entity_id)
        else:
            row = self._relation_in(s, doc, edit.relation_id)
        if row.review == "rejected":
            raise EditError(f"{_kind(row)} {row.id} was rejected; restore it before editing it")
        return row

    def _apply_extra(
        self, s: Session, doc: m.Document, edit: Edit, changes: ChangeLog, author: str | None
    ) -> None:
        """Attributes and notes: set (add or rewrite) and delete.

        Editing an attribute or note of a suggestion accepts it, as any other change to it
        does (a relation's arguments with it). An attribute is one per name and annotation, as
        in BRAT; its name, target type and value are checked against the project's
        ``[attributes]``. Notes are ``AnnotatorNotes``, several per annotation allowed.
        """
        op = edit.op
        note = None
        if edit.note is not None:
            note = s.scalar(
                select(m.Note).where(m.Note.document_id == doc.id, m.Note.ann_id == edit.note)
            )
            if note is None:
                raise EditError(f"note {edit.note!r} is not in document {doc.id}")
        if op == "delete_note":
            assert note is not None
            changes.delete(note)
            return
        target = self._target(s, doc, edit)
        kind = _kind(target)
        if op == "set_note":
            assert edit.text is not None
            if note is not None:
                if note.target_ref != target.ann_id:
                    raise EditError(f"note {edit.note!r} is not a note of {kind} {target.id}")
                changes.update(note, text=edit.text)
            else:
                changes.add(
                    m.Note(
                        document_id=doc.id,
                        position=self._next_position(s, m.Note, doc.id),
                        type="AnnotatorNotes",
                        ann_id=self._fresh_ann_id(s, doc.id, "#"),
                        target_ref=target.ann_id,
                        text=edit.text,
                    )
                )
            self._accept_target(s, doc, changes, target, author)
            return
        have = s.scalars(
            select(m.Attribute)
            .where(
                m.Attribute.document_id == doc.id,
                m.Attribute.target_ref == target.ann_id,
                m.Attribute.type == edit.type,
            )
            .order_by(m.Attribute.position)
        ).all()
        if op == "delete_attribute":
            if not have:
                raise EditError(f"{kind} {target.id} has no attribute {edit.type!r}")
            for row in have:
                changes.delete(row)
            self._accept_target(s, doc, changes, target, author)
            return
        schema, _ = self._types(s, doc.project_id)
        known = {a.name: a for a in schema.attribute_types}
        att = known.get(edit.type or "")
        if att is None:
            raise EditError(f"unknown attribute {edit.type!r} (the project defines none such)")
        if att not in schema.attributes_for(kind, target.type):
            raise EditError(f"attribute {att.name!r} does not apply to {kind} type {target.type}")
        if att.values and edit.value not in att.values:
            raise EditError(
                f"attribute {att.name!r} takes one of {', '.join(att.values)}; got {edit.value!r}"
            )
        if not att.values and edit.value is not None:
            raise EditError(f"attribute {att.name!r} is present or absent; it takes no value")
        if have:
            changes.update(have[0], value=edit.value)
            for extra in have[1:]:  # a duplicate from an import: one value per name from now on
                changes.delete(extra)
        else:
            changes.add(
                m.Attribute(
                    document_id=doc.id,
                    position=self._next_position(s, m.Attribute, doc.id),
                    type=att.name,
                    ann_id=self._fresh_ann_id(s, doc.id, "A"),
                    target_ref=target.ann_id,
                    value=edit.value,
                )
            )
        self._accept_target(s, doc, changes, target, author)

    def _accept_target(
        self,
        s: Session,
        doc: m.Document,
        changes: ChangeLog,
        row: m.Entity | m.Relation,
        author: str | None,
    ) -> None:
        """Accept a suggestion (a relation together with its arguments, none of them rejected)."""
        if isinstance(row, m.Relation) and row.review == "suggested":
            for arg_id in (row.arg1_id, row.arg2_id):
                if arg_id is not None:
                    arg = self._entity_in(s, doc, arg_id)
                    if arg.review == "rejected":
                        raise EditError(f"relation {row.id} uses rejected entity {arg.id}")
                    self._accept(changes, arg, author)
        self._accept(changes, row, author)

    def _delete_annotations(
        self,
        s: Session,
        doc: m.Document,
        changes: ChangeLog,
        entities: Sequence[m.Entity] = (),
        relations: Sequence[m.Relation] = (),
    ) -> None:
        """Delete annotations with everything that depends on them, children first."""
        ent_refs = {e.ann_id for e in entities}
        events = s.scalars(select(m.Event).where(m.Event.document_id == doc.id)).all()
        for ev in events:
            used = {ev.trigger_ref, *(a[1] for a in ev.arguments)}
            if used & ent_refs:
                raise EditError(
                    f"entity {sorted(used & ent_refs)[0]} is used by event {ev.ann_id}; "
                    "events are not edited here"
                )
        rels = {r.id: r for r in relations}
        if ent_refs:
            ent_ids = [e.id for e in entities]
            for r in s.scalars(
                select(m.Relation).where(
                    m.Relation.document_id == doc.id,
                    (m.Relation.arg1_id.in_(ent_ids)) | (m.Relation.arg2_id.in_(ent_ids)),
                )
            ):
                rels[r.id] = r
            for r in s.scalars(select(m.Relation).where(m.Relation.document_id == doc.id)):
                if r.id not in rels and {a[1] for a in r.extra_args} & ent_refs:
                    changes.update(
                        r,
                        extra_args=[a for a in r.extra_args if a[1] not in ent_refs],
                        updated_at=m.utcnow(),
                    )
        refs = ent_refs | {r.ann_id for r in rels.values()}
        for model in (m.Attribute, m.Normalization, m.Note):
            for row in s.scalars(
                select(model).where(model.document_id == doc.id, model.target_ref.in_(refs))
            ):
                changes.delete(row)
        for g in s.scalars(select(m.Group).where(m.Group.document_id == doc.id)):
            if set(g.members) & refs:
                members = [x for x in g.members if x not in refs]
                if members:
                    changes.update(g, members=members)
                else:
                    changes.delete(g)
        for r in rels.values():
            changes.delete(r)
        for e in entities:
            changes.delete(e)

    def accept_all(
        self,
        doc_id: int,
        min_confidence: float,
        expected_version: int,
        author: str | None,
        *,
        client_id: str | None = None,
        seq: int | None = None,
        min_relation_confidence: float | None = None,
    ) -> EditResult:
        """Accept every open suggestion with confidence >= ``min_confidence`` (no confidence
        counts as 0): entities first, then relations whose arguments are then accepted (a
        relation never pulls in an entity below the threshold). ``min_relation_confidence``:
        another threshold for relations (their confidences are calibrated apart). One undoable
        step; ``client_id``/``seq`` as in ``apply_edit``."""
        rel_min = min_confidence if min_relation_confidence is None else min_relation_confidence

        def run(s: Session) -> EditResult:
            doc = self._bump_version(s, doc_id, expected_version)
            changes = ChangeLog(s)
            for model in (m.Entity, m.Relation):
                for row in s.scalars(
                    select(model)
                    .where(model.document_id == doc_id, model.review == "suggested")
                    .order_by(model.position)
                ):
                    floor = rel_min if model is m.Relation else min_confidence
                    if (row.confidence or 0.0) < floor:
                        continue
                    if isinstance(row, m.Relation):
                        args = [
                            s.get(m.Entity, a) for a in (row.arg1_id, row.arg2_id) if a is not None
                        ]
                        if any(a is None or a.review != "accepted" for a in args):
                            continue
                    self._accept(changes, row, author)
            if not changes.items:
                raise EditError(f"no open suggestion has confidence >= {min_confidence}")
            self._drop_redo(s, doc_id)
            entry = self._record(s, doc, changes, author, "edit", "accept_all")
            return EditResult(
                doc_id, doc.version, "accept_all", entry.id, changed=len(changes.items)
            )

        return self._once(doc_id, client_id, seq, run)

    def replace_suggestions(
        self,
        doc_id: int,
        model_version_id: int | None,
        entities: Sequence[cd.Entity],
        relations: Sequence[cd.Relation] = (),
        *,
        expected_version: int | None = None,
        author: str | None = "model",
        relations_only: bool = False,
    ) -> EditResult:
        """Pre-annotation: replace the document's open model suggestions with new ones.

        ``relations_only``: replace the open relation suggestions only (relation suggestions
        between entities the annotator confirmed); open entity suggestions stay, and every
        entity in ``entities`` must be one the document already has (same type and fragments).

        Human annotations, accepted and rejected suggestions are never touched; a new suggestion
        equal (type and fragments) to one of them is skipped, and a suggested relation may attach
        to such an entity. Ids of ``entities``/``relations`` only link them to each other; stored
        ones get fresh ids. Without ``expected_version`` the current version is used (the job
        does not hold one); it is still one undoable step that bumps the version.
        """

        def run(s: Session) -> EditResult:
            doc = self._document(s, doc_id)
            version = doc.version if expected_version is None else expected_version
            doc = self._bump_version(s, doc_id, version)
            changes = ChangeLog(s)
            old_e = (
                []
                if relations_only
                else s.scalars(
                    select(m.Entity).where(
                        m.Entity.document_id == doc_id,
                        m.Entity.review == "suggested",
                        m.Entity.source == "model",
                    )
                ).all()
            )
            old_r = s.scalars(
                select(m.Relation).where(
                    m.Relation.document_id == doc_id,
                    m.Relation.review == "suggested",
                    m.Relation.source == "model",
                )
            ).all()
            self._delete_annotations(s, doc, changes, entities=old_e, relations=old_r)
            kept = {
                (e.type, tuple(map(tuple, e.fragments))): e
                for e in s.scalars(select(m.Entity).where(m.Entity.document_id == doc_id))
            }
            _, selectable = self._types(s, doc.project_id)
            now = m.utcnow()
            by_ref: dict[str, m.Entity] = {}
            position = self._next_position(s, m.Entity, doc_id)
            for e in entities:
                key = (e.type, tuple(tuple(f) for f in e.fragments))
                if key in kept:
                    by_ref[e.id] = kept[key]
                    continue
                if relations_only:
                    raise EditError(f"entity {e.id} is not in the document (any more)")
                if e.type not in selectable:
                    raise EditError(f"unknown entity type {e.type!r} in model output")
                for frag in e.fragments:
                    if not (0 <= frag[0] < frag[1] <= len(doc.text)):
                        raise EditError(f"suggested fragment {frag} is outside the text")
                row = m.Entity(
                    document_id=doc_id,
                    ann_id=self._fresh_ann_id(s, doc_id, "T"),
                    position=position,
                    type=e.type,
                    fragments=[list(f) for f in e.fragments],
                    start=e.start,
                    end=e.end,
                    head_start=e.head[0] if e.head else None,
                    head_end=e.head[1] if e.head else None,
                    source="model",
                    model_version_id=model_version_id,
                    confidence=e.confidence,
                    review="suggested",
                    author=author,
                    meta=dict(e.metadata),
                    created_at=now,
                    updated_at=now,
                )
                position += 1
                changes.add(row)
                kept[key] = row
                by_ref[e.id] = row
            existing = {
                (r.type, r.arg1_id, r.arg2_id)
                for r in s.scalars(select(m.Relation).where(m.Relation.document_id == doc_id))
            }
            rel_position = self._next_position(s, m.Relation, doc_id)
            for r in relations:
                a1, a2 = by_ref.get(r.arg1), by_ref.get(r.arg2)
                if a1 is None or a2 is None:
                    raise EditError(f"suggested relation {r.id} refers to an unknown entity")
                if a1.review == "rejected" or a2.review == "rejected" or a1.id == a2.id:
                    continue
                if (r.type, a1.id, a2.id) in existing:
                    continue
                row = m.Relation(
                    document_id=doc_id,
                    ann_id=self._fresh_ann_id(s, doc_id, "R"),
                    position=rel_position,
                    type=r.type,
                    arg1_id=a1.id,
                    arg2_id=a2.id,
                    arg1_ref=a1.ann_id,
                    arg2_ref=a2.ann_id,
                    arg1_role=r.arg1_role,
                    arg2_role=r.arg2_role,
                    extra_args=[],
                    source="model",
                    model_version_id=model_version_id,
                    confidence=r.confidence,
                    review="suggested",
                    author=author,
                    meta=dict(r.metadata),
                    created_at=now,
                    updated_at=now,
                )
                rel_position += 1
                changes.add(row)
                existing.add((r.type, a1.id, a2.id))
            if doc.status == "new":
                changes.update(doc, status="pre-annotated")
            self._drop_redo(s, doc_id)
            entry = self._record(s, doc, changes, author, "edit", "replace_suggestions")
            return EditResult(
                doc_id, doc.version, "replace_suggestions", entry.id, changed=len(changes.items)
            )

        if expected_version is not None:
            return self._write(run)
        for _ in range(4):  # the job holds no version: retry when a person saved in between
            try:
                return self._write(run)
            except ConflictError:
                continue
        return self._write(run)

    # -- undo / redo / history --------------------------------------------------------------

    def undo(
        self,
        doc_id: int,
        author: str | None,
        expected_version: int,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Revert the newest edit of the document that is not undone yet."""
        return self._undo_redo(doc_id, author, expected_version, True, client_id, seq)

    def redo(
        self,
        doc_id: int,
        author: str | None,
        expected_version: int,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Re-apply the most recently undone edit (none after a new edit)."""
        return self._undo_redo(doc_id, author, expected_version, False, client_id, seq)

    def _undo_redo(
        self,
        doc_id: int,
        author: str | None,
        expected_version: int,
        undo: bool,
        client_id: str | None,
        seq: int | None,
    ) -> EditResult:
        def run(s: Session) -> EditResult:
            doc = self._bump_version(s, doc_id, expected_version)
            q = select(m.History).where(
                m.History.document_id == doc_id,
                m.History.action == "edit",
                m.History.state == ("done" if undo else "undone"),
            )
            entry = s.scalar(
                q.order_by(m.History.id.desc() if undo else m.History.id.asc()).limit(1)
            )
            if entry is None:
                raise EditError("nothing to undo" if undo else "nothing to redo")
            changes = list(entry.changes)
            entry.state = "undone" if undo else "done"
            s.flush()
            replay(s, changes, undo=undo)
            doc = self._document(s, doc_id)
            action = "undo" if undo else "redo"
            record = m.History(
                document_id=doc_id,
                author=author,
                created_at=m.utcnow(),
                action=action,
                op=entry.op,
                changes=[],
                version_before=doc.version - 1,
                version_after=doc.version,
                state=action,
                target_id=entry.id,
            )
            s.add(record)
            s.flush()
            return EditResult(doc_id, doc.version, action, record.id, changed=len(changes))

        return self._once(doc_id, client_id, seq, run)

    def history(self, doc_id: int, limit: int = 100) -> list[HistoryEntry]:
        """The document's audit trail, newest first."""

        def run(s: Session) -> list[HistoryEntry]:
            rows = s.scalars(
                select(m.History)
                .where(m.History.document_id == doc_id)
                .order_by(m.History.id.desc())
                .limit(limit)
            )
            return [
                HistoryEntry(
                    h.id,
                    h.document_id,
                    h.author,
                    h.created_at,
                    h.action,
                    h.op,
                    h.state,
                    h.version_before,
                    h.version_after,
                    h.target_id,
                    list(h.changes),
                )
                for h in rows
            ]

        return self._read(run)

    # -- statistics -------------------------------------------------------------------------

    def stats(self, project: str | None = None) -> dict[str, Any]:
        """Counts per project: documents by status and split; entities and relations by type,
        review state and source; per annotator the annotations they authored and the edits
        they made. Plain JSON-able dicts."""

        def count_by(s: Session, pid: int, *cols: Any, model: type[m.Base] = m.Document) -> Any:
            q = select(*cols, func.count()).select_from(model)
            if model is not m.Document:
                q = q.join(m.Document, m.Document.id == model.document_id)
            return s.execute(q.where(m.Document.project_id == pid).group_by(*cols)).all()

        def run(s: Session) -> dict[str, Any]:
            q = select(m.Project).order_by(m.Project.id)
            if project is not None:
                self._project(s, project)
                q = q.where(m.Project.name == project)
            out: dict[str, Any] = {"projects": {}}
            for p in s.scalars(q):
                info: dict[str, Any] = {
                    "documents": sum(n for _, n in count_by(s, p.id, m.Document.status)),
                    "status": {k: n for k, n in count_by(s, p.id, m.Document.status)},
                    "split": {k: n for k, n in count_by(s, p.id, m.Document.split)},
                }
                annotators: dict[str, dict[str, int]] = defaultdict(
                    lambda: {"entities": 0, "relations": 0, "edits": 0}
                )
                for key, model in (("entities", m.Entity), ("relations", m.Relation)):
                    by_type: dict[str, dict[str, int]] = defaultdict(dict)
                    for t, review, n in count_by(s, p.id, model.type, model.review, model=model):
                        by_type[t][review] = n
                    info[key] = {
                        "total": sum(sum(v.values()) for v in by_type.values()),
                        "by_type": dict(by_type),
                        "by_review": {
                            k: n for k, n in count_by(s, p.id, model.review, model=model)
                        },
                        "by_source": {
                            k: n for k, n in count_by(s, p.id, model.source, model=model)
                        },
                    }
                    for author, n in count_by(s, p.id, model.author, model=model):
                        if author is not None:
                            annotators[author][key] = n
                for author, n in s.execute(
                    select(m.History.author, func.count())
                    .join(m.Document, m.Document.id == m.History.document_id)
                    .where(m.Document.project_id == p.id, m.History.action != "import")
                    .group_by(m.History.author)
                ):
                    if author is not None:
                        annotators[author]["edits"] = n
                info["annotators"] = dict(annotators)
                info["models"] = {
                    k: n
                    for k, n in s.execute(
                        select(m.ModelVersion.state, func.count())
                        .where(m.ModelVersion.project_id == p.id)
                        .group_by(m.ModelVersion.state)
                    )
                }
                out["projects"][p.name] = info
            return out

        return self._read(run)

    # -- model versions ---------------------------------------------------------------------

    def _model_info(self, s: Session, mv: m.ModelVersion) -> ModelVersionInfo:
        project = s.get(m.Project, mv.project_id)
        assert project is not None
        return ModelVersionInfo(
            mv.id,
            project.name,
            mv.path,
            mv.created_at,
            dict(mv.metrics or {}),
            list(mv.training_documents or []),
            mv.state,
            mv.active,
        )

    def register_model_version(
        self,
        project: str,
        path: str,
        *,
        metrics: dict[str, Any] | None = None,
        training_documents: Sequence[int] = (),
        state: str = "training",
    ) -> ModelVersionInfo:
        if state not in m.MODEL_STATES:
            raise StoreError(f"state must be one of {', '.join(m.MODEL_STATES)}")

        def run(s: Session) -> ModelVersionInfo:
            p = self._project(s, project)
            mv = m.ModelVersion(
                project_id=p.id,
                path=str(path),
                metrics=dict(metrics or {}),
                training_documents=list(training_documents),
                state=state,
                active=False,
                created_at=m.utcnow(),
            )
            s.add(mv)
            s.flush()
            return self._model_info(s, mv)

        return self._write(run)

    def update_model_version(
        self,
        model_version_id: int,
        *,
        state: str | None = None,
        metrics: dict[str, Any] | None = None,
        path: str | None = None,
    ) -> ModelVersionInfo:
        """Change a model version's state/metrics/path; a failed version is deactivated."""
        if state is not None and state not in m.MODEL_STATES:
            raise StoreError(f"state must be one of {', '.join(m.MODEL_STATES)}")

        def run(s: Session) -> ModelVersionInfo:
            mv = s.get(m.ModelVersion, model_version_id)
            if mv is None:
                raise NotFoundError(f"no model version {model_version_id}")
            if state is not None:
                mv.state = state
                if state != "ready":
                    mv.active = False
            if metrics is not None:
                mv.metrics = dict(metrics)
            if path is not None:
                mv.path = str(path)
            s.flush()
            return self._model_info(s, mv)

        return self._write(run)

    def mark_model_failed(self, model_version_id: int) -> ModelVersionInfo:
        return self.update_model_version(model_version_id, state="failed")

    def activate_model_version(self, model_version_id: int) -> ModelVersionInfo:
        """Make this (ready) version the project's one active model."""

        def run(s: Session) -> ModelVersionInfo:
            mv = s.get(m.ModelVersion, model_version_id)
            if mv is None:
                raise NotFoundError(f"no model version {model_version_id}")
            if mv.state != "ready":
                raise StoreError(f"model version {mv.id} is {mv.state}, not ready")
            s.execute(
                update(m.ModelVersion)
                .where(m.ModelVersion.project_id == mv.project_id)
                .values(active=literal(False))
                .execution_options(synchronize_session=False)
            )
            s.flush()
            s.refresh(mv)
            mv.active = True
            s.flush()
            return self._model_info(s, mv)

        return self._write(run)

    def list_model_versions(self, project: str) -> list[ModelVersionInfo]:
        def run(s: Session) -> list[ModelVersionInfo]:
            p = self._project(s, project)
            rows = s.scalars(
                select(m.ModelVersion)
                .where(m.ModelVersion.project_id == p.id)
                .order_by(m.ModelVersion.id)
            )
            return [self._model_info(s, mv) for mv in rows]

        return self._read(run)

    def active_model_version(self, project: str) -> ModelVersionInfo | None:
        return next((mv for mv in self.list_model_versions(project) if mv.active), None)

    # -- jobs -------------------------------------------------------------------------------

    def _job_info(self, s: Session, job: m.Job) -> JobInfo:
        project = s.get(m.Project, job.project_id) if job.project_id is not None else None
        return JobInfo(
            job.id,
            project.name if project else None,
            job.kind,
            job.state,
            job.progress,
            job.message,
            job.log,
            dict(job.params or {}),
            dict(job.result or {}),
            job.created_at,
            job.started_at,
            job.finished_at,
        )

    def _job_write(self, job_id: int, fn: Callable[[m.Job], None]) -> JobInfo:
        def run(s: Session) -> JobInfo:
            job = s.get(m.Job, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}")
            fn(job)
            s.flush()
            return self._job_info(s, job)

        return self._write(run)

    def create_job(
        self,
        kind: str,
        *,
        project: str | None = None,
        params: dict[str, Any] | None = None,
        exclusive: bool = False,
    ) -> JobInfo:
        """Record a queued job. ``exclusive``: refuse (``JobBusyError``) while a job of the same
        kind for the same project is queued or running; the check and the insert share one
        write transaction (the project row is locked on PostgreSQL), so two clicks at the same
        moment cannot both pass."""

        def run(s: Session) -> JobInfo:
            pid = self._project(s, project).id if project is not None else None
            if exclusive:
                if pid is not None:
                    s.execute(select(m.Project.id).where(m.Project.id == pid).with_for_update())
                busy = s.scalar(
                    select(m.Job.id)
                    .where(
                        m.Job.kind == kind,
                        m.Job.project_id.is_(None) if pid is None else m.Job.project_id == pid,
                        m.Job.state.in_(("queued", "running")),
                    )
                    .limit(1)
                )
                if busy is not None:
                    where = f" for project {project!r}" if project is not None else ""
                    raise JobBusyError(busy, f"a {kind} job{where} is already running (job {busy})")
            job = m.Job(
                project_id=pid,
                kind=kind,
                state="queued",
                progress=0.0,
                message="",
                log="",
                params=dict(params or {}),
                result={},
                created_at=m.utcnow(),
            )
            s.add(job)
            s.flush()
            return self._job_info(s, job)

        return self._write(run)

    def start_job(self, job_id: int) -> JobInfo:
        def fn(job: m.Job) -> None:
            job.state, job.started_at = "running", m.utcnow()

        return self._job_write(job_id, fn)

    def update_job(
        self,
        job_id: int,
        *,
        progress: float | None = None,
        message: str | None = None,
        log_line: str | None = None,
    ) -> JobInfo:
        def fn(job: m.Job) -> None:
            if progress is not None:
                job.progress = max(0.0, min(1.0, float(progress)))
            if message is not None:
                job.message = message
            if log_line is not None:
                job.log = (job.log or "") + log_line.rstrip("\n") + "\n"

        return self._job_write(job_id, fn)

    def finish_job(self, job_id: int, result: dict[str, Any] | None = None) -> JobInfo:
        def fn(job: m.Job) -> None:
            job.state, job.progress, job.finished_at = "done", 1.0, m.utcnow()
            job.result = dict(result or {})

        return self._job_write(job_id, fn)

    def fail_job(self, job_id: int, error: str) -> JobInfo:
        def fn(job: m.Job) -> None:
            job.state, job.finished_at, job.message = "failed", m.utcnow(), error
            job.log = (job.log or "") + f"ERROR: {error}\n"

        return self._job_write(job_id, fn)

    def cancel_job(self, job_id: int) -> JobInfo:
        def fn(job: m.Job) -> None:
            if job.state in ("queued", "running"):
                job.state, job.finished_at = "cancelled", m.utcnow()

        return self._job_write(job_id, fn)

    def get_job(self, job_id: int) -> JobInfo:
        def run(s: Session) -> JobInfo:
            job = s.get(m.Job, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}")
            return self._job_info(s, job)

        return self._read(run)

    def list_jobs(
        self, *, project: str | None = None, state: str | None = None, limit: int = 50
    ) -> list[JobInfo]:
        def run(s: Session) -> list[JobInfo]:
            q = select(m.Job)
            if project is not None:
                q = q.where(m.Job.project_id == self._project(s, project).id)
            if state is not None:
                q = q.where(m.Job.state == state)
            return [
                self._job_info(s, j) for j in s.scalars(q.order_by(m.Job.id.desc()).limit(limit))
            ]

        return self._read(run)

    # -- user accounts ----------------------------------------------------------------------
    # Names and passwords are checked by ``db.passwords`` (clear messages, never echoing the
    # password); only salted scrypt hashes reach the database. Hashing runs outside the
    # transaction so a slow hash never holds the write lock.

    @staticmethod
    def _account(name: str, password: str | None = None) -> str | None:
        try:
            passwords.check_user_name(name)
            return None if password is None else passwords.hash_password(password)
        except ValueError as exc:
            raise StoreError(str(exc)) from None

    def add_user(self, name: str, password: str) -> None:
        """Create the account ``name``; ``StoreError`` if it exists or the input is invalid."""
        hashed = self._account(name, password)

        def run(s: Session) -> None:
            if s.scalar(select(m.User.id).where(m.User.name == name)) is not None:
                raise StoreError(f"a user named {name!r} already exists")
            s.add(m.User(name=name, password_hash=hashed))

        try:
            self._write(run)
        except IntegrityError:  # added by someone else at the same moment
            raise StoreError(f"a user named {name!r} already exists") from None

    def set_password(self, name: str, password: str) -> None:
        """Replace the password of ``name`` (``NotFoundError`` if there is no such user)."""
        hashed = self._account(name, password)

        def run(s: Session) -> None:
            done = s.execute(update(m.User).where(m.User.name == name).values(password_hash=hashed))
            if not done.rowcount:
                raise NotFoundError(f"no user named {name!r}")

        self._write(run)

    def remove_user(self, name: str) -> None:
        """Delete the account ``name`` (its past edits keep the name as author)."""
        self._account(name)

        def run(s: Session) -> None:
            user = s.scalar(select(m.User).where(m.User.name == name))
            if user is None:
                raise NotFoundError(f"no user named {name!r}")
            s.delete(user)

        self._write(run)

    def list_users(self) -> list[str]:
        return self._read(lambda s: list(s.scalars(select(m.User.name).order_by(m.User.name))))

    def credential_stamps(self) -> dict[str, str]:
        """Each account's name and a short digest of its password hash.

        The digest changes when the password does; the app compares it with the one seen at
        sign-in to end the sessions of a removed account or a changed password.
        """
        rows = self._read(lambda s: list(s.execute(select(m.User.name, m.User.password_hash))))
        return {name: passwords.stamp(hashed) for name, hashed in rows}

    def verify_user(self, name: str, password: str) -> bool:
        """Whether ``name`` exists and ``password`` is its password.

        An unknown or invalid name is checked against a dummy hash, so the answer takes about
        as long either way and does not tell which names exist.
        """
        stored: str | None = None
        try:
            passwords.check_user_name(name)
        except ValueError:
            pass
        else:
            stored = self._read(
                lambda s: s.scalar(select(m.User.password_hash).where(m.User.name == name))
            )
        ok = passwords.verify_password(password, stored or passwords.dummy_hash())
        return ok and stored is not None

    # -- backup -----------------------------------------------------------------------------

    def backup(self, out_path: str | Path) -> Path:
        """Copy a SQLite database with SQLite's online backup (safe while others write).

        The copy is written next to ``out_path`` and renamed into place, so ``out_path`` is
        either the old file or a complete backup. PostgreSQL: use ``pg_dump``.
        """
        if not self.is_sqlite:
            raise StoreError("backup is for SQLite databases; use pg_dump for PostgreSQL")
        out = Path(out_path).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".partial")
        tmp.unlink(missing_ok=True)
        raw = self.engine.raw_connection()
        try:
            src = raw.driver_connection
            dest = sqlite3.connect(tmp)
            try:
                src.backup(dest)  # type: ignore[union-attr]
                ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
                if ok != "ok":
                    raise StoreError(f"backup failed its integrity check: {ok}")
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
        finally:
            raw.close()
        tmp.replace(out)
        return out

    def integrity_check(self) -> str:
        """``ok`` or SQLite's description of the damage (PostgreSQL: always ``ok``)."""
        if not self.is_sqlite:
            return "ok"
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("PRAGMA integrity_check").all()
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        result = "; ".join(str(r[0]) for r in rows)
        if fk:
            result += f"; {len(fk)} foreign key violations"
        return result
