"""Import screen: uploaded files to documents, all or nothing, with a report per file.

Accepted uploads: ``.txt`` files (one document each, no annotations), ``.zip`` archives of a
BRAT or ACE folder (or of a SpERT JSON with its types file), SpERT ``.json`` files with an
optional ``*_types.json`` beside them in the same upload. The format is recognised from the
file (``auto``) or chosen.

Every file is read and checked first (archives with the store's zip limits: no path escapes,
no links, size and ratio caps). When any file has a problem, nothing is imported and the report
says which file and why; otherwise everything goes into the project in ONE store transaction.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converters import spert
from converters.document import Document
from converters.errors import ConversionError
from converters.schema import Schema
from db import Store
from db.importing import ZipLimits, check_zip, read_input

FORMATS = ("auto", "brat", "ace", "spert", "txt")
SUFFIXES = (".txt", ".zip", ".json")
DEFAULT_LIMITS = ZipLimits()


@dataclass
class FileReport:
    file: str
    format: str = ""
    documents: int = 0
    entities: int = 0
    relations: int = 0
    error: str = ""
    docs: list[Document] = field(default_factory=list, repr=False)
    schema: Schema | None = field(default=None, repr=False)

    def row(self) -> list[Any]:
        result = self.error or "ok"
        return [self.file, self.format, self.documents, self.entities, self.relations, result]


REPORT_HEADERS = ["file", "format", "documents", "entities", "relations", "result"]


@dataclass
class ImportOutcome:
    ok: bool
    project: str
    files: list[FileReport]
    documents: int = 0
    entities: int = 0
    relations: int = 0
    created_project: bool = False
    added_types: list[str] = field(default_factory=list)
    error: str = ""


def detect_format(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> str:
    """``brat``, ``ace``, ``spert`` or ``txt`` from the file name and, for a zip, its entries."""
    name = path.name.lower()
    if name.endswith(".txt"):
        return "txt"
    if name.endswith(".json"):
        return "spert"
    if name.endswith(".zip"):
        names = [i.filename.lower() for i in check_zip(path, limits)]
        if any(n.endswith(".ann") or n.endswith("annotation.conf") for n in names):
            return "brat"
        if any(n.endswith(".apf.xml") for n in names):
            return "ace"
        if any(n.endswith(".json") for n in names):
            return "spert"
        if any(n.endswith(".txt") for n in names):
            return "brat"  # plain texts in a folder: BRAT reads them without annotations
        raise ConversionError(path.name, "the archive holds no .ann, .apf.xml, .json or .txt")
    raise ConversionError(path.name, f"unsupported file type; upload {', '.join(SUFFIXES)}")


def _relabel(exc: ConversionError, upload: Path) -> str:
    """The error with the temporary upload directory replaced by the file's own name."""
    text = str(exc)
    return text.replace(str(upload.parent) + "/", "").replace(str(upload), upload.name)


def read_upload(path: Path, fmt: str, limits: ZipLimits = DEFAULT_LIMITS) -> FileReport:
    report = FileReport(path.name)
    try:
        kind = detect_format(path, limits) if fmt == "auto" else fmt
        report.format = kind
        if kind == "txt":
            if path.suffix.lower() != ".txt":
                raise ConversionError(path.name, "the txt format takes .txt files")
            data = path.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ConversionError(
                    path.name, f"not valid UTF-8 (byte {exc.start}: {exc.reason})", offset=exc.start
                ) from None
            if "\x00" in text:
                raise ConversionError(path.name, "contains a NUL character: not a text file")
            report.docs = [Document(path.stem, text)]
        else:
            docs, schema = read_input(kind, path, limits)
            report.docs, report.schema = docs, schema
    except ConversionError as exc:
        report.error = _relabel(exc, path)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        report.error = f"{path.name}: {exc}"
    report.documents = len(report.docs)
    report.entities = sum(len(d.entities) for d in report.docs)
    report.relations = sum(len(d.relations) for d in report.docs)
    return report


def import_uploads(
    store: Store,
    project: str,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    status: str | None = None,
    author: str | None = None,
    limits: ZipLimits = DEFAULT_LIMITS,
    progress: Callable[[float, str], None] | None = None,
) -> ImportOutcome:
    """Read every upload, check them together, then import them in one transaction."""
    project = (project or "").strip()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if not project:
        return ImportOutcome(False, project, [], error="choose or name a project to import into")
    files = [Path(p) for p in paths or []]
    if not files:
        return ImportOutcome(False, project, [], error="no file uploaded")
    # SpERT types files travel beside their data files: they are a schema, not documents
    types_files = [p for p in files if p.name.lower().endswith("_types.json")]
    data_files = [p for p in files if p not in types_files]
    reports: list[FileReport] = []
    upload_schema: Schema | None = None
    for p in types_files:
        rep = FileReport(p.name, "spert types")
        try:
            upload_schema = spert.read_types(p)
        except ConversionError as exc:
            rep.error = _relabel(exc, p)
        reports.append(rep)
    for i, p in enumerate(data_files):
        if progress:
            progress(0.05 + 0.6 * i / max(1, len(data_files)), f"reading {p.name}")
        reports.append(read_upload(p, fmt, limits))
    if not data_files:
        return ImportOutcome(False, project, reports, error="no data file among the uploads")
    existing = {p.name for p in store.list_projects()}
    taken = {d.name for d in store.list_documents(project)} if project in existing else set()
    seen: dict[str, str] = {}
    for rep in reports:
        if rep.error:
            continue
        for doc in rep.docs:
            if doc.id in taken:
                rep.error = f"document {doc.id!r} is already in project {project!r}"
                break
            if doc.id in seen:
                rep.error = f"document {doc.id!r} is also in {seen[doc.id]}"
                break
            seen[doc.id] = rep.file
            problems = doc.problems()
            if "\x00" in doc.text:
                problems.append("text contains a NUL character")
            if problems:
                rep.error = f"document {doc.id!r}: " + "; ".join(problems[:3])
                break
    if any(r.error for r in reports):
        bad = sum(1 for r in reports if r.error)
        return ImportOutcome(
            False, project, reports, error=f"{bad} file(s) have problems: nothing was imported"
        )
    schema = upload_schema or next((r.schema for r in reports if r.schema is not None), None)
    if upload_schema is not None:
        for rep in reports:  # SpERT keeps token offsets; nothing else to attach
            rep.schema = upload_schema
    docs = [d for r in reports for d in r.docs]
    if progress:
        progress(0.7, f"writing {len(docs)} document(s)")
    created = project not in existing
    try:
        # a new project is created inside the import's transaction: a refusal leaves none
        result = store.import_documents(
            project, docs, schema=schema, status=status, author=author, create=created
        )
    except ConversionError as exc:
        return ImportOutcome(False, project, reports, error=f"nothing was imported: {exc}")
    return ImportOutcome(
        True,
        project,
        reports,
        result.documents,
        result.entities,
        result.relations,
        created,
        result.added_entity_types + result.added_relation_types,
    )
