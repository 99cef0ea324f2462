"""``Store.change_schema``: one change of a project's schema, as the Projects screen and the
editor ("allow this pair") send it, in one transaction.

What a change does to the schema is ``converters.schema_changes``' (pure); here it meets the
data: a narrowing change (a relation's argument types, an event role) is refused while
annotations of the project would violate it, naming them; a rename renames the annotations
of that type in every document and moves those documents' versions on, so a page that shows
one reloads it instead of editing a stale copy. The schema is then stored whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from converters import schema as cs
from converters.schema_changes import SchemaChange, SchemaChangeError, apply_change, not_admitted
from db import models as m
from db.document_export import every_version
from db.lookups import project_named
from db.project_schema import load_schema, merge_schema
from db.transactions import StoreBase
from db.views import StoreError

#: how many refused annotations a refusal names
SHOWN = 10


@dataclass
class SchemaChangeResult:
    project: str
    change: SchemaChange
    #: annotations renamed (a rename), and the documents they are in
    renamed: int = 0
    documents: int = 0


def _replace_schema(s: Session, project: m.Project, schema: cs.Schema) -> None:
    """Store ``schema`` as the project's whole schema (types in its order)."""
    for model in (m.EntityType, m.RelationType):
        for row in s.scalars(select(model).where(model.project_id == project.id)):
            s.delete(row)
    s.flush()
    project.extra_schema = {}
    merge_schema(s, project, schema)


def _rename_annotations(
    s: Session, project: m.Project, kind: str, old: str, new: str
) -> tuple[int, int]:
    """Give every annotation of type ``old`` the type ``new``; (annotations, documents).
    An event type's events are renamed with their triggers (the two share one type)."""
    in_project = select(m.Document.id).where(m.Document.project_id == project.id)

    def of(model: type[m.Base]) -> Select[Any]:
        return select(model.id, model.document_id).where(
            model.type == old, model.document_id.in_(in_project)
        )

    triggers = (
        select(m.Entity.id, m.Entity.document_id)
        .join(
            m.Event,
            (m.Event.document_id == m.Entity.document_id)
            & (m.Event.trigger_ref == m.Entity.ann_id),
        )
        .where(m.Event.type == old, m.Event.document_id.in_(in_project))
    )
    # the first query of each kind counts the annotations the user sees renamed
    queries: dict[str, list[tuple[type[m.Base], Select[Any]]]] = {
        "entity": [(m.Entity, of(m.Entity))],
        "event": [(m.Event, of(m.Event)), (m.Entity, triggers)],
        "relation": [(m.Relation, of(m.Relation)), (m.Group, of(m.Group))],
        "attribute": [(m.Attribute, of(m.Attribute))],
    }
    docs: set[int] = set()
    found = [(model, s.execute(query).all()) for model, query in queries[kind]]  # then write
    counted = len(found[0][1])
    for model, rows in found:
        if rows:
            s.execute(
                update(model)
                .where(model.id.in_([r[0] for r in rows]))
                .values(type=new)
                .execution_options(synchronize_session=False)
            )
            docs.update(r[1] for r in rows)
    if docs:
        s.execute(
            update(m.Document)
            .where(m.Document.id.in_(docs))
            .values(version=m.Document.version + 1, updated_at=m.utcnow())
            .execution_options(synchronize_session=False)
        )
    return counted, len(docs)


class SchemaEdits(StoreBase):
    """``Store``'s schema changes."""

    def change_schema(self, project: str, change: SchemaChange) -> SchemaChangeResult:
        """Make ``change`` to the project's schema; ``StoreError`` (nothing changed) when it
        cannot be made, naming the annotations a narrowing change would leave unadmitted."""

        def run(s: Session) -> SchemaChangeResult:
            p = project_named(s, project)
            try:
                schema = apply_change(load_schema(s, p), change)
            except SchemaChangeError as exc:
                raise StoreError(str(exc)) from None
            # every change of constraints is checked against the data, widening ones too (a
            # bug in one must not drop an annotation's admission silently)
            if change.action in ("arguments", "allow_pair", "allow_any", "role", "remove_role"):
                documents = every_version(s, project, {"accepted", "suggested"})
                refused = not_admitted(schema, documents, change)
                if refused:
                    more = f" and {len(refused) - SHOWN} more" if len(refused) > SHOWN else ""
                    raise StoreError(
                        f"{len(refused)} annotation(s) would not be allowed any more; change or "
                        f"delete them first: {'; '.join(refused[:SHOWN])}{more}"
                    )
            result = SchemaChangeResult(project, change)
            if change.action == "rename":
                assert change.value is not None
                result.renamed, result.documents = _rename_annotations(
                    s, p, change.kind, change.name, change.value
                )
            _replace_schema(s, p, schema)
            return result

        return self._write(run)
