"""Looking after a SQLite database file: an online backup and an integrity check.

PostgreSQL has its own tools for both (``pg_dump``, its own consistency), so these answer for
SQLite only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db.transactions import StoreBase
from db.views import StoreError


class Maintenance(StoreBase):
    """``Store.backup`` and ``Store.integrity_check``."""

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
