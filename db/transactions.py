"""How a store method reaches the database: one transaction per call, retried while busy, and
the one exactly-once mechanism for the page's operations.

Every public ``Store`` method is one ``_read`` or ``_write`` (or one ``_once`` for an edit the
page sends with ``client_id``/``seq``), so the rules of a transaction live here only:

- **Writes** run in ``BEGIN IMMEDIATE`` on SQLite (``db.session``'s write option: the write
  lock is taken first, so two writers queue instead of deadlocking on a lock upgrade) and are
  retried a few times when the database stays busy past the busy timeout; on PostgreSQL a
  serialization failure or deadlock is retried the same way.
- **Exactly once**: an edit carrying ``(client_id, seq)`` is recorded in ``client_op`` in the
  same transaction as the edit, so a retry after a lost answer or an app restart is answered
  from the record and never applied twice; an older ``seq`` is refused as out of order.

``StoreBase`` is the base of every part of ``Store`` (``db.store``): the parts reach the
database only through these methods.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db import models as m
from db.session import WRITE_OPTION, is_sqlite
from db.views import ConflictError, EditError, EditResult

log = logging.getLogger(__name__)
T = TypeVar("T")

_BUSY_RETRIES = 5


def _is_busy(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01"):  # serialization failure, deadlock detected
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and (
        "locked" in str(exc.orig) or "busy" in str(exc.orig)
    )


class StoreBase:
    """The engine and the transaction methods every part of ``Store`` uses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)

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
            repeat = client_repeat(s, doc_id, client_id, seq)  # type: ignore[arg-type]
            if repeat is not None:
                return repeat
            try:
                result = body(s)
            except ConflictError:
                # the version moved on: maybe because this very op was applied (a retry)
                repeat = client_repeat(s, doc_id, client_id, seq)  # type: ignore[arg-type]
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
            repeat = self._read(lambda s: client_repeat(s, doc_id, client_id, seq))  # type: ignore[arg-type]
            if repeat is not None:
                return repeat
            raise EditError(f"the database refused the edit: {exc.orig}") from exc


def client_repeat(s: Session, doc_id: int, client_id: str, seq: int) -> EditResult | None:
    """The stored answer of ``(client_id, seq)`` if it was applied; refuses an older seq."""
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
