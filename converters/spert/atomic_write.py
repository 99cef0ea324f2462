"""All-or-nothing writes of the SpERT data file and its types file.

An export that stops half-way (a full disk, a killed process) must not leave a truncated JSON
file where a good one stood, nor a data file whose types file is missing: every file goes to a
temporary beside its target first, and only when all are written are they moved into place
with ``os.replace``. The data writer and the types writer share this.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from converters.files import default_modes


def write_atomic(targets: list[tuple[Path, str]]) -> None:
    """Write every file to a temporary beside it, then move them all into place.

    The folder is created if missing (as the BRAT and ACE writers do); the files get the mode
    a plain ``open()`` would give them, not ``mkstemp``'s owner-only 0600.
    """
    temps: list[tuple[str, Path]] = []
    file_mode, _ = default_modes()
    try:
        for target, content in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, target))
            os.fchmod(fd, file_mode)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
