"""``python -m db`` import/export/stats/backup, and where the database lives by default."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import converters
from db.cli import main
from db.session import create_db_engine, resolve_db_url
from tests.cli_runs import run_main

REPO = Path(__file__).resolve().parents[2]


def _process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m db ...`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "db", *args], cwd=REPO, capture_output=True, text=True, env=env
    )


def _run(*args: str) -> subprocess.CompletedProcess:
    """The same command line run by ``db.cli.main`` in this process (tests/cli_runs.py)."""
    return run_main(main, *args)


def test_cli_import_export_stats_backup(tmp_path: Path, shared_data: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    corpus = shared_data / "brat-samples" / "brat-example-data" / "tutorials" / "news"
    proc = _run("import", "--db", url, "--project", "news", "--format", "brat", str(corpus))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["documents"] == len(converters.read("brat", corpus))
    proc = _run("export", "--db", url, "--project", "news", "--format", "brat", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert converters.read("brat", tmp_path / "o") == converters.read("brat", corpus)
    proc = _run("stats", "--db", url, "--project", "news")
    stats = json.loads(proc.stdout)["projects"]["news"]
    assert stats["documents"] == len(converters.read("brat", corpus))
    proc = _run("backup", "--db", url, str(tmp_path / "b.sqlite"))
    assert proc.returncode == 0, proc.stderr
    copy = sqlite3.connect(tmp_path / "b.sqlite")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM document").fetchone()[0] == stats["documents"]
    copy.close()
    proc = _run("export", "--db", url, "--project", "nope", "--format", "brat", str(tmp_path / "x"))
    assert proc.returncode == 1 and "no project named 'nope'" in proc.stderr


def test_db_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPANREL_DB_URL", raising=False)
    monkeypatch.setenv("SPANREL_DATA_DIR", str(tmp_path / "data"))
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'data' / 'spanrel.sqlite'}"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("SPANREL_DB_URL", "sqlite:////elsewhere.sqlite")
    assert resolve_db_url(None) == "sqlite:////elsewhere.sqlite"
    assert resolve_db_url("postgresql://h/db") == "postgresql://h/db"
    assert resolve_db_url(str(tmp_path / "f.sqlite")) == f"sqlite:///{tmp_path / 'f.sqlite'}"


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10000,
        "synchronous": 2,
    }


def test_cli_uses_env_url(tmp_path: Path) -> None:
    env = {"SPANREL_DB_URL": f"sqlite:///{tmp_path / 'env.sqlite'}", "PATH": "/usr/bin:/bin"}
    # in a process of its own: the ``-m`` entry, and the URL from that process's environment
    proc = _process("stats", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"projects": {}}
    assert (tmp_path / "env.sqlite").exists()
