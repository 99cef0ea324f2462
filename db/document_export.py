"""Documents out of the store: the project as converter documents (export) and the documents
a model trains on, each read in one transaction.

Which annotations leave is decided here once: accepted ones (human, imported, accepted
suggestions), open suggestions only when asked, rejected ones never; an annotation that points
at one left out is left out too. Writing files is ``converters``' business.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from converters import document as cd
from converters import schema as cs
from db import models as m
from db.curation import DECLINED_META
from db.document_status import DONE
from db.lookups import curated, project_named
from db.project_schema import load_schema
from db.rows import annotations, to_entity, to_relation
from db.transactions import StoreBase
from db.views import TrainingData


def to_document(
    doc: m.Document,
    ents: list[m.Entity],
    rels: list[m.Relation],
    extras: dict[str, list],
    reviews: set[str],
) -> cd.Document:
    """The document with its annotations whose review state is in ``reviews``."""
    entities = [to_entity(e) for e in ents if e.review in reviews]
    dropped = {e.ann_id for e in ents if e.review not in reviews}
    dropped |= {r.ann_id for r in rels if r.review not in reviews}
    relations = []
    for r in rels:
        refs = {r.arg1_ref, r.arg2_ref, *(a[1] for a in r.extra_args)}
        if r.review not in reviews or refs & dropped:
            dropped.add(r.ann_id)
            continue
        relations.append(to_relation(r))
    # the curator's record of declined disagreements is the store's, not the document's
    meta = {k: v for k, v in (doc.meta or {}).items() if k != DECLINED_META}
    out = cd.Document(doc.name, doc.text, entities, relations, metadata=meta)
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
    s: Session,
    project: str,
    reviews: set[str],
    statuses: Sequence[str] | None,
    layer: str | None = None,
) -> tuple[list[cd.Document], list[m.Document]]:
    """The curated documents, or with ``layer`` that person's layers (named as their
    documents; documents the person has no layer of are left out)."""
    p = project_named(s, project)
    q = select(m.Document).where(m.Document.project_id == p.id)
    if layer is None:
        q = q.where(curated())
    else:
        q = q.where(m.Document.layer_of.is_not(None), m.Document.layer_owner == layer)
    if statuses is not None:
        q = q.where(m.Document.status.in_(list(statuses)))
    docs = list(s.scalars(q.order_by(m.Document.position)))
    if statuses is None and layer is None:
        ents, rels, extras = annotations(s, None, p.id)
    else:
        ents, rels, extras = annotations(s, [d.id for d in docs])
    out = [
        to_document(d, ents[d.id], rels[d.id], {k: v[d.id] for k, v in extras.items()}, reviews)
        for d in docs
    ]
    return out, docs


def every_version(s: Session, project: str, reviews: set[str]) -> list[cd.Document]:
    """The curated documents and every person's layer of them (a layer named ``"NAME (PERSON's
    layer)"``): what a schema change must check, since it applies to all of them."""
    documents = _export(s, project, reviews, None)[0]
    owners = s.scalars(
        select(m.Document.layer_owner)
        .distinct()
        .where(
            m.Document.project_id == project_named(s, project).id,
            m.Document.layer_of.is_not(None),
        )
        .order_by(m.Document.layer_owner)
    )
    for owner in list(owners):
        for doc in _export(s, project, reviews, None, owner)[0]:
            doc.id = f"{doc.id} ({owner}'s layer)"
            documents.append(doc)
    return documents


class DocumentExport(StoreBase):
    """``Store``'s export and training-data reads."""

    def export_documents(
        self, project: str, *, include_suggestions: bool = False, layer: str | None = None
    ) -> tuple[list[cd.Document], cs.Schema]:
        """The project as converter documents, in import order, and its schema as stored (no
        display defaults), read in one transaction so the two agree.

        Accepted annotations (human, imported, accepted suggestions), plus open suggestions
        when asked; never rejected ones. Annotations that point at something left out are left
        out too. Writing files is ``converters``' business (``converters.upload.write_export``).

        The documents are the curated ones (a document annotated in people's layers exports
        what its curation made of them); ``layer`` exports that person's layers instead.
        """
        reviews = {"accepted", "suggested"} if include_suggestions else {"accepted"}

        def run(s: Session) -> tuple[list[cd.Document], cs.Schema]:
            documents = _export(s, project, reviews, None, layer)[0]
            return documents, load_schema(s, project_named(s, project))

        return self._read(run)

    def training_data(self, project: str, statuses: Sequence[str] = (DONE,)) -> TrainingData:
        """Accepted annotations of the documents whose status is in ``statuses``."""

        def run(s: Session) -> TrainingData:
            docs, rows = _export(s, project, {"accepted"}, statuses)
            return TrainingData(docs, {r.name: r.split for r in rows})

        return self._read(run)
