"""Zip archives in and out, whatever format they carry.

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

Nested archives are extracted as plain files and never opened. Every refusal raises
``ZipRefused`` (a ``ConversionError``) naming ``archive.zip!entry``; ``in_archive`` gives the
readers' errors about extracted files the same form, since the extraction folder is gone by
the time the user reads them.

Exports leave as one zip written beside its final name and renamed (``zip_folder``), so a
failed export never leaves half an archive where the user looks for it.
"""

from __future__ import annotations

import lzma
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from converters.errors import ConversionError, Problem

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


DEFAULT_LIMITS = ZipLimits()


def _where(archive: Path, name: str) -> str:
    return f"{archive}!{name}"


def check_zip(archive: Path, limits: ZipLimits = DEFAULT_LIMITS) -> list[zipfile.ZipInfo]:
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


def _read_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, room: int, limits: ZipLimits
) -> bytes:
    """The entry's bytes, counted while reading: a header that lies about sizes cannot get
    past the per-entry, total (``room`` bytes left) or ratio limits."""
    written = 0
    chunks = []
    try:
        with zf.open(info) as src:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > limits.max_entry_bytes or written > room:
                    raise ZipRefused(where, "expands past the size limit; refused")
                if written > 1024 and written / max(info.compress_size, 1) > limits.max_ratio:
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
    return b"".join(chunks)


def extract_zip(
    archive: Path,
    dest: Path,
    limits: ZipLimits = DEFAULT_LIMITS,
    entries: list[zipfile.ZipInfo] | None = None,
) -> Path:
    """Extract ``archive`` under ``dest`` and return the extraction root.

    ``entries`` are ``check_zip``'s answer when the caller already has it (the headers are
    then not read twice); without them the archive is checked first.
    """
    files = check_zip(archive, limits) if entries is None else entries
    root = dest.resolve()
    total = 0
    with zipfile.ZipFile(archive) as zf:
        for info in files:
            where = _where(archive, info.filename)
            target = (root / info.filename).resolve()
            if root not in target.parents:
                raise ZipRefused(where, "path leaves the extraction directory")
            data = _read_entry(zf, info, where, limits.max_total_bytes - total, limits)
            total += len(data)
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


def in_archive(exc: ConversionError, archive: Path, root: Path) -> ConversionError:
    """``exc`` with every path under the extraction folder ``root`` given as
    ``archive.zip!entry``: the temporary folder is gone once the import has failed."""
    return relocated(exc, root, f"{archive}!")


def relocated(exc: ConversionError, root: Path, label: str) -> ConversionError:
    """``exc`` with every path under the temporary folder ``root`` given as ``label`` and the
    path inside it (``root`` itself as ``label``): an archive's entries, or loose uploads
    gathered into one folder (``label`` empty: their own names)."""
    prefix = str(root) + "/"

    def where(path: str) -> str:
        if path == str(root):
            return label
        return f"{label}{path[len(prefix) :]}" if path.startswith(prefix) else path

    problems = [
        Problem(where(p.path), p.message.replace(prefix, label), p.line, p.offset)
        for p in exc.problems
    ]
    return ConversionError.from_problems(problems)


def zip_folder(src: Path, out: Path, top: str) -> Path:
    """``src`` as the zip ``out`` whose entries sit under ``top/`` (written beside, then
    renamed)."""
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(src).as_posix()}")
    tmp.replace(out)
    return out
