"""A project imported from a conf-less BRAT corpus with events exports an ``annotation.conf``
that admits every exported ``.ann`` line.

Judged twice, by judges that are not our conf reader: ``tests/brat_conf_semantics`` (brat's
documented conf rules, written independently of ``converters``) line by line, and pybrat (from
PyPI) reading the exported files back with the same entity, event and relation counts.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import asdict
from pathlib import Path

from pybrat.parser import BratParser

from app.screens import exporting, importing
from converters import brat
from db import Store
from tests.brat_conf_semantics import check_export, parse_conf

#: event corpora of the shared samples: nested events (<EVENT> arguments), equivalences,
#: attributes on events, relations, normalizations and notes
CORPORA = (
    "brat-example-data/tutorials/news",
    "brat-example-data/tutorials/bio",
    "brat-example-data/corpora/BioNLP-ST_2011/BioNLP-ST_2011_GE",
    "brat-example-data/corpora/BioNLP-ST_2011/BioNLP-ST_2011_ID",
)


def _confless_zip(shared_data: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The corpora's .txt/.ann pairs (no conf file) in one zip, and the .ann texts by name."""
    anns: dict[str, str] = {}
    path = tmp_path / "confless.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for corpus in CORPORA:
            folder = shared_data / "brat-samples" / corpus
            for ann in sorted(folder.glob("*.ann")):
                name = f"{Path(corpus).name}/{ann.stem}"
                zf.write(ann.with_suffix(".txt"), f"corpus/{name}.txt")
                zf.write(ann, f"corpus/{name}.ann")
                anns[name] = ann.read_text(encoding="utf-8")
    assert not any(n.endswith(".conf") for n in zipfile.ZipFile(path).namelist())
    return path, anns


def _only_equiv(line: str) -> str:
    """pybrat reads ``*`` lines of type Equiv only and crashes on others (see
    ``tests/converters/test_brat_pybrat.py``): hide the rest from it."""
    return "" if line.startswith("*\t") and not line.startswith("*\tEquiv ") else line


def test_exported_conf_admits_every_exported_line(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    upload, anns = _confless_zip(shared_data, tmp_path)
    lines = [line for text in anns.values() for line in text.splitlines() if line.strip()]
    kinds = {k: sum(1 for line in lines if line[0] == k) for k in "TREAM*N#"}
    # something to judge: every kind of line the conf must admit is there
    assert all(kinds[k] > 0 for k in "TREAM*"), kinds

    outcome = importing.import_uploads(store, "events", [upload])
    assert outcome.ok, outcome.error
    # the import report lists every kind that came in (a trigger is part of its event)
    triggers = sum(  # per document: ids repeat across documents
        len({line.split()[1].split(":")[1] for line in text.splitlines() if line[:1] == "E"})
        for text in anns.values()
    )
    expected = {
        "documents": len(anns),
        "entities": kinds["T"] - triggers,
        "relations": kinds["R"],
        "events": kinds["E"],
        "attributes": kinds["A"] + kinds["M"],
        "normalizations": kinds["N"],
        "notes": kinds["#"],
        "equivalences": kinds["*"],
        "not_drawn": 0,  # no relation of these corpora has a relation as an argument
    }
    assert asdict(outcome.counts) == expected
    # and one row per document read, which add up to the file's row
    per_document = outcome.document_rows()
    assert len(per_document) == len(anns) and {r[1] for r in per_document} == {"confless.zip"}
    doc_kinds = importing.DOCUMENT_HEADERS[2:]
    assert [sum(r[2 + i] for r in per_document) for i in range(len(doc_kinds))] == [
        expected[k] for k in doc_kinds
    ]
    (row,) = [r.row() for r in outcome.files]
    assert dict(zip(importing.REPORT_HEADERS, row, strict=True)) == {
        "file": "confless.zip",
        "format": "brat",
        **{k: n for k, n in expected.items() if k != "not_drawn"},
        "result": "ok",
    }
    files, problems = exporting.export_project(store, "events", "brat", out_dir=tmp_path / "x")
    assert problems == []  # the project's inferred schema admitted its data: nothing widened
    out = tmp_path / "export"
    with zipfile.ZipFile(files[0]) as zf:
        zf.extractall(out)
    (root,) = [p for p in out.iterdir() if p.is_dir()]

    source = tmp_path / "source"
    with zipfile.ZipFile(upload) as zf:
        zf.extractall(source)
    exported = {d.id: d for d in brat.read_corpus(root)}
    for doc in brat.read_corpus(source / "corpus"):  # the round trip is exact, ids included
        assert exported[doc.id] == doc, doc.id
    conf = parse_conf((root / "annotation.conf").read_text(encoding="utf-8"))
    assert conf.events and conf.attributes and conf.relations and conf.entities
    checked, refused = check_export(root)
    assert checked == len(lines)
    assert refused == []

    examples = BratParser(error="ignore").parse(root, ann_preprocess_function=_only_equiv)
    assert len(examples) == len(anns)
    assert sum(len(ex.entities) for ex in examples) == kinds["T"]
    assert sum(len(ex.events) for ex in examples) == kinds["E"]
    equiv_pairs = 0
    for line in lines:
        if line.startswith("*\tEquiv "):
            n = len(line.split()) - 2
            equiv_pairs += n * (n - 1) // 2  # pybrat expands an equivalence into pairs
    assert sum(len(ex.relations) for ex in examples) >= kinds["R"] + equiv_pairs - kinds["*"]


def test_the_judge_refuses_what_brat_would(store: Store, shared_data: Path, tmp_path: Path) -> None:
    """The independent check can fail: a conf without the event types (what the export wrote
    before it declared them) and one with a narrowed role are refused, line by line."""
    upload, _ = _confless_zip(shared_data, tmp_path)
    assert importing.import_uploads(store, "events", [upload]).ok
    files, _ = exporting.export_project(store, "events", "brat", out_dir=tmp_path / "x")
    out = tmp_path / "export"
    with zipfile.ZipFile(files[0]) as zf:
        zf.extractall(out)
    (root,) = [p for p in out.iterdir() if p.is_dir()]
    conf_path = root / "annotation.conf"
    good = conf_path.read_text(encoding="utf-8")

    no_events = (
        good.split("[events]")[0] + "[events]\n\n[attributes]\n" + good.split("[attributes]")[1]
    )
    conf_path.write_text(no_events, encoding="utf-8")
    _, refused = check_export(root)
    assert any("event type" in p and "is not declared" in p for p in refused)

    narrowed = good.replace("Theme:Protein", "Theme:Entity", 1)
    assert narrowed != good
    conf_path.write_text(narrowed, encoding="utf-8")
    _, refused = check_export(root)
    assert any("role Theme does not admit Protein" in p for p in refused)
    shutil.rmtree(out)
