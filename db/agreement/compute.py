"""``agreement`` and ``compare``: the pairs, their means and alpha (see ``db.agreement``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations

from converters.document import Document
from converters.schema import Schema
from db.agreement.layers import Label, View, build_views, check_layers
from db.agreement.measures import cohen_kappa, krippendorff_alpha, overlap_matches
from db.agreement.results import Agreement, Counts, MeanScores, PairAgreement, Scores, mean


def agreement(
    layers: Mapping[str, Sequence[Document]],
    *,
    reference: str | None = None,
    schema: Schema | None = None,
) -> Agreement:
    """Agreement among ``layers`` (annotator name -> that annotator's documents).

    Every pair of annotators is compared, or, with ``reference`` (one of the names: the
    curated layer, a model's predictions), the reference against each of the others, the
    reference as side A. ``schema`` only says which relation types are symmetric (compared
    without direction). Raises ``AgreementInputError`` when a document name has two texts.
    """
    layers = {name: list(docs) for name, docs in layers.items()}  # read twice below
    names = list(layers)
    if len(names) < 2:
        raise ValueError("agreement needs at least two layers")
    if reference is not None and reference not in layers:
        raise ValueError(f"reference {reference!r} is not one of the layers {names}")
    symmetric = {
        t.name for t in (schema.relation_types if schema else []) if t.symmetric and t.name
    }
    texts = check_layers(layers)
    views = build_views(layers, texts, symmetric)
    holders = Counter(name for v in views.values() for name in v)
    if reference is None:
        pairs_of = list(combinations(names, 2))
    else:
        pairs_of = [(reference, b) for b in names if b != reference]
    pairs = [_compare(a, b, views[a], views[b]) for a, b in pairs_of]
    alpha_units, alpha = (0, None) if reference is not None else _alpha(views)
    return Agreement(
        annotators=names,
        reference=reference,
        documents=sum(1 for c in holders.values() if c >= 2),
        unpaired=sorted(name for name, c in holders.items() if c < 2),
        pairs=pairs,
        entities=MeanScores.over([p.entities for p in pairs]),
        entities_overlap=MeanScores.over([p.entities_overlap for p in pairs]),
        relations=MeanScores.over([p.relations for p in pairs]),
        kappa=mean([p.kappa for p in pairs]),
        alpha=alpha,
        alpha_units=alpha_units,
        skipped_relations={a: sum(v.skipped for v in views[a].values()) for a in names},
    )


def compare(
    a: Sequence[Document],
    b: Sequence[Document],
    *,
    a_name: str = "A",
    b_name: str = "B",
    schema: Schema | None = None,
) -> PairAgreement:
    """One layer against another (``a`` as the reference): ``agreement``'s pair for two."""
    if a_name == b_name:
        raise ValueError("the two layers need different names")
    return agreement({a_name: a, b_name: b}, reference=a_name, schema=schema).pairs[0]


def _compare(a: str, b: str, va: Mapping[str, View], vb: Mapping[str, View]) -> PairAgreement:
    exact: dict[str, Counts] = {}
    overlap: dict[str, Counts] = {}
    relations: dict[str, Counts] = {}
    confusion: Counter[tuple[Label, Label]] = Counter()
    shared = [d for d in va if d in vb]
    for doc in shared:
        x, y = va[doc], vb[doc]
        for t in x.entities.keys() | y.entities.keys():
            ca, cb = x.entities.get(t, Counter()), y.entities.get(t, Counter())
            na, nb = ca.total(), cb.total()
            m = (ca & cb).total()
            exact[t] = exact.get(t, Counts()) + Counts(m, na - m, nb - m)
            if m < min(na, nb):  # else no overlap matching can pair more
                m = overlap_matches(list(ca.elements()), list(cb.elements()))
            overlap[t] = overlap.get(t, Counts()) + Counts(m, na - m, nb - m)
        for t in x.relations.keys() | y.relations.keys():
            ca, cb = x.relations.get(t, Counter()), y.relations.get(t, Counter())
            na, nb = ca.total(), cb.total()
            m = (ca & cb).total()
            relations[t] = relations.get(t, Counts()) + Counts(m, na - m, nb - m)
        confusion.update(zip(x.labels, y.labels, strict=True))
    tokens, observed, kappa = cohen_kappa(confusion)
    return PairAgreement(
        a=a,
        b=b,
        documents=len(shared),
        entities=_scores(exact),
        entities_overlap=_scores(overlap),
        relations=_scores(relations),
        tokens=tokens,
        observed=observed,
        kappa=kappa,
    )


def _scores(per_type: dict[str, Counts]) -> Scores:
    overall = Counts()
    for c in per_type.values():
        overall += c
    return Scores(overall, {t: per_type[t] for t in sorted(per_type)})


def _alpha(views: Mapping[str, Mapping[str, View]]) -> tuple[int, float | None]:
    """Alpha over every annotator: a token's unit holds the labels of the annotators that
    have its document, so an annotator without a document is a missing value there."""
    by_doc: dict[str, list[list[Label]]] = {}
    for per_doc in views.values():
        for doc, view in per_doc.items():
            by_doc.setdefault(doc, []).append(view.labels)
    units: Counter[tuple[Label, ...]] = Counter()
    for label_lists in by_doc.values():
        if len(label_lists) >= 2:
            units.update(zip(*label_lists, strict=True))
    return krippendorff_alpha(units)
