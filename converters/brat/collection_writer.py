"""Documents (and their schemas) written as a BRAT collection on disk, all or nothing.

It exists to hold what writing files adds to rendering ``.ann`` text (``ann_writer``): document
ids turned into safe relative paths, the ``.txt`` bytes (with the CRLF line ends a document read
from a Python 2 era corpus had, see ``ann_reader``), the conf files of the tree and of each
sub-collection, and staging in a temporary folder so that a failure leaves no half-written
export behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from converters.brat.ann_writer import format_ann_with_problems
from converters.brat.conf_reader import ANNOTATION_CONF, apply_display_confs, parse_conf
from converters.brat.conf_writer import format_conf_files
from converters.document import Document
from converters.errors import ConversionError, Problem
from converters.files import default_modes
from converters.schema import Schema
from converters.schema_admission import admitting


def _txt_bytes(doc: Document, path: str) -> bytes:
    text = doc.text
    if (doc.metadata.get("brat") or {}).get("txt_newline") == "\r\n" and "\r" not in text:
        text = text.replace("\n", "\r\n")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConversionError(
            path, f"text cannot be encoded as UTF-8 ({exc.reason})", offset=exc.start
        ) from None


def _doc_relpath(doc_id: str) -> Path:
    """``doc.id`` as a safe relative path (``/`` makes sub-folders)."""
    parts = doc_id.split("/")
    if (
        not doc_id
        or "\\" in doc_id
        or "\0" in doc_id
        or any(not p or p in (".", "..") or p.startswith(".") for p in parts)
    ):
        raise ConversionError(
            doc_id or "<empty id>",
            "document id cannot be used as a file name (empty part, '..', leading '.', or '\\')",
        )
    return Path(*parts)


def _prepare(documents: list[Document]) -> tuple[list[tuple[Path, bytes, bytes]], list[Problem]]:
    """Everything to write, rendered in memory first so a bad document stops the export
    before any file is touched."""
    files: list[tuple[Path, bytes, bytes]] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for doc in documents:
        rel = _doc_relpath(doc.id)
        key = rel.as_posix().casefold()
        if key in seen:
            raise ConversionError(
                f"{doc.id}.ann", f"two documents would be written to the same files ({seen[key]})"
            )
        seen[key] = doc.id
        ann_text, warnings = format_ann_with_problems(doc, f"{rel.as_posix()}.ann")
        problems += warnings
        try:
            ann_bytes = ann_text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ConversionError(
                f"{rel.as_posix()}.ann", f"cannot be encoded as UTF-8 ({exc.reason})"
            ) from None
        files.append((rel, _txt_bytes(doc, f"{rel.as_posix()}.txt"), ann_bytes))
    return files, problems


def _write_pair(directory: Path, rel: Path, txt: bytes, ann: bytes) -> None:
    target = directory / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    txt_path = target.parent / (target.name + ".txt")
    ann_path = target.parent / (target.name + ".ann")
    txt_path.write_bytes(txt)
    ann_path.write_bytes(ann)


def write_document(doc: Document, directory: Path) -> list[Problem]:
    """Write ``<id>.txt`` (exact bytes) and ``<id>.ann`` under ``directory``.

    Both files are written to temporary names first and then renamed, so a failure leaves
    neither half of the pair changed. Returns what BRAT could not hold.
    """
    directory = Path(directory)
    [(rel, txt, ann)], problems = _prepare([doc])
    target = directory / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".brat-", dir=target.parent))
    try:
        _write_pair(tmp, Path(target.name), txt, ann)
        os.replace(tmp / (target.name + ".txt"), target.parent / (target.name + ".txt"))
        os.replace(tmp / (target.name + ".ann"), target.parent / (target.name + ".ann"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [Problem(str(directory / p.path), p.message, p.line, p.offset) for p in problems]


def _conf_files(schema: Schema, folder: str) -> tuple[dict[str, str], list[Problem]]:
    """``annotation.conf`` (+ ``visual.conf``, ``kb_shortcuts.conf``) for ``schema``, keyed by
    path relative to the export folder, and a Problem if it does not read back equal."""
    prefix = f"{folder}/" if folder else ""
    texts = format_conf_files(schema)
    files = {f"{prefix}{name}": text for name, text in texts.items()}
    try:
        reread: Schema | None = parse_conf(texts[ANNOTATION_CONF])
        apply_display_confs(reread, texts)
    except ConversionError:  # e.g. a type named "<b>" reads back as an undefined macro
        reread = None
    if reread == schema:
        return files, []
    return files, [
        Problem(
            f"{prefix}annotation.conf",
            "the schema could not be written exactly as annotation.conf (names with "
            "spaces/commas/bars, format-specific options, empty argument type lists "
            "or a non depth-first hierarchy order)",
        )
    ]


def _governed(documents: list[Document], folder: str, folders: list[str]) -> list[Document]:
    """The documents whose nearest ``annotation.conf`` (brat looks in the document's folder,
    then up the tree) is the one in ``folder``."""

    def nearest(doc: Document) -> str:
        parents = _doc_relpath(doc.id).parents
        for parent in parents:
            name = "" if parent == Path(".") else parent.as_posix()
            if name in folders:
                return name
        return ""

    return [doc for doc in documents if nearest(doc) == folder]


def write_corpus(
    documents: list[Document],
    directory: Path,
    schema: Schema | None = None,
    collection_schemas: dict[str, Schema] | None = None,
) -> list[Problem]:
    """Write every document (and ``annotation.conf`` etc. when ``schema`` is given).

    ``collection_schemas`` maps sub-folders (posix, relative to ``directory``) to the schema
    of that brat collection, as ``read_collection_schemas`` returns them: brat lets every
    collection carry its own ``annotation.conf``, and a tree exported again keeps them.

    All or nothing: everything is rendered in memory, written into a hidden temporary folder
    next to ``directory`` and only then moved into place (a rename when ``directory`` does not
    exist yet). Files already in ``directory`` that are not part of the export stay untouched.
    Raises ``ConversionError`` (before writing anything) for a document that cannot be written.
    """
    directory = Path(directory)
    documents = list(documents)
    files, problems = _prepare(documents)
    conf_files: dict[str, str] = {}
    schemas = [("", schema)] if schema is not None else []
    for folder, sub_schema in sorted((collection_schemas or {}).items()):
        folder = _doc_relpath(folder).as_posix()  # refuses '..', absolute and hidden parts
        schemas.append((folder, sub_schema))
    for folder, one in schemas:
        one, added = admitting(one, _governed(documents, folder, [f for f, _ in schemas]))
        if added:
            more = f" and {len(added) - 8} more" if len(added) > 8 else ""
            problems.append(
                Problem(
                    f"{folder}/{ANNOTATION_CONF}" if folder else ANNOTATION_CONF,
                    "the project's schema did not admit every exported annotation; the conf "
                    f"also declares: {'; '.join(added[:8])}{more}",
                )
            )
        written, conf_problems = _conf_files(one, folder)
        conf_files.update(written)
        problems += conf_problems
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        for rel, txt, ann in files:
            _write_pair(tmp, rel, txt, ann)
        for name, content in conf_files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(content, encoding="utf-8", newline="")
        if not directory.exists():
            os.chmod(tmp, default_modes()[1])  # mkdtemp's 0700 would become the export's mode
            os.rename(tmp, directory)
        else:
            for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
                dest = directory / path.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [Problem(str(directory / p.path), p.message, p.line, p.offset) for p in problems]
