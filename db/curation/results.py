"""The result types of ``db.curation``: the policies, the aligned layers (``Curation``) and
what a curator's choice does to the curated document (``CurationEdit``).

Plain frozen dataclasses, so the store can hand them to the page as they are and a test can
compare them. ``to_dict`` gives their JSON form (keys and labels, never Python objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from db.curation.keys import EntitySpec, RelationSpec, Spec

#: the curation policies, spelled once: what an automatic merge takes into the curated document
UNANIMOUS, MAJORITY = "unanimous", "majority"
POLICIES = (UNANIMOUS, MAJORITY)
#: what each policy means: the one description of them, which the store's refusal of an unknown
#: policy, the Curation tab's help text and its "policy set" line all quote
POLICY_MEANINGS = {
    UNANIMOUS: "what every annotator holds",
    MAJORITY: "what more than half of the annotators hold (with two that is both: a tie is no "
    "majority)",
}
#: a project's policy until someone sets one (``project.settings["curation_policy"]``)
DEFAULT_POLICY = MAJORITY
#: the project setting that holds the policy
POLICY_SETTING = "curation_policy"
#: the curated document's metadata key listing the disagreements the curator settled with none
#: of the variants (an empty position says nothing by itself; export leaves the key out)
DECLINED_META = "curation_declined"


class CurationError(ValueError):
    """Curation cannot do what was asked: an unknown policy, layers of different texts, a
    disagreement or variant that is not (or no longer) there. The message names it."""


def check_policy(policy: object) -> str:
    """``policy`` if it is one of ``POLICIES``; ``CurationError`` naming them otherwise. The one
    check of a policy, for every caller (the project setting, ``align``)."""
    if policy not in POLICIES:
        raise CurationError(
            f"curation policy {policy!r} is not one of {', '.join(POLICIES)}: " + policy_help()
        )
    return policy  # type: ignore[return-value]


def policy_help() -> str:
    """``POLICY_MEANINGS`` as one line: "unanimous merges what every annotator holds; ..."."""
    return "; ".join(f"{p} merges {POLICY_MEANINGS[p]}" for p in POLICIES)


def is_agreed(policy: str, support: int, layers: int) -> bool:
    """Whether ``support`` of ``layers`` annotators agreeing is enough for ``policy``."""
    if policy == UNANIMOUS:
        return support == layers
    return 2 * support > layers


@dataclass(frozen=True)
class Variant:
    """One annotators' version at a position: the annotation (``spec``, ``key``, ``label``),
    the layers that hold it (``supporters``, in layer order), whether the curated document
    holds it already (``in_curated``) and whether the policy merges it (``agreed``)."""

    spec: Spec
    key: str
    label: str
    supporters: tuple[str, ...]
    in_curated: bool
    agreed: bool

    @property
    def kind(self) -> str:
        return self.spec.kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "start": self.spec.start,
            "end": self.spec.end,
            "supporters": list(self.supporters),
            "in_curated": self.in_curated,
            "agreed": self.agreed,
        }


def alternatives(a: Variant, b: Variant) -> bool:
    """Whether two variants are alternatives to each other, so that choosing one drops the
    other: the same position (entities sharing a character; relations between the same two
    argument extents, in either direction) and no annotator holding both. An annotator who
    holds both (a nested entity, two relations between one pair) says they go together."""
    if a.spec == b.spec or a.kind != b.kind or set(a.supporters) & set(b.supporters):
        return False
    if isinstance(a.spec, EntitySpec) and isinstance(b.spec, EntitySpec):
        return a.spec.overlaps(b.spec)
    assert isinstance(a.spec, RelationSpec) and isinstance(b.spec, RelationSpec)
    return a.spec.pair == b.spec.pair


@dataclass(frozen=True)
class Disagreement:
    """A position where the annotators do not all say the same.

    ``id``: derived from the content (kind, extent, the variants' keys), so it is the same on
    every call while the variants there stay the same (supporters aside) and changes when a
    layer adds or drops a variant there (a choice made on an old view is then refused, not
    applied to something else).
    ``start``/``end``: the character span it covers. ``variants``: most supported first.
    ``silent``: the layers that hold none of the variants (they annotated nothing there).
    ``curator_own``: labels of curated annotations at this position that no layer holds (the
    curator's own version, made in the editor).
    """

    id: str
    kind: str
    start: int
    end: int
    variants: tuple[Variant, ...]
    silent: tuple[str, ...]
    curator_own: tuple[str, ...] = ()
    #: the curator chose none of the variants here (``DECLINED_META``)
    declined: bool = False

    @property
    def held(self) -> tuple[Variant, ...]:
        """The variants the curated document holds."""
        return tuple(v for v in self.variants if v.in_curated)

    @property
    def resolved(self) -> bool:
        """Whether the curated document has settled this position: it holds at least one
        variant and no two that are alternatives to each other (nested or adjacent variants one
        annotator drew together may all be held), or it holds none of them but an annotation of
        its own there, or the curator chose none of them (``declined``: an empty position
        alone cannot tell a rejection from a position nobody looked at yet)."""
        held = self.held
        if not held:
            return bool(self.curator_own) or self.declined
        return not any(alternatives(a, b) for i, a in enumerate(held) for b in held[i + 1 :])

    def variant(self, key: str) -> Variant:
        for v in self.variants:
            if v.key == key:
                return v
        raise CurationError(
            f"{key!r} is not a variant of disagreement {self.id} (its variants: "
            f"{', '.join(v.label for v in self.variants)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "variants": [v.to_dict() for v in self.variants],
            "silent": list(self.silent),
            "curator_own": list(self.curator_own),
            "declined": self.declined,
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class Curation:
    """The layers of one document aligned against its curated version.

    ``layers``: the annotators, in the order given. ``agreed``: the annotations the policy
    agrees on that the curated document lacks, entities first: what ``merge_edit`` adds.
    ``disagreements``: by start, then kind. ``unanimous``: how many annotations every layer
    holds (never a disagreement). ``skipped_relations``: per layer, relations left out (an
    argument that is not an entity). ``curated_entities``/``curated_relations``: the curated
    document's keys, which ``resolution`` needs to say what to add and what goes with a removal;
    ``text`` the document's text, which labels quote.
    """

    policy: str
    layers: tuple[str, ...]
    agreed: tuple[Variant, ...]
    disagreements: tuple[Disagreement, ...]
    unanimous: int
    skipped_relations: dict[str, int]
    curated_entities: frozenset[EntitySpec]
    curated_relations: frozenset[RelationSpec]
    text: str = field(default="", repr=False)

    def disagreement(self, disagreement_id: str) -> Disagreement:
        for d in self.disagreements:
            if d.id == disagreement_id:
                return d
        raise CurationError(
            f"disagreement {disagreement_id!r} is not in this document any more: a layer "
            "changed there since it was listed; reload the curation"
        )

    @property
    def unresolved(self) -> tuple[Disagreement, ...]:
        return tuple(d for d in self.disagreements if not d.resolved)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "layers": list(self.layers),
            "agreed": [v.to_dict() for v in self.agreed],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "unresolved": len(self.unresolved),
            "unanimous": self.unanimous,
            "skipped_relations": dict(self.skipped_relations),
        }


@dataclass(frozen=True)
class CurationEdit:
    """What to do to the curated document, in the order to do it: remove relations, remove
    entities, add entities, add relations (so a removed entity never takes an added relation
    with it, and an added relation finds its arguments). ``remove_relations`` lists the
    relations that go with a removed entity too, so the edit says all it does."""

    remove_relations: tuple[RelationSpec, ...] = ()
    remove_entities: tuple[EntitySpec, ...] = ()
    add_entities: tuple[EntitySpec, ...] = ()
    add_relations: tuple[RelationSpec, ...] = ()
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def empty(self) -> bool:
        return not (
            self.remove_relations or self.remove_entities or self.add_entities or self.add_relations
        )

    def describe(self) -> list[str]:
        """One line per change, as a page previews it (``+ PER "John"``, ``- ORG "IBM"``)."""

        def lines(sign: str, specs: Sequence[Spec]) -> list[str]:
            return [f"{sign} {self.labels.get(s.key, s.key)}" for s in specs]

        return [
            *lines("-", self.remove_relations),
            *lines("-", self.remove_entities),
            *lines("+", self.add_entities),
            *lines("+", self.add_relations),
        ]
