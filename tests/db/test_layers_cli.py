"""``python -m db`` for annotation layers: ``import --layer``, ``agreement``, ``export --layer``
and ``assign``, on a real SQLite file and PostgreSQL.

The project: 30 CoNLL04 documents as its curated gold, one of them (``M``) pre-annotated by a
"model" and curated from its suggestions (one rejected, one entity the model missed added by
hand), another (``R``) reopened (not curated: left out of the comparisons against the curated
layer). Two annotators' layers come from BRAT folders: ``ann1`` is the gold itself, ``ann2`` a
copy with known perturbations (``bench/agreement.py``'s ``perturb``), so every figure is
predicted by the perturbation counts; bratiaa checks the entity F1 on the layers as exported.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import converters
from converters import brat
from converters.document import Document, Entity
from converters.schema import Schema
from db import Edit, Store
from db.agreement import Counts
from db.cli import main
from tests.bench_modules import load_bench
from tests.bratiaa_runs import bratiaa_f1

bench = load_bench("agreement")
DROP, SHIFT, RETYPE = 4, 5, 6


def _cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = main([args[0], "--db", url, *args[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> Any:
    code, out, err = _cli(capsys, url, *args)
    assert code == 0, err
    return json.loads(out)


def _brat(verb: str, folder: Path, *extra: str, layer: str | None = None) -> list[str]:
    """The arguments of ``<verb> --project p --format brat [--layer LAYER] EXTRA... FOLDER``:
    an import or export of ``folder`` in BRAT for project ``p``, into or out of ``layer``'s
    layer when one is named; ``extra``: the options a case adds."""
    layer_args = ("--layer", layer) if layer is not None else ()
    return [verb, "--project", "p", "--format", "brat", *layer_args, *extra, str(folder)]


def _counts(d: dict[str, Any]) -> Counts:
    return Counts(d["matched"], d["only_a"], d["only_b"])


def _expected(
    gold: list[Document], record: Any, names: set[str]
) -> tuple[Counts, Counts, Counts, dict[str, Counts]]:
    """Gold (A) against its perturbed copy (B) on the documents ``names``, from the
    perturbation record alone (``perturb``'s docstring: each change costs one exact match, a
    drop or a retype one overlap match, a relation is lost or changed with an argument)."""
    docs = [d for d in gold if d.id in names]
    dropped = {k for k in record.dropped if k[0] in names}
    shifted = {k for k in record.shifted if k[0] in names}
    retyped = {k: v for k, v in record.retyped.items() if k[0] in names}
    n = sum(len(d.entities) for d in docs)
    k = len(dropped) + len(shifted) + len(retyped)
    exact = Counts(n - k, k, len(shifted) + len(retyped))
    overlap = Counts(n - len(dropped) - len(retyped), len(dropped) + len(retyped), len(retyped))
    per_type = {}
    for t in sorted({e.type for d in docs for e in d.entities}):
        n_t = sum(1 for d in docs for e in d.entities if e.type == t)
        gone = sum(
            1
            for key in dropped | shifted
            if next(x for x in docs if x.id == key[0]).entity(key[1]).type == t
        ) + sum(1 for old, _ in retyped.values() if old == t)
        came = sum(
            1 for key in shifted if next(x for x in docs if x.id == key[0]).entity(key[1]).type == t
        ) + sum(1 for _, new in retyped.values() if new == t)
        per_type[t] = Counts(n_t - gone, gone, came)
    changed = shifted | set(retyped)
    total = lost = moved = 0
    for d in docs:
        for r in d.relations:
            total += 1
            args = {(d.id, r.arg1), (d.id, r.arg2)}
            if args & dropped:
                lost += 1
            elif args & changed:
                moved += 1
    relations = Counts(total - lost - moved, lost + moved, moved)
    return exact, overlap, relations, per_type


def _free_token(doc: Document) -> tuple[int, int]:
    """A token of ``doc`` no entity touches."""
    for s, e in doc.metadata["tokens"]:
        if not any(x.start < e and s < x.end for x in doc.entities) and doc.text[s:e].isalpha():
            return s, e
    raise AssertionError(f"no free token in {doc.id}")


def _curate_from_suggestions(
    store: Store, doc_id: int, wrong: tuple[int, int], missing: Entity
) -> None:
    """What a curator does on ``M``: accept the model's suggestions but the wrong one, reject
    that, add the entity the model missed, mark the document done."""
    doc = store.load_document(doc_id)
    version = doc.version
    for e in doc.entities:
        edit = (
            Edit.reject(entity_id=e.id)
            if tuple(e.fragments[0]) == wrong
            else Edit.accept(entity_id=e.id)
        )
        version = store.apply_edit(doc_id, edit, version, "cur").version
    for r in doc.relations:
        version = store.apply_edit(doc_id, Edit.accept(relation_id=r.id), version, "cur").version
    add = Edit.add_entity(missing.type, list(missing.fragments))
    version = store.apply_edit(doc_id, add, version, "cur").version
    store.apply_edit(doc_id, Edit.set_status("done"), version, "cur")


@pytest.fixture
def corpus(shared_data: Path) -> tuple[list[Document], Schema]:
    path = shared_data / "conll04" / "conll04_train_dev.json"
    gold = converters.read("spert", path)[:30]
    return gold, converters.read_schema("spert", path.with_name("conll04_types.json"))


def test_layers_import_agreement_and_export_match_the_perturbations_andbratiaa_f1(
    backend_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    corpus: tuple[list[Document], Schema],
    dump: Any,
) -> None:
    gold, schema = corpus
    perturbed, record = bench.perturb(gold, drop=DROP, shift=SHIFT, retype=RETYPE, seed=5)
    assert (len(record.dropped), len(record.shifted), len(record.retyped)) == (4, 5, 6)
    touched = {k[0] for k in [*record.dropped, *record.shifted, *record.retyped]}
    # R: reopened, so not curated (a document with a perturbation, so leaving it out shows);
    # M: curated from the model's suggestions (an entity without relations for it to miss)
    reopened = next(d.id for d in gold if d.id in touched)
    m_doc = next(
        d
        for d in gold
        if d.id != reopened
        and d.relations
        and any(all(e.id not in (r.arg1, r.arg2) for r in d.relations) for e in d.entities)
    )
    missing = next(
        e for e in m_doc.entities if all(e.id not in (r.arg1, r.arg2) for r in m_doc.relations)
    )
    wrong = _free_token(m_doc)
    model_m = Document(
        m_doc.id,
        m_doc.text,
        [e for e in m_doc.entities if e.id != missing.id] + [Entity("T99", "Other", [wrong])],
        list(m_doc.relations),
    )
    assert model_m.problems() == []
    brat.write_corpus([d for d in gold if d.id != m_doc.id], tmp_path / "gold", schema)
    brat.write_corpus([model_m], tmp_path / "model", schema)
    brat.write_corpus(gold, tmp_path / "ann1", schema)
    brat.write_corpus(perturbed, tmp_path / "ann2", schema)

    url = backend_url
    out = _json(capsys, url, *_brat("import", tmp_path / "gold"))
    assert out["documents"] == 29
    out = _json(capsys, url, *_brat("import", tmp_path / "model", "--source", "model"))
    assert out["documents"] == 1
    with Store.open(url) as store:
        _curate_from_suggestions(store, store.find_document("p", m_doc.id), wrong, missing)
        r_id = store.find_document("p", reopened)
        store.apply_edit(
            r_id, Edit.set_status("in-progress"), store.load_document(r_id).version, "cur"
        )

    for person in ("ann1", "ann2"):
        out = _json(capsys, url, *_brat("import", tmp_path / person, layer=person))
        assert out == {"project": "p", "layer": person, "documents": 30}

    report = _json(capsys, url, "agreement", "--project", "p", "--json")
    assert report["project"] == "p" and report["statuses"] == ["done"]
    assert report["annotators"] == ["ann1", "ann2"] and report["layers"] == {"ann1": 30, "ann2": 30}

    # between the annotators: gold against the perturbed copy on all 30 documents
    names = {d.id for d in gold}
    exact, overlap, relations, per_type = _expected(gold, record, names)
    assert exact.only_a == DROP + SHIFT + RETYPE and relations.only_a > 0  # something to compare
    (pair,) = report["between"]["pairs"]
    assert (pair["a"], pair["b"], pair["documents"]) == ("ann1", "ann2", 30)
    assert _counts(pair["entities"]["overall"]) == exact
    n = exact.matched + exact.only_a
    k = DROP + SHIFT + RETYPE
    assert pair["entities"]["overall"]["f1"] == pytest.approx(
        2 * (n - k) / (2 * (n - k) + k + SHIFT + RETYPE), abs=1e-12
    )
    assert _counts(pair["entities_overlap"]["overall"]) == overlap
    assert _counts(pair["relations"]["overall"]) == relations
    assert {t: _counts(c) for t, c in pair["entities"]["per_type"].items()} == per_type
    assert 0.8 < pair["kappa"] < 1 and 0.8 < report["between"]["alpha"] < 1

    # against the curated layer: every document but the reopened one
    assert report["curated"]["rule"] == "status done"
    assert report["curated"]["not_curated"] == [reopened]
    assert sorted(report["curated"]["documents"]) == sorted(names - {reopened})
    cur_exact, cur_overlap, cur_relations, cur_types = _expected(gold, record, names - {reopened})
    assert cur_exact != exact  # the reopened document's perturbations are left out
    against = report["against_curated"]
    first, second = against["pairs"]
    assert (first["a"], first["b"], first["documents"]) == ("(curated)", "ann1", 29)
    assert _counts(first["entities"]["overall"]) == Counts(
        cur_exact.matched + cur_exact.only_a, 0, 0
    )
    assert _counts(first["relations"]["overall"]).only_a == 0 and first["kappa"] == 1.0
    assert (second["a"], second["b"]) == ("(curated)", "ann2")
    assert _counts(second["entities"]["overall"]) == cur_exact
    assert _counts(second["entities_overlap"]["overall"]) == cur_overlap
    assert _counts(second["relations"]["overall"]) == cur_relations
    assert {t: _counts(c) for t, c in second["entities"]["per_type"].items()} == cur_types
    assert against["mean"]["entities"]["overall"] == pytest.approx(
        (1 + cur_exact.f1) / 2, abs=1e-12
    )

    # the model: only M holds its suggestions; the rejected one counts, the added one is missed
    model = report["model"]
    assert model["name"] == "(model)" and model["documents"] == [m_doc.id]
    n_m = len(m_doc.entities)
    assert _counts(model["pair"]["entities"]["overall"]) == Counts(n_m - 1, 1, 1)
    assert _counts(model["pair"]["relations"]["overall"]) == Counts(len(m_doc.relations), 0, 0)
    assert model["pair"]["entities"]["per_type"]["Other"]["only_b"] >= 1
    assert model["pair"]["entities"]["per_type"][missing.type]["only_a"] == 1

    # the page's matrices: one per type, with the counts, seen from the row
    matrices = report["matrices"]
    assert matrices["names"] == ["ann1", "ann2", "(curated)", "(model)"]
    loc = matrices["entities"]["per_type"]["Loc"]
    assert _counts(loc[0][1]) == per_type["Loc"] and _counts(loc[1][0]) == per_type["Loc"].swapped()
    assert loc[0][0] is None and loc[0][3] is None  # annotators are not compared with the model
    assert _counts(loc[2][1]) == cur_types["Loc"]
    assert matrices["kappa"][0][1] == pair["kappa"]

    # the text report: the same figures in aligned tables
    code, text, err = _cli(capsys, url, "agreement", "--project", "p")
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0] == "Agreement in project 'p' (layers: done)"
    assert f"not yet curated, left out: {reopened}" in text
    start = lines.index("Entities, exact span and type: F1 (matched/only first/only second)")
    table = lines[start + 1 : lines.index("", start)]
    assert table[0].split() == ["documents", "overall", "Loc", "Org", "Other", "Peop"]
    row = next(x for x in table if x.startswith("ann1 - ann2 "))
    assert f"{exact.f1:.3f} ({exact.matched}/{exact.only_a}/{exact.only_b})" in row
    assert len({len(x) for x in table}) == 1  # right-aligned columns: one width
    assert any(x.startswith("(curated) - (model) ") for x in table)
    assert "Krippendorff's alpha among the annotators: " in text

    # each layer exported as BRAT, and bratiaa on those folders
    root = tmp_path / "exported"
    for person in ("ann1", "ann2"):
        out = _json(capsys, url, *_brat("export", root / person, layer=person))
        assert out["layer"] == person and out["warnings"] == 0
    assert converters.read("brat", root / "ann1") == converters.read("brat", tmp_path / "ann1")
    pytest.importorskip("bratiaa")
    brat.write_conf(schema, root / "annotation.conf")
    theirs = bratiaa_f1(root)
    assert theirs.annotators == ["ann1", "ann2"] and len(theirs.documents) == 30
    labels, _ = theirs.mean_sd_per_label()
    assert theirs.labels == ["Loc", "Org", "Other", "Peop"]
    for label, value in zip(theirs.labels, labels, strict=True):
        assert not math.isnan(value)
        assert abs(pair["entities"]["per_type"][label]["f1"] - value) < 1e-9, label
    assert abs(pair["entities"]["overall"]["f1"] - theirs.mean_sd_total()[0]) < 1e-9
    assert abs(report["between"]["mean"]["entities"]["overall"] - theirs.mean_sd_total()[0]) < 1e-9
    assert pair["entities"]["overall"]["f1"] < 0.97  # the perturbations show


def test_import_layer_refuses_a_mismatch_and_writes_nothing(
    backend_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    corpus: tuple[list[Document], Schema],
    dump: Any,
) -> None:
    gold, schema = corpus
    gold = gold[:5]
    brat.write_corpus(gold, tmp_path / "gold", schema)
    url = backend_url
    _json(capsys, url, *_brat("import", tmp_path / "gold"))
    # the third document's text differs by one character; the others are fine
    changed = [
        Document(d.id, d.text.replace(" ", "  ", 1) if i == 2 else d.text, [], [])
        for i, d in enumerate(gold)
    ]
    brat.write_corpus(changed, tmp_path / "bad")
    before = dump(url)
    code, out, err = _cli(capsys, url, *_brat("import", tmp_path / "bad", layer="ann"))
    assert code == 1 and out == ""
    assert err.startswith(f"error: document '{gold[2].id}': its text differs")
    assert len(err.strip().splitlines()) == 1
    assert dump(url) == before
    # a document the project lacks, a layer already filled, options that are not a layer's
    brat.write_corpus([Document("nowhere", "Nobody here .")], tmp_path / "other")
    code, out, err = _cli(capsys, url, *_brat("import", tmp_path / "other", layer="ann"))
    assert code == 1 and "no document 'nowhere'" in err
    assert dump(url) == before
    code, out, err = _cli(
        capsys, url, *_brat("import", tmp_path / "gold", "--split", "train", layer="ann")
    )
    assert code == 1 and err == "error: --split: not for a layer import (--layer)\n"
    assert dump(url) == before
    out = _json(
        capsys,
        url,
        *_brat("import", tmp_path / "gold", "--status", "in-progress", layer="ann"),
    )
    assert out["documents"] == 5
    with Store.open(url) as store:
        doc = store.find_document("p", gold[0].id)
        assert store.load_document(store.layer_for(doc, "ann")).status == "in-progress"
    after = dump(url)
    code, out, err = _cli(capsys, url, *_brat("import", tmp_path / "gold", layer="ann"))
    assert code == 1 and "ann's layer already holds annotations" in err
    assert dump(url) == after
    # in-progress layers are not in the default report, and export names a missing layer
    code, text, err = _cli(capsys, url, "agreement", "--project", "p")
    assert code == 0 and text.splitlines()[1] == "No layers to compare."
    code, out, err = _cli(capsys, url, *_brat("export", tmp_path / "x", layer="bob"))
    assert code == 1 and "'bob' has no layer in project 'p'" in err
    assert not (tmp_path / "x").exists()


def test_assign_prints_the_plan_and_makes_the_layers(
    backend_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = backend_url
    docs = [Document(f"d{i:02}", f"Text number {i} .") for i in range(20)]
    brat.write_corpus(docs, tmp_path / "c")
    _json(capsys, url, *_brat("import", tmp_path / "c"))
    out = _json(
        capsys,
        url,
        "assign",
        "--project",
        "p",
        "--people",
        "ann, bob,carol",
        "--k",
        "2",
        "--share",
        "0.3",
        "--seed",
        "4",
        "--by",
        "boss",
    )
    assert out["project"] == "p" and out["k"] == 2 and out["documents"] == 6
    plan = out["assigned"]
    assert len(plan) == 6 and all(len(who) == 2 for who in plan.values())
    load = {p: sum(p in who for who in plan.values()) for p in ("ann", "bob", "carol")}
    assert sorted(load.values()) == [4, 4, 4]  # least loaded first: the work evens out
    with Store.open(url) as store:
        for name in [d.id for d in docs]:
            doc = store.find_document("p", name)
            assert [x.owner for x in store.layers(doc)] == sorted(plan.get(name, []))
    # named documents only; a name the project lacks, or k above the people, is an error
    out = _json(
        capsys,
        url,
        "assign",
        "--project",
        "p",
        "--people",
        "dave",
        "--k",
        "1",
        "--documents",
        "d00,d01",
    )
    assert out["assigned"] == {"d00": ["dave"], "d01": ["dave"]}
    code, _, err = _cli(
        capsys,
        url,
        "assign",
        "--project",
        "p",
        "--people",
        "dave",
        "--k",
        "1",
        "--documents",
        "d00,zz",
    )
    assert code == 1 and "no document 'zz'" in err
    code, _, err = _cli(capsys, url, "assign", "--project", "p", "--people", "a,b", "--k", "3")
    assert code == 1 and "only 2 people" in err
    # the new layers are not done: the default report has none, --all-statuses shows them
    code, text, _ = _cli(capsys, url, "agreement", "--project", "p")
    assert "No layers to compare." in text
    report = _json(capsys, url, "agreement", "--project", "p", "--json", "--all-statuses")
    assert report["statuses"] is None
    assert report["annotators"] == ["ann", "bob", "carol", "dave"]
    assert report["layers"] == {"ann": 4, "bob": 4, "carol": 4, "dave": 2}
    assert report["curated"]["rule"] == "holds annotations" and report["curated"]["documents"] == []
    assert report["against_curated"] is None and report["model"] is None
