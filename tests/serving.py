"""Starting a Gradio app for a test on a free loopback port.

Gradio's ``launch`` checks that the page answers (``networking.url_ok``: five HEAD requests with
a 3 s timeout) and raises ``ValueError`` ("When localhost is not accessible...") when the
server has not answered in time. On a machine whose cores are all busy with other tests a
first start can miss that window while nothing is wrong, so ``serve`` closes and starts again
on a fresh port, a few times, before letting the error through.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

log = logging.getLogger(__name__)

ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(demo: Any, **launch_kwargs: Any) -> str:
    """Launch ``demo`` on 127.0.0.1 without blocking; its URL (with a trailing slash)."""
    for attempt in range(1, ATTEMPTS + 1):
        port = free_port()
        try:
            demo.launch(
                prevent_thread_lock=True,
                server_name="127.0.0.1",
                server_port=port,
                quiet=True,
                **launch_kwargs,
            )
        except ValueError as exc:
            if "localhost is not accessible" not in str(exc) or attempt == ATTEMPTS:
                raise
            log.warning("the app did not answer in time on port %d; starting it again", port)
            demo.close()
            continue
        return f"http://127.0.0.1:{port}/"
    raise AssertionError("unreachable")
