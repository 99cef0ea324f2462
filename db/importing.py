"""Reading import input safely: a directory, a ``.zip`` or a SpERT ``.json`` file.

Uploaded archives come from outside, so a zip is checked entry by entry before anything is
extracted, and extracted with limits that do not trust the archive's own size headers:

- names: no absolute paths, drive letters, backslashes or ``..`` parts (zip slip);
- no symbolic links or other special files (Unix mode bits in ``external_attr``);
- no encrypted entries;
- at most ``MAX_ENTRIES`` entries, ``MAX_TOTAL_BYTES`` in all, ``MAX_ENTRY_BYTES`` each, and a
  compression ratio of at most ``MAX_RATIO`` per entry (zip bombs);
- every text entry must be valid UTF-8 (checked here so the error names the entry; readers
  check files on disk themselves);
- no two entries with the same name (the later one would silently replace the first).

Nested archives are extracted as plain files and never opened. Errors the readers raise for
files inside the archive name ``archive.zip!entry``, not the temporary extraction folder.

Every refusal raises ``ZipRefused`` (a ``ConversionError``) naming ``archive.zip!entry``.
"""

from __future__ import annotations

import lzma
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import converters
from converters.brat import read_collection_schemas
from converters.document import Document
from converters.errors import ConversionError, Problem
from converters.schema import Schema, merge_schemas

MAX_ENTRIES = 50_000
MAX_ENTRY_BYTES = 256 * 1024**2
MAX_TOTAL_BYTES = 1024**3
MAX_RATIO = 200.0
_CHUNK = 1 << 16
TEXT_SUFFIXES = {".txt", ".ann", ".conf", ".json", ".sgm", ".xml", ".apf", ".dtd", ".tsv"}


class ZipRefused(ConversionError):
    """An archive entry that is not imported, and why."""


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = MAX_ENTRIES
    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: float = MAX_RATIO


def _where(archive: Path, name: str) -> str:
    return f"{archive}!{name}"


