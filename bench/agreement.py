"""Inter-annotator agreement (``db.agreement``) on 1,000 CoNLL04 documents x 3 annotators.

Run by hand: ``.venv/bin/python bench/agreement.py [SHARED_DATA] [--documents N] [--repeat N]
[--profile N]`` (default ``../shared/data`` beside the repository). Annotator ``gold`` is
CoNLL04's own layer (``conll04_train_dev.json``, first N documents); ``b`` and ``c`` are copies
with known perturbations (``perturb``: 5 % of the entities dropped, 5 % shifted by one token,
5 % retyped, different seeds). Timed:

- **The pure call**: one ``agreement()`` call on those three (input checks, tokenization, every
  pair, means, alpha), best of ``--repeat``.
- **End to end, what the page and the CLI pay** (``end_to_end``): a real SQLite file in a
  temporary folder, the N documents imported as a project with CoNLL04's annotations and
  status done (the curated documents: curated to the gold, marked done), each annotator's
  version imported as their layer (``Store.import_layer``, done); then, best and median of
  ``--repeat`` after one warm-up call: ``Store.agreement_report`` (the done layers, the
  curated documents and the model's suggestions read in one transaction, then
  ``db.agreement.project_report``: the three annotators' pairs and alpha, each of them
  against the curated documents; no model version, so no model row), ``render_text`` (what
  ``python -m db agreement`` prints) and ``app.screens.curation.agreement_html`` (the
  Curation tab's Agreement section). The CLI pays the report plus the text, the page the
  report plus the HTML (plus Gradio's round trip and the browser, not counted). The imports
  are timed once, for scale; ``--profile N``: the N top functions (own time) of one
  ``Store.agreement_report`` call (cProfile), by cumulative then own time.

``perturb`` is also what ``tests/db/test_agreement.py`` builds its synthetic pair with: its
perturbations are chosen so that their number predicts the F1s exactly (see its docstring).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import converters  # noqa: E402
from app.screens.curation import agreement_html  # noqa: E402
from bench.timing import timed  # noqa: E402
from converters.document import Document  # noqa: E402
from converters.schema import Schema  # noqa: E402
from converters.tokenize import whitespace_tokenize  # noqa: E402
from db import Store  # noqa: E402
from db.agreement import AgreementReport, agreement, render_text  # noqa: E402

#: the project the end-to-end measurement imports into
PROJECT = "bench"


@dataclass
class Perturbation:
    """Which entities ``perturb`` changed: ``(document id, entity id)`` each; ``retyped`` maps
    them to ``(old type, new type)``."""

    dropped: list[tuple[str, str]] = field(default_factory=list)
    shifted: list[tuple[str, str]] = field(default_factory=list)
    retyped: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def _next_token_end(doc: Document, end: int) -> int | None:
    """The end of the whitespace token after offset ``end`` if no entity touches it."""
    for s, e in whitespace_tokenize(doc.text[end:]):
        s, e = s + end, e + end
        if any(x.start < e and s < x.end for x in doc.entities):
            return None
        return e
    return None


def perturb(
    documents: list[Document], *, drop: int, shift: int, retype: int, seed: int
) -> tuple[list[Document], Perturbation]:
    """Copies of ``documents`` with ``drop`` entities removed (and their relations), ``shift``
    entities extended over the next token, ``retype`` entities given another type: distinct
    entities chosen at random (``seed``).

    The documents must hold no overlapping entities (CoNLL04 holds none). A shifted entity
    only takes a token no entity touches, and a retyped one keeps its extent, so no changed
    entity overlaps another one: against the originals, exact matches lose one per
    perturbation, overlap matches lose one per drop and per retype only, and a relation is lost
    exactly when one of its arguments was changed.
    """
    rng = random.Random(seed)
    out = [copy.deepcopy(d) for d in documents]
    types = sorted({e.type for d in documents for e in d.entities})
    every = [(i, e.id) for i, d in enumerate(out) for e in d.entities]
    shiftable = [(i, eid) for i, eid in every if _next_token_end(out[i], out[i].entity(eid).end)]
    chosen_shift = rng.sample(shiftable, shift)
    rest = sorted(set(every) - set(chosen_shift))
    chosen = rng.sample(rest, drop + retype)
    record = Perturbation()
    for i, eid in chosen_shift:
        ent = out[i].entity(eid)
        new_end = _next_token_end(out[i], ent.end)
        ent.fragments = [(ent.start, new_end)]  # type: ignore[list-item]
        record.shifted.append((out[i].id, eid))
    for i, eid in chosen[drop:]:
        ent = out[i].entity(eid)
        new = types[(types.index(ent.type) + 1) % len(types)]
        record.retyped[(out[i].id, eid)] = (ent.type, new)
        ent.type = new
    for i, eid in chosen[:drop]:
        doc = out[i]
        doc.entities = [e for e in doc.entities if e.id != eid]
        doc.relations = [r for r in doc.relations if eid not in (r.arg1, r.arg2)]
        record.dropped.append((doc.id, eid))
    return out, record


def layers(documents: list[Document], share: float = 0.05) -> dict[str, list[Document]]:
    """``gold`` and two perturbed copies, ``share`` of the entities per kind of change."""
    k = int(share * sum(len(d.entities) for d in documents))
    b, _ = perturb(documents, drop=k, shift=k, retype=k, seed=1)
    c, _ = perturb(documents, drop=k, shift=k, retype=k, seed=2)
    return {"gold": documents, "b": b, "c": c}


@dataclass
class EndToEnd:
    """What ``end_to_end`` measured: seconds (best, median) per part, the imports' seconds,
    the report, what it was drawn as, and with ``profile`` a cProfile of one report."""

    parts: dict[str, tuple[float, float]]
    imports: dict[str, float]
    report: AgreementReport
    text: str
    html: str
    profile: str = ""


def end_to_end(
    documents: list[Document],
    annotators: dict[str, list[Document]],
    schema: Schema,
    repeat: int,
    folder: Path,
    profile: int = 0,
) -> EndToEnd:
    """The report the page and the CLI build, from a SQLite file in ``folder``: the documents
    imported with their annotations as the curated ones (done), each annotator's documents as
    their layer (done); then the report, its text and its HTML timed (module docstring)."""
    store = Store.open(f"sqlite:///{folder / 'agreement.sqlite'}")
    try:
        imports = {}
        start = time.perf_counter()
        store.create_project(PROJECT, schema)
        store.import_documents(PROJECT, documents, status="done")
        imports["documents (curated, done)"] = time.perf_counter() - start
        for person, docs in annotators.items():
            start = time.perf_counter()
            store.import_layer(PROJECT, person, docs)
            imports[f"layer {person}"] = time.perf_counter() - start
        report = store.agreement_report(PROJECT)
        title = f"Agreement in project {PROJECT!r} (layers: done)"
        text = render_text(report, title)
        html = agreement_html(report)
        parts = {
            "Store.agreement_report": timed(lambda: store.agreement_report(PROJECT), repeat),
            "render_text (CLI)": timed(lambda: render_text(report, title), repeat),
            "agreement_html (page)": timed(lambda: agreement_html(report), repeat),
        }
        profiled = ""
        if profile:
            prof = cProfile.Profile()
            prof.enable()
            store.agreement_report(PROJECT)
            prof.disable()
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("cumulative").print_stats(profile)
            stats.sort_stats("tottime").print_stats(profile)
            profiled = out.getvalue().strip()
    finally:
        store.close()
    return EndToEnd(parts, imports, report, text, html, profiled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared_data", nargs="?", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also print the N top functions of one Store.agreement_report call (cProfile)",
    )
    args = parser.parse_args()
    corpus = Path(args.shared_data) / "conll04" / "conll04_train_dev.json"
    documents = converters.read("spert", corpus)[: args.documents]
    schema = converters.read_schema("spert", corpus.with_name("conll04_types.json"))
    three = layers(documents)
    best = float("inf")
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = agreement(three, schema=schema)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    n_ent = sum(len(d.entities) for d in documents)
    print(f"{len(documents)} documents x {len(three)} annotators, {n_ent} gold entities")
    for p in result.pairs:
        print(
            f"  {p.a}-{p.b}: entity F1 {p.entities.overall.f1:.4f} "
            f"(overlap {p.entities_overlap.overall.f1:.4f}), relation F1 "
            f"{p.relations.overall.f1:.4f}, kappa {p.kappa:.4f} over {p.tokens} tokens"
        )
    print(f"  alpha {result.alpha:.4f} over {result.alpha_units} tokens")
    print(f"agreement(): {best * 1000:.1f} ms (best of {args.repeat})")

    with tempfile.TemporaryDirectory() as tmp:
        e2e = end_to_end(documents, three, schema, args.repeat, Path(tmp), args.profile)
    report = e2e.report
    print(
        f"end to end, SQLite: {len(report.documents)} documents, layers "
        + ", ".join(f"{a} {n}" for a, n in report.layers.items())
        + f", {len(report.curated)} curated (done); imported in "
        + ", ".join(f"{name} {sec:.1f} s" for name, sec in e2e.imports.items())
    )
    against = report.against_curated
    if against is not None:
        print(
            "  against the curated documents: "
            + ", ".join(
                f"{p.b} entity F1 {p.entities.overall.f1:.4f}"
                for p in against.pairs
                if p.a == report.curated_name
            )
        )
    print(f"  text {len(e2e.text) / 1024:.0f} KiB, HTML {len(e2e.html) / 1024:.0f} KiB")
    for name, (b, med) in e2e.parts.items():
        print(f"  {name:24s} best {b * 1000:8.1f} ms, median {med * 1000:8.1f} ms")
    rep = e2e.parts["Store.agreement_report"][0]
    for who, part in (("CLI", "render_text (CLI)"), ("page", "agreement_html (page)")):
        print(
            f"  {who}: report + {part.split()[0]}: {(rep + e2e.parts[part][0]) * 1000:.1f} ms "
            f"(best of {args.repeat} each)"
        )
    if e2e.profile:
        print("  cProfile of one Store.agreement_report call, by cumulative then own time:")
        print("\n".join("    " + line for line in e2e.profile.splitlines()))


if __name__ == "__main__":
    main()
