"""The settings and records of ``bench/load_annotators.py``: constants, ``LoadConfig``, acks.

Split out of ``bench/load_annotators.py`` because every other part of the load benchmark (the
simulated client, the checks, the run) shares these constants and dataclasses; keeping them
here lets those modules import each other's data without a cycle. Imported through
``bench/load_annotators.py``, which re-exports every name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "app" / "demo"
EDITOR_ELEM_ID = "sr-editor-box"
COMPONENT_SERVER = "/gradio_api/component_server/"
LOCKED = "database is locked"
TINY_MODEL_SENTENCES = 8
TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
WORD = re.compile(r"\w+(?:[-'.]\w+)*")
#: how often each kind of edit is tried (a kind that is impossible falls back to add_entity)
EDIT_MIX = {
    "add_entity": 35,
    "retype_entity": 10,
    "resize_entity": 10,
    "delete_entity": 10,
    "add_relation": 25,
    "delete_relation": 10,
}
HTTP_RETRIES = 6


# -- configuration and results ------------------------------------------------------------------


@dataclass
class LoadConfig:
    """One load run. ``encoder_dir`` None: the default encoder; ``model_dir`` None: a tiny
    pre-annotation model is trained first (on ``tiny_encoder_dir`` or a random one made here)."""

    annotators: int = 10
    edits: int = 1000
    docs_per_annotator: int = 3
    think_ms: float = 0.0
    seed: int = 7
    epochs: int = 1
    encoder_dir: str | None = None
    train_config: dict[str, Any] = field(default_factory=dict)
    model_config: dict[str, Any] = field(default_factory=dict)
    model_dir: Path | None = None
    tiny_encoder_dir: Path | None = None
    tiny_epochs: int = 40
    wait_for_training: bool = True
    data: Path | None = None
    db: Path | None = None  # a SQLite file to create (default: load.sqlite in the work folder)
    db_url: str | None = None  # an empty database to use instead (e.g. PostgreSQL)
    preannotate: bool = True
    retrain: bool = True
    request_timeout_s: float = 120.0
    job_timeout_s: float = 3600.0
    progress: bool = True


@dataclass
class Acked:
    """An operation the server acknowledged (``ok: true``)."""

    user: str
    client_id: str
    doc_id: str
    seq: int
    kind: str
    op: dict[str, Any]
    base_version: int
    new_id: str | None = None
    repeat: bool = False


@dataclass
class AnnotatorResult:
    user: str
    sent: int = 0
    acked: list[Acked] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    apply_ms: list[float] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)
    locked_answers: int = 0
    http_retries: int = 0
    ambiguous_ids: int = 0
    reloads: int = 0
