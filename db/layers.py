"""Annotation layers: the same document annotated by several people, each in a layer of their
own, then curated into the document itself (migration 0008, ``m.Document``'s docstring).

A layer is a document row with ``layer_of`` set to the curated document and ``layer_owner``
naming its person, so everything that works on a document (edits, history, undo per page,
exactly-once, suggestions, statuses) works on a layer unchanged. The rules of layers live here:

- **Which rows are "the project's documents"**: ``curated()`` is the one filter every listing,
  count, export, training and name lookup uses, so a layer never shows up as a document of its
  own or leaves twice in an export.
- **What a new layer starts with**: the document's open model suggestions, copied (the model's
  suggestions appear in each layer independently), nothing a person accepted or added: an
  annotator who saw another's work would not be an independent second opinion.
- **Who gets which document** when a share of the documents goes to k people
  (``plan_assignment``): the least loaded people first, so the work evens out.
- **A layer import** (``import_layer``) needs the document to exist with the same text; a
  layer that already holds annotations is never overwritten.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from converters import document as cd
from converters import schema as cs
from db import models as m
from db.agreement import AgreementReport, project_report
from db.document_status import BY_IMPORT, DONE, NEW, PRE_ANNOTATED
from db.lookups import curated, document_by_id, project_named
from db.project_schema import load_schema, merge_schema
from db.rows import Provenance, annotations, history_row, insert_returning
from db.transactions import StoreBase
from db.views import NotFoundError, StoreError

#: the layer owner of the curated document itself
CURATED = ""
#: the name under which the active model's suggestions are compared with the curated layer
MODEL_LAYER = "(model)"


def layer_rows(s: Session, doc_id: int) -> list[m.Document]:
    """The layers of the curated document ``doc_id`` (of its curated document, given a layer),
    ordered by owner."""
    base = curated_row(s, doc_id)
    return list(
        s.scalars(
            select(m.Document)
            .where(m.Document.layer_of == base.id)
            .order_by(m.Document.layer_owner)
        )
    )


def curated_row(s: Session, doc_id: int) -> m.Document:
    """The curated document of ``doc_id``: itself, or the document it is a layer of."""
    doc = document_by_id(s, doc_id)
    return doc if doc.layer_of is None else document_by_id(s, doc.layer_of)


def as_document(
    s: Session, row: m.Document, reviews: frozenset[str] | set[str] = frozenset({"accepted"})
) -> cd.Document:
    """``row`` as a plain document holding its annotations whose review is in ``reviews``
    (the conversion export uses)."""

    return as_documents(s, [row], reviews)[row.id]


def as_documents(
    s: Session,
    rows: Sequence[m.Document],
    reviews: frozenset[str] | set[str] = frozenset({"accepted"}),
) -> dict[int, cd.Document]:
    """``as_document`` for many rows, by id, with one read of their annotations (a document's
    curation reads it and its layers, a listing hundreds of those)."""
    from db.document_export import to_document

    ents, rels, extras = annotations(s, [row.id for row in rows])
    return {
        row.id: to_document(
            row, ents[row.id], rels[row.id], {k: v[row.id] for k, v in extras.items()}, set(reviews)
        )
        for row in rows
    }


def plan_assignment(
    names: Sequence[str],
    people: Sequence[str],
    k: int,
    *,
    share: float = 1.0,
    load: Mapping[str, int] | None = None,
    seed: int = 0,
) -> dict[str, tuple[str, ...]]:
    """Which ``k`` people annotate each of a ``share`` of the documents ``names``.

    The documents are drawn at random (``seed``: the same draw for the same call), at least one
    when ``share`` > 0; each goes to the ``k`` people with the least work so far (``load``:
    layers they already hold, then what this plan gave them), ties in the order of ``people``.
    """
    people = list(dict.fromkeys(p.strip() for p in people if p.strip()))
    if k < 1:
        raise StoreError("each document needs at least one annotator (k >= 1)")
    if k > len(people):
        raise StoreError(f"{k} annotators per document, but only {len(people)} people given")
    if not 0.0 <= share <= 1.0:
        raise StoreError("the share of documents must be between 0 and 1")
    count = round(share * len(names))
    if share > 0 and names and count == 0:
        count = 1
    chosen = set(random.Random(seed).sample(list(names), count))
    work: Counter[str] = Counter({p: (load or {}).get(p, 0) for p in people})
    plan: dict[str, tuple[str, ...]] = {}
    for name in names:
        if name not in chosen:
            continue
        picked = sorted(people, key=lambda p: (work[p], people.index(p)))[:k]
        for p in picked:
            work[p] += 1
        plan[name] = tuple(p for p in people if p in picked)
    return plan


@dataclass
class LayerSummary:
    """One person's layer of a document, as lists show it."""

    id: int
    document_id: int
    owner: str
    status: str
    version: int
    entities: int
    relations: int


