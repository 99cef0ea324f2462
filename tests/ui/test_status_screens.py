"""Statuses on the Import, Documents and Projects screens, through their screen functions (no
browser): an annotated upload is finished gold unless the importer says no, and the message
says why; the Documents table shows who set each status; the Documents screen's counts are the
Projects table's."""

from __future__ import annotations

from pathlib import Path

from app.screens import importing
from app.screens.documents_tab import document_list
from app.screens.projects import PROJECT_HEADERS, project_rows
from db import Edit, Store
from db.document_status import AUTO
from tests.ui.brat_corpus import ANN, TEXT, brat_zip


def test_import_choice_status_by_column_and_counts_that_agree(store: Store, tmp_path: Path) -> None:
    from app.ui import AppConfig, SpanrelApp

    gold = brat_zip(tmp_path, "gold", {"g1": (TEXT, ANN), "g2": (TEXT, "")})
    out = importing.import_uploads(store, "team", [gold], status=AUTO)
    assert out.ok and out.status == "done", out.error
    said = importing.status_sentence(out.status, AUTO)
    assert "**done**" in said and "because the files hold annotations" in said
    # the same annotated files, imported to be corrected
    fix = brat_zip(tmp_path, "fix", {"f1": (TEXT, ANN)})
    out = importing.import_uploads(store, "team", [fix], status="new")
    assert out.ok and out.status == "new", out.error
    plain = tmp_path / "t1.txt"
    plain.write_text(TEXT, encoding="utf-8")
    out = importing.import_uploads(store, "team", [plain], status=AUTO)
    assert out.ok and out.status == "new", out.error
    assert "ready to annotate" in importing.status_sentence(out.status, AUTO)

    doc = store.find_document("team", "f1")
    store.apply_edit(doc, Edit.set_assignee("ann"), 0, "lead")
    store.apply_edit(doc, Edit.set_status("done"), 1, "ann")
    app = SpanrelApp(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    try:
        frame, _, line, people = document_list(app, "team")
        by = dict(zip(frame["name"], frame["status by"], strict=True))
        assert by == {"g1": "import", "g2": "import", "f1": "ann", "t1": "import"}
        assert line == "**4** document(s): 1 new, 0 pre-annotated, 0 in progress, 3 done"
        rows = people.values.tolist()
        assert rows == [["ann", "1 / 1", 0, 1], ["(open to all)", "2 / 3", 0, ""]]
        (row,) = project_rows(store)
        shown = dict(zip(PROJECT_HEADERS, row, strict=True))
        assert line == (
            f"**{shown['documents']}** document(s): {shown['new']} new, "
            f"{shown['pre-annotated']} pre-annotated, {shown['in progress']} in progress, "
            f"{shown['done']} done"
        )
    finally:
        app.close()
