"""Export screen: a project as a BRAT ``.zip``, an ACE ``.zip`` or SpERT JSON (+ types file).

The curated documents by default (what curation made of the people's layers); or one person's
layers (``layer``: ``Store.export_documents(layer=...)``), the people to choose from being
those with layers in the project (``layer_choices``).

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
#: the "Layer" choice of the curated documents (a layer owner is never '': that is the curated
#: document's own "owner" in the store)
CURATED, CURATED_LABEL = "", "Curated (default)"


def slug(name: str) -> str:
    """A file-name-safe form of a project name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "project"


def layer_owners(store: Store, project: str) -> list[str]:
    """The people who have layers in ``project``, sorted."""
    return sorted({row.owner for row in store.project_layers(project)})


def layer_choices(store: Store, project: str | None) -> list[tuple[str, str]]:
    """The "Layer" dropdown's choices: (label, value), the curated documents first, then each
    person with layers in the project."""
    owners = layer_owners(store, project) if project else []
    return [(CURATED_LABEL, CURATED), *((f"{who}'s layers", who) for who in owners)]


def export_project(
    store: Store,
    project: str,
    fmt: str,
    *,
    include_suggestions: bool = False,
    layer: str | None = None,
    out_dir: Path | None = None,
) -> tuple[list[Path], list[Problem]]:
    """Write the export under ``out_dir`` (a new temporary directory by default); the files
    to hand to the user and the problems the format reported. ``layer`` (a person): their
    layers instead of the curated documents (``ValueError`` when they have none in the
    project); the files' names then say whose they are."""
    if fmt not in EXPORT_FORMATS.values():
        raise ValueError(f"unknown export format {fmt!r}")
    layer = layer or None
    if layer is not None and layer not in layer_owners(store, project):
        raise ValueError(f"{layer} has no layer in {project}")
    documents, schema = store.export_documents(
        project, include_suggestions=include_suggestions, layer=layer
    )
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="spanrel-export-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    name = slug(project) + (f"-{slug(layer)}" if layer is not None else "")
    if fmt == "spert":
        target = out_dir / f"{name}.json"
        problems = write_export(fmt, documents, schema, target)
        types = out_dir / f"{name}_types.json"
        return [target, *([types] if types.exists() else [])], problems
    folder = out_dir / f"{name}-{fmt}"
    problems = write_export(fmt, documents, schema, folder)
    return [zip_folder(folder, out_dir / f"{name}-{fmt}.zip", name)], problems
