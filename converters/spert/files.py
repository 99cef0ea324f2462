"""The SpERT file entry points: read, validate and write a data file (with its types file).

These are what ``converters.read``/``write``/``validate`` call for ``spert``: they join the
strict decoder, the record reader or writer and the types file, and own the file-level rules
(a missing file, the sibling types file that ``validate`` checks the data against, a data file
and a types file written together or not at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from converters.document import Document
from converters.errors import ConversionError, Problem, read_utf8
from converters.files import write_atomic
from converters.schema import Schema, undeclared_message, undeclared_types
from converters.spert.record_reader import documents_from_items, raise_if
from converters.spert.record_writer import Discontinuous, Tokenizer, dumps, to_records
from converters.spert.strict_json import parse_list
from converters.spert.types_file import read_schema, types_file_for, types_path, types_text


def _load(path: Path) -> tuple[list[Document], list[Problem]]:
    text = read_utf8(path)
    return documents_from_items(path, parse_list(path, text))


def read_file(path: str | Path) -> list[Document]:
    """Every record of the SpERT JSON file at ``path`` as a ``Document``, in file order.

    Raises ``ConversionError`` (naming the file, the record's line and every problem found)
    for input that is not valid JSON, not UTF-8 or not valid SpERT records.
    """
    path = Path(path)
    documents, problems = _load(path)
    raise_if(problems)
    return documents


def read_corpus(path: str | Path) -> list[Document]:
    """``read_file``: a SpERT corpus is one file (the ``converters.read`` entry point)."""
    return read_file(path)


def _unknown_types(path: Path, documents: list[Document], schema: Schema) -> list[Problem]:
    """One problem per entity / relation type used in ``documents`` but not in ``schema``."""
    unknown = undeclared_types(documents, schema.entity_names(), schema.relation_names())
    found = types_file_for(path)
    where = found.name if found is not None else "the types file"
    return [
        Problem(str(path), undeclared_message(kind, type_name, count, where))
        for (kind, type_name), count in unknown.items()
    ]


def validate(path: str | Path) -> list[Problem]:
    """Every problem that stops ``read_file``, plus entity/relation types missing from the
    sibling types file when there is one (SpERT itself fails on those). Never raises for bad
    content."""
    path = Path(path)
    if not path.is_file():
        return [Problem(str(path), "no such file")]
    try:
        documents, problems = _load(path)
    except ConversionError as exc:
        return list(exc.problems)
    if problems:
        return problems
    try:
        schema = read_schema(path)
    except ConversionError as exc:
        return list(exc.problems)
    if schema is None:
        return []
    return _unknown_types(path, documents, schema)


def write_file(
    documents: Iterable[Document],
    path: str | Path,
    *,
    discontinuous: Discontinuous = "drop",
    tokenizer: Tokenizer = "words",
) -> list[Problem]:
    """Write ``documents`` as one SpERT JSON file; returns what it could not represent."""
    return write_corpus(documents, path, discontinuous=discontinuous, tokenizer=tokenizer)


def write_corpus(
    documents: Iterable[Document],
    path: str | Path,
    schema: Schema | None = None,
    *,
    discontinuous: Discontinuous = "drop",
    tokenizer: Tokenizer = "words",
) -> list[Problem]:
    """Write the SpERT JSON file and, with ``schema``, ``<stem>_types.json`` beside it."""
    path = Path(path)
    records, problems = to_records(
        documents, path=path, discontinuous=discontinuous, tokenizer=tokenizer
    )
    targets = [(path, dumps(records))]
    if schema is not None:
        text, type_problems = types_text(schema, types_path(path))
        problems.extend(type_problems)
        targets.append((types_path(path), text))
    write_atomic(targets)
    return problems
