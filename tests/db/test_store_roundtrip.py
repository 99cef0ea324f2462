"""Import -> export through the database equals the converters' own round trip.

For every shared BRAT corpus (each folder with its ``annotation.conf``) and the ACE pair: the
documents exported from the store equal the documents read from disk, and the files written
from the store equal the files the converter writes from what it read (conf files included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import converters
from db import Store
from db.cli import export_path, import_path


def _corpora(shared_data: Path) -> list[Path]:
    root = shared_data / "brat-samples"
    return sorted({conf.parent for conf in root.rglob("annotation.conf")})


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _check(store: Store, fmt: str, path: Path, project: str, tmp_path: Path) -> int:
    direct = converters.read(fmt, path)
    schema = converters.read_schema(fmt, path)
    result = import_path(store, project, fmt, path)
    assert result.documents == len(direct)
    exported, _ = store.export_documents(project)
    assert [d.id for d in exported] == [d.id for d in direct]
    for got, want in zip(exported, direct, strict=True):
        assert got == want, got.id
    converters.write(fmt, direct, tmp_path / f"{project}-direct", schema=schema)
    export_path(store, project, fmt, tmp_path / f"{project}-store")
    assert _files(tmp_path / f"{project}-store") == _files(tmp_path / f"{project}-direct")
    return len(direct)


def test_every_brat_sample_round_trips(store: Store, shared_data: Path, tmp_path: Path) -> None:
    corpora = _corpora(shared_data)
    assert len(corpora) >= 8
    total = 0
    for i, corpus in enumerate(corpora):
        total += _check(store, "brat", corpus, f"brat-{i}", tmp_path)
    # every .ann of the shared samples lives under one of the annotation.conf folders
    assert total == len(list((shared_data / "brat-samples").rglob("*.ann")))


def test_ace_pair_round_trips(store: Store, shared_data: Path, tmp_path: Path) -> None:
    assert _check(store, "ace", shared_data / "ace-samples" / "synthetic", "ace", tmp_path) == 1
    view = store.load_document(store.find_document("ace", store.export_documents("ace")[0][0].id))
    assert view.groups and any(e.head for e in view.entities)


def test_spert_round_trips(store: Store, shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "conll04" / "conll04_dev.json"
    direct = converters.read("spert", path)
    import_path(store, "conll", "spert", path)
    assert store.export_documents("conll")[0] == direct
    export_path(store, "conll", "spert", tmp_path / "out.json")
    converters.write(
        "spert", direct, tmp_path / "direct.json", schema=converters.read_schema("spert", path)
    )
    assert (tmp_path / "out.json").read_bytes() == (tmp_path / "direct.json").read_bytes()


@pytest.mark.parametrize("fmt", ["brat", "spert"])
def test_export_cli_formats_reread(
    store: Store, shared_data: Path, tmp_path: Path, fmt: str
) -> None:
    """Cross-format export (ACE -> brat/spert) goes through the same converter writers."""
    import_path(store, "ace", "ace", shared_data / "ace-samples" / "synthetic")
    out = tmp_path / ("out" if fmt == "brat" else "out.json")
    export_path(store, "ace", fmt, out)
    again = converters.read(fmt, out)
    mine, _ = store.export_documents("ace")
    assert len(again) == len(mine)
    assert [len(d.entities) for d in again] == [len(d.entities) for d in mine]


def test_a_tree_import_keeps_each_collections_conf(store: Store, shared_data: Path) -> None:
    """brat's tutorials/ has no annotation.conf of its own; news/ and bio/ each have one. The
    project gets both: their types with colours and argument constraints, not inferred ones."""
    tree = shared_data / "brat-samples" / "brat-example-data" / "tutorials"
    assert not (tree / "annotation.conf").exists()
    import_path(store, "tutorials", "brat", tree)
    schema = store.project_schema("tutorials")
    news = converters.read_schema("brat", tree / "news")
    bio = converters.read_schema("brat", tree / "bio")
    names = schema.entity_names()
    assert set(news.entity_names()) | set(bio.entity_names()) <= set(names)
    colours = {t.name: t.color for t in schema.entity_types}
    for t in news.entity_types:
        if t.color:
            assert colours[t.name] == t.color, t.name
    lines = {(r.name, tuple(r.arg1_types), tuple(r.arg2_types)) for r in schema.relation_types}
    assert ("Located", ("Person",), ("GPE",)) in lines
    equiv = [r for r in schema.relation_types if r.name == "Equiv"]
    assert [r.arg1_types for r in equiv] == [["Protein"], ["Simple_chemical"], ["Organism"]]
    attrs = {a.name: a for a in schema.attribute_types}
    # both define Confidence (bio: Possible|Likely|Certain, news: High|Neutral|Low): the union
    assert attrs["Confidence"].values == ["Possible", "Likely", "Certain", "High", "Neutral", "Low"]
    assert {t.name for t in schema.event_types} >= {"Gene_expression", "Binding"}
