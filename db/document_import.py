"""Importing documents: every document checked first, then all of them written in ONE
transaction, batch by batch (a bad document anywhere rolls everything back).

What a valid document is belongs to ``converters`` (``Document.problems``); here that check
meets what only the database knows (names already taken in the project) and what it cannot
store (NUL). Types the data uses but the schema lacks are *added* (listed in
``ImportResult``), because BRAT corpora often use types their ``annotation.conf`` forgets;
refusing them would make real corpora unloadable. A document name already in the project is
refused (no silent replacement of corrected work).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from converters import document as cd
from converters import schema as cs
from converters.errors import ConversionError, Problem
from db import models as m
from db.document_status import BY_IMPORT, import_status
from db.lookups import curated
from db.names import document_name_problem
from db.project_schema import merge_schema
from db.projects import new_project
from db.rows import Provenance, entity_row, extra_rows, history_row, insert_returning, relation_row
from db.transactions import StoreBase
from db.views import ImportResult, NotFoundError, StoreError

log = logging.getLogger(__name__)


def check_import(documents: Sequence[cd.Document], taken: set[str], project: str) -> None:
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
            _check_document(doc, taken, incoming, project)
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


def _check_document(doc: cd.Document, taken: set[str], incoming: set[str], project: str) -> None:
    bad_name = document_name_problem(doc.id)  # the one rule of names (db.names)
    if bad_name is not None:
        raise ConversionError(doc.id if doc.id and doc.id.strip() else "<document>", bad_name)
    if doc.id in taken:
        raise ConversionError(
            doc.id, f"a document named {doc.id!r} is already in project {project!r}"
        )
    if doc.id in incoming:
        raise ConversionError(doc.id, f"two documents in this import are named {doc.id!r}")
    if "\x00" in doc.text:  # a storage limit (PostgreSQL's text), not a document rule
        raise ConversionError(
            doc.id, "text contains a NUL character", offset=doc.text.index("\x00")
        )
    problems = doc.problems()
    if problems:
        raise ConversionError(
            doc.id,
            "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
            problems=[Problem(doc.id, p) for p in problems],
        )


def _document_row(
    project_id: int, position: int, doc: cd.Document, status: str, split: str, now: datetime
) -> dict[str, Any]:
    meta_split = doc.metadata.get("split") if doc.metadata else None
    return {
        "project_id": project_id,
        "name": doc.id,
        "position": position,
        "text": doc.text,
        "sha256": hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        "status": status,
        "status_by": BY_IMPORT,
        "status_at": now,
        "assignee": None,
        "split": meta_split if meta_split in m.SPLITS else split,
        "version": 0,
        "meta": dict(doc.metadata),
        "created_at": now,
        "updated_at": now,
    }


def write_annotations(
    s: Session, batch: Sequence[cd.Document], doc_ids: list[int], by: Provenance
) -> tuple[int, int]:
    """Write the annotations of documents whose rows exist (``doc_ids``, in the order of
    ``batch``); how many entities and relations. Also fills a person's layer (``db.layers``)."""
    ent_rows, ent_keys = [], []
    for doc, doc_id in zip(batch, doc_ids, strict=True):
        for i, e in enumerate(doc.entities):
            ent_rows.append(entity_row(doc_id, i, e, by))
            ent_keys.append((doc_id, e.id))
    ent_ids = dict(zip(ent_keys, insert_returning(s, m.Entity, ent_rows), strict=True))
    rel_rows = []
    extras: dict[type[m.Base], list[dict[str, Any]]] = defaultdict(list)
    for doc, doc_id in zip(batch, doc_ids, strict=True):
        for i, r in enumerate(doc.relations):
            args = (ent_ids.get((doc_id, r.arg1)), ent_ids.get((doc_id, r.arg2)))
            rel_rows.append(relation_row(doc_id, i, r, args, by))
        extra_rows(doc, doc_id, extras)
    if rel_rows:
        s.execute(insert(m.Relation), rel_rows)
    for model, rows in extras.items():
        s.execute(insert(model), rows)
    return len(ent_rows), len(rel_rows)


