"""The edit operations on attributes and notes (BRAT's ``A`` and ``#`` lines), one function
each, for ``db.edit_apply``'s table.

Editing an attribute or note of a suggestion accepts it, as any other change to it does (a
relation's arguments with it). An attribute is one per name and annotation, as in BRAT; its
name, target type and value are checked against the project's ``[attributes]``
(``edit_rules.check_attribute``). Notes are ``AnnotatorNotes``, several per annotation
allowed, free text on one line. Normalizations and events are kept as imported, not edited.
"""

from __future__ import annotations

from sqlalchemy import select

from converters import document as cd
from db import models as m
from db.edit_rules import EditContext, accept_target, check_attribute, kind
from db.edits import Edit
from db.rows import attribute_row, fresh_ann_id, next_position, note_row
from db.views import EditError


def _named_note(ctx: EditContext, edit: Edit) -> m.Note | None:
    """The note ``edit.note`` names (``None`` when the edit names none)."""
    if edit.note is None:
        return None
    note = ctx.s.scalar(
        select(m.Note).where(m.Note.document_id == ctx.doc.id, m.Note.ann_id == edit.note)
    )
    if note is None:
        raise EditError(f"note {edit.note!r} is not in document {ctx.doc.id}")
    return note


def _attributes(ctx: EditContext, target: m.Entity | m.Relation, name: str | None) -> list:
    """The target's attributes called ``name`` (an import may have given it several)."""
    return list(
        ctx.s.scalars(
            select(m.Attribute)
            .where(
                m.Attribute.document_id == ctx.doc.id,
                m.Attribute.target_ref == target.ann_id,
                m.Attribute.type == name,
            )
            .order_by(m.Attribute.position)
        )
    )


def set_note(ctx: EditContext, edit: Edit) -> None:
    """Rewrite the note ``edit.note`` names, or add a new one."""
    assert edit.text is not None
    note = _named_note(ctx, edit)
    target = ctx.target(edit)
    if note is not None:
        if note.target_ref != target.ann_id:
            raise EditError(f"note {edit.note!r} is not a note of {kind(target)} {target.id}")
        ctx.changes.update(note, text=edit.text)
    else:
        doc_id = ctx.doc.id
        new = cd.Note(fresh_ann_id(ctx.s, doc_id, "#"), "AnnotatorNotes", target.ann_id, edit.text)
        ctx.changes.add(m.Note(**note_row(doc_id, next_position(ctx.s, m.Note, doc_id), new)))
    accept_target(ctx, target)


def delete_note(ctx: EditContext, edit: Edit) -> None:
    note = _named_note(ctx, edit)
    assert note is not None
    ctx.changes.delete(note)


def set_attribute(ctx: EditContext, edit: Edit) -> None:
    """Set the attribute (add it, or change its value: one value per name from now on)."""
    target = ctx.target(edit)
    have = _attributes(ctx, target, edit.type)
    att = check_attribute(ctx, target, edit.type, edit.value)
    if have:
        ctx.changes.update(have[0], value=edit.value)
        for extra in have[1:]:  # a duplicate from an import: one value per name from now on
            ctx.changes.delete(extra)
    else:
        doc_id = ctx.doc.id
        new = cd.Attribute(fresh_ann_id(ctx.s, doc_id, "A"), att.name, target.ann_id, edit.value)
        position = next_position(ctx.s, m.Attribute, doc_id)
        ctx.changes.add(m.Attribute(**attribute_row(doc_id, position, new)))
    accept_target(ctx, target)


def delete_attribute(ctx: EditContext, edit: Edit) -> None:
    target = ctx.target(edit)
    have = _attributes(ctx, target, edit.type)
    if not have:
        raise EditError(f"{kind(target)} {target.id} has no attribute {edit.type!r}")
    for row in have:
        ctx.changes.delete(row)
    accept_target(ctx, target)
