"""Simulated annotators under load (issue #8, item 3): edits through HTTP while jobs run.

    python bench/load_annotators.py [--annotators 10] [--edits 1000] [--epochs 1]
        [--docs-per-annotator 3] [--think-ms 0] [--model DIR] [--encoder DIR]
        [--data SPERT.json] [--db FILE] [--seed 7] [--out FILE.json]

The real app is started in-process (``app.ui.create_app`` + ``launch(prevent_thread_lock=True)``
on 127.0.0.1, a free port, a fresh SQLite file) with one ``--auth`` user per annotator. The
project is the shipped demo (231 gold CoNLL04 sentences marked done, 60 new ones), plus the
documents of ``--data`` (SpERT JSON, annotations dropped) when given.

Each annotator logs in (``POST /login``, the cookie kept), reads the editor's component id from
``GET /config`` and edits exactly as the editor page (``app/editor/js``) does: ``POST
/gradio_api/component_server/`` with ``{session_hash, component_id, fn_name, data}``, where
``editor_load`` opens a document and ``editor_apply`` sends one operation at a time (the next
after the answer) with the page's ``client_id``, a ``seq`` per document and the version the
page holds as ``base_version``. A lost answer is resent with the same ``seq`` (as the page
does); a conflict makes it reload the document. Operations are chosen with valid offsets from
the text (word boundaries): add / retype / resize / delete entities, add / delete relations
allowed by the schema. Every pair of annotators shares one document and both open it first,
so concurrent-edit refusals happen; a refusal is answered and is not a loss.

While they edit, the two jobs the buttons start run through the same code: a pre-annotation job
(``SpanrelApp.submit_preannotation`` on ``JobQueue``, resubmitted until the annotators finish)
over the project's new documents nobody edits, with a tiny model trained first (or ``--model``),
and one retraining (``Retrainer.start``) of the default encoder on the done documents
(``--epochs 1``, from the encoder, no automatic activation so the pre-annotation model stays).

Then the checks: every acknowledged edit has its ``client_op`` record and one ``edit`` history
entry; per document the acknowledged operations, ordered by the version each produced
(``base_version + 1``: a successful edit moves the document from exactly its base version),
cover the versions without collision, and replaying them on the document's starting state
gives exactly the live entities and relations ``Store.load_document`` returns; new ids
agree with the ids the store recorded. "database is locked" is counted in every answer, every
log record (all loggers, captured) and the job logs; both jobs must end ``done``; ``PRAGMA
integrity_check`` must say ``ok``. One JSON summary is printed.

One file of about a thousand lines on purpose: a benchmark is run by hand and read as one
script, top to bottom; it imports the product and repeats none of its rules.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger("bench.load_annotators")

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


class LockedCounter(logging.Handler):
    """Counts every log record (any logger) by level, and those mentioning a locked database."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.locked: list[str] = []
        self.busy_retries = 0
        self.by_level: Counter = Counter()
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f" {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        except Exception:  # a record that cannot be formatted is still counted
            text = str(record.msg)
        self.by_level[record.levelname] += 1
        if LOCKED in text.lower():
            self.locked.append(f"{record.name}: {text[:300]}")
        if "database busy, retrying" in text:
            self.busy_retries += 1
        if record.levelno >= logging.ERROR and len(self.errors) < 20:
            self.errors.append(f"{record.name}: {text[:300]}")


# -- models -------------------------------------------------------------------------------------


def make_tiny_encoder(out: Path) -> Path:
    """A random 1-layer, 32-wide BERT with the default encoder's tokenizer (as the test suite's
    ``tiny_encoder_dir``): real loading code, training in seconds."""
    import torch
    from transformers import BertConfig, BertModel

    from core_model import default_encoder_dir

    out.mkdir(parents=True, exist_ok=True)
    src = default_encoder_dir()
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copy(src / name, out / name)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(out)
    return out


def train_tiny_model(encoder_dir: Path, out: Path, epochs: int = 40) -> Path:
    """A pre-annotation model in seconds: the tiny encoder overfit on a few demo sentences, so
    it predicts something on them (its quality is beside the point: the load is; a model
    that predicts nothing still writes a version, a history entry and the uncertainty)."""
    from core_model import ModelConfig, TrainConfig, train

    sentences = json.loads((DEMO / "conll04_gold.json").read_text(encoding="utf-8"))
    types = json.loads((DEMO / "conll04_types.json").read_text(encoding="utf-8"))
    train(
        sentences[:TINY_MODEL_SENTENCES],
        None,
        types,
        out,
        encoder_dir=encoder_dir,
        model_config=ModelConfig(max_span_width=6),
        train_config=TrainConfig(
            epochs=epochs,
            batch_size=4,
            lr=1e-3,
            head_lr=5e-3,
            warmup=0.0,
            seed=1,
            device="cpu",
            num_threads=1,  # torch's default thread count crawls on a busy 2-core machine
        ),
        show_progress=False,
    )
    return out


