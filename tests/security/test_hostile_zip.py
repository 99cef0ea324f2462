"""Hostile archives through the import walk (``db.cli.import_path``: ``converters.read_upload``
then ``Store.import_documents``) and ``python -m db import``.

Each case is refused with a ``ConversionError`` naming ``archive.zip!entry`` (or imports
correctly), nothing lands outside the extraction folder, and the database is unchanged, on
SQLite and on PostgreSQL (``db_url`` is ``backend_url``; the CLI gets it as ``--db``).
"""

from __future__ import annotations

import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import converters
from converters.archive import ZipLimits
from converters.document import Document, Entity
from converters.errors import ConversionError
from converters.upload import read_upload
from db import Store
from db.cli import import_path

REPO = Path(__file__).resolve().parents[2]
DB_IMPORT = [sys.executable, "-m", "db", "import"]
pytestmark = pytest.mark.timeout(120)


def _zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    """A valid two-document BRAT corpus under ``corpus/`` plus ``entries``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(2):
            zf.writestr(f"corpus/d{i}.txt", f"Aspirin {i}.")
            zf.writestr(f"corpus/d{i}.ann", "T1\tDrug 0 7\tAspirin\n")
        for name, data in entries:
            zf.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _flag_utf8_names(path: Path, old: bytes, new: bytes) -> None:
    """Rewrite an entry name with raw bytes and set the 'name is UTF-8' flag (bit 11)."""
    data = bytearray(path.read_bytes().replace(old, new))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            data[pos + flag_at + 1] |= 0x08  # bit 11
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


UNSAFE = {
    "dotdot": ("corpus/../../evil.txt", "unsafe path"),
    "dotdot-only": ("../evil.txt", "unsafe path"),
    "absolute": ("/tmp/evil.txt", "unsafe path"),
    "windows-dotdot": ("corpus\\..\\..\\evil.txt", "unsafe path"),
    "drive-letter": ("C:/evil.txt", "unsafe path"),
    "drive-relative": ("C:evil.txt", "unsafe path"),
    "unc": ("\\\\server\\share\\evil.txt", "unsafe path"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_zip_slip_is_refused_and_nothing_escapes(
    tmp_path: Path, db_url: str, dump_db, case: str
) -> None:
    name, reason = UNSAFE[case]
    archive = _zip(tmp_path / "x.zip", [(name, b"pwned")])
    with Store.open(db_url) as store:
        before = dump_db(db_url)
        with pytest.raises(ConversionError, match=reason) as info:
            import_path(store, "p", "brat", archive)
    assert f"x.zip!{name}" in str(info.value)
    assert dump_db(db_url) == before
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_symlink_entries_are_refused(tmp_path: Path, db_url: str, dump_db) -> None:
    archive = _zip(tmp_path / "x.zip", [(_symlink("corpus/d9.txt"), b"/etc/passwd")])
    with Store.open(db_url) as store:
        before = dump_db(db_url)
        with pytest.raises(ConversionError, match="symbolic link") as info:
            import_path(store, "p", "brat", archive)
    assert "x.zip!corpus/d9.txt" in str(info.value)
    assert dump_db(db_url) == before


def _zeros(n: int, chunk: int = 1 << 20):
    while n > 0:
        yield b"\0" * min(chunk, n)
        n -= chunk


def test_zip_bomb_of_100_mb_zeros_is_refused_fast(tmp_path: Path, db_url: str, dump_db) -> None:
    archive = _zip(tmp_path / "bomb.zip", [])
    with (
        zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("corpus/bomb.txt", "w", force_zip64=True) as entry,
    ):
        for block in _zeros(100 * 1024**2):
            entry.write(block)
    assert archive.stat().st_size < 1024**2  # ratio ~1000:1
    with Store.open(db_url) as store:
        before = dump_db(db_url)
        with pytest.raises(ConversionError, match="compression ratio") as info:
            import_path(store, "p", "brat", archive)
    assert "bomb.zip!corpus/bomb.txt" in str(info.value)
    assert dump_db(db_url) == before


def test_header_that_lies_about_sizes_is_caught_while_reading(tmp_path: Path) -> None:
    """A bomb whose headers claim a small size is stopped by counting the bytes read."""
    archive = _zip(tmp_path / "x.zip", [("corpus/big.txt", b"a" * 300_000)])
    limits = ZipLimits(max_ratio=1e9, max_entry_bytes=10_000_000)
    assert read_upload(archive, "brat", limits)  # fine under generous limits
    with pytest.raises(ConversionError, match=r"x\.zip!corpus/big\.txt"):
        read_upload(archive, "brat", ZipLimits(max_ratio=1e9, max_entry_bytes=100_000))


def test_file_past_the_size_limit_and_too_many_entries(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "x.zip", [(f"corpus/e{i}.txt", b"x") for i in range(20)])
    with pytest.raises(ConversionError, match="entries; the limit is 10"):
        read_upload(archive, "brat", ZipLimits(max_entries=10))
    with pytest.raises(ConversionError, match=r"x\.zip!corpus/d0\.txt.*limit is 5"):
        read_upload(archive, "brat", ZipLimits(max_entry_bytes=5))


def test_nested_zip_is_not_opened(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", [("corpus/../../evil.txt", b"x")])
    archive = _zip(tmp_path / "outer.zip", [("corpus/inner.zip", inner.read_bytes())])
    docs, _, _ = read_upload(archive, "brat")
    assert [d.id for d in docs] == ["d0", "d1"]


def test_invalid_utf8_content_names_the_entry(tmp_path: Path, db_url: str, dump_db) -> None:
    archive = _zip(tmp_path / "x.zip", [("corpus/d5.ann", b"T1\tDrug 0 1\t\xff\n")])
    with Store.open(db_url) as store:
        before = dump_db(db_url)
        with pytest.raises(ConversionError, match=r"x\.zip!corpus/d5\.ann.*UTF-8"):
            import_path(store, "p", "brat", archive)
    assert dump_db(db_url) == before


def test_non_utf8_entry_names(tmp_path: Path) -> None:
    """Legacy names (no UTF-8 flag) are read as cp437, as every unzip does; a name flagged
    UTF-8 that is not is refused naming the archive (it was a UnicodeDecodeError)."""
    archive = _zip(tmp_path / "legacy.zip", [("corpus/nameXX.txt", b"plain")])
    archive.write_bytes(archive.read_bytes().replace(b"nameXX", b"name\xff\xfe"))
    docs, _, _ = read_upload(archive, "brat")
    assert "name\xa0\u25a0" in [d.id for d in docs]
    flagged = _zip(tmp_path / "flagged.zip", [("corpus/nameXX.txt", b"plain")])
    _flag_utf8_names(flagged, b"nameXX", b"name\xff\xfe")
    with pytest.raises(ConversionError, match=r"flagged\.zip.*not a valid zip"):
        read_upload(flagged, "brat")


def test_duplicate_entry_names_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = _zip(tmp_path / "x.zip", [("corpus/d0.txt", b"other text")])
    with pytest.raises(ConversionError, match=r"x\.zip!corpus/d0\.txt: duplicate entry"):
        read_upload(archive, "brat")


@pytest.mark.parametrize(
    "name",
    ["corpus/d0.txt/inside.txt", "corpus/" + "n" * 300 + ".txt"],
    ids=["file-where-a-folder-goes", "name-too-long"],
)
def test_entries_that_cannot_be_extracted(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "x.zip", [(name, b"x")])
    with pytest.raises(ConversionError, match="cannot be extracted") as info:
        read_upload(archive, "brat")
    assert f"x.zip!{name}" in str(info.value)


def test_corrupt_data_and_not_a_zip(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "x.zip", [("corpus/z.txt", b"hello world " * 500)])
    data = bytearray(archive.read_bytes())
    at = data.index(b"corpus/z.txt") + len("corpus/z.txt") + 10  # inside the deflate stream
    data[at : at + 20] = b"\xff" * 20
    archive.write_bytes(bytes(data))
    with pytest.raises(ConversionError, match=r"x\.zip!corpus/z\.txt"):
        read_upload(archive, "brat")
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ConversionError, match="not a valid zip"):
        read_upload(tmp_path / "fake.zip", "brat")


def test_reader_errors_inside_an_archive_name_the_entry(tmp_path: Path) -> None:
    """Used to name the deleted temporary folder instead of the archive."""
    archive = _zip(
        tmp_path / "x.zip", [("corpus/bad.txt", b"abc"), ("corpus/bad.ann", b"T1\tX 0 9\tabc\n")]
    )
    with pytest.raises(ConversionError) as info:
        read_upload(archive, "brat")
    assert info.value.path == f"{archive}!corpus/bad.ann" and info.value.line == 1
    assert all(p.path.startswith(f"{archive}!") for p in info.value.problems)


def test_refused_import_into_a_new_project_creates_nothing(
    tmp_path: Path, db_url: str, dump_db
) -> None:
    """A NUL in a text is refused before the project is created (the store refused it only
    after ``import_path`` had created the project)."""
    corpus = tmp_path / "c"
    converters.write("brat", [Document("a", "ok", [Entity("T1", "X", [(0, 2)])])], corpus)
    (corpus / "b.txt").write_bytes(b"bad\x00text")
    with Store.open(db_url) as store:
        before = dump_db(db_url)
        with pytest.raises(ConversionError, match="NUL"):
            import_path(store, "fresh", "brat", corpus)
        assert store.list_projects() == []
    assert dump_db(db_url) == before


def test_cli_import_of_a_zip_slip_archive(tmp_path: Path, db_url: str, dump_db) -> None:
    archive = _zip(tmp_path / "x.zip", [("corpus/../../evil.txt", b"x")])
    Store.open(db_url).close()
    before = dump_db(db_url)
    proc = subprocess.run(
        [*DB_IMPORT, "--db", db_url, "--project", "p", "--format", "brat", str(archive)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "x.zip!corpus/../../evil.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert dump_db(db_url) == before
