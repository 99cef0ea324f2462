"""The demo project a fresh database gets, so a new user sees real work at once.

"CoNLL04 demo": the 231 CoNLL04 development sentences with their gold annotations (status
``done``: they are finished work, and the training data a first model is trained on) and 60 test
sentences without annotations (status ``new``: the ones to pre-annotate and correct). The types
come from the SpERT types file, completed with CoNLL04's argument types (Work_For is Peop to Org,
...) so the editor offers only relations that make sense, and with colours and keys.

Documents are renamed ``conll04-dev-<orig_id>`` / ``conll04-test-<orig_id>``: a bare number makes
a poor file name in an export and says nothing in the documents table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import converters
from converters.document import Document
from converters.schema import Schema
from db import Store
from db.document_status import DONE, NEW

log = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_PROJECT = "CoNLL04 demo"
GOLD_FILE = DEMO_DIR / "conll04_gold.json"
UNANNOTATED_FILE = DEMO_DIR / "conll04_unannotated.json"
TYPES_FILE = DEMO_DIR / "conll04_types.json"

# CoNLL04's relation signatures (Roth & Yih 2004), and readable colours per type.
ARGUMENT_TYPES = {
    "Work_For": (["Peop"], ["Org"]),
    "Kill": (["Peop"], ["Peop"]),
    "OrgBased_In": (["Org"], ["Loc"]),
    "Live_In": (["Peop"], ["Loc"]),
    "Located_In": (["Loc"], ["Loc"]),
}
COLOURS = {
    "Peop": "#8fb4ff",
    "Org": "#7fd19b",
    "Loc": "#ffb38a",
    "Other": "#e3a3f0",
    "Work_For": "#3b5bdb",
    "Kill": "#c92a2a",
    "OrgBased_In": "#2b8a3e",
    "Live_In": "#e8590c",
    "Located_In": "#862e9c",
}
SHORTCUTS = {"Peop": "p", "Org": "o", "Loc": "l", "Other": "t"}


def demo_schema() -> Schema:
    schema = converters.read_schema("spert", GOLD_FILE)
    assert schema is not None, "the demo types file is missing"
    for t in schema.entity_types:
        t.color = COLOURS.get(t.name)
        t.shortcut = SHORTCUTS.get(t.name)
    for r in schema.relation_types:
        r.color = COLOURS.get(r.name)
        if r.name in ARGUMENT_TYPES:
            r.arg1_types, r.arg2_types = (list(x) for x in ARGUMENT_TYPES[r.name])
    return schema


def _renamed(docs: list[Document], prefix: str) -> list[Document]:
    for doc in docs:
        doc.id = f"{prefix}-{doc.metadata.get('orig_id', doc.id)}"
    return docs


def ensure_demo_project(store: Store) -> bool:
    """Create the demo project when the database has no project at all; True if created.

    A database someone already works in is left alone (also when they deleted the demo).
    """
    if store.list_projects():
        return False
    gold = _renamed(converters.read("spert", GOLD_FILE), "conll04-dev")
    raw = _renamed(converters.read("spert", UNANNOTATED_FILE), "conll04-test")
    store.create_project(
        DEMO_PROJECT,
        demo_schema(),
        settings={"description": "CoNLL04 sentences: gold work to learn from, new to annotate"},
    )
    store.import_documents(DEMO_PROJECT, gold, status=DONE, author="conll04-gold")
    store.import_documents(DEMO_PROJECT, raw, status=NEW)
    log.info(
        "created the demo project %r (%d annotated, %d new documents)",
        DEMO_PROJECT,
        len(gold),
        len(raw),
    )
    return True
