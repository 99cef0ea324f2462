"""One BRAT zip from the Import screen's logic to the Export screen's zip, counting the walk.

On the way in each document is checked once, the zip's headers are read once and the store is
written in one transaction; on the way out the store is read in one transaction.

How the counting works, without replacing any of our code: ``Document.problems`` is the one
rule of what a document may hold, so every check of a document calls it; ``monkeypatch`` wraps
it (and ``check_zip``, the zip header check) in a counter that calls the real function. A second
check added anywhere, in the screen, in ``converters`` or in the store, counts two. Transactions
are counted with SQLAlchemy's own ``begin`` event on the store's engine.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

import converters.ace.corpus
import converters.archive
import converters.upload
from app.screens import exporting, importing
from converters.document import Document
from db import Store
from db.session import WRITE_OPTION

CONF = (
    "[entities]\nDrug\nEffect\n[relations]\nCauses Arg1:Drug, Arg2:Effect\n[events]\n[attributes]\n"
)
DOCS = {
    f"d{i}": (
        f"Aspirin {i} causes rash.",
        f"T1\tDrug 0 7\tAspirin\nT2\tEffect {len(str(i)) + 16} {len(str(i)) + 20}\trash\n"
        "R1\tCauses Arg1:T1 Arg2:T2\n",
    )
    for i in range(3)
}


def _brat_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("corpus/annotation.conf", CONF)
        for name, (text, ann) in DOCS.items():
            zf.writestr(f"corpus/{name}.txt", text)
            zf.writestr(f"corpus/{name}.ann", ann)
    return path


class Walk:
    """What the walk did: document checks per document, zip header checks, transactions."""

    def __init__(self) -> None:
        self.checked: Counter[str] = Counter()
        self.zip_checks = 0
        self.transactions: Counter[str] = Counter()

    def reset(self) -> None:
        self.checked.clear()
        self.zip_checks = 0
        self.transactions.clear()


@pytest.fixture
def walk(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Walk]:
    seen = Walk()
    problems = Document.problems

    def counted_problems(doc: Document) -> list[str]:
        seen.checked[doc.id] += 1
        return problems(doc)

    check_zip = converters.archive.check_zip

    def counted_check_zip(*args: Any, **kwargs: Any) -> Any:
        seen.zip_checks += 1
        return check_zip(*args, **kwargs)

    def on_begin(conn: Any) -> None:
        seen.transactions[
            "write" if conn.get_execution_options().get(WRITE_OPTION) else "read"
        ] += 1

    monkeypatch.setattr(Document, "problems", counted_problems)
    for module in (converters.archive, converters.upload):
        monkeypatch.setattr(module, "check_zip", counted_check_zip)
    event.listen(store.engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(store.engine, "begin", on_begin)


def _import(store: Store, upload: Path) -> importing.ImportOutcome:
    return importing.import_uploads(store, "walk", [upload])


def test_brat_zip_upload_to_export_walk(store: Store, walk: Walk, tmp_path: Path) -> None:
    upload = _brat_zip(tmp_path / "corpus.zip")
    outcome = _import(store, upload)
    assert outcome.ok, outcome.error
    assert outcome.documents == len(DOCS) and outcome.relations == len(DOCS)
    assert dict(walk.checked) == {name: 1 for name in DOCS}
    assert walk.zip_checks == 1
    assert walk.transactions["write"] == 1 and walk.transactions["read"] <= 1

    walk.reset()
    files, problems = exporting.export_project(store, "walk", "brat", out_dir=tmp_path / "out")
    assert problems == []
    assert walk.transactions == Counter(read=1)
    with zipfile.ZipFile(files[0]) as zf:
        assert zf.read("walk/annotation.conf")
        for name, (text, ann) in DOCS.items():
            assert zf.read(f"walk/{name}.txt").decode() == text
            assert zf.read(f"walk/{name}.ann").decode().splitlines() == ann.splitlines()


def test_a_refused_second_upload_is_checked_once_and_blamed_on_its_file(
    store: Store, walk: Walk, tmp_path: Path
) -> None:
    """The names already in the project are the store's to tell: it refuses the whole upload
    in its one transaction, and the screen puts the refusal on the file's row."""
    upload = _brat_zip(tmp_path / "corpus.zip")
    assert _import(store, upload).ok
    walk.reset()
    again = _import(store, upload)
    assert not again.ok and "nothing was imported" in again.error
    assert "already in project 'walk'" in again.files[0].error
    assert all(n <= 1 for n in walk.checked.values())  # a taken name needs no further look
    assert len(store.list_documents("walk")) == len(DOCS)


def test_spert_json_upload_is_checked_once_per_document(
    store: Store, walk: Walk, tmp_path: Path
) -> None:
    """A SpERT file: the reader checks each record where it can name the line, and the
    document it builds is checked once more, by the store, and nowhere else."""
    records = [
        {
            "tokens": ["Aspirin", str(i), "causes", "rash", "."],
            "entities": [
                {"type": "Drug", "start": 0, "end": 1},
                {"type": "Effect", "start": 3, "end": 4},
            ],
            "relations": [{"type": "Causes", "head": 0, "tail": 1}],
            "orig_id": f"s{i}",
        }
        for i in range(3)
    ]
    upload = tmp_path / "corpus.json"
    upload.write_text(json.dumps(records), encoding="utf-8")
    outcome = _import(store, upload)
    assert outcome.ok, outcome.error
    assert outcome.documents == 3 and outcome.relations == 3
    assert len(walk.checked) == 3 and set(walk.checked.values()) == {1}
    assert walk.transactions["write"] == 1


def test_ace_upload_is_read_and_checked_once_per_document(
    store: Store, walk: Walk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ACE zip (written by the ACE export of the BRAT corpus): each APF file is parsed once
    (its schema is inferred from the documents read, not by reading them again), the reader's
    own checks name the element's line, and the document it builds is checked by the store."""
    assert _import(store, _brat_zip(tmp_path / "corpus.zip")).ok
    files, _warnings = exporting.export_project(store, "walk", "ace", out_dir=tmp_path / "ace")
    assert len(files) == 1  # the warnings: ACE's fixed vocabulary lacks these types
    parsed: Counter[str] = Counter()
    read_document = converters.ace.corpus.read_document

    def counted_read(sgm: Any, apf: Any, doc_id: Any = None) -> Document:
        doc = read_document(sgm, apf, doc_id)
        parsed[doc.id] += 1
        return doc

    monkeypatch.setattr(converters.ace.corpus, "read_document", counted_read)
    walk.reset()
    outcome = importing.import_uploads(store, "walk-ace", [files[0]])
    assert outcome.ok, outcome.error
    assert outcome.documents == len(DOCS) and outcome.relations == len(DOCS)
    assert dict(parsed) == {name: 1 for name in DOCS}
    assert dict(walk.checked) == {name: 1 for name in DOCS}
    assert walk.zip_checks == 1
    assert walk.transactions["write"] == 1
