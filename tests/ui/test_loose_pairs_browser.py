"""Loose ``.txt``/``.ann`` files picked together in the Import screen, in Chromium on the real app.

The file box once let Gradio drop the ``.ann`` with a passing toast while the ``.txt`` imported
under a green tick; here the pair must arrive as one annotated document, and a malformed pair
must be refused with each problem listed, the malformed line before the reference it breaks.

On SQLite and PostgreSQL (``served``); the store side of the same import is also tested on
both in tests/db/test_loose_pairs_import.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.pages import ScreenPage

pytestmark = pytest.mark.slow

TEXT = "John Smith works for Acme Corp in Boston."
ANN = "T1\tPerson 0 10\tJohn Smith\nT2\tOrg 21 30\tAcme Corp\nR1\tWorks_for Arg1:T1 Arg2:T2\n"
# line 4: a space instead of the tab after the id; line 2 refers to that id
BROKEN = (
    "T1\tPerson 0 10\tJohn Smith\nR1\tWorks_for Arg1:T1 Arg2:T3\nT2\tOrg 21 30\tAcme Corp\n"
    "T3 Place 34 40\tBoston\n"
)


def _pair(folder: Path, stem: str, ann: str) -> list[Path]:
    folder.mkdir(parents=True)
    (folder / f"{stem}.txt").write_text(TEXT, encoding="utf-8")
    (folder / f"{stem}.ann").write_text(ann, encoding="utf-8")
    return [folder / f"{stem}.txt", folder / f"{stem}.ann"]


def test_loose_pair_imports_its_annotations_and_a_bad_one_lists_each_problem(
    browser, served, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    ap = ScreenPage(page, served.url)
    try:
        page.goto(served.url)
        page.get_by_text("signed in as").first.wait_for(timeout=60_000)
        ap.tab("Import")
        ap.upload_files(_pair(tmp_path / "good", "doc1", ANN))
        ap.type_import_target("loose")
        ap.run_import()
        msg = page.locator("#sr-import-msg").inner_text()
        assert "Imported 1 document(s) with 2 entities, 1 relation into loose" in msg, msg
        assert "doc1.txt + doc1.ann" in page.locator("#sr-import-report").inner_text()
        doc = served.store.load_document(served.store.find_document("loose", "doc1"))
        assert (len(doc.entities), len(doc.relations)) == (2, 1)

        page.locator("#sr-import-files button[aria-label=Clear]").click()
        page.locator("#sr-import-files tr.file").first.wait_for(state="detached")
        ap.upload_files(_pair(tmp_path / "bad", "doc2", BROKEN))  # into loose, still chosen
        msg = ap.click_and_wait("sr-import-go", "sr-import-msg")
        assert "\u2713" not in msg and "nothing was imported" in msg, msg
        cause = msg.index("doc2.ann:4: malformed id 'T3 Place 34 40' (a space instead of a tab")
        effect = msg.index("doc2.ann:2: R1: Arg2 refers to unknown id T3 (its line 4 could not")
        assert cause < effect
        assert [d.name for d in served.store.list_documents("loose")] == ["doc1"]
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
