"""Aligning annotators' layers of one document: what they agree on and where they differ.

Every annotation some layer holds is a *candidate* with its supporters (the layers holding
it). What every layer holds is settled and never shown. Every other candidate is a variant
of one disagreement: the candidates are linked where they are alternatives to each other
(``results.alternatives``: same position, no annotator holding both) and each connected
component is one disagreement. Clustering does not depend on the policy or on the curated
document, so a disagreement keeps its id while the curator works and when the policy changes;
the policy only says which variants an automatic merge takes (``Variant.agreed``).

Why a candidate the majority holds is still a variant: its dissenters' versions (another type,
other boundaries) are alternatives to it, and the curator should see them side by side; after
the merge the curated document holds the majority's version and the disagreement reads as
resolved, until the curator picks another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from converters.document import Document
from db.curation.keys import ENTITY, Reading, RelationSpec, Spec, label, read
from db.curation.results import (
    MAJORITY,
    Curation,
    CurationError,
    Disagreement,
    Variant,
    alternatives,
    check_policy,
    is_agreed,
)


def _check_texts(layers: Mapping[str, Document], curated: Document) -> None:
    """Offsets are compared, so every layer must have the curated document's text."""
    for owner, doc in layers.items():
        if doc.text != curated.text:
            raise CurationError(
                f"document {curated.id!r}: {owner!r}'s layer has another text than the "
                "curated document; its offsets cannot be aligned"
            )


def _components(variants: Sequence[Variant]) -> list[list[Variant]]:
    """The connected components of the "alternatives" links among ``variants``.

    Entities are swept in start order, so only candidates whose ranges overlap are compared;
    relations are compared within their pair of argument extents only.
    """
    parent = list(range(len(variants)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def link(i: int, j: int) -> None:
        if alternatives(variants[i], variants[j]):
            parent[root(i)] = root(j)

    entities = sorted(
        (i for i, v in enumerate(variants) if v.kind == ENTITY),
        key=lambda i: variants[i].spec.start,
    )
    for n, i in enumerate(entities):
        for j in entities[n + 1 :]:
            if variants[j].spec.start >= variants[i].spec.end:
                break
            link(i, j)
    by_pair: dict[object, list[int]] = {}
    for i, v in enumerate(variants):
        if isinstance(v.spec, RelationSpec):
            by_pair.setdefault(v.spec.pair, []).append(i)
    for members in by_pair.values():
        for n, i in enumerate(members):
            for j in members[n + 1 :]:
                link(i, j)
    groups: dict[int, list[Variant]] = {}
    for i, v in enumerate(variants):
        groups.setdefault(root(i), []).append(v)
    return list(groups.values())


def _disagreement(
    members: list[Variant], layers: Sequence[str], curated: Reading, layered: set[Spec]
) -> Disagreement:
    kind = members[0].kind
    start = min(v.spec.start for v in members)
    end = max(v.spec.end for v in members)
    digest = hashlib.sha1("\n".join(sorted(v.key for v in members)).encode()).hexdigest()[:8]
    variants = tuple(
        sorted(members, key=lambda v: (-len(v.supporters), v.spec.start, v.spec.end, v.key))
    )
    speaking = {owner for v in members for owner in v.supporters}
    own: list[Spec]
    if kind == ENTITY:
        own = [
            e
            for e in curated.entities
            if e not in layered and any(e.overlaps(v.spec) for v in members)  # type: ignore[arg-type]
        ]
    else:
        pair = members[0].spec.pair  # type: ignore[union-attr]
        own = [r for r in curated.relations if r not in layered and r.pair == pair]
    return Disagreement(
        id=f"{kind}:{start}-{end}:{digest}",
        kind=kind,
        start=start,
        end=end,
        variants=variants,
        silent=tuple(owner for owner in layers if owner not in speaking),
        curator_own=tuple(label(spec, curated.text) for spec in sorted(own, key=_order)),
    )


def _order(spec: Spec) -> tuple[int, int, str]:
    return (spec.start, spec.end, spec.key)


def align(
    layers: Mapping[str, Document],
    curated: Document,
    *,
    policy: str = MAJORITY,
    declined: Collection[str] = (),
) -> Curation:
    """Align the annotators' ``layers`` (owner -> their version of the document, accepted
    annotations only) against the ``curated`` document under ``policy`` (one of
    ``POLICIES``); ``declined``: ids of disagreements the curator settled with none of the
    variants. Raises ``CurationError`` for an unknown policy or a layer whose text is not
    the curated document's."""
    check_policy(policy)
    _check_texts(layers, curated)
    owners = tuple(layers)
    readings = {owner: read(doc) for owner, doc in layers.items()}
    cur = read(curated)
    in_curated: set[Spec] = set(cur.entities) | set(cur.relations)
    support: dict[Spec, list[str]] = {}
    for owner, reading in readings.items():
        for spec in (*sorted(reading.entities), *sorted(reading.relations)):
            support.setdefault(spec, []).append(owner)

    def variant(spec: Spec, supporters: list[str]) -> Variant:
        return Variant(
            spec,
            spec.key,
            label(spec, curated.text),
            tuple(supporters),
            spec in in_curated,
            is_agreed(policy, len(supporters), len(owners)),
        )

    variants = [variant(spec, sup) for spec, sup in support.items() if len(sup) < len(owners)]
    agreed = sorted(
        (
            variant(spec, sup)
            for spec, sup in support.items()
            if spec not in in_curated and is_agreed(policy, len(sup), len(owners))
        ),
        key=lambda v: (v.kind != ENTITY, *_order(v.spec)),
    )
    layered = set(support)  # what some layer holds
    disagreements = sorted(
        (_disagreement(c, owners, cur, layered) for c in _components(variants)),
        key=lambda d: (d.start, d.kind, d.end, d.id),
    )
    disagreements = [replace(d, declined=d.id in declined) for d in disagreements]
    return Curation(
        policy=policy,
        layers=owners,
        agreed=tuple(agreed),
        disagreements=tuple(disagreements),
        unanimous=sum(len(sup) == len(owners) for sup in support.values()),
        skipped_relations={owner: r.skipped for owner, r in readings.items()},
        curated_entities=frozenset(cur.entities),
        curated_relations=frozenset(cur.relations),
        text=curated.text,
    )