def _write_batch(
    s: Session,
    batch: Sequence[cd.Document],
    doc_ids: list[int],
    by: Provenance,
    result: ImportResult,
) -> None:
    """Write the annotations and the history entry of documents already inserted."""
    entities, relations = write_annotations(s, batch, doc_ids, by)
    op = f"import:{by.source}"
    s.execute(
        insert(m.History),
        [
            history_row(doc_id, by.author, "import", op, [], (0, 0), state="done", at=by.at)
            for doc_id in doc_ids
        ],
    )
    result.documents += len(batch)
    result.entities += entities
    result.relations += relations
    result.document_ids.extend(doc_ids)


class DocumentImport(StoreBase):
    """``Store.import_documents``."""

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
        transaction, so a refused import leaves no empty project behind
        (``ImportResult.created_project`` says whether it was created).

        ``source="model"`` stores the annotations as suggestions (status ``pre-annotated``);
        otherwise they are accepted and the status is ``new``. ``status`` overrides that:
        a status, or ``auto`` (``done`` when the documents hold annotations; the rule is
        ``db.document_status.import_status``); ``ImportResult.status`` says which. A
        document whose ``metadata["split"]`` is one of train/dev/test keeps it, else
        ``split`` applies.
        Every document is checked before the first row is written (``check_import``), then
        they are written batch by batch; a refusal raises ``ConversionError`` naming each
        refused document and rolls everything back.
        """
        if source not in m.SOURCES:
            raise StoreError(f"source must be one of {', '.join(m.SOURCES)}")
        if split not in m.SPLITS:
            raise StoreError(f"split must be one of {', '.join(m.SPLITS)}")
        review = "suggested" if source == "model" else "accepted"
        doc_status = import_status(status, source, documents)

        def run(s: Session) -> ImportResult:
            log.info("import into %s: transaction started (%d documents)", project, len(documents))
            found = s.scalar(select(m.Project).where(m.Project.name == project))
            if found is None and not create:
                raise NotFoundError(f"no project named {project!r}")
            taken = set(
                s.scalars(
                    select(m.Document.name).where(m.Document.project_id == found.id, curated())
                )
                if found is not None
                else ()
            )
            check_import(documents, taken, project)  # before anything is written
            added_e, added_r = ([], [])
            if found is None:
                p = new_project(s, project, schema)
            else:
                p = found
                if schema is not None:
                    added_e, added_r = merge_schema(s, p, schema)
            # Types the data uses but the project lacks are added (with the argument types
            # seen in the data, attributes with their targets and values); existing types are
            # left exactly as they are.
            inferred = cs.infer_schema(list(documents))
            more_e, more_r = merge_schema(
                s,
                p,
                inferred,
                update_existing=False,
            )
            position = (
                s.scalar(select(func.max(m.Document.position)).where(m.Document.project_id == p.id))
                or 0
            )
            now = m.utcnow()
            by = Provenance(source, review, author, now, model_version_id)
            result = ImportResult(
                project,
                0,
                0,
                0,
                [],
                added_e + [t for t in more_e if t not in added_e],
                added_r + [t for t in more_r if t not in added_r],
                created_project=found is None,
                status=doc_status,
            )
            for start in range(0, len(documents), batch_size):
                batch = documents[start : start + batch_size]
                doc_rows = [
                    _document_row(p.id, position + i, doc, doc_status, split, now)
                    for i, doc in enumerate(batch, start=1)
                ]
                position += len(batch)
                _write_batch(s, batch, insert_returning(s, m.Document, doc_rows), by, result)
                log.info("import into %s: %d documents written", project, result.documents)
            return result

        result = self._write(run)
        result.counts = cd.AnnotationCounts.of(list(documents))
        log.info(
            "imported %d documents (%s) into %s", result.documents, result.counts.phrase(), project
        )
        return result