@dataclass
class LayerSet:
    """The layers of a project's documents as plain documents, for agreement and export.

    ``layers``: owner -> that person's layers (named as their documents); ``curated``: the
    curated documents of those layers; ``model``: the model's suggestions on them (every
    suggestion the model made, whatever its review became)."""

    layers: dict[str, list[cd.Document]] = field(default_factory=dict)
    curated: list[cd.Document] = field(default_factory=list)
    model: list[cd.Document] = field(default_factory=list)
    #: each curated document's status, by name (read with the rest)
    curated_status: dict[str, str] = field(default_factory=dict)


def _copy_suggestions(s: Session, source: m.Document, target_id: int) -> int:
    """Copy ``source``'s open model suggestions into the layer ``target_id``; how many."""
    ents = list(
        s.scalars(
            select(m.Entity).where(
                m.Entity.document_id == source.id,
                m.Entity.review == "suggested",
                m.Entity.source == "model",
            )
        )
    )
    skip = {"id", "document_id"}
    new_ids: dict[int, int] = {}
    for e in ents:
        values = {c.key: getattr(e, c.key) for c in m.Entity.__table__.columns if c.key not in skip}
        new_ids[e.id] = insert_returning(s, m.Entity, [{**values, "document_id": target_id}])[0]
    rels = [
        r
        for r in s.scalars(
            select(m.Relation).where(
                m.Relation.document_id == source.id,
                m.Relation.review == "suggested",
                m.Relation.source == "model",
            )
        )
        if r.arg1_id in new_ids and r.arg2_id in new_ids
    ]
    rows = []
    for r in rels:
        values = {
            c.key: getattr(r, c.key) for c in m.Relation.__table__.columns if c.key not in skip
        }
        values.update(document_id=target_id, arg1_id=new_ids[r.arg1_id], arg2_id=new_ids[r.arg2_id])
        rows.append(values)
    if rows:
        s.execute(insert(m.Relation), rows)
    return len(ents) + len(rows)


def _new_layer(
    s: Session, doc: m.Document, owner: str, now: Any, author: str | None, *, suggestions: bool
) -> m.Document:
    """A new layer of ``doc`` for ``owner``, with the document's open model suggestions when
    ``suggestions``, and the history entry that says when and by whom it was made."""
    layer = m.Document(
        project_id=doc.project_id,
        name=doc.name,
        position=doc.position,
        text=doc.text,
        sha256=doc.sha256,
        status=NEW,
        assignee=owner,
        split=doc.split,
        version=0,
        meta=dict(doc.meta or {}),
        created_at=now,
        updated_at=now,
        layer_of=doc.id,
        layer_owner=owner,
    )
    s.add(layer)
    s.flush()
    if suggestions and _copy_suggestions(s, doc, layer.id):
        layer.status = PRE_ANNOTATED
    s.execute(
        insert(m.History),
        [history_row(layer.id, author, "import", "layer", [], (0, 0), state="done", at=now)],
    )
    return layer


def _layer(s: Session, doc: m.Document, owner: str) -> m.Document | None:
    return s.scalar(
        select(m.Document).where(m.Document.layer_of == doc.id, m.Document.layer_owner == owner)
    )


def _curated_named(s: Session, project: m.Project, name: str) -> m.Document:
    doc = s.scalar(
        select(m.Document).where(
            m.Document.project_id == project.id, m.Document.name == name, curated()
        )
    )
    if doc is None:
        raise NotFoundError(f"no document {name!r} in project {project.name!r}")
    return doc


def _assign(
    s: Session, p: m.Project, plan: Mapping[str, Sequence[str]], author: str | None
) -> list[m.Document]:
    """Carry out ``plan`` (document name -> people): the layers made (existing ones kept)."""
    now = m.utcnow()
    made = []
    for name, owners in plan.items():
        doc = _curated_named(s, p, name)
        for owner in owners:
            if _layer(s, doc, owner) is None:
                made.append(_new_layer(s, doc, owner, now, author, suggestions=True))
    return made


def _check_owner(owner: str) -> str:
    owner = owner.strip()
    if not owner or owner == MODEL_LAYER:
        raise StoreError(f"a layer needs a person's name, not {owner!r}")
    return owner


