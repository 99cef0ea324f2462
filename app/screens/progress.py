"""The Documents screen's progress: the project's documents by status and, per person, done /
assigned, so that a manager sees who did what without the CLI.

The figures are the store's (``Store.progress``, whose status counts are the ones the
Projects table shows); this module only lays them out.
"""

from __future__ import annotations

import pandas as pd

from db import Store
from db.document_status import DOCUMENT_STATUSES, IN_PROGRESS
from db.progress import PersonProgress

PROGRESS_HEADERS = ["person", "done / assigned", "in progress", "marked done by them"]
#: statuses as the tables' headers spell them (``status_word``)
WORDS = {IN_PROGRESS: "in progress"}
#: the person column of the documents nobody is assigned
OPEN_TO_ALL = "(open to all)"


def status_word(status: str) -> str:
    """A status as the Projects table's headers and the status line spell it."""
    return WORDS.get(status, status)


def _row(p: PersonProgress) -> list[str | int]:
    return [
        p.person if p.person is not None else OPEN_TO_ALL,
        f"{p.done} / {p.assigned}",
        p.in_progress,
        p.marked_done if p.person is not None else "",
    ]


def progress_view(store: Store, project: str | None) -> tuple[str, pd.DataFrame]:
    """A line of documents by status (the Projects table's counts) and the per-person table."""
    if not project:
        return "", pd.DataFrame([], columns=PROGRESS_HEADERS)
    progress = store.progress(project)
    counts = ", ".join(f"{progress.statuses[s]} {status_word(s)}" for s in DOCUMENT_STATUSES)
    line = f"**{progress.documents}** document(s): {counts}"
    rows = [_row(p) for p in progress.people]
    return line, pd.DataFrame(rows, columns=PROGRESS_HEADERS)
