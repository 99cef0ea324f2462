"""BRAT standoff: ``.txt``/``.ann`` pairs in a directory tree, plus ``annotation.conf``.

``converters.read("brat", ...)`` and the other format-name functions of ``converters`` come
here; this module re-exports the format's public API so that ``from converters import brat``
(and ``converters.brat.read_collection_schemas`` etc.) is the one door. The work is split by
what is read or written and in which direction:

- ``ann_reader`` / ``ann_writer``: one ``.ann`` text <-> one ``Document``, no files; the
  reader is strict where brat silently carries junk along, the writer returns a ``Problem``
  for everything BRAT cannot hold, never dropping it silently;
- ``collection_reader`` / ``collection_writer``: a folder tree of pairs and its conf files on
  disk (which files pair up, ``validate``, the schemas of a tree; all-or-nothing writes);
- ``conf_reader`` / ``conf_writer``: ``annotation.conf`` with ``visual.conf`` colours and
  ``kb_shortcuts.conf`` keys <-> ``Schema``.
"""

from __future__ import annotations

from converters.brat.ann_reader import DEFAULT_ORDER, DISCONT_SEP, parse_ann
from converters.brat.ann_writer import format_ann, format_ann_with_problems
from converters.brat.collection_reader import (
    read_collection_schemas,
    read_corpus,
    read_document,
    read_schema,
    validate,
)
from converters.brat.collection_writer import write_corpus, write_document
from converters.brat.conf_reader import parse_conf, read_conf
from converters.brat.conf_writer import format_conf, storage_name, write_conf

__all__ = [
    "DEFAULT_ORDER",
    "DISCONT_SEP",
    "format_ann",
    "format_ann_with_problems",
    "format_conf",
    "parse_ann",
    "parse_conf",
    "read_collection_schemas",
    "read_conf",
    "read_corpus",
    "read_document",
    "read_schema",
    "storage_name",
    "validate",
    "write_conf",
    "write_corpus",
    "write_document",
]
