"""A BRAT collection on disk read into documents, problems and schemas.

It exists to hold what depends on files and folders rather than on ``.ann`` text: which
``.txt``/``.ann`` files pair up (recursively, hidden entries skipped, a missing ``.ann`` meaning
an unannotated document, an ``.ann`` without its ``.txt`` an error; for loose files uploaded
together, ``require_ann``, a ``.txt`` without its ``.ann`` an error too), strict UTF-8 reading,
and where the ``annotation.conf`` files of a tree are looked for. The text itself is parsed by
``ann_reader``, the conf files by ``conf_reader``.
"""

from __future__ import annotations

import os
from pathlib import Path

from converters.brat.ann_reader import parse_ann, parse_ann_with_problems, raise_problems
from converters.brat.conf_reader import read_conf
from converters.document import Document
from converters.errors import ConversionError, Problem, read_utf8
from converters.schema import Schema


def read_document(
    txt_path: Path, ann_path: Path | None = None, doc_id: str | None = None
) -> Document:
    """Read one pair; a missing ``.ann`` (default: beside the ``.txt``) means no annotations.

    An explicitly given ``ann_path`` must exist; ``doc_id`` defaults to the file stem.
    """
    txt_path = Path(txt_path)
    explicit = ann_path is not None
    ann_path = Path(ann_path) if ann_path is not None else txt_path.with_suffix(".ann")
    if not txt_path.is_file():
        raise ConversionError(txt_path, "text file not found (the partner of an .ann)")
    text = read_utf8(txt_path)
    if ann_path.is_file():
        ann_text = read_utf8(ann_path)
    elif explicit:
        raise ConversionError(ann_path, "annotation file not found")
    else:
        ann_text = ""
    return parse_ann(text, ann_text, doc_id or txt_path.stem, str(ann_path))


def _pairs(directory: Path) -> list[tuple[str, Path | None, Path | None]]:
    """``(doc id, .txt, .ann)`` for every stem in the tree, sorted; hidden entries skipped."""
    found: dict[str, list[Path | None]] = {}
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_root = Path(root).relative_to(directory)
        for name in files:
            if name.startswith("."):
                continue
            stem, dot, ext = name.rpartition(".")
            if not dot or ext not in ("txt", "ann") or not stem:
                continue
            doc_id = (rel_root / stem).as_posix()
            slot = found.setdefault(doc_id, [None, None])
            slot[0 if ext == "txt" else 1] = Path(root) / name
    return [(doc_id, txt, ann) for doc_id, (txt, ann) in sorted(found.items())]


def _scan(directory: Path, require_ann: bool = False) -> tuple[list[Document], list[Problem]]:
    directory = Path(directory)
    if directory.is_file():
        if directory.suffix not in (".txt", ".ann"):
            raise ConversionError(directory, "not a BRAT directory or .txt/.ann file")
        txt = directory.with_suffix(".txt")
        ann = directory.with_suffix(".ann")
        pairs = [(txt.stem, txt if txt.is_file() else None, ann if ann.is_file() else None)]
    elif directory.is_dir():
        pairs = _pairs(directory)
    else:
        raise FileNotFoundError(f"no such file or directory: {directory}")
    documents: list[Document] = []
    problems: list[Problem] = []
    for doc_id, txt, ann in pairs:
        if txt is None:
            problems.append(
                Problem(str(ann), f"no partner text file {Path(str(ann)).with_suffix('.txt').name}")
            )
            continue
        if ann is None and require_ann:
            problems.append(
                Problem(
                    str(txt),
                    f"no partner annotation file {txt.with_suffix('.ann').name} (the other texts "
                    "came with theirs; give an empty .ann for a text without annotations)",
                )
            )
            continue
        try:
            text = read_utf8(txt)
            ann_text = read_utf8(ann) if ann is not None else ""
        except ConversionError as exc:
            problems += exc.problems
            continue
        doc, found = parse_ann_with_problems(text, ann_text, doc_id, str(ann))
        if found:
            problems += found
        else:
            documents.append(doc)
    return documents, problems


def read_corpus(directory: Path, *, require_ann: bool = False) -> list[Document]:
    """Every document under ``directory`` (recursive, sorted by id = posix path without
    extension). Raises ``ConversionError`` listing every problem found if there is any.

    ``require_ann``: a ``.txt`` without its ``.ann`` is a problem rather than a document without
    annotations (loose files picked together, where a missing ``.ann`` is far more often one
    left out by mistake than a text meant to have none)."""
    documents, problems = _scan(Path(directory), require_ann)
    if problems:
        raise_problems(problems)
    return documents


def validate(path: Path) -> list[Problem]:
    """Every problem in the pairs and ``annotation.conf`` files under ``path``, each with its
    file and line; never raises for bad content."""
    path = Path(path)
    _, problems = _scan(path)
    if path.is_dir():
        for conf in sorted(path.rglob("annotation.conf")):
            if any(part.startswith(".") for part in conf.relative_to(path).parts):
                continue
            try:
                read_conf(conf)
            except ConversionError as exc:
                problems += exc.problems
    return problems


def read_schema(path: Path) -> Schema | None:
    """``annotation.conf`` at ``path`` (a file) or in ``path`` (a directory), with colours from
    ``visual.conf`` and keys from ``kb_shortcuts.conf`` beside it; ``None`` when there is none.

    Only the directory itself is looked at (brat also searches parent folders, which for an
    import could pick up an unrelated project's configuration)."""
    path = Path(path)
    conf = path if path.is_file() else path / "annotation.conf"
    if not conf.is_file():
        return None
    return read_conf(conf)


def read_collection_schemas(path: Path) -> dict[str, Schema]:
    """The ``annotation.conf`` of every sub-collection below ``path`` (not ``path`` itself,
    which is ``read_schema``'s), keyed by folder relative to ``path`` in posix form, each with
    its ``visual.conf``/``kb_shortcuts.conf``; hidden folders are skipped as by the reader.
    ``write_corpus(..., collection_schemas=...)`` writes them back in place."""
    path = Path(path)
    if not path.is_dir():
        return {}
    found: dict[str, Schema] = {}
    for conf in sorted(path.rglob("annotation.conf")):
        rel = conf.parent.relative_to(path)
        if not rel.parts or any(part.startswith(".") for part in rel.parts):
            continue
        found[rel.as_posix()] = read_conf(conf)
    return found
