"""Curating a document: its people's layers aligned (``db.curation``) and the curator's choices
written into the curated document.

- ``Store.curation(doc_id)`` reads the curated document and every layer of it in one read
  transaction and aligns them under the project's policy (``project.settings
  ["curation_policy"]``, ``db.curation.DEFAULT_POLICY`` until set; read it with
  ``Store.curation_policy``, set it with ``Store.update_project_settings``, which checks it).
  Every layer counts, whatever its status: the view gives each layer's owner and status so the
  page can say that one is not done yet, and a pick acts on exactly the alignment the curator
  saw (a status filter here and not in the writes would move the disagreement ids).
- ``Store.merge_agreed`` and ``Store.resolve`` realign inside their write transaction, after
  the version check, and apply the ``CurationEdit`` as ONE edit built like
  ``Store.apply_edit``: the version bump (``ConflictError`` on a stale version), the editor's
  own operation functions (``db.edit_apply.OPERATIONS``: the schema checks, review-state rules
  and cascades of a hand edit), the status rule (``start_work``), one history entry (one undo
  takes the whole choice back) and exactly-once delivery (``client_id``/``seq``).
- A disagreement id the realignment does not find (a layer changed there since the curator
  loaded the view) or a variant it does not hold is an ``EditError`` naming it; nothing is
  written.
- An annotation to add that the curated document holds as an open model suggestion is
  accepted rather than drawn a second time beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.changes import ChangeLog
from db.curation import (
    DECLINED_META,
    DEFAULT_POLICY,
    POLICY_SETTING,
    Curation,
    CurationEdit,
    CurationError,
    EntitySpec,
    RelationSpec,
    align,
    check_policy,
    merge_edit,
    resolution,
)
from db.curation.keys import ENTITY, entity_spec, relation_spec
from db.document_status import start_work
from db.edit_apply import OPERATIONS
from db.edit_log import bump_version, record_edit
from db.edit_rules import EditContext
from db.edits import Edit
from db.layers import as_documents, curated_row, layer_rows
from db.lookups import project_named
from db.rows import to_entity, to_relation
from db.transactions import StoreBase
from db.views import EditError, EditResult, StoreError

#: the history ops of the two curation edits (``History.op``)
MERGE_OP, RESOLVE_OP = "merge_agreed", "resolve"


@dataclass(frozen=True)
class LayerState:
    """One person's layer of the document being curated."""

    document_id: int
    owner: str
    status: str
    version: int


@dataclass(frozen=True)
class CurationView:
    """A curated document and its layers aligned: ``version`` is the curated document's (what
    ``merge_agreed`` and ``resolve`` expect), ``layers`` by owner, ``curation`` the alignment
    under ``policy``."""

    document_id: int
    name: str
    version: int
    status: str
    policy: str
    layers: tuple[LayerState, ...]
    curation: Curation

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "policy": self.policy,
            "layers": [
                {"document_id": x.document_id, "owner": x.owner, "status": x.status}
                for x in self.layers
            ],
            "curation": self.curation.to_dict(),
        }


def policy_of(project: m.Project) -> str:
    """The project's curation policy (the default until one is set): the one reading of the
    setting."""
    return check_policy((project.settings or {}).get(POLICY_SETTING, DEFAULT_POLICY))


def project_policy(s: Session, doc: m.Document) -> str:
    """The curation policy of ``doc``'s project (the default until one is set)."""
    project = s.get(m.Project, doc.project_id)
    assert project is not None
    return policy_of(project)


def _aligned(s: Session, doc: m.Document, policy: str) -> tuple[list[m.Document], Curation]:
    rows = layer_rows(s, doc.id)
    plain = as_documents(s, [doc, *rows])  # one read of the document's and layers' annotations
    layers = {row.layer_owner: plain[row.id] for row in rows}
    declined = (doc.meta or {}).get(DECLINED_META) or ()
    return rows, align(layers, plain[doc.id], policy=policy, declined=declined)


def _settle(ctx: EditContext, disagreement_id: str, declined: bool) -> None:
    """Record in the curated document (an undoable change of its row) whether the curator
    settled ``disagreement_id`` with none of its variants."""
    meta = dict(ctx.doc.meta or {})
    ids = set(meta.get(DECLINED_META) or ())
    (ids.add if declined else ids.discard)(disagreement_id)
    if ids == set(meta.get(DECLINED_META) or ()):
        return
    if ids:
        meta[DECLINED_META] = sorted(ids)
    else:
        meta.pop(DECLINED_META, None)
    ctx.changes.update(ctx.doc, meta=meta)


