"""What the writers leave on disk: per-collection annotation.conf files kept BRAT -> BRAT,
ordinary file permissions (not mkstemp's owner-only 0600), missing folders created, and
warnings that name the file where it really is."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from converters import Document, Entity, Relation, ace, brat, spert
from converters.cli import main
from converters.errors import ConversionError
from converters.schema import EntityType, Schema
from converters.schema_admission import admitting


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _doc(doc_id: str = "d1") -> Document:
    return Document(
        doc_id,
        "Ann met Bob.",
        entities=[Entity("T1", "PER", [(0, 3)]), Entity("T2", "PER", [(8, 11)])],
        relations=[Relation("R1", "PER-SOC", "T1", "T2")],
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_brat_tree_keeps_every_collection_conf(shared_data: Path, tmp_path: Path) -> None:
    samples = shared_data / "brat-samples"
    subs = brat.read_collection_schemas(samples)
    assert len(subs) == 12 and "brat-example-data/tutorials/news" in subs
    assert brat.read_schema(samples) is None  # no conf at the top of the tree
    out = tmp_path / "out"
    assert main(["convert", "--from", "brat", "--to", "brat", str(samples), str(out)]) == 0
    written = brat.read_collection_schemas(out)
    assert set(written) == set(subs)
    documents = brat.read_corpus(samples)
    widened = []
    for folder, schema in subs.items():
        # each conf as it was (colours and shortcuts included), widened only where its own
        # documents use what it does not admit (CoNLL-ST_2006's "Arg1:Span" names no type)
        governed = [d for d in documents if d.id.startswith(folder + "/")]
        assert governed, folder
        expected, added = admitting(schema, governed)
        assert written[folder] == expected, folder
        assert brat.read_schema(out / folder) == expected, folder
        if added:
            widened.append(folder)
    assert widened == ["brat-example-data/corpora/CoNLL-ST_2006"]


def test_collection_folder_must_stay_inside_the_export(tmp_path: Path) -> None:
    for bad in ("../escape", ".hidden", "/abs"):
        with pytest.raises(ConversionError, match="file name"):
            brat.write_corpus([_doc()], tmp_path / "out", collection_schemas={bad: Schema()})
    assert not (tmp_path / "out").exists()


def test_exports_get_ordinary_permissions(tmp_path: Path, umask_022: None) -> None:
    brat.write_corpus([_doc(), _doc("sub/d2")], tmp_path / "brat", schema=Schema())
    ace.write_corpus([_doc()], tmp_path / "ace")
    spert.write_corpus([_doc()], tmp_path / "spert" / "out.json", schema=Schema())
    written = [p for p in tmp_path.rglob("*")]
    assert len([p for p in written if p.is_file()]) == 2 * 2 + 1 + 2 + 2
    for path in written:
        assert _mode(path) == (0o755 if path.is_dir() else 0o644), path


def test_spert_creates_the_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out.json"
    assert spert.write_corpus([_doc()], out) == []
    assert [d.id for d in spert.read_corpus(out)] == ["d1"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.json"]


def test_conf_warning_names_the_real_path_for_a_relative_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    odd = Schema(entity_types=[EntityType("Adverse effect")])
    problems = brat.write_corpus([_doc()], Path("rel/out"), schema=odd)
    assert problems and {p.path for p in problems} == {str(Path("rel/out/annotation.conf"))}
    assert Path(problems[0].path).is_file()


def test_ace_refuses_ids_that_are_no_file_name_or_collide(tmp_path: Path) -> None:
    out = tmp_path / "ace"
    for ids in ([".", "x"], ["", "x"], ["Doc", "doc"], ["a/../b"]):
        with pytest.raises(ConversionError, match=r"file name|would be written"):
            ace.write_corpus([_doc(i) for i in ids], out)
    assert not out.exists()
