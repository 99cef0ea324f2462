"""Permissions for files the writers stage in temporary places and then move into place.

``tempfile.mkstemp`` and ``tempfile.mkdtemp`` create owner-only files (0600) and folders (0700)
on purpose; renamed into place as they are, an export would be unreadable to anyone else (a
group share, a web server serving the BRAT collection). Writers give staged paths the mode
that a plain ``open()`` or ``mkdir()`` would have given them under the process umask.
"""

from __future__ import annotations

import os


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