class _Rows:
    """The curated document's entity and relation rows by key (rejected ones left out), kept
    up to date as the edit adds rows: how a ``CurationEdit``'s keys become the row ids the
    editor's operations take."""

    def __init__(self, s: Session, doc_id: int) -> None:
        self.s = s
        self.entities: dict[EntitySpec, list[m.Entity]] = {}
        self.relations: dict[RelationSpec, list[m.Relation]] = {}
        by_ref: dict[str, EntitySpec] = {}
        for e in s.scalars(
            select(m.Entity)
            .where(m.Entity.document_id == doc_id, m.Entity.review != "rejected")
            .order_by(m.Entity.position)
        ):
            self.add_entity(e)
            by_ref[e.ann_id] = entity_spec(to_entity(e))
        for r in s.scalars(
            select(m.Relation)
            .where(m.Relation.document_id == doc_id, m.Relation.review != "rejected")
            .order_by(m.Relation.position)
        ):
            spec = relation_spec(to_relation(r), by_ref)
            if spec is not None:
                self.relations.setdefault(spec, []).append(r)

    def add_entity(self, row: m.Entity) -> None:
        self.entities.setdefault(entity_spec(to_entity(row)), []).append(row)

    def entity(self, spec: EntitySpec, review: str) -> m.Entity | None:
        return next((e for e in self.entities.get(spec, []) if e.review == review), None)

    def relation(self, spec: RelationSpec, review: str) -> m.Relation | None:
        return next((r for r in self.relations.get(spec, []) if r.review == review), None)


def _apply(ctx: EditContext, edit: CurationEdit) -> dict[str, int]:
    """Apply ``edit`` through the editor's operations; the row id of each annotation it added
    or accepted, by key."""
    rows = _Rows(ctx.s, ctx.doc.id)
    for rel_spec in edit.remove_relations:
        for rel in rows.relations.pop(rel_spec, []):
            if rel.review == "accepted":
                OPERATIONS["delete_relation"](ctx, Edit.delete_relation(rel.id))
    for ent_spec in edit.remove_entities:
        for ent in rows.entities.pop(ent_spec, []):
            if ent.review == "accepted":
                OPERATIONS["delete_entity"](ctx, Edit.delete_entity(ent.id))
    placed: dict[str, int] = {}
    for ent_spec in edit.add_entities:
        suggestion = rows.entity(ent_spec, "suggested")
        if suggestion is not None:
            OPERATIONS["accept"](ctx, Edit.accept(entity_id=suggestion.id))
            placed[ent_spec.key] = suggestion.id
            continue
        OPERATIONS["add_entity"](ctx, Edit.add_entity(ent_spec.type, list(ent_spec.fragments)))
        new = ctx.s.get(m.Entity, ctx.result.entity_id)
        assert new is not None
        rows.add_entity(new)
        placed[ent_spec.key] = new.id
    for rel_spec in edit.add_relations:
        args = [rows.entity(a, "accepted") for a in rel_spec.arguments]
        if any(a is None for a in args):  # a CurationEdit adds every missing argument first
            raise EditError(f"an argument of {edit.labels.get(rel_spec.key)} is missing")
        suggestion = rows.relation(rel_spec, "suggested")
        if suggestion is not None:
            OPERATIONS["accept"](ctx, Edit.accept(relation_id=suggestion.id))
            placed[rel_spec.key] = suggestion.id
            continue
        first, second = args[0], args[1]
        assert first is not None and second is not None
        OPERATIONS["add_relation"](ctx, Edit.add_relation(rel_spec.type, first.id, second.id))
        new_rel = ctx.s.get(m.Relation, ctx.result.relation_id)
        assert new_rel is not None
        if rel_spec.extra:  # ACE's further arguments: the editor has no operation for them
            refs = [arg.ann_id for arg in args[2:] if arg is not None]
            extra = [[role, ref] for (role, _), ref in zip(rel_spec.extra, refs, strict=True)]
            ctx.changes.update(new_rel, extra_args=extra)
        placed[rel_spec.key] = new_rel.id
    return placed


