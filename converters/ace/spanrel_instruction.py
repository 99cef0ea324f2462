"""The ``<?spanrel {...}?>`` processing instruction: what ACE cannot say, kept in the APF.

Documents that did not come from ACE carry things APF has no place for (types outside ACE's
inventory, discontinuous fragments, a missing head, confidences, non-ACE roles). The writer puts
them in a JSON payload inside a processing instruction, which the DTD allows anywhere, and the
reader restores them. Both directions of that format live here so they cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

PI_TARGET = "spanrel"


def is_pair(value: Any) -> bool:
    """``[int, int]`` as JSON gives it (``true`` is not an int here)."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def read_instruction(element: etree._Element) -> dict[str, Any]:
    """The JSON payload of a ``<?spanrel ...?>`` child (written by this package), or ``{}``."""
    for child in element:
        if isinstance(child, etree._ProcessingInstruction) and child.target == PI_TARGET:
            try:
                data = json.loads(child.text or "{}")
            except json.JSONDecodeError:
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def make_instruction(payload: dict[str, Any]) -> etree._ProcessingInstruction:
    """A ``<?spanrel ...?>`` instruction holding ``payload`` as JSON."""
    # JSON never has ">" outside strings; escaping it inside strings keeps "?>" out of the PI.
    return etree.ProcessingInstruction(
        PI_TARGET, json.dumps(payload, ensure_ascii=False).replace(">", "\\u003e")
    )
