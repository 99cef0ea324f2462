"""Default colours: up to 30 text-span types (entity and event types together) are told
apart, each colour at least 25 CIELAB units from every other, a colour a user set is not
given to another type, and a relation name repeated per argument combination keeps one."""

from __future__ import annotations

import itertools
import math

from converters.schema import EntityType, EventType, RelationType, Schema
from db.project_schema import PALETTE, fill_defaults


def _lab(hex_colour: str) -> tuple[float, float, float]:
    """sRGB (D65) -> CIELAB, the textbook formulas."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_the_palette_is_perceptually_distinct() -> None:
    assert len(PALETTE) == 30 == len({c.lower() for c in PALETTE})
    closest = min(math.dist(_lab(a), _lab(b)) for a, b in itertools.combinations(PALETTE, 2))
    assert closest >= 25


def test_thirty_span_types_get_thirty_colours() -> None:
    schema = Schema(
        [EntityType(f"E{i}") for i in range(20)] + [EntityType("Mine", color="#56b4e9")],
        [RelationType("R", ["E0"], ["E1"]), RelationType("R", ["E2"], ["E3"]), RelationType("S")],
        [EventType(f"V{i}") for i in range(9)],
    )
    fill_defaults(schema)
    spans = [t.color for t in [*schema.entity_types, *schema.event_types]]
    assert len(spans) == 30 and len({c.lower() for c in spans}) == 30
    rels = [t.color for t in schema.relation_types]
    assert rels[0] == rels[1] != rels[2]
