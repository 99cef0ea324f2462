"""Curation screen load time (issue 24, item 6): the densest document of the shared corpora,
three annotators' layers of it, the Curation tab's aligned view built and drawn.

Run by hand: ``.venv/bin/python bench/curation.py [SHARED_DATA] [--repeat N]`` (default
``../shared/data`` beside the repository).

- **The document**: every document of the shared BRAT samples (each folder with an
  ``annotation.conf``, read with ``converters``) ranked by what curation aligns, entities plus
  relations (events are not aligned); the densest by count and the densest per character are
  both measured. CoNLL04, ADE and the ACE sample are single sentences or one short document:
  never the densest, not read.
- **The layers**: three copies of it, each perturbed (``perturb``: 5 % of the entities
  dropped, 5 % given another extent, 5 % retyped; seeds 1, 2, 3), imported as the layers of
  ann, bob and cy (``Store.import_layer``) of the document in a temporary SQLite store; the
  curated document starts empty.
- **Timed** (best and median of ``--repeat``): ``app.screens.curation.aligned_view``, what the
  tab runs to show a document: ``Store.curation`` (the layers read and aligned, the
  disagreements), the curated document and each layer read, the HTML drawn; and its parts
  apart: ``Store.curation`` alone, the four reads alone, ``render_view`` (the HTML) alone.
- **The collector**: ``aligned_view`` allocates enough for Python's cyclic collector to walk
  the whole heap about once per call (what the imports left: ~200,000 objects; about half
  the call's time on the densest document). Timed twice: as it comes, and after
  ``gc.freeze()`` (the objects alive then are left out of collections, as a server that
  froze its heap once started would have it).
- **The "Documents to curate" listing** (``measure_listing``): what the Curation tab runs each
  time it opens, ``app.screens.curation.documents_frame``: every layer of the project listed,
  then each of the first ``MAX_ROWS`` (300) documents with layers aligned (``Store.curation``)
  to count its disagreements, unless its row is kept from an earlier listing and nothing it
  depends on changed (``app.screens.curation_rows``). On the ``--listing`` (300) documents of
  the shared BRAT samples with the most entities + relations (the worst case the shared data
  holds), renamed ``NNN-name`` (names repeat across corpora), each with three layers made as
  above and an empty curated document, in one project of a temporary SQLite store. Timed (best
  and median of ``--listing-repeat``): the first listing (the store's kept rows forgotten
  before each call: every document aligned), the same after ``gc.freeze()``, the listing
  again with every row kept (what a tab open, project change or refresh costs when nothing
  changed), the listing after one layer's status was set (the edit's write included: one
  document aligned again), and the 300 ``Store.curation`` calls alone; each document's
  ``Store.curation`` once, to say which documents the time goes to; with ``--profile``, the
  first listing's top functions (cProfile, by cumulative time, then by own time).
  ``--listing 0`` skips it.
- ``--browser``: also the time Debian Chromium takes to lay that HTML out with the tab's CSS
  (``innerHTML`` set, then a forced layout; median of ``--repeat``), not counting Gradio's
  round trip.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import converters  # noqa: E402
from app.screens import curation  # noqa: E402
from bench.timing import timed  # noqa: E402
from converters.document import Document  # noqa: E402
from converters.schema import infer_schema  # noqa: E402
from converters.tokenize import whitespace_tokenize  # noqa: E402
from db import Edit, Store  # noqa: E402

PEOPLE = ("ann", "bob", "cy")
#: the share of the entities each kind of change takes, per annotator
SHARE = 0.05


def candidates(shared: Path) -> list[tuple[str, Document]]:
    """(corpus folder, document) for every document of the shared BRAT samples."""
    root = shared / "brat-samples"
    out = []
    for conf in sorted(root.rglob("annotation.conf")):
        folder = conf.parent
        try:
            docs = converters.read("brat", folder)
        except Exception as exc:  # a sample the reader refuses is not a candidate
            print(f"skipped {folder.relative_to(root)}: {exc}", file=sys.stderr)
            continue
        out += [(str(folder.relative_to(root)), d) for d in docs]
    return out


def aligned(doc: Document) -> int:
    return len(doc.entities) + len(doc.relations)


def perturb(doc: Document, share: float, seed: int) -> Document:
    """A copy of ``doc`` with ``share`` of its entities dropped (with their relations), as many
    retyped and as many with another extent: extended over the next token when no entity
    touches it, else cut to their first token, else left as they are (the densest documents
    hold an entity on nearly every token, where ``bench/agreement.py``'s ``perturb``, which
    only extends, finds too few). Entities chosen at random (``seed``)."""
    rng = random.Random(seed)
    out = copy.deepcopy(doc)
    k = max(1, round(share * len(out.entities)))
    types = sorted({e.type for e in out.entities})
    chosen = rng.sample(range(len(out.entities)), min(len(out.entities), 3 * k))
    drop = {out.entities[i].id for i in chosen[:k]}
    for i in chosen[k : 2 * k]:
        ent = out.entities[i]
        ent.type = types[(types.index(ent.type) + 1) % len(types)]
    for i in chosen[2 * k :]:
        ent = out.entities[i]
        start, end = ent.fragments[0][0], ent.fragments[-1][1]
        words = whitespace_tokenize(out.text[end:])
        after = (end + words[0][0], end + words[0][1]) if words else None
        if after and not any(
            x is not ent and x.start < after[1] and after[0] < x.end for x in out.entities
        ):
            ent.fragments = [(start, after[1])]
            continue
        inner = whitespace_tokenize(out.text[start:end])
        if len(inner) > 1:
            ent.fragments = [(start, start + inner[0][1])]
    out.entities = [e for e in out.entities if e.id not in drop]
    out.relations = [r for r in out.relations if not {r.arg1, r.arg2} & drop]
    return out


def layers_of(doc: Document) -> dict[str, Document]:
    """Three perturbed copies of ``doc`` (module docstring), events left out (curation does
    not align them, and a dropped trigger would leave its event dangling)."""
    triggers = {ev.trigger for ev in doc.events}
    entities = [e for e in doc.entities if e.id not in triggers]
    ids = {e.id for e in entities}
    relations = [r for r in doc.relations if {r.arg1, r.arg2} <= ids and not r.extra_args]
    base = Document(doc.id, doc.text, entities, relations)
    return {person: perturb(base, SHARE, seed) for seed, person in enumerate(PEOPLE, 1)}


def browser_layout(html: str, repeat: int) -> tuple[float, float]:
    """(best, median) seconds Chromium takes to put ``html`` in a page with the tab's CSS and
    lay it out."""
    from playwright.sync_api import sync_playwright

    from app.screens.curation_tab import CSS
    from tests.conftest import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_content(f"<style>{CSS}</style><div id='sr-cur-view'></div>")
        times = page.evaluate(
            """([html, n]) => { const box = document.getElementById('sr-cur-view');
              const out = [];
              for (let i = 0; i <= n; i++) {
                box.innerHTML = '';
                void box.offsetHeight;
                const t = performance.now();
                box.innerHTML = html;
                void box.offsetHeight;
                out.push(performance.now() - t);
              }
              return out.slice(1); }""",
            [html, repeat],
        )
        browser.close()
    return min(times) / 1000, statistics.median(times) / 1000


def measure(corpus: str, doc: Document, repeat: int, folder: Path, browser: bool) -> None:
    layers = layers_of(doc)
    store = Store.open(f"sqlite:///{folder / 'bench.sqlite'}")
    try:
        schema = infer_schema([*layers.values()])
        store.create_project("bench", schema)
        store.import_documents("bench", [Document(doc.id, doc.text)])
        for person, layer in layers.items():
            store.import_layer("bench", person, [layer])
        doc_id = store.find_document("bench", doc.id)
        view = store.curation(doc_id)
        shown = curation.aligned_view(store, doc_id)
        curated = store.load_document(doc_id)
        docs = {x.owner: store.load_document(x.document_id) for x in view.layers}
        fills = curation.fills_of(store.project_schema("bench"))

        def reads() -> None:
            store.load_document(doc_id)
            for x in view.layers:
                store.load_document(x.document_id)

        whole = timed(lambda: curation.aligned_view(store, doc_id), repeat)
        gc.collect()
        gc.freeze()  # the objects alive now are out of the collector's way, as after a start
        frozen = timed(lambda: curation.aligned_view(store, doc_id), repeat)
        gc.unfreeze()
        align = timed(lambda: store.curation(doc_id), repeat)
        loads = timed(reads, repeat)
        draw = timed(lambda: curation.render_view(view, curated, docs, fills), repeat)
    finally:
        store.close()
    cur = view.curation
    print(
        f"{corpus}/{doc.id}: {len(doc.text):,} characters, {len(doc.entities)} entities, "
        f"{len(doc.relations)} relations; layers "
        + ", ".join(f"{p} {len(d.entities)}+{len(d.relations)}" for p, d in layers.items())
    )
    print(
        f"  {len(cur.disagreements)} disagreements ({len(cur.unresolved)} open), "
        f"{len(cur.agreed)} agreed to merge, {cur.unanimous} unanimous; HTML "
        f"{len(shown.html) / 1024:.0f} KiB"
    )
    rows = [
        ("aligned_view (what the tab runs)", whole),
        ("  the same, heap frozen first", frozen),
        ("  Store.curation (read + align)", align),
        ("  curated + 3 layers read", loads),
        ("  render_view (HTML)", draw),
    ]
    if browser:
        rows.append(("Chromium: the HTML laid out", browser_layout(shown.html, repeat)))
    for name, (best, median) in rows:
        print(f"  {name:34s} best {best * 1000:7.1f} ms, median {median * 1000:7.1f} ms")


def listing_documents(found: list[tuple[str, Document]], n: int) -> list[Document]:
    """The ``n`` documents of ``found`` with most entities + relations, in ``found``'s order,
    each named ``NNN-name`` (``NNN``: its place in ``found``; names repeat across corpora)."""
    ranked = sorted(range(len(found)), key=lambda i: (-aligned(found[i][1]), i))[:n]
    out = []
    for i in sorted(ranked):
        doc = copy.copy(found[i][1])
        doc.id = f"{i:03d}-{doc.id}"
        out.append(doc)
    return out


def measure_listing(
    docs: list[Document], repeat: int, folder: Path, profile: int = 0
) -> dict[str, tuple[float, float]]:
    """The Curation tab's "Documents to curate" listing (``documents_frame``) of a project of
    ``docs`` with three layers each (module docstring): prints and returns its timings,
    (best, median) seconds by name."""
    project = "listing"
    per_doc = [layers_of(d) for d in docs]
    store = Store.open(f"sqlite:///{folder / 'listing.sqlite'}")
    try:
        store.create_project(project, infer_schema([x for ls in per_doc for x in ls.values()]))
        store.import_documents(project, [Document(d.id, d.text) for d in docs])
        for person in PEOPLE:
            store.import_layer(project, person, [ls[person] for ls in per_doc])
        del per_doc
        frame, note = curation.documents_frame(store, project)
        ids = [int(i) for i in frame["id"]]
        kept = curation.row_cache(store)

        def list_it() -> None:
            curation.documents_frame(store, project)

        def list_first() -> None:
            kept.clear()  # every document aligned, as on the first listing after a start
            list_it()

        layer = store.layer_for(ids[0], PEOPLE[0])
        assert layer is not None
        now = store.load_document(layer)
        state = {"version": now.version, "done": now.status == "done"}

        def edit_one_then_list() -> None:
            # a status change is a version bump like any edit: one row is aligned again
            state["done"] = not state["done"]
            to = "done" if state["done"] else "in-progress"
            result = store.apply_edit(layer, Edit.set_status(to), state["version"], "bench")
            state["version"] = result.version
            list_it()

        def align_all() -> None:
            for i in ids:
                store.curation(i)

        times = {"documents_frame, first listing": timed(list_first, repeat)}
        gc.collect()
        gc.freeze()
        times["  the same, heap frozen first"] = timed(list_first, repeat)
        gc.unfreeze()
        times["documents_frame, listed again"] = timed(list_it, repeat)
        times["  one layer's status set, then listed"] = timed(edit_one_then_list, repeat)
        times[f"  {len(ids)} x Store.curation alone"] = timed(align_all, repeat)
        each = []
        for i, name in zip(ids, frame["name"], strict=True):
            start = time.perf_counter()
            store.curation(i)
            each.append((time.perf_counter() - start, name))
        profiled = ""
        if profile:
            kept.clear()
            prof = cProfile.Profile()
            prof.enable()
            list_it()
            prof.disable()
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("cumulative").print_stats(profile)
            stats.sort_stats("tottime").print_stats(profile)
            profiled = out.getvalue().strip()
    finally:
        store.close()
    n_ent = sum(len(d.entities) for d in docs)
    n_rel = sum(len(d.relations) for d in docs)
    print(
        f"Documents to curate: {len(docs)} documents ({n_ent} entities, {n_rel} relations, "
        f"{sum(len(d.text) for d in docs):,} characters) x {len(PEOPLE)} layers; "
        f"{len(frame)} rows listed, {int(frame['disagreements'].sum())} disagreements"
    )
    print(f"  note: {note}")
    for name, (best, median) in times.items():
        print(f"  {name:36s} best {best * 1000:8.1f} ms, median {median * 1000:8.1f} ms")
    each.sort(reverse=True)
    total = sum(t for t, _ in each)
    if each:
        top = each[: max(1, len(each) // 10)]
        print(
            f"  Store.curation per document, once each: {total * 1000:.0f} ms in all, median "
            f"{statistics.median(t for t, _ in each) * 1000:.1f} ms; the slowest "
            f"{len(top)} take {sum(t for t, _ in top) / total:.0%}: "
            + ", ".join(f"{name} {t * 1000:.0f} ms" for t, name in each[:3])
        )
    if profiled:
        print("  cProfile of one first documents_frame call, by cumulative then own time:")
        print("\n".join("    " + line for line in profiled.splitlines()))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared_data", nargs="?", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also Chromium's layout time")
    parser.add_argument(
        "--listing",
        type=int,
        default=curation.MAX_ROWS,
        help="documents in the Documents-to-curate listing (0: not measured)",
    )
    parser.add_argument("--listing-repeat", type=int, default=3)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print the listing's N top functions"
    )
    args = parser.parse_args()
    found = candidates(Path(args.shared_data))
    by_count = max(found, key=lambda cd: (aligned(cd[1]), cd[1].id))
    by_density = max(found, key=lambda cd: (aligned(cd[1]) / max(1, len(cd[1].text)), cd[1].id))
    print(f"{len(found)} documents in the shared BRAT samples; repeat {args.repeat}")
    chosen = [by_count] + ([by_density] if by_density is not by_count else [])
    listed = listing_documents(found, args.listing)
    del found  # not part of the heap the collector walks in the app
    with tempfile.TemporaryDirectory() as tmp:
        for n, (corpus, doc) in enumerate(chosen):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            measure(corpus, doc, args.repeat, folder, args.browser)
        if listed:
            folder = Path(tmp) / "listing"
            folder.mkdir()
            measure_listing(listed, args.listing_repeat, folder, args.profile)


if __name__ == "__main__":
    main()
