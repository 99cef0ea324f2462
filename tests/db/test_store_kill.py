"""``kill -9`` of an import midway leaves a consistent database with the old document count."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db import Store

REPO = Path(__file__).resolve().parents[2]


def _corpus(path: Path, n: int, first: int = 0) -> None:
    docs = []
    for i in range(first, first + n):
        tokens = f"Drug{i} caused a severe rash and fever in patient {i} .".split()
        docs.append(
            {
                "tokens": tokens,
                "entities": [
                    {"type": "Drug", "start": 0, "end": 1},
                    {"type": "Effect", "start": 4, "end": 5},
                ],
                "relations": [{"type": "Causes", "head": 0, "tail": 1}],
                "orig_id": i,
            }
        )
    path.write_text(json.dumps(docs), encoding="utf-8")


def test_kill_9_during_import(backend_url: str, tmp_path: Path) -> None:
    small, big = tmp_path / "small.json", tmp_path / "big.json"
    _corpus(small, 5)
    _corpus(big, 4000, first=100)
    with Store.open(backend_url) as store:
        store.import_path("p", "spert", small)
    cmd = [sys.executable, "-m", "db", "--log-level", "INFO", "import", "--db", backend_url]
    proc = subprocess.Popen(
        [*cmd, "--project", "p", "--format", "spert", str(big)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    killed_in_transaction = False
    for line in proc.stderr:
        if "documents written" in line:  # inside the transaction, first batch flushed
            os.kill(proc.pid, signal.SIGKILL)
            killed_in_transaction = True
            break
        assert time.monotonic() < deadline
    proc.wait(timeout=60)
    assert killed_in_transaction and proc.returncode == -signal.SIGKILL
    with Store.open(backend_url) as store:
        assert store.integrity_check() == "ok"
        assert len(store.list_documents("p")) == 5  # the killed import left nothing behind
        store.import_path("p", "spert", big, create=False)  # and the database still works
        assert len(store.list_documents("p")) == 4005
