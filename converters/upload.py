"""What a user hands in, turned into plain documents; plain documents turned into what a user
takes away.

``read_upload(path, fmt)`` takes a directory, a ``.zip`` (checked once by ``converters.archive``
and extracted to a temporary folder), a SpERT ``.json`` or a loose ``.txt`` (one document, no
annotations). It recognises the format when asked (``auto``), reads documents and schema, and
checks everything the files alone can tell: zip safety, UTF-8, each reader's checks (offsets,
ids, with file and line), no two documents with one name. ``read_loose(paths)`` takes loose
BRAT files picked together (``.txt``, ``.ann`` and conf files, ``loose_brat_files``), gathered
into one temporary folder and read the way an extracted zip is, so that pairing by name has one
home (``converters.brat``). The database's own questions (a name already in the project, NUL
characters its text cannot hold) are the store's, asked once at its door, which is also where
each document's structure is checked against the document model (``Document.problems``), for
every caller, once.

``write_export(fmt, documents, schema, dest)`` is ``converters.write`` for a project's export.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import converters
from converters.ace import APF_SUFFIX
from converters.archive import (
    DEFAULT_LIMITS,
    ZipLimits,
    check_zip,
    extract_zip,
    in_archive,
    relocated,
)
from converters.brat import read_collection_schemas, read_corpus
from converters.document import AnnotationCounts, Document
from converters.errors import ConversionError, Problem, read_utf8
from converters.schema import EntityType, RelationType, Schema, merge_schemas

UPLOAD_FORMATS = ("auto", *converters.FORMATS, "txt")
UPLOAD_SUFFIXES = (".txt", ".ann", ".conf", ".zip", ".json")
#: the conf files brat reads beside its pairs (a loose ``.conf`` by another name would be lost)
BRAT_CONF_NAMES = ("annotation.conf", "visual.conf", "kb_shortcuts.conf", "tools.conf")
_LOOSE_BRAT = (".txt", ".ann", ".conf")
_TypeT = TypeVar("_TypeT", EntityType, RelationType)


@dataclass(frozen=True)
class UploadReport:
    """What one upload held: its file name, the format it was read as, and counts."""

    file: str
    format: str
    counts: AnnotationCounts

    @property
    def documents(self) -> int:
        return self.counts.documents


def _format_from_names(where: str | Path, names: list[str]) -> str:
    lower = [n.lower() for n in names]
    if any(n.endswith(".ann") or n.endswith("annotation.conf") for n in lower):
        return "brat"
    if any(n.endswith(APF_SUFFIX) for n in lower):
        return "ace"
    if any(n.endswith(".json") for n in lower):
        return "spert"
    if any(n.endswith(".txt") for n in lower):
        return "brat"  # plain texts in a folder: BRAT reads them without annotations
    raise ConversionError(where, "the archive holds no .ann, .apf.xml, .json or .txt")


def detect_format(
    path: Path,
    limits: ZipLimits = DEFAULT_LIMITS,
    entries: list[zipfile.ZipInfo] | None = None,
) -> str:
    """``brat``, ``ace``, ``spert`` or ``txt`` from the file name and, for a zip or a
    directory, the names inside (``entries``: ``check_zip``'s answer when already at hand)."""
    name = path.name.lower()
    if path.is_dir():
        return _format_from_names(path, [p.name for p in path.rglob("*") if p.is_file()])
    if name.endswith(".txt"):
        return "txt"
    if name.endswith(".json"):
        return "spert"
    if name.endswith(".zip"):
        infos = check_zip(path, limits) if entries is None else entries
        return _format_from_names(path, [i.filename for i in infos])
    raise ConversionError(path, f"unsupported file type; upload {', '.join(UPLOAD_SUFFIXES)}")


def _find_input(fmt: str, root: Path) -> Path:
    """Where the readers should look inside an extracted archive or a folder.

    A single top-level folder is descended into; for SpERT the one data ``.json`` file (not a
    ``*_types.json``) is taken.
    """
    entries = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(entries) == 1 and entries[0].is_dir():
        return _find_input(fmt, entries[0])
    if fmt == "spert":
        jsons = sorted(p for p in root.rglob("*.json") if not p.name.endswith("types.json"))
        if len(jsons) != 1:
            raise ConversionError(
                root, f"a SpERT archive must hold exactly one data .json file, found {len(jsons)}"
            )
        return jsons[0]
    return root


def _read_schema(fmt: str, path: Path) -> Schema | None:
    """The input's schema; for a BRAT tree, its own ``annotation.conf`` merged with those of
    its collections (a project has one schema: their types keep their colours, keys and
    argument constraints instead of being inferred from the data)."""
    schema = converters.read_schema(fmt, path)
    if fmt != "brat":
        return schema
    return merge_schemas(schema, read_collection_schemas(path).values())


def _read(fmt: str, path: Path) -> tuple[list[Document], Schema | None]:
    if fmt == "txt":
        if path.suffix.lower() != ".txt" or not path.is_file():
            raise ConversionError(path, "the txt format takes .txt files")
        return [Document(path.stem, read_utf8(path))], None
    if fmt == "spert" and path.is_dir():
        path = _find_input(fmt, path)
    return converters.read(fmt, path), _read_schema(fmt, path)


def _read_zip(
    fmt: str, path: Path, entries: list[zipfile.ZipInfo], limits: ZipLimits
) -> tuple[list[Document], Schema | None]:
    if fmt == "txt":
        raise ConversionError(path, "the txt format takes .txt files")
    with tempfile.TemporaryDirectory(prefix="spanrel-import-") as tmp:
        root = extract_zip(path, Path(tmp), limits, entries)
        try:
            inner = _find_input(fmt, root)
            return converters.read(fmt, inner), _read_schema(fmt, inner)
        except ConversionError as exc:
            raise in_archive(exc, path, root) from None


def _one_name_each(documents: list[Document], source: Path) -> None:
    names: set[str] = set()
    for doc in documents:
        if doc.id in names:
            raise ConversionError(source, f"two documents are named {doc.id!r}")
        names.add(doc.id)


def read_upload(
    path: str | Path, fmt: str = "auto", limits: ZipLimits = DEFAULT_LIMITS
) -> tuple[list[Document], Schema | None, UploadReport]:
    """Documents, schema and a report from one upload (directory, ``.zip``, ``.json`` or
    ``.txt``) in format ``fmt`` (``auto`` recognises it).

    Raises ``ConversionError`` naming the file, line or ``archive.zip!entry`` at fault. Nothing
    stays on disk: an archive is extracted to a temporary folder removed before returning.
    """
    path = Path(path)
    if fmt not in UPLOAD_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(UPLOAD_FORMATS)}")
    if not path.exists():
        raise ConversionError(path, "no such file or directory")
    is_zip = path.is_file() and path.suffix.lower() == ".zip"
    entries = check_zip(path, limits) if is_zip else None
    kind = detect_format(path, limits, entries) if fmt == "auto" else fmt
    if entries is not None:
        documents, schema = _read_zip(kind, path, entries, limits)
    else:
        documents, schema = _read(kind, path)
    _one_name_each(documents, path)
    report = UploadReport(path.name, kind, AnnotationCounts.of(documents))
    return documents, schema, report


