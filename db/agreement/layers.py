"""Each annotator's documents turned once into what the comparisons need.

Comparing pairs is cheap only if nothing is recomputed per pair: every (annotator, document)
becomes one ``View`` (entity keys per type, relation keys per type, one label per token), and
each text is tokenized once, however many annotators hold it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from converters.document import Document, Entity, Fragment
from converters.tokenize import tokenize

Span = tuple[Fragment, ...]
"""An entity's extent as compared: its fragments, sorted (a set of character ranges)."""
EntityKey = tuple[str, Span]
RelationKey = tuple[object, ...]
Label = tuple[str, ...]
"""A token's label: the sorted types of the entities covering it; ``()`` is outside."""


class AgreementInputError(ValueError):
    """The layers cannot be compared (same document name, different texts; a name twice)."""


@dataclass
class View:
    """One annotator's layer of one document, ready to compare.

    ``entities``: type -> how many entities of that type have each extent (a multiset, so an
    entity annotated twice counts twice). ``relations``: type -> multiset of relation keys.
    ``labels``: one ``Label`` per token of the text. ``skipped``: relations not compared.
    """

    entities: dict[str, Counter[Span]] = field(default_factory=dict)
    relations: dict[str, Counter[RelationKey]] = field(default_factory=dict)
    labels: list[Label] = field(default_factory=list)
    skipped: int = 0


def span_of(entity: Entity) -> Span:
    return tuple(sorted(entity.fragments))


def check_layers(layers: Mapping[str, Sequence[Document]]) -> dict[str, str]:
    """Document name -> text, after checking that a name has one text across annotators and
    appears once per annotator. Raises ``AgreementInputError`` naming what differs."""
    texts: dict[str, str] = {}
    first_holder: dict[str, str] = {}
    for annotator, documents in layers.items():
        seen: set[str] = set()
        for doc in documents:
            if doc.id in seen:
                raise AgreementInputError(
                    f"document {doc.id!r} appears twice in {annotator!r}'s layer"
                )
            seen.add(doc.id)
            if doc.id not in texts:
                texts[doc.id] = doc.text
                first_holder[doc.id] = annotator
            elif texts[doc.id] != doc.text:
                raise AgreementInputError(
                    f"document {doc.id!r}: the text differs between annotators "
                    f"{first_holder[doc.id]!r} and {annotator!r}"
                )
    return texts


def _token_labels(tokens: tuple[list[int], list[int]], entities: Iterable[Entity]) -> list[Label]:
    """A token takes the type of every entity one of whose fragments shares a character with
    it; the types are sorted into one label, so overlapping entities of two types give a
    compound label of their own and nested entities of one type give that type."""
    starts, ends = tokens
    labels: list[Label] = [()] * len(starts)
    covered: dict[int, set[str]] = {}
    for ent in entities:
        for s, e in ent.fragments:
            for t in range(bisect_right(ends, s), bisect_left(starts, e)):
                covered.setdefault(t, set()).add(ent.type)
    for t, types in covered.items():
        labels[t] = tuple(sorted(types))
    return labels


def build_views(
    layers: Mapping[str, Sequence[Document]], texts: Mapping[str, str], symmetric: set[str]
) -> dict[str, dict[str, View]]:
    """``views[annotator][document]``."""
    token_cache: dict[str, tuple[list[int], list[int]]] = {}
    for name, text in texts.items():
        spans = tokenize(text)
        token_cache[name] = ([s for s, _ in spans], [e for _, e in spans])
    views: dict[str, dict[str, View]] = {}
    for annotator, documents in layers.items():
        views[annotator] = {d.id: _view(d, token_cache[d.id], symmetric) for d in documents}
    return views


def _view(doc: Document, tokens: tuple[list[int], list[int]], symmetric: set[str]) -> View:
    triggers = {ev.trigger for ev in doc.events}
    view = View()
    keys: dict[str, EntityKey] = {}
    compared: list[Entity] = []
    for ent in doc.entities:
        keys[ent.id] = (ent.type, span_of(ent))
        if ent.id in triggers:  # part of an event, which is not compared here
            continue
        compared.append(ent)
        view.entities.setdefault(ent.type, Counter())[span_of(ent)] += 1
    for rel in doc.relations:
        ids = [rel.arg1, rel.arg2, *(ref for _, ref in rel.extra_args)]
        if any(ref not in keys for ref in ids):
            view.skipped += 1
            continue
        pair = (keys[rel.arg1], keys[rel.arg2])
        if rel.type in symmetric:
            pair = tuple(sorted(pair))  # type: ignore[assignment]
        extra = tuple(sorted((role, keys[ref]) for role, ref in rel.extra_args))
        view.relations.setdefault(rel.type, Counter())[(*pair, extra)] += 1
    view.labels = _token_labels(tokens, compared)
    return view
