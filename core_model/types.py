"""Entity and relation type inventories (the SpERT ``*_types.json`` file)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converters.errors import ConversionError


@dataclass
class TypeInventory:
    """Ordered entity and relation type names; index 0 of the span classifier is ``None``."""

    entity_types: list[str]
    relation_types: list[str]
    symmetric_relations: list[str] = field(default_factory=list)
    verbose: dict[str, str] = field(default_factory=dict)

    def to_spert(self) -> dict[str, Any]:
        """The SpERT types-file layout, so a saved model's ``types.json`` is a valid types file."""
        return {
            "entities": {
                t: {"short": t, "verbose": self.verbose.get(t, t)} for t in self.entity_types
            },
            "relations": {
                t: {
                    "short": t,
                    "verbose": self.verbose.get(t, t),
                    "symmetric": t in self.symmetric_relations,
                }
                for t in self.relation_types
            },
        }

    @classmethod
    def from_spert(cls, data: dict[str, Any], source: str = "<types>") -> TypeInventory:
        if not isinstance(data, dict) or not isinstance(data.get("entities"), dict):
            raise ConversionError(source, 'types file needs an object with an "entities" object')
        relations = data.get("relations", {})
        if not isinstance(relations, dict):
            raise ConversionError(source, '"relations" must be an object')
        if not data["entities"]:
            raise ConversionError(source, "types file defines no entity type")
        verbose: dict[str, str] = {}
        for name, spec in [*data["entities"].items(), *relations.items()]:
            if isinstance(spec, dict) and isinstance(spec.get("verbose"), str):
                verbose[name] = spec["verbose"]
        symmetric = [
            name
            for name, spec in relations.items()
            if isinstance(spec, dict) and spec.get("symmetric")
        ]
        return cls(list(data["entities"]), list(relations), symmetric, verbose)

    @classmethod
    def read(cls, path: str | Path) -> TypeInventory:
        path = Path(path)
        if not path.is_file():
            raise ConversionError(path, "types file not found")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConversionError(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
        return cls.from_spert(data, str(path))

    @classmethod
    def infer(cls, documents: list[Any]) -> TypeInventory:
        """Types seen in the documents, sorted, for callers that have no types file."""
        ents = sorted({e.type for d in documents for e in d.entities})
        rels = sorted({r.type for d in documents for r in d.relations})
        return cls(ents, rels)
