"""``kill -9`` of an import midway leaves a consistent database with the old document count.

The import is killed at a point it reaches for sure: ``Store.import_documents`` logs
"N documents written" after each batch, inside its one transaction, and the child process
stops itself (SIGSTOP) on the first of those lines. The kill then lands while the transaction
is open however slowly either process runs; no sleep, read race or deadline decides where.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db import Store
from db.cli import import_path

REPO = Path(__file__).resolve().parents[2]
# documents: two of import_documents' batches (500 each): the child freezes after the first
# with the second still to write, all inside the one transaction
BIG = 1000

#: ``python -m db`` with a log handler that freezes the process on the first written batch
STOP_AFTER_FIRST_BATCH = """
import logging, os, signal, sys

from db.cli import main


class StopAfterFirstBatch(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().endswith(" documents written"):
            os.kill(os.getpid(), signal.SIGSTOP)


logging.getLogger("db.document_import").addHandler(StopAfterFirstBatch())
sys.exit(main(sys.argv[1:]))
"""


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


def _wait_stopped_or_ended(pid: int, timeout: float = 300.0) -> int:
    """The wait status once ``pid`` has stopped or ended. The timeout only turns a hung child
    into a failure; it never decides where the child is killed."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WUNTRACED | os.WNOHANG)
        if done:
            return status
        assert time.monotonic() < deadline, "the import neither stopped nor ended"
        time.sleep(0.05)


def test_kill_9_during_import(backend_url: str, tmp_path: Path) -> None:
    small, big = tmp_path / "small.json", tmp_path / "big.json"
    _corpus(small, 5)
    _corpus(big, BIG, first=100)
    with Store.open(backend_url) as store:
        import_path(store, "p", "spert", small)
    log_path = tmp_path / "import.log"
    cmd = [sys.executable, "-c", STOP_AFTER_FIRST_BATCH, "--log-level", "INFO", "import"]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [*cmd, "--db", backend_url, "--project", "p", "--format", "spert", str(big)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        status = _wait_stopped_or_ended(proc.pid)
        assert os.WIFSTOPPED(status), (status, log_path.read_text(encoding="utf-8"))
        assert os.WSTOPSIG(status) == signal.SIGSTOP
        # frozen inside the transaction: the first batch is written, nothing is committed
        with Store.open(backend_url) as store:
            assert len(store.list_documents("p")) == 5
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    lines = log_path.read_text(encoding="utf-8").splitlines()
    assert any(line.endswith(f"transaction started ({BIG} documents)") for line in lines), lines
    assert not any(" imported " in line for line in lines), lines
    with Store.open(backend_url) as store:
        assert store.integrity_check() == "ok"
        assert len(store.list_documents("p")) == 5  # the killed import left nothing behind
        import_path(store, "p", "spert", big, create=False)  # and the database still works
        assert len(store.list_documents("p")) == 5 + BIG