def loose_brat_files(paths: Sequence[Path]) -> list[Path]:
    """The uploads that form one BRAT collection: every ``.txt``, ``.ann`` and ``.conf`` once
    an ``.ann`` or ``.conf`` is among them; none otherwise (loose ``.txt`` files alone stay
    plain texts, one document each). Endings are brat's, lower case."""
    members = [p for p in paths if p.suffix in _LOOSE_BRAT]
    return members if any(p.suffix != ".txt" for p in members) else []


def loose_label(files: Sequence[Path]) -> str:
    """The report's name for loose files read together: the first few names, each ``.txt``
    before its ``.ann``, conf files last."""
    order = sorted(files, key=lambda f: (f.suffix == ".conf", f.stem, f.suffix != ".txt"))
    names = [f.name for f in order]
    more = f" and {len(names) - 4} more" if len(names) > 4 else ""
    return " + ".join(names[:4]) + more


def _loose_names(files: list[Path]) -> list[Problem]:
    """What the names alone refuse: a file the folder reading would skip or overwrite."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for f in files:
        if f.name in seen:
            problems.append(Problem(f.name, "two uploaded files have this name"))
        elif f.name.startswith("."):
            problems.append(Problem(f.name, "BRAT skips files whose name starts with '.'"))
        elif f.suffix == ".conf" and f.name not in BRAT_CONF_NAMES:
            problems.append(Problem(f.name, f"not a BRAT conf file ({', '.join(BRAT_CONF_NAMES)})"))
        seen.add(f.name)
    if not any(f.suffix in (".txt", ".ann") for f in files):
        problems.append(Problem(min(seen), "no .txt/.ann files came with this configuration"))
    return problems


def read_loose(
    paths: Sequence[str | Path],
) -> tuple[list[Document], Schema | None, UploadReport]:
    """Documents, schema and a report from loose BRAT files uploaded together
    (``loose_brat_files``), paired by name as in a BRAT folder: ``doc1.txt`` with
    ``doc1.ann``. An ``.ann`` without its ``.txt`` is refused, and so is a ``.txt`` without its
    ``.ann`` (``read_corpus(require_ann=True)``): among annotated files, a missing ``.ann`` is
    one left out, whose annotations would otherwise be lost without a word.

    Raises ``ConversionError`` with every problem, each naming the file by its own name.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise ValueError("read_loose needs at least one file")
    problems = _loose_names(files)
    if problems:
        raise ConversionError.from_problems(problems)
    with tempfile.TemporaryDirectory(prefix="spanrel-import-") as tmp:
        root = Path(tmp)
        for f in files:
            shutil.copyfile(f, root / f.name)
        try:
            documents = read_corpus(root, require_ann=any(f.suffix == ".ann" for f in files))
            schema = _read_schema("brat", root)
        except ConversionError as exc:
            raise relocated(exc, root, "") from None
    # one flat folder: a document id is a file stem, which the names check made unique
    counts = AnnotationCounts.of(documents)
    return documents, schema, UploadReport(loose_label(files), "brat", counts)


def write_export(
    fmt: str, documents: list[Document], schema: Schema | None, dest: str | Path
) -> list[Problem]:
    """Write a project's documents and schema to ``dest``; what the format could not hold.

    A project's types keep the options of every format they came through; for BRAT only its
    own ``<REL-TYPE>``-style ones are given to the writer, since SpERT's ``short``/``verbose``
    names have no place in ``annotation.conf`` and are not the project's loss to report.
    """
    if fmt == "brat" and schema is not None:
        schema = replace(
            schema,
            entity_types=[_brat_options(t) for t in schema.entity_types],
            relation_types=[_brat_options(t) for t in schema.relation_types],
            event_types=[replace(t, hidden=False) for t in schema.event_types],
            attribute_types=[replace(t, hidden=False) for t in schema.attribute_types],
        )
    return converters.write(fmt, documents, Path(dest), schema=schema)


def _brat_options(t: _TypeT) -> _TypeT:
    """``t`` as ``annotation.conf`` can hold it: brat's own options; whether the project hides
    the type is a project setting, not part of the conf."""
    return replace(
        t, options={k: v for k, v in t.options.items() if k.startswith("<")}, hidden=False
    )
