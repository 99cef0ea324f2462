"""SpERT JSON: read and write, mapping token indices to character offsets and back.

A SpERT file (``conll04_train.json``, ``ade_split_0_test.json``...) is one JSON list of
records ``{"tokens": [...], "entities": [{"type", "start", "end"}], "relations": [{"type",
"head", "tail"}], "orig_id": ...}``; entity ``end`` is an exclusive token index and relation
``head``/``tail`` index the record's ``entities``. A sibling ``<prefix>_types.json`` lists the
types (``read_types``/``write_types``, ``from_types_dict``/``types_dict`` in memory).

Reading builds one ``Document`` per record. Its text is the tokens joined by single spaces;
the tokens' ``[start, end]`` character offsets go to ``metadata["tokens"]`` so the writer (and
the model) can reproduce the tokenization exactly. Entity ids are ``T1``.., relation ids
``R1``.. in file order. ``Document.id`` is ``orig_id`` (as a string) when the record has one that
no other record shares, else ``doc-<index>``. ``orig_id`` and unknown keys are kept in metadata
(``"orig_id"``, ``"spert_extra"``, ``"spert_keys"`` for a non-standard key order) so that a read
followed by a write reproduces the file: for the shared CoNLL04/ADE files byte for byte, since
output uses ``json.dumps`` defaults exactly as those files were written.

Writing maps character offsets back to whole tokens (``record_writer``). What SpERT cannot
hold comes back as ``Problem`` warnings, one per kind per document with counts and ids, never
silently dropped:

- discontinuous entities: dropped by default (``discontinuous="drop"``), because writing the
  covering span would claim the gap text as part of the entity and invent training data;
  ``discontinuous="cover"`` writes the covering span instead. Relations touching a dropped
  entity are dropped too, each kind warned;
- entity ends on whitespace are trimmed, whitespace-only entities dropped;
- entity heads, confidences, relation roles other than Arg1/Arg2, extra arguments,
  confidences, relations whose arguments are not entities (events), and the document's events,
  attributes, normalizations, notes and groups.

Bad input raises ``ConversionError`` naming the file, the line of the record and the record /
entity / relation index (0-based, as SpERT's ``head``/``tail`` count); ``validate`` returns the
same problems (all of them) instead of raising. Writes are atomic: a temporary file beside the
target, then ``os.replace``.

The package's modules, one concern each: ``strict_json`` (decoding with located errors),
``record_reader`` (record checks, records -> documents), ``record_writer`` (documents ->
records, losses), ``types_file`` (types file <-> ``Schema``), ``files`` (the file entry
points); staged writes are ``converters.files.write_atomic``.
"""

from __future__ import annotations

from converters.spert.files import (
    read_corpus,
    read_file,
    validate,
    write_corpus,
    write_file,
)
from converters.spert.record_reader import (
    DEFAULT_PATH,
    ENTITY_KEYS,
    RECORD_KEYS,
    RELATION_KEYS,
    from_records,
)
from converters.spert.record_writer import Discontinuous, Tokenizer, dumps, to_records
from converters.spert.types_file import (
    from_types_dict,
    read_schema,
    read_types,
    types_dict,
    write_types,
)

__all__ = [
    "DEFAULT_PATH",
    "ENTITY_KEYS",
    "RECORD_KEYS",
    "RELATION_KEYS",
    "Discontinuous",
    "Tokenizer",
    "dumps",
    "from_records",
    "from_types_dict",
    "read_corpus",
    "read_file",
    "read_schema",
    "read_types",
    "to_records",
    "types_dict",
    "validate",
    "write_corpus",
    "write_file",
    "write_types",
]
