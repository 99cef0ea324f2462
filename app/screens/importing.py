"""Import screen: uploaded files to documents, all or nothing, with a report per file.

Accepted uploads: ``.txt`` files (one document each, no annotations), loose BRAT
``.txt``/``.ann`` pairs picked together (with their ``annotation.conf``; read as one folder by
``converters.upload.read_loose``, one report row), ``.zip`` archives of a BRAT or ACE folder (or
of a SpERT JSON with its types file), SpERT ``.json`` files with an optional ``*_types.json``
beside them in the same upload. The format is recognised from the file (``auto``) or chosen.
A report row lists every problem of its file, cause first, as ``python -m converters validate``
does (the same reader gives both).

Each file is read and checked by ``converters.upload.read_upload`` (archives with the zip
limits: no path escapes, no links, size and ratio caps); what spans files (a name in two files,
a types file for the SpERT data) is settled here. When any file has a problem, nothing is
imported and the report says which file and why; otherwise everything goes to the store in ONE
transaction, which refuses what needs the database to tell (a name already in the project),
and its refusal is reported against the file the document came from.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converters import spert
from converters.archive import DEFAULT_LIMITS, ZipLimits
from converters.document import ANNOTATION_KINDS, AnnotationCounts, Document
from converters.errors import ConversionError
from converters.schema import Schema
from converters.upload import (
    UPLOAD_FORMATS,
    UPLOAD_SUFFIXES,
    detect_format,
    loose_brat_files,
    loose_label,
    read_loose,
    read_upload,
)
from db import Store
from db.document_status import AUTO, DONE, NEW

FORMATS = UPLOAD_FORMATS
SUFFIXES = UPLOAD_SUFFIXES
#: the Import screen's "finished gold?" choice: (label, status asked of the store); the page
#: cannot know whether an upload holds annotations before reading it, so the default, auto,
#: leaves that to the store's rule (``db.document_status.import_status``) after the reading
STATUS_CHOICES = [
    ("Yes if the files hold annotations (auto)", AUTO),
    ("Yes: finished, mark them done", DONE),
    ("No: to annotate", NEW),
]

__all__ = ["DEFAULT_LIMITS", "FORMATS", "SUFFIXES", "detect_format", "import_uploads"]


@dataclass
class FileReport:
    """One uploaded file's row: what it held, kind by kind, or why it was refused."""

    file: str
    format: str = ""
    counts: AnnotationCounts = field(default_factory=AnnotationCounts)
    error: str = ""
    docs: list[Document] = field(default_factory=list, repr=False)
    schema: Schema | None = field(default=None, repr=False)

    @property
    def documents(self) -> int:
        return self.counts.documents

    def row(self) -> list[Any]:
        kinds = [getattr(self.counts, k) for k in ANNOTATION_KINDS]
        return [self.file, self.format, self.counts.documents, *kinds, self.error or "ok"]


REPORT_HEADERS = ["file", "format", "documents", *ANNOTATION_KINDS, "result"]
DOCUMENT_HEADERS = ["document", "file", *ANNOTATION_KINDS]


@dataclass
class ImportOutcome:
    ok: bool
    project: str
    files: list[FileReport]
    counts: AnnotationCounts = field(default_factory=AnnotationCounts)  # what came in
    created_project: bool = False
    added_types: list[str] = field(default_factory=list)
    error: str = ""
    #: the status the documents got (with ``auto``: done when the files held annotations)
    status: str = ""

    @property
    def documents(self) -> int:
        return self.counts.documents

    @property
    def entities(self) -> int:
        return self.counts.entities

    @property
    def relations(self) -> int:
        return self.counts.relations

    def document_rows(self, limit: int = 5000) -> list[list[Any]]:
        """One row per document read (its file, then what it holds), at most ``limit``."""
        rows: list[list[Any]] = []
        for rep in self.files:
            for doc in rep.docs:
                if len(rows) >= limit:
                    return rows
                counts = AnnotationCounts.of([doc])
                rows.append([doc.id, rep.file, *(getattr(counts, k) for k in ANNOTATION_KINDS)])
        return rows

    def problem_lines(self) -> list[str]:
        """Every problem of every refused file, one a line, each file's cause first."""
        return [line for rep in self.files for line in rep.error.splitlines()]

    def total_row(self) -> list[Any]:
        """The report's last row: every file together."""
        kinds = [getattr(self.counts, k) for k in ANNOTATION_KINDS]
        return ["total", "", self.counts.documents, *kinds, "imported" if self.ok else ""]


def _relabel(exc: ConversionError, upload: Path) -> str:
    """Every problem of the error, one a line in the reader's order (cause first), with the
    temporary upload directory replaced by the file's own name."""
    text = "\n".join(str(p) for p in exc.problems)
    return text.replace(str(upload.parent) + "/", "").replace(str(upload), upload.name)


