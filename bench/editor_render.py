"""Editor benchmark: Chromium render time of a 5,000-word document with 800 entities and 300
relations, and edit round-trip latency (page -> server function -> backend -> ack).

Run: HF_HUB_OFFLINE=1 .venv/bin/python bench/editor_render.py [--edits 50] [--runs 3]
     ... bench/editor_render.py --brat DIR [--doc NAME] [--runs 5]: a real BRAT corpus (with its
     annotation.conf) instead, its document with most events (or NAME): page loads and renders
     only, with the role and equivalence arcs drawn.
Needs /usr/bin/chromium (Debian). The editor runs over the app's StoreBackend on a SQLite file
in a temporary folder, so the round trip is page -> server function -> database commit ->
acknowledgement (the document is imported with all its annotations accepted: the store keeps
suggestions only from a model).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from app.demo_project import demo_schema
from app.editor.demo import build_app, synthetic_document
from app.store_backend import StoreBackend
from converters import brat
from converters.document import Document, Entity, Relation
from db import Store

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_backend_with(doc: dict, folder: Path) -> tuple[StoreBackend, str]:
    """The synthetic document in a fresh SQLite store (CoNLL04 demo types)."""
    store = Store.open(f"sqlite:///{folder / 'bench.sqlite'}")
    store.create_project("bench", demo_schema())
    entities = [
        Entity(e["id"], e["type"], [tuple(f) for f in e["fragments"]]) for e in doc["entities"]
    ]
    relations = [Relation(r["id"], r["type"], r["arg1"], r["arg2"]) for r in doc["relations"]]
    store.import_documents("bench", [Document(doc["doc_id"], doc["text"], entities, relations)])
    return StoreBackend(store), str(store.find_document("bench", doc["doc_id"]))


def store_backend_with_corpus(folder: Path, doc: str | None, tmp: Path) -> tuple[StoreBackend, str]:
    """The BRAT corpus at ``folder`` in a fresh SQLite store; its document ``doc`` or the one
    with most events."""
    store = Store.open(f"sqlite:///{tmp / 'bench.sqlite'}")
    documents = brat.read_corpus(folder)
    store.import_documents("bench", documents, schema=brat.read_schema(folder), create=True)
    name = doc or max(documents, key=lambda d: (len(d.events), len(d.entities))).id
    return StoreBackend(store), str(store.find_document("bench", name))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=5000)
    ap.add_argument("--entities", type=int, default=800)
    ap.add_argument("--relations", type=int, default=300)
    ap.add_argument("--edits", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    # the database is the only backend now; the flag stays so recorded command lines still run
    ap.add_argument("--store", action="store_true", help="no effect: always StoreBackend on SQLite")
    ap.add_argument("--brat", type=Path, help="a BRAT corpus folder (with annotation.conf)")
    ap.add_argument("--doc", help="with --brat: the document (default: the one with most events)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="spanrel-bench-")
    if args.brat is not None:
        backend, doc_id = store_backend_with_corpus(args.brat, args.doc, Path(tmp.name))
        view = backend.store.load_document(int(doc_id))
        args.edits = 0  # loads and renders only: retyping real data would meet its constraints
        doc = {
            "text": view.text,
            "entities": view.entities,
            "relations": view.relations,
        }
        print(
            f"{view.name}: {len(view.events)} events, "
            f"{sum(len(e.arguments) for e in view.events)} event arguments, "
            f"{len(view.groups)} equivalences"
        )
    else:
        doc = synthetic_document(args.words, args.entities, args.relations)
        backend, doc_id = store_backend_with(doc, Path(tmp.name))
    demo = build_app(backend, doc_id)
    port = free_port()
    demo.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=port,
        run_history=False,
        quiet=True,
    )
    url = f"http://127.0.0.1:{port}/"
    print(
        f"document: {len(doc['text'].split())} words, {len(doc['text'])} chars, "
        f"{len(doc['entities'])} entities, {len(doc['relations'])} relations"
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            loads, renders, rerenders = [], [], []
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                t0 = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(".sr-editor[data-ready='1']", timeout=60_000)
                # one more frame so the rendered DOM has been painted
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
                loads.append((time.perf_counter() - t0) * 1000)
                renders.append(
                    float(
                        page.evaluate("() => document.querySelector('.sr-editor').dataset.renderMs")
                    )
                )
                page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            page.wait_for_selector(".sr-editor[data-ready='1']", timeout=60_000)
            count = (
                "sel => new Set([...document.querySelectorAll(sel)].map(e => e.dataset.%s)).size"
            )
            n_labels = page.evaluate(count % "eid", ".sr-label")
            n_arcs = page.evaluate(count % "rid", ".sr-arc")
            n_roles = page.evaluate(count % "rid", ".sr-arc.sr-role")
            n_equiv = page.evaluate(count % "rid", ".sr-arc.sr-equiv")
            # edits: alternately retype an entity without relations (timed in the page)
            rtts = (
                []
                if not args.edits
                else page.evaluate(
                    """async (n) => {
                  const ed = document.querySelector('.sr-editor').srEditor, S = ed.state;
                  const used = new Set([...S.rels.values()].flatMap(r => [r.arg1, r.arg2]));
                  const id = [...S.ents.keys()].find(k => !used.has(k));
                  const out = [];
                  // the store refuses a retype to the type the entity has (no change)
                  const types = S.ents.get(id).type === 'Peop' ? ['Org', 'Peop'] : ['Peop', 'Org'];
                  for (let i = 0; i < n; i++) {
                    const t0 = performance.now();
                    ed.send('change_entity', {entity_id: id, type: types[i % 2]});
                    while (S.queue.length || S.inflight) await new Promise(r => setTimeout(r, 1));
                    if (!document.querySelector('.sr-status .sr-ok')) throw new Error('refused');
                    out.push([S.lastRoundTrip, performance.now() - t0, S.lastRenderMs]);
                  }
                  return out;
                }""",
                    args.edits,
                )
            )
            browser.close()
    finally:
        demo.close()
        backend.store.close()
        tmp.cleanup()
    print("backend: StoreBackend on SQLite")
    rt = [r[0] for r in rtts]
    total = [r[1] for r in rtts]
    rerenders = [r[2] for r in rtts]
    print(
        f"rendered: {n_labels} entity labels, {n_arcs} arcs "
        f"({n_roles} event role arcs, {n_equiv} equivalence arcs)"
    )
    print(
        f"page load -> editor rendered+painted (ms): {[round(x) for x in loads]} "
        f"median {statistics.median(loads):.0f}"
    )
    print(
        f"JS render of the whole document (ms): {[round(x, 1) for x in renders]} "
        f"median {statistics.median(renders):.1f}"
    )
    if not rt:
        return
    print(
        f"edit round-trip page->backend->ack over {len(rt)} edits (ms): "
        f"p50 {pct(rt, 0.5):.1f}  p95 {pct(rt, 0.95):.1f}  max {max(rt):.1f}"
    )
    print(
        f"edit incl. re-render (ms): p50 {pct(total, 0.5):.1f}  p95 {pct(total, 0.95):.1f}; "
        f"re-render alone p50 {pct(rerenders, 0.5):.1f}"
    )


if __name__ == "__main__":
    main()
