"""Zip import refuses unsafe or oversized entries and invalid UTF-8, naming the entry."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

import converters
from converters.archive import ZipLimits, ZipRefused
from converters.document import Document, Entity
from converters.errors import ConversionError
from converters.upload import read_upload
from db import Store
from db.cli import import_path


def _good_zip(path: Path, tmp_path: Path) -> Path:
    docs = [Document(f"d{i}", f"Aspirin {i}.", [Entity("T1", "Drug", [(0, 7)])]) for i in range(3)]
    converters.write("brat", docs, tmp_path / "src")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted((tmp_path / "src").iterdir()):
            zf.write(f, f"corpus/{f.name}")
    return path


def _with_entry(path: Path, name: str, data: bytes, *, mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        if mode is not None:
            info.create_system = 3
            info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


def test_good_zip_imports(store: Store, tmp_path: Path) -> None:
    result = import_path(store, "p", "brat", _good_zip(tmp_path / "ok.zip", tmp_path))
    assert result.documents == 3
    assert [d.id for d in store.export_documents("p")[0]] == ["d0", "d1", "d2"]


@pytest.mark.parametrize(
    ("name", "data", "mode", "reason"),
    [
        ("/etc/passwd.txt", b"x", None, "unsafe path"),
        ("corpus/../../evil.txt", b"x", None, "unsafe path"),
        ("C:/evil.txt", b"x", None, "unsafe path"),
        ("corpus/link.txt", b"/etc/passwd", stat.S_IFLNK | 0o777, "symbolic link"),
        ("corpus/bad.txt", b"caf\xe9", None, "not valid UTF-8"),
        ("corpus/bomb.txt", b"a" * 5_000_000, None, "compression ratio"),
    ],
)
def test_unsafe_entries_are_refused(
    tmp_path: Path, name: str, data: bytes, mode: int | None, reason: str
) -> None:
    archive = _with_entry(_good_zip(tmp_path / "x.zip", tmp_path), name, data, mode=mode)
    with pytest.raises(ZipRefused, match=reason) as info:
        read_upload(archive, "brat")
    assert f"x.zip!{name}" in str(info.value)


def test_size_limits_are_refused(tmp_path: Path) -> None:
    archive = _good_zip(tmp_path / "x.zip", tmp_path)
    with pytest.raises(ZipRefused, match="limit"):
        read_upload(archive, "brat", ZipLimits(max_entry_bytes=5))
    with pytest.raises(ZipRefused, match="expands past"):
        read_upload(archive, "brat", ZipLimits(max_total_bytes=20))
    with pytest.raises(ZipRefused, match="entries"):
        read_upload(archive, "brat", ZipLimits(max_entries=2))


def test_refused_zip_leaves_database_untouched(
    store: Store, backend_url: str, dump, tmp_path: Path
) -> None:
    store.create_project("p")
    before = dump(backend_url)
    archive = _with_entry(_good_zip(tmp_path / "x.zip", tmp_path), "corpus/z.txt", b"\xff")
    with pytest.raises(ConversionError, match=r"z\.txt"):
        import_path(store, "p", "brat", archive)
    assert dump(backend_url) == before


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    with pytest.raises(ConversionError, match="not a valid zip"):
        read_upload(tmp_path / "fake.zip", "brat")