# -- the project --------------------------------------------------------------------------------


def setup_project(store: Any, data: Path | None) -> str:
    """The demo project, plus ``data``'s documents (annotations dropped) as new ones."""
    import converters
    from app.demo_project import DEMO_PROJECT, ensure_demo_project

    ensure_demo_project(store)
    if data is not None:
        docs = converters.read("spert", data)
        for i, doc in enumerate(docs):
            doc.id = f"load-{i:05d}"
            doc.entities, doc.relations = [], []
        store.import_documents(DEMO_PROJECT, docs, status="new")
    return DEMO_PROJECT


def assign_documents(
    new_ids: Sequence[int], annotators: int, per_annotator: int
) -> tuple[list[list[int]], list[int], list[int]]:
    """(documents of each annotator, shared ones first; the shared documents; the rest).

    Annotators 2k and 2k+1 share one document (an odd last annotator shares with annotator 0's
    pair); each also has ``per_annotator`` documents of its own.
    """
    pairs = max(1, annotators // 2) if annotators > 1 else 0
    need = pairs + annotators * per_annotator
    if len(new_ids) < need:
        raise SystemExit(
            f"the project has {len(new_ids)} new documents, {need} are needed for "
            f"{annotators} annotators x {per_annotator}: add documents with --data"
        )
    ids = list(new_ids)
    shared, ids = ids[:pairs], ids[pairs:]
    docs: list[list[int]] = []
    for a in range(annotators):
        own, ids = ids[:per_annotator], ids[per_annotator:]
        mine = [shared[min(a // 2, pairs - 1)]] if pairs else []
        docs.append(mine + own)
    return docs, shared, ids


# -- one simulated annotator --------------------------------------------------------------------


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in WORD.finditer(text)]


def _norm_reason(error: str) -> str:
    """Refusal messages without the numbers in them, for tallying."""
    return re.sub(r"\d+", "N", error or "")[:120]


class Annotator:
    """One browser tab: login cookie, session hash, client id, a ``seq`` per document."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        documents: list[int],
        quota: int,
        *,
        seed: int,
        think_ms: float,
        timeout_s: float,
        on_edit: Callable[[], None] | None = None,
    ) -> None:
        import httpx

        self.http = httpx.Client(base_url=base_url, timeout=timeout_s)
        self.user, self.password = user, password
        self.documents = [str(d) for d in documents]
        self.quota = quota
        self.rng = random.Random(seed)
        self.think_s = think_ms / 1000.0
        self.on_edit = on_edit
        self.session_hash = secrets.token_hex(6)
        self.client_id = f"{user}-{secrets.token_hex(8)}"
        self.seqs: dict[str, int] = defaultdict(int)
        self.result = AnnotatorResult(user)
        self.component_id: int | None = None
        self.state: dict[str, Any] | None = None

    # -- HTTP ------------------------------------------------------------------------------

    def login(self) -> None:
        r = self.http.post("/login", data={"username": self.user, "password": self.password})
        r.raise_for_status()
        config = self.http.get("/config")
        config.raise_for_status()
        for comp in config.json()["components"]:
            if comp.get("props", {}).get("elem_id") == EDITOR_ELEM_ID:
                self.component_id = comp["id"]
                return
        raise RuntimeError(f"no component with elem_id {EDITOR_ELEM_ID!r} in /config")

    def _call(self, fn_name: str, data: Any, timings: list[float]) -> Any:
        """One server-function call; a failed request is resent as the page does."""
        import httpx

        body = {
            "session_hash": self.session_hash,
            "component_id": self.component_id,
            "fn_name": fn_name,
            "data": data,
        }
        last: Exception | None = None
        for attempt in range(HTTP_RETRIES):
            t0 = time.perf_counter()
            try:
                r = self.http.post(COMPONENT_SERVER, json=body)
            except httpx.HTTPError as exc:
                last = exc
                self.result.http_retries += 1
                time.sleep(0.25 * 2**attempt)
                continue
            timings.append(1000 * (time.perf_counter() - t0))
            if LOCKED in r.text.lower():
                self.result.locked_answers += 1
            if r.status_code != 200:
                # the page sees `undefined` and retries the same op
                self.result.errors[f"HTTP {r.status_code} from {fn_name}"] += 1
                last = RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
                time.sleep(0.25 * 2**attempt)
                continue
            answer = r.json()
            if not isinstance(answer, dict):
                self.result.errors[f"no answer object from {fn_name}"] += 1
                last = RuntimeError(f"answer {answer!r:.200}")
                time.sleep(0.25 * 2**attempt)
                continue
            return answer
        raise RuntimeError(f"{self.user}: {fn_name} failed {HTTP_RETRIES} times: {last}")

    # -- the document as the page holds it -------------------------------------------------

    def open(self, doc_id: str) -> None:
        answer = self._call("editor_load", {"doc_id": doc_id}, self.result.load_ms)
        if not answer.get("ok"):
            raise RuntimeError(f"{self.user}: cannot load {doc_id}: {answer.get('error')}")
        self._set_doc(answer["doc"])

    def _set_doc(self, doc: dict[str, Any]) -> None:
        self.state = {
            "doc_id": doc["doc_id"],
            "text": doc["text"],
            "version": doc["version"],
            "schema": doc["schema"],
            "words": _words(doc["text"]),
            "entities": {e["id"]: e for e in doc["entities"]},
            "relations": {r["id"]: r for r in doc["relations"]},
        }

    def _apply_changes(self, ack: dict[str, Any]) -> None:
        st = self.state
        assert st is not None
        if "doc" in ack:
            self._set_doc(ack["doc"])
            return
        c = ack.get("changes") or {}
        for i in c.get("deleted_entities", []):
            st["entities"].pop(i, None)
        for i in c.get("deleted_relations", []):
            st["relations"].pop(i, None)
        for e in c.get("entities", []):
            st["entities"][e["id"]] = e
        for r in c.get("relations", []):
            st["relations"][r["id"]] = r
        if isinstance(ack.get("version"), int):
            st["version"] = ack["version"]

    # -- choosing an edit ------------------------------------------------------------------

    def _live_entities(self) -> list[dict[str, Any]]:
        assert self.state is not None
        return [e for e in self.state["entities"].values() if e.get("review") != "rejected"]

    def _live_relations(self) -> list[dict[str, Any]]:
        assert self.state is not None
        return [r for r in self.state["relations"].values() if r.get("review") != "rejected"]

    def _taken(self, etype: str, frags: list[list[int]], skip: str | None = None) -> bool:
        return any(
            e["type"] == etype and e["fragments"] == frags and e["id"] != skip
            for e in self._live_entities()
        )

    def _span(self, first: int, last: int) -> list[list[int]]:
        words = self.state["words"]  # type: ignore[index]
        return [[words[first][0], words[last][1]]]

    def choose(self) -> dict[str, Any]:
        """The next operation's fields (without doc_id/client_id/seq/base_version)."""
        kinds = list(EDIT_MIX)
        kind = self.rng.choices(kinds, weights=[EDIT_MIX[k] for k in kinds])[0]
        op = getattr(self, f"_op_{kind}")()
        return op if op is not None else self._op_add_entity()

    def _entity_types(self) -> list[str]:
        return [t["name"] for t in self.state["schema"]["entity_types"]]  # type: ignore[index]

    def _op_add_entity(self) -> dict[str, Any]:
        words = self.state["words"]  # type: ignore[index]
        types = self._entity_types()
        for _ in range(20):
            first = self.rng.randrange(len(words))
            last = min(len(words) - 1, first + self.rng.choice((0, 0, 0, 1, 1, 2)))
            frags, etype = self._span(first, last), self.rng.choice(types)
            if not self._taken(etype, frags):
                return {"kind": "add_entity", "type": etype, "fragments": frags}
        return {"kind": "add_entity", "type": etype, "fragments": frags}

    def _op_retype_entity(self) -> dict[str, Any] | None:
        used = {a for r in self._live_relations() for a in (r["arg1"], r["arg2"])}
        free = [e for e in self._live_entities() if e["id"] not in used]
        if not free:
            return None
        ent = self.rng.choice(free)
        others = [t for t in self._entity_types() if t != ent["type"]]
        others = [t for t in others if not self._taken(t, ent["fragments"])]
        if not others:
            return None
        return {"kind": "change_entity", "entity_id": ent["id"], "type": self.rng.choice(others)}

    def _op_resize_entity(self) -> dict[str, Any] | None:
        words = self.state["words"]  # type: ignore[index]
        starts = {s: i for i, (s, _) in enumerate(words)}
        ends = {e: i for i, (_, e) in enumerate(words)}
        ents = [
            e
            for e in self._live_entities()
            if len(e["fragments"]) == 1
            and e["fragments"][0][0] in starts
            and e["fragments"][0][1] in ends
        ]
        self.rng.shuffle(ents)
        for ent in ents:
            first, last = starts[ent["fragments"][0][0]], ends[ent["fragments"][0][1]]
            choices = []
            if first > 0:
                choices.append((first - 1, last))
            if last + 1 < len(words):
                choices.append((first, last + 1))
            if last > first:
                choices += [(first + 1, last), (first, last - 1)]
            self.rng.shuffle(choices)
            for a, b in choices:
                frags = self._span(a, b)
                if not self._taken(ent["type"], frags, skip=ent["id"]):
                    return {"kind": "change_entity", "entity_id": ent["id"], "fragments": frags}
        return None

    def _op_delete_entity(self) -> dict[str, Any] | None:
        ents = self._live_entities()
        if len(ents) < 4:  # keep some for relations
            return None
        return {"kind": "delete_entity", "entity_id": self.rng.choice(ents)["id"]}

    def _op_add_relation(self) -> dict[str, Any] | None:
        ents = self._live_entities()
        existing = {(r["type"], r["arg1"], r["arg2"]) for r in self._live_relations()}
        # the page's own table of what the schema allows per (head type, tail type)
        allowed = self.state["schema"]["allowed_relations"]  # type: ignore[index]
        names = [rt["name"] for rt in self.state["schema"]["relation_types"]]  # type: ignore[index]
        self.rng.shuffle(names)
        for name in names:
            pairs = [
                (a["id"], b["id"])
                for a in ents
                for b in ents
                if a["id"] != b["id"]
                and name in allowed.get(a["type"], {}).get(b["type"], [])
                and (name, a["id"], b["id"]) not in existing
            ]
            if pairs:
                a1, a2 = self.rng.choice(pairs)
                return {"kind": "add_relation", "type": name, "arg1": a1, "arg2": a2}
        return None

    def _op_delete_relation(self) -> dict[str, Any] | None:
        rels = self._live_relations()
        if not rels:
            return None
        return {"kind": "delete_relation", "relation_id": self.rng.choice(rels)["id"]}

    # -- sending -----------------------------------------------------------------------------

    def edit(self) -> None:
        """Choose, send and account for one operation on the open document."""
        st = self.state
        assert st is not None
        fields = self.choose()
        doc_id = st["doc_id"]
        self.seqs[doc_id] += 1
        op = {
            "doc_id": doc_id,
            "client_id": self.client_id,
            "seq": self.seqs[doc_id],
            "base_version": st["version"],
            **fields,
        }
        before_e, before_r = set(st["entities"]), set(st["relations"])
        self.result.sent += 1
        ack = self._call("editor_apply", op, self.result.apply_ms)
        if self.on_edit is not None:
            self.on_edit()
        if not ack.get("ok"):
            if ack.get("conflict"):
                self.result.refused["conflict: the document changed elsewhere"] += 1
                self.result.reloads += 1
                self.open(doc_id)  # the page reloads and drops its queue
            else:
                self.result.refused[_norm_reason(str(ack.get("error")))] += 1
            return
        if ack.get("seq") != op["seq"]:
            self.result.errors["acknowledgement for another seq"] += 1
            return
        self._apply_changes(ack)
        rec = Acked(
            self.user,
            self.client_id,
            doc_id,
            op["seq"],
            op["kind"],
            fields,
            op["base_version"],
            repeat=bool(ack.get("repeat")) or "doc" in ack,
        )
        if op["kind"] in ("add_entity", "add_relation"):
            rec.new_id = self._new_id(op, before_e, before_r)
        self.result.acked.append(rec)

    def _new_id(self, op: dict[str, Any], before_e: set[str], before_r: set[str]) -> str | None:
        """The id of what an acknowledged add created: new since the base state and equal to
        what was asked; with several (another tab added the same meanwhile), the oldest."""
        st = self.state
        assert st is not None
        if op["kind"] == "add_entity":
            found = [
                e["id"]
                for e in st["entities"].values()
                if e["id"] not in before_e
                and e["type"] == op["type"]
                and e["fragments"] == op["fragments"]
            ]
        else:
            found = [
                r["id"]
                for r in st["relations"].values()
                if r["id"] not in before_r
                and (r["type"], r["arg1"], r["arg2"]) == (op["type"], op["arg1"], op["arg2"])
            ]
        if len(found) > 1:
            self.result.ambiguous_ids += 1
        return min(found, key=lambda i: int(i[1:])) if found else None

    def run(self, start: threading.Barrier | None = None) -> AnnotatorResult:
        """Log in, then visit the documents (the shared one first) doing blocks of edits."""
        try:
            self.login()
            if start is not None:
                start.wait()
            done, visit = 0, 0
            while done < self.quota:
                doc_id = self.documents[visit % len(self.documents)]
                visit += 1
                self.open(doc_id)
                block = min(self.quota - done, self.rng.randint(5, 12))
                for _ in range(block):
                    self.edit()
                    done += 1
                    if self.think_s:
                        time.sleep(self.rng.uniform(0, 2 * self.think_s))
        except Exception as exc:  # reported in the summary, never silently dropped
            log.exception("annotator %s stopped", self.user)
            self.result.errors[f"stopped: {type(exc).__name__}: {str(exc)[:200]}"] += 1
        finally:
            self.http.close()
        return self.result


# -- checking the database ----------------------------------------------------------------------


def _replay(
    start: dict[str, Any], ops: list[Acked]
) -> tuple[dict[str, tuple], dict[str, tuple], int]:
    """The live annotations after ``ops`` in order, and how many could not be replayed."""
    ents = dict(start["entities"])
    rels = dict(start["relations"])
    bad = 0
    for a in ops:
        f = a.op
        if a.kind == "add_entity":
            if a.new_id is None:
                bad += 1
                continue
            ents[a.new_id] = (f["type"], tuple(map(tuple, f["fragments"])))
        elif a.kind == "change_entity":
            if f["entity_id"] not in ents:
                bad += 1
                continue
            etype, frags = ents[f["entity_id"]]
            ents[f["entity_id"]] = (
                f.get("type", etype),
                tuple(map(tuple, f["fragments"])) if "fragments" in f else frags,
            )
        elif a.kind == "delete_entity":
            if ents.pop(f["entity_id"], None) is None:
                bad += 1
            for rid in [r for r, (_, a1, a2) in rels.items() if f["entity_id"] in (a1, a2)]:
                del rels[rid]
        elif a.kind == "add_relation":
            if a.new_id is None or f["arg1"] not in ents or f["arg2"] not in ents:
                bad += 1
                continue
            rels[a.new_id] = (f["type"], f["arg1"], f["arg2"])
        elif a.kind == "delete_relation":
            if rels.pop(f["relation_id"], None) is None:
                bad += 1
        else:
            bad += 1
    return ents, rels, bad


def snapshot(store: Any, doc_id: int) -> dict[str, Any]:
    """Live entities/relations of a stored document, keyed by the page's ids."""
    view = store.load_document(doc_id)
    return {
        "version": view.version,
        "entities": {
            f"e{e.id}": (e.type, tuple(map(tuple, e.fragments)))
            for e in view.entities
            if e.review != "rejected"
        },
        "relations": {
            f"r{r.id}": (r.type, f"e{r.arg1}", f"e{r.arg2}")
            for r in view.relations
            if r.review != "rejected"
        },
    }


def verify(
    store: Any,
    starts: dict[str, dict[str, Any]],
    acked: list[Acked],
    users: set[str],
) -> dict[str, Any]:
    """Compare every acknowledged edit with the database (see the module docstring)."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        records = {
            (str(d), c, s): json.loads(r) if isinstance(r, str) else r
            for d, c, s, r in conn.execute(
                text("SELECT document_id, client_id, seq, result FROM client_op")
            )
        }
        history: Counter = Counter()
        for d, author in conn.execute(
            text("SELECT document_id, author FROM history WHERE action = 'edit'")
        ):
            if author in users:
                history[str(d)] += 1
    out: Counter = Counter()
    by_doc: dict[str, list[Acked]] = defaultdict(list)
    for a in acked:
        by_doc[a.doc_id].append(a)
        rec = records.get((a.doc_id, a.client_id, a.seq))
        if rec is None:
            out["no_client_op_record"] += 1
            continue
        if rec.get("version") != a.base_version + 1:
            out["record_version_differs"] += 1
        if a.new_id is not None:
            key = "entity_id" if a.kind == "add_entity" else "relation_id"
            if f"{a.new_id[0]}{rec.get(key)}" != a.new_id:
                out["new_id_differs"] += 1
    for doc_id, ops in by_doc.items():
        ops.sort(key=lambda a: a.base_version)
        start = starts[doc_id]
        final = snapshot(store, int(doc_id))
        produced = [a.base_version + 1 for a in ops]
        out["version_collisions"] += len(produced) - len(set(produced))
        expected = set(range(start["version"] + 1, final["version"] + 1))
        out["unacknowledged_versions"] += len(expected - set(produced))
        out["versions_beyond_document"] += len(set(produced) - expected)
        if history[doc_id] != len(ops):
            out["history_count_differs"] += abs(history[doc_id] - len(ops))
        ents, rels, bad = _replay(start, ops)
        out["not_replayable"] += bad
        for got, want, what in (
            (final["entities"], ents, "entities"),
            (final["relations"], rels, "relations"),
        ):
            out[f"{what}_missing"] += sum(1 for k, v in want.items() if got.get(k) != v)
            out[f"{what}_unexpected"] += sum(1 for k in got if k not in want)
    lost = (
        out["no_client_op_record"]
        + out["entities_missing"]
        + out["relations_missing"]
        + out["history_count_differs"]
    )
    return {"lost": lost, "documents_checked": len(by_doc), **dict(sorted(out.items()))}


# -- the run ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return round(ordered[k], 1)


def _latency(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": _pct(values, 50),
        "p95": _pct(values, 95),
        "p99": _pct(values, 99),
        "max": round(max(values), 1) if values else None,
    }


def _spread(values: Sequence[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "min": ordered[0] if ordered else None,
        "median": ordered[len(ordered) // 2] if ordered else None,
        "max": ordered[-1] if ordered else None,
        "total": round(sum(ordered), 1),
    }


def _job_dict(job: Any, window: tuple[datetime, datetime]) -> dict[str, Any]:
    start, end = job.started_at or job.created_at, job.finished_at
    overlap = None
    if start is not None:
        stop = end or window[1]
        overlap = max(0.0, (min(stop, window[1]) - max(start, window[0])).total_seconds())
    return {
        "id": job.id,
        "state": job.state,
        "seconds": round((end - start).total_seconds(), 1) if end and start else None,
        "overlap_with_edits_s": round(overlap, 1) if overlap is not None else None,
        "message": job.message[:200],
        "result": {k: v for k, v in (job.result or {}).items() if not isinstance(v, dict | list)},
    }


def wait_for_training(store: Any, job_id: int, timeout: float) -> None:
    """Until the retraining worker reports its first step (its start-up is minutes of imports
    and loading on a busy machine; the edits should meet the training itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.state != "running" or job.message.startswith("epoch"):
            return
        time.sleep(0.2)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # the store's timestamps are naive UTC


def run_load(cfg: LoadConfig, workdir: Path) -> dict[str, Any]:
    """Start the app, run the annotators and the jobs, check the database; the summary."""
    from app.retraining.options import RetrainOptions
    from app.ui import AppConfig, create_app
    from db import Store

    counter = LockedCounter()
    root = logging.getLogger()
    root.addHandler(counter)
    workdir.mkdir(parents=True, exist_ok=True)
    if cfg.db_url:
        store = Store.open(cfg.db_url)
    else:
        db_path = cfg.db or workdir / "load.sqlite"
        if db_path.exists():
            raise SystemExit(f"{db_path} exists: the load test needs a fresh database")
        store = Store.open(f"sqlite:///{db_path.resolve()}")
    app = demo = None
    t_setup = time.perf_counter()
    try:
        project = setup_project(store, cfg.data)
        new_ids = [d.id for d in store.list_documents(project) if d.status == "new"]
        docs, shared, others = assign_documents(new_ids, cfg.annotators, cfg.docs_per_annotator)
        models_dir = workdir / "models"
        models_dir.mkdir(parents=True, exist_ok=True)
        model_dir = cfg.model_dir
        if cfg.preannotate and model_dir is None:
            encoder = cfg.tiny_encoder_dir or make_tiny_encoder(workdir / "tiny-encoder")
            model_dir = train_tiny_model(
                encoder, models_dir / "tiny-preannotate", epochs=cfg.tiny_epochs
            )
        if cfg.preannotate:
            assert model_dir is not None
            mv = store.register_model_version(project, str(model_dir), state="ready")
            store.activate_model_version(mv.id)
        users = [(f"annotator{i:02d}", secrets.token_urlsafe(12)) for i in range(cfg.annotators)]
        retrain = RetrainOptions(
            epochs=cfg.epochs,
            from_scratch=True,
            auto_activate=False,
            encoder_dir=cfg.encoder_dir,
            train_config=dict(cfg.train_config),
            model_config=dict(cfg.model_config),
        )
        config = AppConfig(
            models_dir=models_dir,
            default_user="nobody",
            auth=list(users),
            retrain=retrain,
            auto_retrain=False,  # the benchmark starts its own retraining
        )
        app, demo = create_app(store, config)
        port = _free_port()
        demo.launch(
            prevent_thread_lock=True,
            server_name="127.0.0.1",
            server_port=port,
            quiet=True,
            **app.launch_kwargs(),
        )
        base_url = f"http://127.0.0.1:{port}"
        setup_s = time.perf_counter() - t_setup
        annotated = sorted({d for ds in docs for d in ds})
        starts = {}
        for d in annotated:
            snap = snapshot(store, d)
            starts[str(d)] = snap

        # the jobs, started as the buttons start them
        retrain_job = app.retrainer.start(project, retrain) if cfg.retrain else None
        if retrain_job is not None and cfg.wait_for_training:
            wait_for_training(store, retrain_job.id, cfg.job_timeout_s)
        editing_done = threading.Event()
        pre_jobs: list[int] = []

        def preannotate_loop() -> None:
            while True:
                job = app.submit_preannotation(project, list(others), "project")
                pre_jobs.append(job.id)
                app.jobs.wait(job.id, cfg.job_timeout_s)
                if editing_done.is_set() or app.store.get_job(job.id).state != "done":
                    return

        pre_thread = None
        if cfg.preannotate and others:
            pre_thread = threading.Thread(target=preannotate_loop, name="load-preannotate")
            pre_thread.start()

        # the annotators
        quota = [cfg.edits // cfg.annotators] * cfg.annotators
        for i in range(cfg.edits % cfg.annotators):
            quota[i] += 1
        bar = None
        if cfg.progress:
            from tqdm import tqdm

            bar = tqdm(total=cfg.edits, desc="edits", unit="edit")
        bar_lock = threading.Lock()

        def tick() -> None:
            if bar is not None:
                with bar_lock:
                    bar.update(1)

        clients = [
            Annotator(
                base_url,
                user,
                password,
                docs[i],
                quota[i],
                seed=cfg.seed * 1000 + i,
                think_ms=cfg.think_ms,
                timeout_s=cfg.request_timeout_s,
                on_edit=tick,
            )
            for i, (user, password) in enumerate(users)
        ]
        barrier = threading.Barrier(len(clients))
        results: list[AnnotatorResult | None] = [None] * len(clients)

        def work(i: int) -> None:
            results[i] = clients[i].run(barrier)

        threads = [
            threading.Thread(target=work, args=(i,), name=f"annotator-{i}")
            for i in range(len(clients))
        ]
        window_start = _now()
        t_edit = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        edit_s = time.perf_counter() - t_edit
        window = (window_start, _now())
        editing_done.set()
        if bar is not None:
            bar.close()

        # the jobs end
        if pre_thread is not None:
            pre_thread.join(cfg.job_timeout_s)
        final_retrain = (
            app.retrainer.wait(retrain_job.id, cfg.job_timeout_s) if retrain_job else None
        )
        done = [r for r in results if r is not None]
        acked = [a for r in done for a in r.acked]
        check = verify(store, starts, acked, {u for u, _ in users})
        jobs: dict[str, Any] = {}
        job_logs = ""
        if final_retrain is not None:
            jobs["retrain"] = _job_dict(final_retrain, window)
            job_logs += final_retrain.log + final_retrain.message
        pre = [store.get_job(j) for j in pre_jobs]
        if pre:
            jobs["preannotate"] = {
                "jobs": len(pre),
                "states": dict(Counter(j.state for j in pre)),
                "documents_each": len(others),
                "seconds": _spread([_job_dict(j, window)["seconds"] or 0.0 for j in pre]),
                "suggestions": {
                    k: sum(int((j.result or {}).get(k, 0)) for j in pre)
                    for k in ("entities", "relations")
                },
                "overlap_with_edits_s": round(
                    sum(_job_dict(j, window)["overlap_with_edits_s"] or 0 for j in pre), 1
                ),
                "failed_documents": sum(int((j.result or {}).get("failed", 0)) for j in pre),
            }
            job_logs += "".join(j.log + j.message for j in pre)
        refused: Counter = Counter()
        errors: Counter = Counter()
        for r in done:
            refused.update(r.refused)
            errors.update(r.errors)
        apply_ms = [x for r in done for x in r.apply_ms]
        summary = {
            "annotators": cfg.annotators,
            "edits_requested": cfg.edits,
            "edits_sent": sum(r.sent for r in done),
            "acked": len(acked),
            "acked_by_kind": dict(Counter(a.kind for a in acked)),
            "acked_repeats": sum(1 for a in acked if a.repeat),
            "refused": sum(refused.values()),
            "refused_by_reason": dict(refused.most_common()),
            "errors": sum(errors.values()),
            "errors_by_kind": dict(errors),
            "lost": check["lost"],
            "check": check,
            "edit_latency_ms": _latency(apply_ms),
            "load_latency_ms": _latency([x for r in done for x in r.load_ms]),
            "edits_per_s": round(len(apply_ms) / edit_s, 1) if edit_s else None,
            "edit_window_s": round(edit_s, 1),
            "setup_s": round(setup_s, 1),
            "http_retries": sum(r.http_retries for r in done),
            "reloads_after_conflict": sum(r.reloads for r in done),
            "ambiguous_new_ids": sum(r.ambiguous_ids for r in done),
            "database_is_locked": {
                "answers": sum(r.locked_answers for r in done),
                "log_records": len(counter.locked),
                "job_logs": job_logs.lower().count(LOCKED),
                "examples": counter.locked[:5],
            },
            "busy_retries_logged": counter.busy_retries,
            "log_records_by_level": dict(counter.by_level),
            "log_errors": counter.errors,
            "jobs": jobs,
            "documents": {
                "annotated": len(annotated),
                "shared": len(shared),
                "preannotated_each_job": len(others),
                "done_for_retraining": len(store.list_documents(project, status="done")),
            },
        }
        summary["integrity_check"] = store.integrity_check()
        return summary
    finally:
        if demo is not None:
            demo.close()
        if app is not None:
            app.close()
        store.close()
        root.removeHandler(counter)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--annotators", type=int, default=10)
    p.add_argument("--edits", type=int, default=1000, help="edits in all (default 1000)")
    p.add_argument("--docs-per-annotator", type=int, default=3, help="besides the shared one")
    p.add_argument("--think-ms", type=float, default=0.0, help="mean pause between edits")
    p.add_argument("--epochs", type=int, default=1, help="retraining epochs (default 1)")
    p.add_argument("--encoder", help="retraining encoder directory (default: the default one)")
    p.add_argument("--train-config", type=json.loads, default={}, help="TrainConfig JSON")
    p.add_argument("--model", type=Path, help="pre-annotation model (default: train a tiny one)")
    p.add_argument("--data", type=Path, help="SpERT JSON whose documents are added as new")
    p.add_argument("--db", type=Path, help="SQLite file to create (default: in a temp dir)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-retrain", action="store_true")
    p.add_argument("--no-preannotate", action="store_true")
    p.add_argument("--out", type=Path, help="also write the JSON summary here")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="start editing at once, not when the retraining reports its first step",
    )
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.annotators < 1 or args.edits < 1:
        p.error("--annotators and --edits must be at least 1")
    cfg = LoadConfig(
        annotators=args.annotators,
        edits=args.edits,
        docs_per_annotator=args.docs_per_annotator,
        think_ms=args.think_ms,
        seed=args.seed,
        epochs=args.epochs,
        encoder_dir=args.encoder,
        train_config=args.train_config,
        model_dir=args.model,
        data=args.data,
        db=args.db,
        preannotate=not args.no_preannotate,
        retrain=not args.no_retrain,
        progress=not args.no_progress,
        wait_for_training=not args.no_wait,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="spanrel-load-") as tmp:
        summary = run_load(cfg, Path(tmp))
    summary["total_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return summary


if __name__ == "__main__":
    main()
