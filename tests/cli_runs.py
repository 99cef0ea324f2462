"""A command line's ``main(argv)`` run in this process, answered as ``subprocess.run`` answers.

Why: every ``python -m ...`` started by a test is a new interpreter importing the project (and
torch, for the model commands), seconds each on a busy 2-core machine, while ``main(argv)`` is
the same code behind the same argument parser. Each command line keeps one test that starts it
as a real process (the ``-m`` entry, a real stdin pipe, the exit status of the process).

What a process would have on its own is given to the call and taken back after it: its stdin,
stdout and stderr (text), the exit status (``SystemExit`` from argparse included) and the root
logger, so that ``logging.basicConfig`` in ``main`` sends its records to the captured stderr as
it does in a process of its own.
"""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import sys
from collections.abc import Callable
from typing import Any


def run_main(
    main: Callable[[list[str]], Any], *argv: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``main(list(argv))`` with ``stdin`` as its standard input; its exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    root.handlers.clear()  # basicConfig adds its handler only to a root logger without any
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's errors and --help, as a process exits
                code = exc.code
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        sys.stdin = saved_stdin
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed, status 1
        err.write(f"{code}\n")
        code = 1
    return subprocess.CompletedProcess(list(argv), code, out.getvalue(), err.getvalue())
