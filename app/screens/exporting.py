"""Export screen: a project as a BRAT ``.zip``, an ACE ``.zip`` or SpERT JSON (+ types file).

Accepted annotations only, unless the user asks for open suggestions too (rejected ones never).
What a format cannot hold comes back as a list of problems to show, never dropped silently.
The store gives the documents and schema in one read; ``converters`` writes the files and the
zip.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from converters.archive import zip_folder
from converters.errors import Problem
from converters.upload import write_export
from db import Store

EXPORT_FORMATS = {"BRAT (.zip)": "brat", "ACE 2005 (.zip)": "ace", "SpERT JSON": "spert"}


def slug(name: str) -> str:
    """A file-name-safe form of a project name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "project"


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
    documents, schema = store.export_documents(project, include_suggestions=include_suggestions)
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="spanrel-export-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    name = slug(project)
    if fmt == "spert":
        target = out_dir / f"{name}.json"
        problems = write_export(fmt, documents, schema, target)
        types = out_dir / f"{name}_types.json"
        return [target, *([types] if types.exists() else [])], problems
    folder = out_dir / f"{name}-{fmt}"
    problems = write_export(fmt, documents, schema, folder)
    return [zip_folder(folder, out_dir / f"{name}-{fmt}.zip", name)], problems
