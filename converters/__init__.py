"""Format readers and writers over one small set of plain document types.

The door of this package is five functions, each given a format name:

- ``read(fmt, path) -> list[Document]``
- ``write(fmt, documents, path, schema=None) -> list[Problem]`` (what the format could not hold)
- ``validate(fmt, path) -> list[Problem]`` (every problem, never raises for bad content)
- ``read_schema(fmt, path) -> Schema | None`` (``annotation.conf`` or a SpERT types file)
- ``read_upload(path, fmt) -> (documents, schema, report)`` (what a user uploads: a directory,
  ``.zip``, SpERT ``.json`` or loose ``.txt``; ``converters.upload``, zips by ``.archive``)

Formats: ``brat`` (a directory of ``.txt``/``.ann`` pairs, ``annotation.conf``), ``ace`` (a
directory of ``.sgm``/``.apf.xml`` pairs) and ``spert`` (one ``.json`` file). Pure Python: no
torch, no database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from converters.document import (
    Attribute,
    Document,
    Entity,
    Event,
    Fragment,
    Group,
    Normalization,
    Note,
    Relation,
)
from converters.errors import ConversionError, Problem
from converters.schema import Schema, infer_schema

FORMATS = ("brat", "ace", "spert")

__all__ = [
    "FORMATS",
    "Attribute",
    "ConversionError",
    "Document",
    "Entity",
    "Event",
    "Fragment",
    "Group",
    "Normalization",
    "Note",
    "Problem",
    "Relation",
    "Schema",
    "infer_schema",
    "read",
    "read_schema",
    "read_upload",
    "validate",
    "write",
]


def _module(fmt: str):
    if fmt == "brat":
        from converters import brat

        return brat
    if fmt == "ace":
        from converters import ace

        return ace
    if fmt == "spert":
        from converters import spert

        return spert
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def read(fmt: str, path: str | Path) -> list[Document]:
    """Read every document at ``path`` (a directory for brat/ace, a .json file for spert)."""
    return _module(fmt).read_corpus(Path(path))


def write(
    fmt: str,
    documents: list[Document],
    path: str | Path,
    schema: Schema | None = None,
    **options: str,
) -> list[Problem]:
    """Write ``documents`` to ``path``; returns what the format could not represent.

    ``options`` are format-specific (spert: ``tokenizer="words"|"whitespace"``,
    ``discontinuous="drop"|"cover"``).
    """
    return _module(fmt).write_corpus(documents, Path(path), schema=schema, **options)


def validate(fmt: str, path: str | Path) -> list[Problem]:
    """Every problem found in the input at ``path``, each with file and line or offset."""
    return _module(fmt).validate(Path(path))


def read_schema(fmt: str, path: str | Path) -> Schema | None:
    """The schema that travels with the data at ``path``, or ``None`` when there is none."""
    return _module(fmt).read_schema(Path(path))


def read_upload(
    path: str | Path, fmt: str = "auto", limits: ZipLimits | None = None
) -> tuple[list[Document], Schema | None, UploadReport]:
    """Documents, schema and a report from one upload: a directory, ``.zip``, SpERT ``.json``
    or loose ``.txt`` (``converters.upload``, imported on first use like the formats)."""
    from converters.archive import DEFAULT_LIMITS
    from converters.upload import read_upload as read

    return read(path, fmt, limits or DEFAULT_LIMITS)


if TYPE_CHECKING:
    from converters.archive import ZipLimits
    from converters.upload import UploadReport
