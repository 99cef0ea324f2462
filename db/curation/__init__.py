"""Curation of annotation layers: the logic core.

Pure: plain documents in (``converters.document.Document``: each annotator's layer of one
document and its curated version, accepted annotations only), dataclasses out
(``db.curation.results``); no database, no torch. The store reads the layers and applies the
edits (``db.curating``); the page shows what ``align`` returns.

``align(layers, curated, policy=...) -> Curation`` lines the layers up;
``resolution(curation, disagreement_id, variant_key | None) -> CurationEdit`` says what a
curator's pick does to the curated document, ``merge_edit(curation) -> CurationEdit`` what the
automatic merge adds.

Definitions, and why:

- **Keys** (``db.curation.keys``): an entity is its type and its extent, the set of its
  fragments; a relation is its type and its arguments' entity keys, direction kept, extra
  arguments (ACE) part of the key. These are ``db.agreement``'s exact keys, so "agreed" here is
  "matched" there, with two differences: agreement compares a symmetric relation type's
  arguments as an unordered pair and compares relations on event triggers, while curation
  keeps direction (see **Resolution**) and leaves events and their triggers to the editor. A
  relation with an argument that is not such an entity is left out (``skipped_relations``).
- **Policies** (``POLICIES``; what each one merges is ``POLICY_MEANINGS``, said there only).
  ``Curation.agreed`` lists what the policy agrees on and the curated document lacks: what the
  automatic merge adds.
- **Disagreements**: every annotation some layers hold and others do not is a variant at its
  position. Two variants are *alternatives* when they sit at the same position (entities:
  sharing a character; relations: between the same two argument extents, either direction)
  and no annotator holds both; a disagreement is a connected component of alternatives (a
  lone variant is one too: someone annotated what others did not). An annotator holding two
  overlapping annotations (a nested entity) says they go together, so they are not
  alternatives, and choosing one never removes the other. What every layer holds is never a
  disagreement. A majority's version is a variant too, beside its dissenters' (and is
  ``agreed``), so the curator sees who said what; after the merge it reads as resolved.
  Clustering ignores the policy and the curated document, so ids do not move while the
  curator works.
- **Ids** are ``kind:start-end:hash`` of the variants' keys: the same on every call while the
  variants there are the same (who supports which is not part of it: the question is the
  same), different once a layer adds or drops a variant there, so a pick made on an old view
  is refused (``CurationError``) instead of landing on another question.
- **Resolved**: the curated document holds at least one variant and no two alternatives (the
  common case: exactly one), or none of them but an annotation of its own there (the curator's
  own version, INCEpTION's rule: curated when the curator's layer has something there), or
  the curator chose none of them (``None``): an empty position alone cannot tell that choice
  from a position nobody looked at, so ``db.curating`` records it in the curated document
  (``DECLINED_META``; undoable, left out of exports) and ``align`` marks it ``declined``.
- **Resolution**: the chosen variant goes in (a relation with its missing arguments), the
  curated variants that are alternatives to it go out, a removed entity's relations with it;
  ``None`` removes every variant the curated document holds. Relations are never symmetric
  here: direction is part of what annotators may disagree on.
"""

from db.curation.align import align
from db.curation.keys import EntitySpec, RelationSpec, label
from db.curation.resolve import merge_edit, resolution
from db.curation.results import (
    DECLINED_META,
    DEFAULT_POLICY,
    MAJORITY,
    POLICIES,
    POLICY_MEANINGS,
    POLICY_SETTING,
    UNANIMOUS,
    Curation,
    CurationEdit,
    CurationError,
    Disagreement,
    Variant,
    check_policy,
    policy_help,
)

__all__ = [
    "DECLINED_META",
    "DEFAULT_POLICY",
    "MAJORITY",
    "POLICIES",
    "POLICY_MEANINGS",
    "POLICY_SETTING",
    "UNANIMOUS",
    "Curation",
    "CurationEdit",
    "CurationError",
    "Disagreement",
    "EntitySpec",
    "RelationSpec",
    "Variant",
    "align",
    "check_policy",
    "label",
    "merge_edit",
    "policy_help",
    "resolution",
]
