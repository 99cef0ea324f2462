"""The data of a retraining: the project's one dev-split rule and the SpERT files a worker
trains on.

Why here and nowhere else: a document's split decides which versions compare, so it is chosen
once by ``is_dev`` and stored by ``assign_dev_split`` for a retraining and for the Model
screen's training files alike; ``write_data`` writes the files both use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import converters
from app.retraining.options import RetrainError
from db import Store
from db.document_status import DONE

#: about this share of documents (in %) is held out as dev
DEV_PERCENT = 20
#: done documents a retraining needs at least (one train and one dev)
MIN_DOCUMENTS = 2


def is_dev(name: str) -> bool:
    """The fixed dev membership of a document name (about ``DEV_PERCENT`` % of names).

    The project's one dev-split rule: ``assign_dev_split`` stores it per document for a
    retraining and for the Model screen's training files alike.
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < DEV_PERCENT


def _hash(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def assign_dev_split(store: Store, project: str) -> dict[str, int]:
    """Give every done document with no split its fixed one; counts per split afterwards.

    At least one dev and one train document are ensured when enough are unassigned: the dev
    set is what versions are compared on.
    """
    done = store.list_documents(project, status=DONE)
    if len(done) < MIN_DOCUMENTS:
        raise RetrainError(
            f"training needs at least {MIN_DOCUMENTS} documents marked done "
            f"(the project has {len(done)}): correct documents and mark them done first"
        )
    fresh = [d for d in done if d.split == "unassigned"]
    splits = {d.id: "dev" if is_dev(d.name) else "train" for d in fresh}
    counts = {s: sum(1 for d in done if d.split == s) for s in ("train", "dev", "test")}
    for split in ("dev", "train"):
        if counts[split] + sum(1 for v in splits.values() if v == split) == 0:
            other = "train" if split == "dev" else "dev"
            movable = sorted(
                (d for d in fresh if splits[d.id] == other), key=lambda d: _hash(d.name)
            )
            if len(movable) > 1 or (movable and counts[other] > 0):
                splits[movable[0].id] = split
    if splits:
        store.assign_splits(splits)
    for v in splits.values():
        counts[v] += 1
    if counts["dev"] == 0:
        raise RetrainError(
            "no done document is in the dev split (all are train or test): set some "
            "documents' split to dev so that versions can be compared"
        )
    if counts["train"] == 0:
        raise RetrainError("every done document is held out (dev or test): mark more done")
    return counts


@dataclass
class RetrainData:
    """The documents (ids) and SpERT files of one retraining, as ``write_data`` wrote them."""

    train_ids: list[int]
    dev_ids: list[int]
    train_path: Path
    dev_path: Path
    types_path: Path


def write_data(store: Store, project: str, folder: Path) -> RetrainData:
    """Write the train/dev SpERT files of the project's done documents into ``folder``."""
    ids = {d.name: d.id for d in store.list_documents(project, status=DONE)}
    data = store.training_data(project)
    train = [d for d in data.documents if data.splits.get(d.id) == "train" and d.id in ids]
    dev = [d for d in data.documents if data.splits.get(d.id) == "dev" and d.id in ids]
    if not train or not dev:
        raise RetrainError("no train or no dev document: mark more documents done")
    folder.mkdir(parents=True, exist_ok=True)
    schema = store.project_schema(project, with_defaults=False)
    converters.write("spert", train, folder / "train.json", schema=schema)
    converters.write("spert", dev, folder / "dev.json")
    return RetrainData(
        [ids[d.id] for d in train],
        [ids[d.id] for d in dev],
        folder / "train.json",
        folder / "dev.json",
        folder / "train_types.json",
    )