class Layers(StoreBase):
    """``Store``'s annotation layers (see the module docstring)."""

    def assign_layers(
        self,
        project: str,
        names: Sequence[str],
        people: Sequence[str],
        *,
        author: str | None = None,
    ) -> list[LayerSummary]:
        """Give each of ``people`` a layer of each document ``names`` (one transaction); a
        layer a person already has is kept as it is. The new layers, in the order made."""
        owners = [_check_owner(p) for p in people]

        def run(s: Session) -> list[LayerSummary]:
            p = project_named(s, project)
            made = _assign(s, p, {name: tuple(owners) for name in names}, author)
            return [_summary(s, row) for row in made]

        return self._write(run)

    def assign_share(
        self,
        project: str,
        people: Sequence[str],
        k: int,
        *,
        names: Sequence[str] | None = None,
        share: float = 1.0,
        seed: int = 0,
        author: str | None = None,
    ) -> dict[str, tuple[str, ...]]:
        """Give a ``share`` of the documents (``names``, else the whole project) to ``k`` of
        ``people`` each (``plan_assignment``); the plan carried out."""

        def run(s: Session) -> dict[str, tuple[str, ...]]:
            p = project_named(s, project)
            all_names = list(
                s.scalars(
                    select(m.Document.name)
                    .where(m.Document.project_id == p.id, curated())
                    .order_by(m.Document.position)
                )
            )
            load = dict(
                s.execute(
                    select(m.Document.layer_owner, func.count())
                    .where(m.Document.project_id == p.id, ~curated())
                    .group_by(m.Document.layer_owner)
                ).all()
            )
            if names is not None:
                missing = [n for n in names if n not in set(all_names)]
                if missing:
                    raise NotFoundError(f"no document {missing[0]!r} in project {project!r}")
            plan = plan_assignment(
                list(names) if names is not None else all_names,
                people,
                k,
                share=share,
                load=load,
                seed=seed,
            )
            _assign(s, p, plan, author)
            return plan

        return self._write(run)

    def layers(self, doc_id: int) -> list[LayerSummary]:
        """The layers of the document ``doc_id`` (or of the document a layer belongs to)."""

        def run(s: Session) -> list[LayerSummary]:
            return [_summary(s, row) for row in layer_rows(s, doc_id)]

        return self._read(run)

    def layer_for(self, doc_id: int, person: str) -> int | None:
        """The id of ``person``'s layer of the document ``doc_id``; ``None`` when they have
        none."""

        def run(s: Session) -> int | None:
            doc = curated_row(s, doc_id)
            layer = _layer(s, doc, person)
            return layer.id if layer is not None else None

        return self._read(run)

    def import_layer(
        self,
        project: str,
        person: str,
        documents: Sequence[cd.Document],
        *,
        status: str | None = DONE,
        author: str | None = None,
    ) -> int:
        """Put ``documents``' annotations into ``person``'s layers of the project's documents
        of the same names (ONE transaction: all or none); the layers written.

        Each document must exist in the project with the same text (a mismatch names the
        document and the first offset where the texts differ); a layer is made when the person
        has none, and refused when it already holds annotations (nothing saved is replaced).
        ``status``: the layers' status afterwards (``done`` by default: imported layers are
        finished work), ``None`` keeps new/pre-annotated.
        """
        owner = _check_owner(person)
        if status is not None and status not in m.DOCUMENT_STATUSES:
            raise StoreError(f"status must be one of {', '.join(m.DOCUMENT_STATUSES)}")

        def run(s: Session) -> int:
            from db.document_import import check_import, write_annotations

            p = project_named(s, project)
            check_import(documents, set(), project)  # what a document may hold, as any import
            # types the layer uses and the project lacks are added, as an import adds them
            merge_schema(s, p, cs.infer_schema(list(documents)), update_existing=False)
            now = m.utcnow()
            written = 0
            for doc in documents:
                base = _curated_named(s, p, doc.id)
                if base.text != doc.text:
                    at = next(
                        (
                            i
                            for i, (a, b) in enumerate(zip(base.text, doc.text, strict=False))
                            if a != b
                        ),
                        min(len(base.text), len(doc.text)),
                    )
                    raise StoreError(
                        f"document {doc.id!r}: its text differs from the project's document"
                        f" of that name (from offset {at}); a layer must annotate the same text"
                    )
                layer = _layer(s, base, owner)
                if layer is None:
                    layer = _new_layer(s, base, owner, now, author, suggestions=False)
                else:
                    held = sum(  # open model suggestions are not the person's annotations
                        s.scalar(
                            select(func.count()).where(
                                model.document_id == layer.id, model.review != "suggested"
                            )
                        )
                        or 0
                        for model in (m.Entity, m.Relation)
                    ) + (s.scalar(select(func.count()).where(m.Event.document_id == layer.id)) or 0)
                    if held:
                        raise StoreError(
                            f"document {doc.id!r}: {owner}'s layer already holds annotations;"
                            " nothing was imported (delete them first to replace them)"
                        )
                by = Provenance("import", "accepted", author, now)
                write_annotations(s, [doc], [layer.id], by)
                # a page holding the layer must see that it changed (its next edit conflicts)
                before = layer.version
                layer.version, layer.updated_at = before + 1, now
                s.execute(
                    insert(m.History),
                    [
                        history_row(
                            layer.id,
                            author,
                            "import",
                            "import:layer",
                            [],
                            (before, before + 1),
                            state="done",
                            at=now,
                        )
                    ],
                )
                if status is not None:
                    layer.status = status
                    layer.status_by, layer.status_at = BY_IMPORT, now
                written += 1
            return written

        return self._write(run)

    def layer_set(self, project: str, *, statuses: Sequence[str] | None = (DONE,)) -> LayerSet:
        """Every layer of the project whose status is in ``statuses`` (all with ``None``), with
        the curated documents and the model's suggestions on the documents those layers
        belong to, in one read transaction."""
        return self._read(lambda s: _layer_set(s, project_named(s, project), statuses))

    def agreement_report(self, project: str, *, all_statuses: bool = False) -> AgreementReport:
        """The project's agreement report (``db.agreement.project_report``), for the page and
        the CLI alike: the done layers against each other, each against the curated documents
        that are done, and the active model against those; with ``all_statuses`` every layer,
        and the curated documents that hold annotations. One read transaction."""

        def run(s: Session) -> AgreementReport:
            p = project_named(s, project)
            layers = _layer_set(s, p, None if all_statuses else (DONE,))
            return project_report(layers, load_schema(s, p), any_status=all_statuses)

        return self._read(run)


