"""Staged writes: every file goes to a temporary beside its target, then moves into place.

An export that stops half-way (a full disk, a killed process) must not leave a truncated file
where a good one stood, nor a data file whose companion (SpERT's types file, ACE's ``.sgm``)
is missing: ``write_atomic`` writes all of its files first and only then renames them.

Permissions: ``tempfile.mkstemp`` and ``tempfile.mkdtemp`` create owner-only files (0600) and
folders (0700) on purpose; renamed into place as they are, an export would be unreadable to
anyone else (a group share, a web server serving the BRAT collection). Writers give staged paths
the mode that a plain ``open()`` or ``mkdir()`` would have given them under the process umask.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (``os.umask`` sets it
    for every thread at once, so a writer in a background thread could race with others)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_modes() -> tuple[int, int]:
    """``(file mode, folder mode)`` that ``open()`` / ``mkdir()`` would give now."""
    mask = _umask()
    return 0o666 & ~mask, 0o777 & ~mask


def write_atomic(targets: list[tuple[Path, str | bytes]]) -> None:
    """Write every file to a temporary beside it, then move them all into place.

    Folders are created if missing; the files get the mode a plain ``open()`` would give them,
    not ``mkstemp``'s owner-only 0600. Text is written as UTF-8 with newlines as given.
    """
    temps: list[tuple[str, Path]] = []
    file_mode, _ = default_modes()
    try:
        for target, content in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, target))
            os.fchmod(fd, file_mode)
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
