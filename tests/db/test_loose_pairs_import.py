"""The Import screen's logic with loose BRAT files, into a real store (SQLite and PostgreSQL).

Files picked together arrive each in a folder of its own (as Gradio keeps them); ``doc1.txt``
and ``doc1.ann`` must become one annotated document, and a problem anywhere must leave the
database exactly as it was, with every problem listed cause first for the page to show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.screens import importing
from db import Store
from db.cli import main as db_cli

TEXT = "John Smith works for Acme Corp in Boston."
ANN = "T1\tPerson 0 10\tJohn Smith\nT2\tOrg 21 30\tAcme Corp\nR1\tWorks_for Arg1:T1 Arg2:T2\n"
CONF = (
    "[entities]\nPerson\nOrg\n[relations]\nWorks_for Arg1:Person, Arg2:Org\n"
    "[events]\n[attributes]\n"
)
# line 4: a space instead of the tab after the id; line 2 refers to that id
BROKEN = (
    "T1\tPerson 0 10\tJohn Smith\nR1\tWorks_for Arg1:T1 Arg2:T3\nT2\tOrg 21 30\tAcme Corp\n"
    "T3 Place 34 40\tBoston\n"
)


def _uploads(tmp: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for i, (name, content) in enumerate(files.items()):
        folder = tmp / f"upload{i}"
        folder.mkdir(parents=True)
        paths.append(folder / name)
        paths[-1].write_text(content, encoding="utf-8")
    return paths


def test_loose_pairs_import_as_annotated_documents(store: Store, tmp_path: Path) -> None:
    files = _uploads(
        tmp_path,
        {
            "doc1.txt": TEXT,
            "doc2.ann": "T1\tOrg 21 30\tAcme Corp\n",
            "annotation.conf": CONF,
            "doc1.ann": ANN,
            "doc2.txt": TEXT,
            "note.json.txt": "a plain note",  # no .ann of its own: refused, see below
        },
    )
    out = importing.import_uploads(store, "loose", files[:5])
    assert out.ok, out.error
    [row] = out.files
    assert row.file == "doc1.txt + doc1.ann + doc2.txt + doc2.ann and 1 more"
    assert row.row()[1:6] == ["brat", 2, 3, 1, 0]  # format, documents, entities, relations
    assert (out.documents, out.entities, out.relations) == (2, 3, 1)
    doc1 = store.load_document(store.find_document("loose", "doc1"))
    assert [(e.type, e.fragments) for e in doc1.entities] == [
        ("Person", [(0, 10)]),
        ("Org", [(21, 30)]),
    ]
    assert [r.type for r in doc1.relations] == ["Works_for"]
    assert [t.name for t in store.project_schema("loose").relation_types] == ["Works_for"]
    # a .txt among pairs without its .ann is not silently a plain text
    again = importing.import_uploads(store, "loose2", [files[5], files[0], files[3]])
    assert not again.ok
    assert again.problem_lines() == [
        "note.json.txt: no partner annotation file note.json.ann (the other texts came with "
        "theirs; give an empty .ann for a text without annotations)"
    ]


def test_plain_texts_alone_still_import_one_document_each(store: Store, tmp_path: Path) -> None:
    texts = _uploads(tmp_path, {"a.txt": TEXT, "b.txt": "x"})
    out = importing.import_uploads(store, "texts", texts)
    assert out.ok and [r.file for r in out.files] == ["a.txt", "b.txt"]
    assert [r.format for r in out.files] == ["txt", "txt"]


def test_a_problem_leaves_the_store_as_it_was_and_is_listed_cause_first(
    store: Store, backend_url: str, tmp_path: Path, dump: Any
) -> None:
    importing.import_uploads(store, "kept", _uploads(tmp_path / "first", {"a.txt": TEXT}))
    before = dump(backend_url)
    files = _uploads(
        tmp_path / "second",
        {
            "doc1.txt": TEXT,
            "doc1.ann": BROKEN,
            "doc2.txt": TEXT,
            "doc2.ann": ANN,
            "lone.ann": "",
            "report.pdf": "%PDF",
        },
    )
    out = importing.import_uploads(store, "kept", files)
    assert not out.ok and out.error == "2 file(s) have problems: nothing was imported"
    assert out.problem_lines() == [
        "doc1.ann:4: malformed id 'T3 Place 34 40' (a space instead of a tab after the id?)",
        "doc1.ann:2: R1: Arg2 refers to unknown id T3 (its line 4 could not be read)",
        "lone.ann: no partner text file lone.txt",
        "report.pdf: unsupported file type; upload .txt, .ann, .conf, .zip, .json",
    ]
    assert str(tmp_path) not in "".join(out.problem_lines())
    assert dump(backend_url) == before


def test_the_store_cli_lists_the_same_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m db import`` of a folder prints every problem the Import screen lists."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "doc1.txt").write_text(TEXT, encoding="utf-8")
    (folder / "doc1.ann").write_text(BROKEN, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert db_cli(["import", "--db", url, "--project", "p", "--format", "brat", str(folder)]) == 1
    with Store.open(f"sqlite:///{tmp_path / 'page.sqlite'}") as store:
        uploads = _uploads(tmp_path / "up", {"doc1.txt": TEXT, "doc1.ann": BROKEN})
        page = importing.import_uploads(store, "p", uploads).problem_lines()
    printed = capsys.readouterr().err.replace(f"{folder}/", "").splitlines()
    assert len(page) == 2 and printed == [f"error: {line}" for line in page]
