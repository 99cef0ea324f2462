"""An import is all or nothing: one bad document among 50 leaves the database exactly as before."""

from __future__ import annotations

from pathlib import Path

import pytest

import converters
from converters.document import Document, Entity, Relation
from converters.errors import ConversionError
from db import Store
from db.cli import main
from tests.cli_runs import run_main


def _docs(n: int, prefix: str = "doc") -> list[Document]:
    return [
        Document(
            f"{prefix}{i:03d}",
            f"Drug{i} causes rash number {i}.",
            [Entity("T1", "Drug", [(0, 4 + len(str(i)))]), Entity("T2", "Effect", [(12, 16)])],
            [Relation("R1", "Causes", "T1", "T2")],
        )
        for i in range(n)
    ]


def test_bad_document_rolls_back_everything(
    store: Store, backend_url: str, dump, tmp_path: Path
) -> None:
    store.create_project("p")
    store.import_documents("p", _docs(3, "old"))
    before = dump(backend_url)
    docs = _docs(50)
    docs[37].entities.append(Entity("T3", "Drug", [(5, 999)]))  # outside the text
    with pytest.raises(ConversionError, match=r"doc037.*outside the text"):
        store.import_documents("p", docs, batch_size=10)  # refused before batch 1 is written
    assert dump(backend_url) == before
    # a duplicate name and a NUL character are refused the same way
    dup = _docs(50)
    dup[45] = Document("old001", "x")
    with pytest.raises(ConversionError, match=r"old001.*already in project"):
        store.import_documents("p", dup, batch_size=10)
    nul = _docs(50)
    nul[20].text = "bad\x00text" + nul[20].text
    with pytest.raises(ConversionError, match="NUL"):
        store.import_documents("p", nul, batch_size=10)
    assert dump(backend_url) == before
    # and the same batch without the bad document goes in whole
    assert store.import_documents("p", _docs(50), batch_size=10).documents == 50
    assert len(store.list_documents("p")) == 53


def test_cli_import_of_folder_with_one_bad_file(backend_url: str, dump, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    converters.write("brat", _docs(50), corpus)
    Store.open(backend_url).close()
    before = dump(backend_url)
    (corpus / "doc021.txt").write_bytes(b"Drug21 causes \xff\xfe rash number 21.")
    # ``python -m db import`` run by ``db.cli.main`` in this process (tests/cli_runs.py)
    cmd = ["import", "--db", backend_url, "--project", "p"]
    proc = run_main(main, *cmd, "--format", "brat", str(corpus))
    assert proc.returncode == 1
    assert "doc021.txt" in proc.stderr and "UTF-8" in proc.stderr
    assert dump(backend_url) == before


def test_refused_import_into_a_new_project_leaves_no_project(
    store: Store, backend_url: str, dump
) -> None:
    before = dump(backend_url)
    docs = _docs(20)
    docs[15].entities.append(Entity("T3", "Drug", [(5, 999)]))
    with pytest.raises(ConversionError, match="doc015"):
        store.import_documents("fresh", docs, batch_size=5, create=True)
    assert dump(backend_url) == before
    assert [p.name for p in store.list_projects()] == []
    assert store.import_documents("fresh", _docs(20), create=True).documents == 20
    assert [p.name for p in store.list_projects()] == ["fresh"]
