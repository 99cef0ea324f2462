"""The app's training files go into ``core_model`` as written: a project whose SpERT corpus has
self-relations (valid data, imported by ``converters.spert``) retrains, and the Model screen's
"Write training data" writes the split and the files a retraining writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import converters
from app.retraining.retrainer import Retrainer
from app.retraining.training_data import assign_dev_split, write_data
from app.screens import models
from core_model.documents import load
from db import Store
from tests.retrain.conftest import DEMO, PROJECT

pytestmark = pytest.mark.slow
SELF_PROJECT = "self-relations"
N_DOCS = 12
WAIT_S = 300


def self_relation_corpus(folder: Path) -> Path:
    """``N_DOCS`` demo sentences, each with one more relation: its first entity to itself."""
    records = json.loads((DEMO / "conll04_gold.json").read_text(encoding="utf-8"))[:N_DOCS]
    for record in records:
        record["relations"].append({"type": "Live_In", "head": 0, "tail": 0})
    path = folder / "selfrel.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    shutil.copy(DEMO / "conll04_types.json", folder / "selfrel_types.json")
    return path


def self_relations(path: Path) -> int:
    records = json.loads(path.read_text(encoding="utf-8"))
    return sum(r["head"] == r["tail"] for record in records for r in record["relations"])


def test_project_with_self_relations_retrains(
    backend_url: str, tmp_path: Path, make_options
) -> None:
    corpus = self_relation_corpus(tmp_path)
    docs = converters.read("spert", corpus)
    store = Store.open(backend_url)
    try:
        store.create_project(SELF_PROJECT, converters.read_schema("spert", corpus))
        store.import_documents(SELF_PROJECT, docs, status="done", author="tester")
        assign_dev_split(store, SELF_PROJECT)
        data = write_data(store, SELF_PROJECT, tmp_path / "data")
        # the files the training process reads hold the self-relations, and core_model reads
        # them, leaving out (and counting) what a span-pair model cannot represent
        assert self_relations(data.train_path) == len(data.train_ids) > 0
        assert self_relations(data.dev_path) == len(data.dev_ids) > 0
        loaded = load(data.train_path)
        assert loaded.skipped.as_dict() == {"self_relations": len(data.train_ids)}
        assert sum(len(d.relations) for d in loaded.docs) > 0

        retrainer = Retrainer(store, tmp_path / "models")
        try:
            job = retrainer.start(SELF_PROJECT, make_options(epochs=1))
            job = retrainer.wait(job.id, WAIT_S)
        finally:
            retrainer.shutdown()
        assert job.state == "done", job.log
        active = store.active_model_version(SELF_PROJECT)
        assert active is not None and active.id == job.result["version"]
        meta = json.loads((Path(active.path) / "training.json").read_text(encoding="utf-8"))
        assert meta["skipped"] == {"self_relations": N_DOCS}
    finally:
        store.close()


def test_model_screen_writes_the_retraining_split(store: Store, tmp_path: Path) -> None:
    folder, command, n = models.write_training_data(store, PROJECT, tmp_path / "models")
    assert command.startswith("python -m core_model train --train ")
    done = store.list_documents(PROJECT, status="done")
    # the split is stored with each document, as a retraining stores it
    splits = {d.name: d.split for d in done}
    assert set(splits.values()) == {"train", "dev"} and n == len(done)
    data = store.training_data(PROJECT)
    dev_texts = {d.text for d in data.documents if splits[d.id] == "dev"}
    written = json.loads((folder / "dev.json").read_text(encoding="utf-8"))
    assert {" ".join(r["tokens"]) for r in written} == dev_texts
    # and the files are byte for byte those of a retraining
    write_data(store, PROJECT, tmp_path / "retrain")
    for name in ("train.json", "dev.json", "train_types.json"):
        assert (folder / name).read_bytes() == (tmp_path / "retrain" / name).read_bytes(), name
    # writing again keeps every document's split
    models.write_training_data(store, PROJECT, tmp_path / "models")
    assert {d.name: d.split for d in store.list_documents(PROJECT, status="done")} == splits