def check_zip(archive: Path, limits: ZipLimits = ZipLimits()) -> list[zipfile.ZipInfo]:
    """The archive's file entries, after checking every header; raises ``ZipRefused``."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, EOFError) as exc:
        # UnicodeDecodeError: an entry name flagged UTF-8 that is not
        raise ConversionError(archive, f"not a valid zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise ZipRefused(archive, f"{len(infos)} entries; the limit is {limits.max_entries}")
    total = 0
    files = []
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        where = _where(archive, name)
        if name.rstrip("/") in seen:
            raise ZipRefused(where, "duplicate entry name (each name may appear once)")
        seen.add(name.rstrip("/"))
        parts = PurePosixPath(name).parts
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or (len(name) > 1 and name[1] == ":")
            or ".." in parts
        ):
            raise ZipRefused(where, "unsafe path (absolute, drive letter, backslash or '..')")
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_IFMT(mode):  # Unix file type bits present
            if stat.S_ISLNK(mode):
                raise ZipRefused(where, "symbolic links are not imported")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise ZipRefused(where, "not a regular file")
        if info.flag_bits & 0x1:
            raise ZipRefused(where, "encrypted entries are not imported")
        if info.is_dir():
            continue
        if info.file_size > limits.max_entry_bytes:
            raise ZipRefused(
                where, f"{info.file_size} bytes uncompressed; the limit is {limits.max_entry_bytes}"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 and ratio > limits.max_ratio:
            raise ZipRefused(
                where, f"compression ratio {ratio:.0f}:1 is past the limit {limits.max_ratio:.0f}:1"
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ZipRefused(where, f"archive expands past {limits.max_total_bytes} bytes; refused")
        files.append(info)
    return files


def extract_zip(archive: Path, dest: Path, limits: ZipLimits = ZipLimits()) -> Path:
    """Check and extract ``archive`` under ``dest``; sizes are counted while reading, so a
    header that lies about them cannot get past the limits."""
    files = check_zip(archive, limits)
    root = dest.resolve()
    total = 0
    with zipfile.ZipFile(archive) as zf:
        for info in files:
            where = _where(archive, info.filename)
            target = (root / info.filename).resolve()
            if root not in target.parents:
                raise ZipRefused(where, "path leaves the extraction directory")
            written = 0
            chunks = []
            try:
                with zf.open(info) as src:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > limits.max_entry_bytes or total > limits.max_total_bytes:
                            raise ZipRefused(where, "expands past the size limit; refused")
                        if (
                            written > 1024
                            and written / max(info.compress_size, 1) > limits.max_ratio
                        ):
                            raise ZipRefused(where, "compression ratio past the limit; refused")
                        chunks.append(chunk)
            except ZipRefused:
                raise
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                zlib.error,
                lzma.LZMAError,
                NotImplementedError,
                RuntimeError,
                ValueError,
            ) as exc:
                raise ZipRefused(where, f"cannot be read ({exc})") from None
            data = b"".join(chunks)
            if PurePosixPath(info.filename).suffix.lower() in TEXT_SUFFIXES:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ZipRefused(
                        where, f"not valid UTF-8 (byte {exc.start}: {exc.reason})", offset=exc.start
                    ) from None
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as exc:  # a name too long, or a file where a folder must go
                raise ZipRefused(where, f"cannot be extracted ({exc.strerror})") from None
    return root


def _in_archive(exc: ConversionError, archive: Path, root: Path) -> ConversionError:
    """``exc`` with every path under the extraction folder ``root`` given as
    ``archive.zip!entry``: the temporary folder is gone once the import has failed."""
    prefix = str(root) + "/"

    def where(path: str) -> str:
        if path == str(root):
            return f"{archive}!"
        return f"{archive}!{path[len(prefix) :]}" if path.startswith(prefix) else path

    problems = [
        Problem(where(p.path), p.message.replace(prefix, f"{archive}!"), p.line, p.offset)
        for p in exc.problems
    ]
    first = problems[0] if problems else Problem(where(exc.path), str(exc))
    return ConversionError(
        first.path, first.message, line=first.line, offset=first.offset, problems=problems
    )


def check_documents(documents: list[Document], source: Path) -> None:
    """Refuse, before the database is touched, what the store would refuse halfway: a NUL
    character (PostgreSQL text cannot hold it), a name used twice, broken offsets or ids."""
    names: set[str] = set()
    for doc in documents:
        if doc.id in names:
            raise ConversionError(source, f"two documents are named {doc.id!r}")
        names.add(doc.id)
        if "\x00" in doc.text:
            raise ConversionError(
                f"{source}: {doc.id}",
                "text contains a NUL character",
                offset=doc.text.index("\x00"),
            )
        problems = doc.problems()
        if problems:
            raise ConversionError(f"{source}: {doc.id}", "; ".join(problems[:5]))


def _find_input(fmt: str, root: Path) -> Path:
    """Where the readers should look inside an extracted archive.

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


def read_input(
    fmt: str, path: Path, limits: ZipLimits = ZipLimits()
) -> tuple[list[Document], Schema | None]:
    """Documents and schema from ``path`` (directory, ``.zip`` or ``.json``) in format ``fmt``.

    Everything is read (and an archive extracted to a temporary directory, removed afterwards)
    before the database is touched.
    """
    if fmt not in converters.FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(converters.FORMATS)}")
    if not path.exists():
        raise ConversionError(path, "no such file or directory")
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="spanrel-import-") as tmp:
            root = extract_zip(path, Path(tmp), limits)
            try:
                inner = _find_input(fmt, root)
                docs = converters.read(fmt, inner)
                schema = _read_schema(fmt, inner)
            except ConversionError as exc:
                raise _in_archive(exc, path, root) from None
            check_documents(docs, path)
            return docs, schema
    if fmt == "spert" and path.is_dir():
        path = _find_input(fmt, path)
    docs = converters.read(fmt, path)
    check_documents(docs, path)
    return docs, _read_schema(fmt, path)


def _read_schema(fmt: str, path: Path) -> Schema | None:
    """The input's schema; for a BRAT tree, its own ``annotation.conf`` merged with those of
    its collections (a project has one schema: their types keep their colours, keys and
    argument constraints instead of being inferred from the data)."""
    schema = converters.read_schema(fmt, path)
    if fmt != "brat":
        return schema
    return merge_schemas(schema, read_collection_schemas(path).values())