def _read_loose(paths: list[Path]) -> FileReport:
    """Loose BRAT files read together into one report row (they name themselves)."""
    report = FileReport(loose_label(paths), "brat")
    try:
        report.docs, report.schema, read = read_loose(paths)
        report.counts = read.counts
    except ConversionError as exc:
        report.error = "\n".join(str(p) for p in exc.problems)
    except OSError as exc:
        report.error = f"{report.file}: cannot be read ({exc.strerror or exc})"
    return report


def _read_file(path: Path, fmt: str, limits: ZipLimits) -> FileReport:
    """One upload read into a report row; its documents and schema travel with the row."""
    report = FileReport(path.name)
    try:
        report.docs, report.schema, read = read_upload(path, fmt, limits)
        report.format, report.counts = read.format, read.counts
    except ConversionError as exc:
        report.error = _relabel(exc, path)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        report.error = f"{path.name}: {exc}"
    if report.error:
        report.format = fmt if fmt != "auto" else _format_by_name(path)
    return report


def _format_by_name(path: Path) -> str:
    """The format a failed upload was taken for, where its name alone tells (a zip's needs
    its entries, which may be what failed)."""
    if path.suffix.lower() == ".zip":
        return ""
    try:
        return detect_format(path)
    except ConversionError:
        return ""


def _blame(reports: list[FileReport], exc: ConversionError) -> bool:
    """Put the store's refusal on the rows of the files whose documents it names; False when
    it names none of them."""
    by_name = {d.id: rep for rep in reports for d in rep.docs}
    blamed = False
    for problem in exc.problems:
        rep = by_name.get(problem.path)
        if rep is not None:  # every problem on its file's row, not only the first
            rep.error = f"{rep.error}; {problem}" if rep.error else str(problem)
            blamed = True
    return blamed


def _refused(project: str, reports: list[FileReport]) -> ImportOutcome:
    bad = sum(1 for r in reports if r.error)
    return ImportOutcome(
        False, project, reports, error=f"{bad} file(s) have problems: nothing was imported"
    )


def status_sentence(status: str, choice: str) -> str:
    """What the import did with the documents' status, for the Import screen's message (an
    automatic "done" says why and how to import them to correct instead)."""
    if status != DONE:
        return f"Their status is **{status.replace('-', ' ')}**: ready to annotate."
    said = "They are marked **done** (finished gold: the model trains on them)"
    if choice != AUTO:
        return said + "."
    why = " because the files hold annotations; to correct them instead, import them with"
    return said + why + " *No: to annotate*."


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
    """Read every upload, check them together, then import them in one transaction.

    ``status``: a document status, ``auto`` (done when the uploads hold annotations: the
    store's rule, ``db.document_status.import_status``) or None (new)."""
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
    # loose BRAT files (an .ann or a conf among them) are one folder's worth, paired by name
    loose = loose_brat_files(data_files) if fmt in ("auto", "brat") else []
    if loose:
        reports.append(_read_loose(loose))
    singles = [p for p in data_files if p not in loose]
    for i, p in enumerate(singles):
        if progress:
            progress(0.05 + 0.6 * i / max(1, len(singles)), f"reading {p.name}")
        reports.append(_read_file(p, fmt, limits))
    if not data_files:
        return ImportOutcome(False, project, reports, error="no data file among the uploads")
    seen: dict[str, str] = {}
    for rep in reports:
        if rep.error:
            continue
        for doc in rep.docs:
            if doc.id in seen:
                rep.error = f"document {doc.id!r} is also in {seen[doc.id]}"
                break
            seen[doc.id] = rep.file
    if any(r.error for r in reports):
        return _refused(project, reports)
    schema = upload_schema or next((r.schema for r in reports if r.schema is not None), None)
    if upload_schema is not None:
        for rep in reports:  # SpERT keeps token offsets; nothing else to attach
            rep.schema = upload_schema
    docs = [d for r in reports for d in r.docs]
    if progress:
        progress(0.7, f"writing {len(docs)} document(s)")
    try:
        # a new project is created inside the import's transaction: a refusal leaves none
        result = store.import_documents(
            project, docs, schema=schema, status=status, author=author, create=True
        )
    except ConversionError as exc:
        if not _blame(reports, exc):
            return ImportOutcome(False, project, reports, error=f"nothing was imported: {exc}")
        return _refused(project, reports)
    return ImportOutcome(
        True,
        project,
        reports,
        result.counts,
        result.created_project,
        result.added_entity_types + result.added_relation_types,
        status=result.status,
    )