class Curating(StoreBase):
    """``Store``'s curation: the aligned view and the two curation edits."""

    def curation_policy(self, project: str) -> str:
        """The project's curation policy (``db.curation.DEFAULT_POLICY`` until one is set;
        ``Store.update_project_settings`` sets it)."""

        def run(s: Session) -> str:
            try:
                return policy_of(project_named(s, project))
            except CurationError as exc:
                raise StoreError(str(exc)) from exc

        return self._read(run)

    def curation(self, doc_id: int, *, policy: str | None = None) -> CurationView:
        """The curated document ``doc_id`` (or the one a layer ``doc_id`` belongs to) with its
        layers aligned under ``policy`` (``None``: the project's)."""

        def run(s: Session) -> CurationView:
            doc = curated_row(s, doc_id)
            try:
                chosen = check_policy(policy) if policy is not None else project_policy(s, doc)
                rows, cur = _aligned(s, doc, chosen)
            except CurationError as exc:
                raise StoreError(str(exc)) from exc
            layers = tuple(LayerState(r.id, r.layer_owner, r.status, r.version) for r in rows)
            return CurationView(doc.id, doc.name, doc.version, doc.status, chosen, layers, cur)

        return self._read(run)

    def merge_agreed(
        self,
        doc_id: int,
        expected_version: int,
        author: str | None,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Add to the curated document every annotation its layers agree on (the project's
        policy) that it lacks: one undoable edit. ``EditError`` when there is none."""

        def choose(cur: Curation) -> tuple[CurationEdit, str | None]:
            edit = merge_edit(cur)
            if edit.empty:
                raise EditError(
                    f"nothing to merge: the curated document holds every annotation the "
                    f"{cur.policy} policy agrees on"
                )
            return edit, None

        return self._curate(doc_id, expected_version, author, MERGE_OP, choose, client_id, seq)

    def resolve(
        self,
        doc_id: int,
        disagreement_id: str,
        variant_key: str | None,
        expected_version: int,
        author: str | None,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Settle disagreement ``disagreement_id`` of the curated document with the variant
        ``variant_key`` (``None``: none of them), as one undoable edit. The result's
        ``entity_id``/``relation_id`` is the chosen annotation's row. ``EditError`` when the
        disagreement or variant is not (or no longer) there, or the choice changes nothing."""

        def choose(cur: Curation) -> tuple[CurationEdit, str | None]:
            edit = resolution(cur, disagreement_id, variant_key)
            # choosing none where the curated document holds none yet still settles it
            if edit.empty and (
                variant_key is not None or cur.disagreement(disagreement_id).declined
            ):
                raise EditError(
                    f"disagreement {disagreement_id}: the curated document already says that"
                )
            return edit, variant_key

        return self._curate(
            doc_id,
            expected_version,
            author,
            RESOLVE_OP,
            choose,
            client_id,
            seq,
            settle=(disagreement_id, variant_key is None),
        )

    def _curate(
        self,
        doc_id: int,
        expected_version: int,
        author: str | None,
        op: str,
        choose: Callable[[Curation], tuple[CurationEdit, str | None]],
        client_id: str | None,
        seq: int | None,
        *,
        settle: tuple[str, bool] | None = None,
    ) -> EditResult:
        """One curation edit, built as ``Store.apply_edit`` builds an edit (module docstring);
        ``choose(curation) -> (CurationEdit, key of the chosen annotation or None)``;
        ``settle``: (disagreement id, whether the curator declined every variant)."""

        def run(s: Session) -> EditResult:
            doc = bump_version(s, doc_id, expected_version)
            if doc.layer_of is not None:
                raise EditError(
                    f"document {doc_id} is {doc.layer_owner}'s layer of document "
                    f"{doc.layer_of}: curation writes into the curated document"
                )
            try:
                edit, chosen = choose(_aligned(s, doc, project_policy(s, doc))[1])
            except CurationError as exc:
                raise EditError(str(exc)) from exc
            ctx = EditContext(s, doc, ChangeLog(s), author, EditResult(doc_id, doc.version, op))
            placed = _apply(ctx, edit)
            if settle is not None:
                _settle(ctx, *settle)
            ctx.result.entity_id = ctx.result.relation_id = None
            if chosen is not None and chosen in placed:
                which = "entity_id" if chosen.startswith(f"{ENTITY}:") else "relation_id"
                setattr(ctx.result, which, placed[chosen])
            start_work(ctx, op)  # curating is work on the curated document
            ctx.result.changed = len(ctx.changes.items)
            ctx.result.history_id = record_edit(s, doc, ctx.changes, author, op, client_id).id
            return ctx.result

        return self._once(doc_id, client_id, seq, run)
