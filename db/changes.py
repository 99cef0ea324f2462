"""Row-level change recording for history, undo and redo.

Every edit goes through a ``ChangeLog``: each insert, update and delete is written to the
database at once and its exact row before/after is remembered as JSON. Undo writes the
``before`` sides back in reverse order, redo the ``after`` sides in order; because whole rows
(primary keys and timestamps included) are restored, undo/redo reproduce the exact state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Table, delete, insert, update
from sqlalchemy.orm import Session

from db.models import ANNOTATION_TABLES, Base


def snapshot(obj: Base, columns: list[str] | None = None) -> dict[str, Any]:
    """The row's column values as JSON-safe data (datetimes as ISO strings)."""
    out: dict[str, Any] = {}
    for col in obj.__table__.columns:
        if columns is not None and col.key not in columns:
            continue
        out[col.key] = json_value(getattr(obj, col.key))
    return out


def json_value(value: Any) -> Any:
    """A column value as JSON keeps it (datetimes as ISO strings; ``row_values`` reads them)."""
    return value.isoformat() if isinstance(value, datetime) else value


def row_values(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row kept as JSON (``snapshot``, the trash) as values to write back to ``table``."""
    cols = table.columns
    out = {}
    for key, value in row.items():
        if value is not None and isinstance(cols[key].type, DateTime):
            value = datetime.fromisoformat(value)
        out[key] = value
    return out


class ChangeLog:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.items: list[dict[str, Any]] = []

    def add(self, obj: Base) -> Base:
        self.session.add(obj)
        self.session.flush()
        self.items.append({"t": obj.__tablename__, "id": obj.id, "b": None, "a": snapshot(obj)})
        return obj

    def update(self, obj: Base, **values: Any) -> None:
        """Set ``values`` on ``obj``; documents record only the changed columns (their version
        counter must never travel back with an undo), annotations the whole row."""
        partial = obj.__tablename__ == "document"
        cols = list(values) if partial else None
        before = snapshot(obj, cols)
        for key, value in values.items():
            setattr(obj, key, value)
        self.session.flush()
        after = snapshot(obj, cols)
        if before != after:
            self.items.append({"t": obj.__tablename__, "id": obj.id, "b": before, "a": after})

    def delete(self, obj: Base) -> None:
        self.items.append({"t": obj.__tablename__, "id": obj.id, "b": snapshot(obj), "a": None})
        self.session.delete(obj)
        self.session.flush()


def replay(session: Session, changes: list[dict[str, Any]], *, undo: bool) -> None:
    """Write the ``before`` (undo) or ``after`` (redo) side of ``changes`` to the database."""
    side, other = ("b", "a") if undo else ("a", "b")
    for change in reversed(changes) if undo else changes:
        model = ANNOTATION_TABLES[change["t"]]
        table = model.__table__
        target, source = change[side], change[other]
        if target is None:
            session.execute(delete(table).where(table.c.id == change["id"]))
        elif source is None:
            session.execute(insert(table).values(**row_values(table, target)))
        else:
            session.execute(
                update(table).where(table.c.id == change["id"]).values(**row_values(table, target))
            )
    session.expire_all()
