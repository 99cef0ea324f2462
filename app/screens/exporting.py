"""Export screen: a project as a BRAT ``.zip``, an ACE ``.zip`` or SpERT JSON (+ types file).

Accepted annotations only, unless the user asks for open suggestions too (rejected ones never).
What a format cannot hold comes back as a list of problems to show, never dropped silently.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from converters.errors import Problem
from db import Store

EXPORT_FORMATS = {"BRAT (.zip)": "brat", "ACE 2005 (.zip)": "ace", "SpERT JSON": "spert"}


def slug(name: str) -> str:
    """A file-name-safe form of a project name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "project"


def zip_dir(src: Path, out: Path, top: str) -> Path:
    """``src`` as a zip whose entries sit under ``top/`` (written beside, then renamed)."""
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(src).as_posix()}")
    tmp.replace(out)
    return out


def export_project(
    store: Store,
    project: str,
    fmt: str,
    *,
    include_suggestions: bool = False,
    out_dir: Path | None = None,
) -> tuple[list[Path], list[Problem]]:
    """Write the export under ``out_dir`` (a new temporary directory by default); the files
    to hand to the user and the problems the format reported."""
    if fmt not in EXPORT_FORMATS.values():
        raise ValueError(f"unknown export format {fmt!r}")
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="spanrel-export-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    name = slug(project)
    if fmt == "spert":
        target = out_dir / f"{name}.json"
        problems = store.export_path(
            project, "spert", target, include_suggestions=include_suggestions
        )
        files = [target]
        types = out_dir / f"{name}_types.json"
        if types.exists():
            files.append(types)
        return files, problems
    folder = out_dir / f"{name}-{fmt}"
    problems = store.export_path(project, fmt, folder, include_suggestions=include_suggestions)
    return [zip_dir(folder, out_dir / f"{name}-{fmt}.zip", name)], problems
