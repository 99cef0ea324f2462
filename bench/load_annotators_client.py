"""The simulated annotator of ``bench/load_annotators.py``: one browser tab over HTTP.

Split out of ``bench/load_annotators.py`` to keep the client (login, the editor's server
functions as the page calls them, the choice of each edit and its acknowledgement) in one
place, apart from the server side of the run and the checks. Imported through
``bench/load_annotators.py``, which re-exports every name.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.load_annotators_config import (
    COMPONENT_SERVER,
    EDIT_MIX,
    EDITOR_ELEM_ID,
    HTTP_RETRIES,
    LOCKED,
    WORD,
    Acked,
    AnnotatorResult,
)

log = logging.getLogger("bench.load_annotators")


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
