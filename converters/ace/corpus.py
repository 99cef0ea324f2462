"""Directories of ``.sgm`` + ``.apf.xml`` pairs: finding them, reading, validating, writing.

This is the format's side of the common converter interface (``read_corpus``, ``read_schema``,
``validate``, ``write_corpus``). It pairs files by name, turns unpaired files into problems,
and writes every pair through a temporary file only after all documents rendered, so a failure
leaves nothing half done. One document at a time is ``reader``'s and ``writer``'s work.
"""

from __future__ import annotations

from pathlib import Path

from converters.ace.apf_vocabulary import APF_SUFFIX, SGM_SUFFIX
from converters.ace.apf_xml import DTD_NAME, SHIPPED_DTD, dtd_problems
from converters.ace.reader import read_document
from converters.ace.writer import render
from converters.document import Document
from converters.errors import ConversionError, Problem
from converters.files import write_atomic
from converters.schema import Schema


def _pairs(directory: Path) -> tuple[list[tuple[Path, Path, str]], list[Problem]]:
    """``(sgm, apf, doc id)`` for every pair under ``directory``; unpaired files as problems."""
    if directory.is_file():
        name = directory.name
        if name.endswith(APF_SUFFIX):
            stem = directory.with_name(name[: -len(APF_SUFFIX)])
        elif name.endswith(SGM_SUFFIX):
            stem = directory.with_name(name[: -len(SGM_SUFFIX)])
        else:
            raise ConversionError(directory, "not an .sgm or .apf.xml file")
        base, files = stem.parent, [stem.with_name(stem.name + s) for s in (SGM_SUFFIX, APF_SUFFIX)]
    elif directory.is_dir():
        base, files = directory, sorted(p for p in directory.rglob("*") if p.is_file())
    else:
        raise ConversionError(directory, "no such file or directory")
    stems: dict[Path, dict[str, Path]] = {}
    for path in files:
        for suffix in (APF_SUFFIX, SGM_SUFFIX):
            if path.name.endswith(suffix):
                stem = path.with_name(path.name[: -len(suffix)])
                stems.setdefault(stem, {})[suffix] = path
    pairs, problems = [], []
    for stem, found in sorted(stems.items()):
        if len(found) == 2:
            doc_id = stem.relative_to(base).as_posix()
            pairs.append((found[SGM_SUFFIX], found[APF_SUFFIX], doc_id))
            continue
        (have,) = found.values()
        missing = SGM_SUFFIX if APF_SUFFIX in found else APF_SUFFIX
        problems.append(Problem(str(have), f"has no partner {stem.name}{missing} next to it"))
    return pairs, problems


def read_corpus(directory: str | Path) -> list[Document]:
    """Every pair under ``directory`` (recursively; ids are relative paths without suffix)."""
    pairs, problems = _pairs(Path(directory))
    if problems:
        raise ConversionError.from_problems(problems)
    return [read_document(sgm, apf, doc_id) for sgm, apf, doc_id in pairs]


def read_schema(path: str | Path) -> Schema | None:
    """``None``: APF files carry no schema of their own. Whoever needs one infers it from the
    documents already read (``converters.infer_schema``; the store does on import) instead of
    reading the corpus a second time."""
    return None


def validate(path: str | Path) -> list[Problem]:
    """Every problem in the pairs at ``path``: unpaired files, unreadable pairs, and DTD errors
    against the ``apf.v5.1.1.dtd`` next to the APF file, or the copy shipped in
    ``converters/dtd/`` when there is none. Never raises for bad content."""
    try:
        pairs, problems = _pairs(Path(path))
    except ConversionError as exc:
        return list(exc.problems)
    for sgm, apf, doc_id in pairs:
        try:
            read_document(sgm, apf, doc_id)
        except ConversionError as exc:
            problems.extend(exc.problems)
            continue
        dtd = apf.parent / DTD_NAME
        if not dtd.is_file():
            dtd = SHIPPED_DTD
        if dtd.is_file():
            problems.extend(Problem(str(apf), msg, line) for msg, line in dtd_problems(apf, dtd))
    return problems


def write_corpus(
    documents: list[Document], directory: str | Path, schema: Schema | None = None
) -> list[Problem]:
    """Write each document as ``<id>.sgm`` + ``<id>.apf.xml`` under ``directory``.

    Everything is rendered before the first file is written, so a document that cannot be
    written leaves nothing half done. ``schema`` is accepted for the common interface; APF has
    no schema file. Returns what ACE could not represent.
    """
    directory = Path(directory)
    rendered = [render(doc, directory) for doc in documents]
    seen: set[str] = set()
    for rel, *_ in rendered:
        key = str(rel).casefold()  # "A" and "a" are one file on Windows and macOS disks
        if key in seen:
            raise ConversionError(directory, f"two documents would be written to {str(rel)!r}")
        seen.add(key)
    problems: list[Problem] = []
    files: list[tuple[Path, str | bytes]] = []
    for rel, sgm, apf, found in rendered:
        files.append((directory / (str(rel) + SGM_SUFFIX), sgm))
        files.append((directory / (str(rel) + APF_SUFFIX), apf))
        problems.extend(found)
    write_atomic(files)
    return problems


def write_document(doc: Document, directory: str | Path) -> list[Problem]:
    """Write one document's pair under ``directory``; returns what ACE could not represent."""
    return write_corpus([doc], directory)
