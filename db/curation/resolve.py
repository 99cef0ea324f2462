"""What a curator's choice does to the curated document, as a ``CurationEdit``.

Pure: it says which annotations to add and remove, by key; the store applies that as one
recorded, undoable edit through the editor's own operations (``db.curating``), so a choice
is checked against the schema, kept in the history and undone like any edit.

- ``resolution``: the chosen variant goes in (a relation with those of its argument entities
  the curated document lacks) and the curated variants that are alternatives to it go out
  (``results.alternatives``: a variant its annotator drew together with the chosen one, such
  as a nested entity, stays). ``None`` rejects every variant: the ones the curated document
  holds go out. A removed entity takes the curated relations on it along, as deleting it in
  the editor does, and the edit lists them.
- ``merge_edit``: every agreed annotation the curated document lacks, relations after the
  entities they need. It never removes anything: what the curated document holds beyond the
  agreement is the curator's.
"""

from __future__ import annotations

from collections.abc import Iterable

from db.curation.keys import EntitySpec, RelationSpec, Spec, label, relations_on
from db.curation.results import Curation, CurationEdit, alternatives


def _sorted(specs: Iterable[Spec]) -> tuple:
    return tuple(sorted(set(specs), key=lambda s: (s.start, s.end, s.key)))


def _edit(curation: Curation, add: Iterable[Spec], remove: Iterable[Spec]) -> CurationEdit:
    """The edit that adds ``add`` and removes ``remove`` from the curated document, with the
    arguments an added relation needs and the relations a removed entity takes along."""
    add, remove = list(add), list(remove)
    gone_entities = {s for s in remove if isinstance(s, EntitySpec)}
    gone_relations = {s for s in remove if isinstance(s, RelationSpec)}
    gone_relations |= relations_on(curation.curated_relations, gone_entities)
    present = set(curation.curated_entities) - gone_entities
    new_relations = [s for s in add if isinstance(s, RelationSpec)]
    new_entities = {s for s in add if isinstance(s, EntitySpec)}
    new_entities |= {a for r in new_relations for a in r.arguments if a not in present}
    specs = (*gone_relations, *gone_entities, *new_entities, *new_relations)
    return CurationEdit(
        remove_relations=_sorted(gone_relations),
        remove_entities=_sorted(gone_entities),
        add_entities=_sorted(new_entities),
        add_relations=_sorted(new_relations),
        labels={s.key: label(s, curation.text) for s in specs},
    )


def resolution(curation: Curation, disagreement_id: str, variant_key: str | None) -> CurationEdit:
    """The edit that settles disagreement ``disagreement_id`` with the variant ``variant_key``
    (``None``: none of them). Raises ``CurationError`` when the disagreement is not in
    ``curation`` (a layer changed there: the id is derived from the content) or the key is not
    one of its variants. An empty edit means the curated document already says that."""
    d = curation.disagreement(disagreement_id)
    if variant_key is None:
        return _edit(curation, (), (v.spec for v in d.held))
    chosen = d.variant(variant_key)
    drop = [v.spec for v in d.held if alternatives(chosen, v)]
    return _edit(curation, () if chosen.in_curated else (chosen.spec,), drop)


def merge_edit(curation: Curation) -> CurationEdit:
    """The edit that adds every agreed annotation the curated document lacks (an automatic
    merge under the curation's policy)."""
    return _edit(curation, (v.spec for v in curation.agreed), ())
