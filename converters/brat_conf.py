"""``converters.brat_conf`` as it was imported before the BRAT package: the conf files are read
in ``converters.brat.conf_reader`` and written in ``converters.brat.conf_writer``; this module
only re-exports them so that existing imports keep working."""

from __future__ import annotations

from converters.brat.conf_reader import (
    RESERVED_NAMES,
    RESERVED_STRINGS,
    SECTION_ALIASES,
    SECTIONS,
    SPECIAL_RELATION_TYPES,
    apply_kb_shortcuts,
    apply_visual,
    parse_conf,
    read_conf,
)
from converters.brat.conf_writer import (
    format_conf,
    format_kb_shortcuts,
    format_visual,
    storage_name,
    write_conf,
)

__all__ = [
    "RESERVED_NAMES",
    "RESERVED_STRINGS",
    "SECTIONS",
    "SECTION_ALIASES",
    "SPECIAL_RELATION_TYPES",
    "apply_kb_shortcuts",
    "apply_visual",
    "format_conf",
    "format_kb_shortcuts",
    "format_visual",
    "parse_conf",
    "read_conf",
    "storage_name",
    "write_conf",
]