def _layer_set(s: Session, p: m.Project, statuses: Sequence[str] | None) -> LayerSet:
    """``Store.layer_set``'s read. The model's side is what the active version suggested (any
    version's suggestions when none is active): every suggestion it made on the document,
    whatever its review became."""
    from db.document_export import to_document

    q = select(m.Document).where(m.Document.project_id == p.id, ~curated())
    if statuses is not None:
        q = q.where(m.Document.status.in_(list(statuses)))
    rows = list(s.scalars(q.order_by(m.Document.position, m.Document.layer_owner)))
    base_ids = sorted({r.layer_of for r in rows if r.layer_of is not None})
    bases = [document_by_id(s, i) for i in base_ids]
    bases.sort(key=lambda d: d.position)
    ids = [r.id for r in rows] + base_ids
    ents, rels, extras = annotations(s, ids)
    active = s.scalar(
        select(m.ModelVersion.id).where(
            m.ModelVersion.project_id == p.id, m.ModelVersion.active.is_(True)
        )
    )

    def by_model(x: m.Entity | m.Relation) -> bool:
        return x.source == "model" and (active is None or x.model_version_id == active)

    def doc(row: m.Document, reviews: set[str], model: bool = False) -> cd.Document:
        e = [x for x in ents[row.id] if not model or by_model(x)]
        r = [x for x in rels[row.id] if not model or by_model(x)]
        ex = {k: v[row.id] for k, v in extras.items()}
        if model:  # the model suggests entities and relations only
            ex = {k: [] for k in ex}
        return to_document(row, e, r, ex, reviews)

    out = LayerSet()
    for row in rows:
        out.layers.setdefault(row.layer_owner, []).append(doc(row, {"accepted"}))
    out.curated = [doc(b, {"accepted"}) for b in bases]
    out.curated_status = {b.name: b.status for b in bases}
    out.model = [doc(b, {"accepted", "suggested", "rejected"}, model=True) for b in bases]
    return out


def _summary(s: Session, row: m.Document) -> LayerSummary:
    counts = {
        model: s.scalar(
            select(func.count()).where(model.document_id == row.id, model.review == "accepted")
        )
        or 0
        for model in (m.Entity, m.Relation)
    }
    assert row.layer_of is not None
    return LayerSummary(
        row.id,
        row.layer_of,
        row.layer_owner,
        row.status,
        row.version,
        counts[m.Entity],
        counts[m.Relation],
    )
