"""Annotators under load (issue #8, item 3), small: 4 annotators x 25 edits over HTTP against the
app served in-process while a pre-annotation job and a retraining job run (tiny encoder), then
every acknowledged edit must be in the database, and no "database is locked" anywhere.

The shared logic is bench/load_annotators.py (the full run is 10 x 100 with the default
encoder); the checker itself is also shown to catch a lost edit (``verify`` on a store where an
acknowledged edit was removed behind its back). Both on SQLite and PostgreSQL (``backend_url``).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from converters.document import Document
from converters.schema import EntityType, RelationType, Schema
from db import Edit, Store
from tests.bench_modules import load_bench

load = load_bench("load_annotators")

TINY_TRAIN = {
    "batch_size": 4,
    "lr": 1e-3,
    "head_lr": 5e-3,
    "warmup": 0.0,
    "seed": 1,
    "device": "cpu",
    "num_threads": 1,
}
CONFLICT = "conflict: the document changed elsewhere"


@pytest.mark.slow
def test_four_annotators_lose_no_acknowledged_edit_while_jobs_run(
    tmp_path: Path, tiny_encoder_dir: Path, backend_url: str
) -> None:
    cfg = load.LoadConfig(
        db_url=backend_url,
        annotators=4,
        edits=100,
        docs_per_annotator=3,
        encoder_dir=str(tiny_encoder_dir),
        train_config=TINY_TRAIN,
        model_config={"max_span_width": 6},
        tiny_encoder_dir=tiny_encoder_dir,
        tiny_epochs=10,
        progress=False,
        job_timeout_s=300,
    )
    s = load.run_load(cfg, tmp_path / "load")

    assert s["errors"] == 0, s["errors_by_kind"]
    assert s["edits_sent"] == 100
    assert s["acked"] + s["refused"] == s["edits_sent"]
    assert s["acked"] >= 50, s["refused_by_reason"]
    # the only refusals are concurrent edits of the shared documents (answered, not lost)
    assert set(s["refused_by_reason"]) <= {CONFLICT}, s["refused_by_reason"]
    assert s["lost"] == 0, s["check"]
    problems = {k: v for k, v in s["check"].items() if k not in ("documents_checked",) and v}
    assert not problems, s["check"]
    assert s["check"]["documents_checked"] >= 4
    locked = s["database_is_locked"]
    assert locked["answers"] == locked["log_records"] == locked["job_logs"] == 0, locked
    assert s["integrity_check"] == "ok"
    assert s["edit_latency_ms"]["n"] == 100 and s["edit_latency_ms"]["p95"] is not None
    retrain = s["jobs"]["retrain"]
    assert retrain["state"] == "done", retrain
    assert retrain["overlap_with_edits_s"] > 0, (retrain, s["edit_window_s"])
    pre = s["jobs"]["preannotate"]
    assert pre["jobs"] >= 1 and pre["states"] == {"done": pre["jobs"]}, pre
    assert pre["overlap_with_edits_s"] > 0 and pre["failed_documents"] == 0, pre


# -- the checker catches what it must -------------------------------------------------------------


@pytest.fixture
def edited(backend_url: str):
    """A one-document store with three acknowledged page edits, and their ``Acked`` records."""
    schema = Schema(
        entity_types=[EntityType("Peop"), EntityType("Org")],
        relation_types=[RelationType("Work_For", ["Peop"], ["Org"])],
    )
    st = Store.open(backend_url)
    st.create_project("p", schema)
    st.import_documents("p", [Document("d1", "Ann works for Acme Corp .")], status="new")
    (doc_id,) = [d.id for d in st.list_documents("p")]
    start = load.snapshot(st, doc_id)
    acked = []

    def page_edit(seq: int, edit: Edit, kind: str, fields: dict, new: str | None = None):
        version = st.load_document(doc_id).version
        result = st.apply_edit(doc_id, edit, version, "annotator00", client_id="c1", seq=seq)
        new_id = None
        if new == "e":
            new_id = f"e{result.entity_id}"
        elif new == "r":
            new_id = f"r{result.relation_id}"
        acked.append(
            load.Acked("annotator00", "c1", str(doc_id), seq, kind, fields, version, new_id)
        )
        return new_id

    e1 = page_edit(
        1,
        Edit.add_entity("Peop", [(0, 3)]),
        "add_entity",
        {"type": "Peop", "fragments": [[0, 3]]},
        "e",
    )
    e2 = page_edit(
        2,
        Edit.add_entity("Org", [(14, 18)]),
        "add_entity",
        {"type": "Org", "fragments": [[14, 18]]},
        "e",
    )
    page_edit(
        3,
        Edit.add_relation("Work_For", int(e1[1:]), int(e2[1:])),
        "add_relation",
        {"type": "Work_For", "arg1": e1, "arg2": e2},
        "r",
    )
    yield st, doc_id, {str(doc_id): start}, acked
    st.close()


def test_verify_accepts_the_acknowledged_state(edited) -> None:
    st, _, starts, acked = edited
    check = load.verify(st, starts, acked, {"annotator00"})
    assert check["lost"] == 0 and check["documents_checked"] == 1
    assert not {k: v for k, v in check.items() if k != "documents_checked" and v}, check


def test_verify_counts_an_acknowledged_edit_missing_from_the_database(edited) -> None:
    st, _, starts, acked = edited
    org = int(acked[1].new_id[1:])
    with st.engine.begin() as conn:  # a write that vanished: the row is gone behind our back
        conn.execute(text("DELETE FROM relation WHERE arg2_id = :i"), {"i": org})
        conn.execute(text("DELETE FROM entity WHERE id = :i"), {"i": org})
    check = load.verify(st, starts, acked, {"annotator00"})
    assert check["lost"] >= 2  # the entity and the relation on it
    assert check["entities_missing"] == 1 and check["relations_missing"] == 1


def test_verify_counts_an_acknowledged_edit_without_its_record(edited) -> None:
    st, _, starts, acked = edited
    with st.engine.begin() as conn:
        conn.execute(text("DELETE FROM client_op WHERE seq = 3"))
    check = load.verify(st, starts, acked, {"annotator00"})
    assert check["no_client_op_record"] == 1 and check["lost"] >= 1


def test_locked_counter_sees_a_locked_database_in_any_log_record() -> None:
    counter = load.LockedCounter()
    logger = logging.getLogger("tests.load_annotators")
    logger.addHandler(counter)
    logger.propagate = False
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError:
            logger.exception("editor_apply failed")
        logger.warning("database busy, retrying (%d)", 1)
        logger.info("an unrelated line")
    finally:
        logger.removeHandler(counter)
        logger.propagate = True
    assert len(counter.locked) == 1 and counter.busy_retries == 1
