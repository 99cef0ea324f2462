"""Projects, imports and exports through the app's screen functions, without a browser. These
are the paths by which annotators' files enter and leave the store, so each must either take
everything or nothing and say why per file: the demo project made once, mixed uploads with a
report per file, SpERT with its types file, type lists and annotation.conf, the keys the
Projects tab shows, BRAT/SpERT/ACE exports that import back (suggestions only on request), and
assigning listed documents to an annotator on the Documents screen.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from app.demo_project import DEMO_PROJECT, ensure_demo_project
from app.editor.page_schema import schema_dict
from app.screens import exporting, importing, projects
from app.screens.projects_tab import types_html
from converters.errors import ConversionError
from db import Store
from tests.ui.brat_corpus import ANN, CONF, TEXT, brat_zip
from tests.ui.conftest import REPO


def test_demo_project_once(store: Store) -> None:
    assert ensure_demo_project(store)
    docs = store.list_documents(DEMO_PROJECT)
    assert len(docs) == 291
    assert sum(d.status == "done" for d in docs) == 231
    assert docs[0].name.startswith("conll04-dev-")
    schema = store.project_schema(DEMO_PROJECT)
    work_for = next(r for r in schema.relation_types if r.name == "Work_For")
    assert (work_for.arg1_types, work_for.arg2_types) == (["Peop"], ["Org"])
    assert not ensure_demo_project(store)
    assert len(store.list_documents(DEMO_PROJECT)) == 291


def test_import_all_or_nothing_with_a_report_per_file(store: Store, tmp_path: Path) -> None:
    good = brat_zip(tmp_path, "good")
    txt = tmp_path / "note.txt"
    txt.write_text("A plain note about Boston.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9")
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../evil.txt", "x")
    out = importing.import_uploads(store, "mixed", [good, txt, bad, slip])
    assert not out.ok and "nothing was imported" in out.error
    rows = {r.file: r for r in out.files}
    assert rows["good.zip"].error == "" and rows["good.zip"].documents == 1
    assert "not valid UTF-8" in rows["bad.txt"].error
    assert "unsafe path" in rows["slip.zip"].error
    assert str(tmp_path) not in rows["bad.txt"].error  # the upload directory is not shown
    assert "mixed" not in [p.name for p in store.list_projects()]
    out = importing.import_uploads(store, "mixed", [good, txt], status="done")
    assert out.ok and out.created_project and out.documents == 2
    assert {d.status for d in store.list_documents("mixed")} == {"done"}
    # a second import of the same names is refused before anything is written
    again = importing.import_uploads(store, "mixed", [txt])
    assert not again.ok and "already in project" in again.files[0].error
    assert len(store.list_documents("mixed")) == 2
    # a zip whose every document is taken: each one named on its row, not only the first
    docs = {f"doc{i}": (TEXT, ANN) for i in (1, 2, 3)}
    assert importing.import_uploads(store, "three", [brat_zip(tmp_path, "c3", docs)]).ok
    (tmp_path / "b").mkdir()
    again = importing.import_uploads(store, "three", [brat_zip(tmp_path / "b", "c3", docs)])
    assert not again.ok
    error = again.files[0].error
    assert [f"doc{i}" in error for i in (1, 2, 3)] == [True] * 3, error
    assert error.count("already in project") == 3, error


def test_import_spert_with_types_and_detect(store: Store, tmp_path: Path) -> None:
    src = REPO / "app" / "demo"
    data = tmp_path / "mini.json"
    data.write_text(
        (src / "conll04_unannotated.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    types = tmp_path / "mini_types.json"
    types.write_text((src / "conll04_types.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert importing.detect_format(data) == "spert"
    out = importing.import_uploads(store, "sp", [data, types])
    assert out.ok, out.error
    assert [t.name for t in store.project_schema("sp").entity_types] == [
        "Loc",
        "Org",
        "Peop",
        "Other",
    ]


def test_types_table_shows_the_keys_the_editor_binds(store: Store) -> None:
    """One rule for default keys: the Projects tab shows the key the page binds, also for types
    whose first letter, or stored key, is one the page keeps for itself (z, y)."""
    projects.create_project(store, "keys", entity_text="Zone\nYear\nZoo z\nAge a")
    page = schema_dict(store.project_schema("keys"))
    bound = {t["name"]: t["key"] for t in page["entity_types"]}
    assert bound == {"Zone": "o", "Year": "e", "Zoo": "1", "Age": "a"}
    cells = re.findall(
        r"<td>entity</td><td[^>]*><span[^>]*></span></td><td>([^<]*)</td><td>([^<]*)</td>",
        types_html(store, "keys"),
    )
    assert dict(cells) == bound


def test_project_type_lists_and_conf(store: Store, tmp_path: Path) -> None:
    info, schema = projects.create_project(
        store,
        "typed",
        entity_text="Person #8fb4ff p\nOrg o\n# a comment\nPlace",
        relation_text="Works_for Person -> Org #3b5bdb\nNear",
    )
    assert info.name == "typed"
    assert [(t.name, t.color, t.shortcut) for t in schema.entity_types] == [
        ("Person", "#8fb4ff", "p"),
        ("Org", None, "o"),
        ("Place", None, None),
    ]
    assert schema.relation_types[0].arg1_types == ["Person"]
    with pytest.raises(ConversionError, match="line 2"):
        projects.schema_from_lists("Person\nbad<name>", "")
    with pytest.raises(ConversionError, match="not an entity type"):
        projects.schema_from_lists("Person", "Rel Person -> Ghost")
    conf = tmp_path / "annotation.conf"
    conf.write_text(CONF, encoding="utf-8")
    _, schema = projects.create_project(store, "from-conf", conf_path=str(conf))
    assert [t.name for t in schema.relation_types] == ["Works_for"]
    assert projects.project_rows(store)[0][0] == "typed"


def test_export_brat_zip_and_spert(brat_project, tmp_path: Path) -> None:
    store, _ = brat_project
    files, problems = exporting.export_project(store, "news", "brat", out_dir=tmp_path / "x")
    assert problems == []
    with zipfile.ZipFile(files[0]) as zf:
        assert zf.read("news/doc1.ann").decode().splitlines() == ANN.splitlines()
        assert "news/annotation.conf" in zf.namelist()
    files, _ = exporting.export_project(store, "news", "spert", out_dir=tmp_path / "y")
    assert [f.name for f in files] == ["news.json", "news_types.json"]


def test_export_ace_zip_imports_back_and_suggestions_only_on_request(
    brat_project, tmp_path: Path
) -> None:
    """ACE .zip both ways through the screens; open suggestions leave only when asked for."""
    from converters.document import Entity

    store, doc_id = brat_project
    store.replace_suggestions(doc_id, None, [Entity("s", "Place", [(34, 40)], confidence=0.8)])
    files, _ = exporting.export_project(store, "news", "ace", out_dir=tmp_path / "ace")
    assert files[0].suffix == ".zip" and importing.detect_format(files[0]) == "ace"
    out = importing.import_uploads(store, "back", files)
    assert out.ok, out.error
    back = store.load_document(store.list_documents("back")[0].id)
    assert back.text == TEXT
    assert sorted((e.type, e.fragments) for e in back.entities) == [
        ("Org", [(21, 30)]),
        ("Person", [(0, 10)]),
    ]
    for include, expected in ((False, ANN), (True, ANN + "T3\tPlace 34 40\tBoston\n")):
        files, _ = exporting.export_project(
            store, "news", "brat", include_suggestions=include, out_dir=tmp_path / str(include)
        )
        with zipfile.ZipFile(files[0]) as zf:
            assert zf.read("news/doc1.ann").decode().splitlines() == expected.splitlines()


def test_export_one_persons_layers(brat_project, tmp_path: Path) -> None:
    """The "Layer" choice: the curated documents by default, or one person's layers (their
    own annotations, files named after them); only people with layers are offered."""
    from db import Edit

    store, doc_id = brat_project
    assert exporting.layer_choices(store, "news") == [("Curated (default)", "")]
    store.assign_layers("news", ["doc1"], ["bob", "ann"], author="mia")
    layer = store.layer_for(doc_id, "ann")
    assert layer is not None
    version = store.load_document(layer).version
    store.apply_edit(layer, Edit.add_entity("Place", [(34, 40)]), version, "ann")
    assert exporting.layer_choices(store, "news") == [
        ("Curated (default)", ""),
        ("ann's layers", "ann"),
        ("bob's layers", "bob"),
    ]
    assert exporting.layer_choices(store, None) == [("Curated (default)", "")]

    def exported(layer: str | None, out: str) -> tuple[str, str]:
        files, problems = exporting.export_project(
            store, "news", "brat", layer=layer, out_dir=tmp_path / out
        )
        assert problems == []
        with zipfile.ZipFile(files[0]) as zf:
            (ann,) = [n for n in zf.namelist() if n.endswith("doc1.ann")]
            return files[0].name, zf.read(ann).decode()

    assert exported(None, "c") == ("news-brat.zip", ANN)  # the curated documents
    assert exported("", "c2") == ("news-brat.zip", ANN)  # the dropdown's "Curated (default)"
    assert exported("ann", "a") == ("news-ann-brat.zip", "T1\tPlace 34 40\tBoston\n")
    assert exported("bob", "b") == ("news-bob-brat.zip", "")
    with pytest.raises(ValueError, match="zed has no layer in news"):
        exporting.export_project(store, "news", "brat", layer="zed", out_dir=tmp_path / "z")


def test_documents_table_assign_annotator_and_filter(store: Store, tmp_path: Path) -> None:
    """The Documents screen sets who annotates the listed documents; the table and its
    assignee filter show it."""
    from app.ui import AppConfig, SpanrelApp

    out = importing.import_uploads(
        store, "team", [brat_zip(tmp_path, docs={"a1": (TEXT, ANN), "b1": (TEXT, "")})]
    )
    assert out.ok, out.error
    app = SpanrelApp(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    try:
        msg = app.assign_listed("team", ("all", "", "a1"), "  ann ", "lead")
        assert msg == "1 document(s) assigned to ann."
        frame, note = app.documents_frame("team", "all", "ann", "")
        assert list(frame["name"]) == ["a1"] and list(frame["assignee"]) == ["ann"]
        assert note == "1 document(s)"
        assert list(app.documents_frame("team")[0]["assignee"]) == ["ann", ""]
        assert store.history(store.find_document("team", "a1"), limit=1)[0].author == "lead"
        assert "control characters" in app.assign_listed("team", ("all", "", ""), "a\nb", "x")
        assert app.assign_listed("team", ("all", "", ""), "", "lead").startswith("1 document")
        assert set(app.documents_frame("team")[0]["assignee"]) == {""}
    finally:
        app.close()
