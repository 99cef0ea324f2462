"""The model's type inventory: ordered entity and relation type names.

The classifiers' output rows follow this order, so it is saved with every model. It is built
from a ``converters.schema.Schema`` (a SpERT ``*_types.json`` file is read by
``converters.spert.read_types``, never here) and turned back into one for saving.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from converters.schema import EntityType, RelationType, Schema


@dataclass
class TypeInventory:
    """Ordered entity and relation type names; index 0 of the span classifier is ``None``."""

    entity_types: list[str]
    relation_types: list[str]
    symmetric_relations: list[str] = field(default_factory=list)
    verbose: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_schema(cls, schema: Schema) -> TypeInventory:
        """The selectable entity and relation types of ``schema``, in its order.

        Which relation types are symmetric is the schema's answer (``RelationType.symmetric``).
        """
        verbose: dict[str, str] = {}
        for t in [*schema.entity_types, *schema.relation_types]:
            name = t.options.get("verbose")
            if isinstance(name, str) and name != t.name:
                verbose[t.name] = name
        relations = [r for r in schema.relation_types if r.selectable]
        return cls(
            [t.name for t in schema.entity_types if t.selectable],
            [r.name for r in relations],
            [r.name for r in relations if r.symmetric],
            verbose,
        )

    def to_schema(self) -> Schema:
        """A schema that ``converters.spert.write_types`` writes as this inventory's file."""
        return Schema(
            entity_types=[
                EntityType(t, options={"short": t, "verbose": self.verbose.get(t, t)})
                for t in self.entity_types
            ],
            relation_types=[
                RelationType(
                    t,
                    options={
                        "short": t,
                        "verbose": self.verbose.get(t, t),
                        "symmetric": "true" if t in self.symmetric_relations else "false",
                    },
                )
                for t in self.relation_types
            ],
        )

    @classmethod
    def infer(cls, documents: list[Any]) -> TypeInventory:
        """Types seen in the documents, sorted, for callers that have no types file."""
        ents = sorted({e.type for d in documents for e in d.entities})
        rels = sorted({r.type for d in documents for r in d.relations})
        return cls(ents, rels)
