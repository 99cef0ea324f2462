"""Inter-annotator agreement (``db.agreement``) on 1,000 CoNLL04 documents x 3 annotators.

Run by hand: ``.venv/bin/python bench/agreement.py [SHARED_DATA] [--documents N] [--repeat N]``
(default ``../shared/data`` beside the repository). Annotator ``gold`` is CoNLL04's own layer
(``conll04_train_dev.json``, first N documents); ``b`` and ``c`` are copies with known
perturbations (``perturb``: 5 % of the entities dropped, 5 % shifted by one token, 5 %
retyped, different seeds). Timed: one ``agreement()`` call (input checks, tokenization, every
pair, means, alpha), best of ``--repeat``; the figure printed is that time.

``perturb`` is also what ``tests/db/test_agreement.py`` builds its synthetic pair with: its
perturbations are chosen so that their number predicts the F1s exactly (see its docstring).
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import converters  # noqa: E402
from converters.document import Document  # noqa: E402
from converters.tokenize import whitespace_tokenize  # noqa: E402
from db.agreement import agreement  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shared_data", nargs="?", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
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


if __name__ == "__main__":
    main()
