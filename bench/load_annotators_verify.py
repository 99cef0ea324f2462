"""The checks of ``bench/load_annotators.py``: every acknowledged edit against the database.

Split out of ``bench/load_annotators.py`` so the checker (replaying the acknowledged
operations per document and comparing with what the store holds) stands on its own: the test
suite also runs it on a store where an edit was removed behind its back. Imported through
``bench/load_annotators.py``, which re-exports every name.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from bench.load_annotators_config import Acked

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
