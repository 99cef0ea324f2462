"""One ``.ann`` text read against its ``.txt`` text into a ``Document``, no files involved.

It exists so that the ``.ann`` grammar has one home, shared by the folder reader
(``collection_reader``) and by callers that hold the texts in memory (``parse_ann``); the
pieces the writer must match (``ID_RE``, ``DISCONT_SEP``, ``fragment_text``,
``in_default_order``) are defined here once. Problems are collected, not raised at the first
one, so that ``validate`` and an import can list them all, cause first: every line's own
problems (syntax, offsets, text) in line order, then what refers across lines (an unknown id),
since a reference usually breaks because the line it names could not be read; such a reference
says which line that was.

Reading follows brat's own parser (``server/src/annotation.py``) where it is sound and is
stricter where brat silently carries junk along, so that nothing is lost without an error:

- every line kind: ``T`` (discontinuous ``s e;s e``), ``R``, ``E``, ``A``, old-style ``M``,
  ``N``, ``#`` notes and ``*`` equivalences; the kind is the first character of the id, as in
  brat (so ``TR1`` is a text-bound annotation). Ids are kept exactly.
- each ``T`` text column is checked against the ``.txt``: it must start with the fragments'
  text joined by one space (brat's ``DISCONT_SEP``); only spaces/tabs may follow. A mismatch is
  an error naming ``file:line``.
- tolerated: trailing spaces/tabs (brat itself writes ``E1\\tType:T1 `` and ``R1\\t... \\t``),
  blank lines, an empty ``.ann`` and CRLF line ends in the ``.ann``.
- CRLF in the ``.txt``: offsets count every character of the file, ``\\r`` included (what brat
  does on Python 3 and what ``converters.errors.read_utf8`` gives). brat 1.3 on Python 2 read
  texts with universal newlines, so corpora annotated there count a CRLF as one character. When
  the offsets only fit that reading (and the file uses CRLF throughout), the document text is
  read with ``\\n`` line ends and ``metadata["brat"]["txt_newline"] = "\\r\\n"`` makes the
  writer restore the original bytes. Offsets are Python ``str`` indices (code points).
- ``metadata["brat"]["order"]`` keeps the line order when the file interleaved kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from converters.document import (
    Attribute,
    Document,
    Entity,
    Event,
    Fragment,
    Group,
    Normalization,
    Note,
    Relation,
)
from converters.errors import ConversionError, Problem

DISCONT_SEP = " "
# brat's id grammar (prefix letters or '#', digits, suffix); ':' would break ROLE:ID parsing.
# "[0-9][^\s:]*" is brat's "[0-9]+[^\s:]*" written without the overlap between the two
# repeats, which made a long hostile id backtrack quadratically (20k chars took seconds).
ID_RE = re.compile(r"(?:[A-Za-z]+|#[A-Za-z]*)[0-9][^\s:]*")
_TEXTBOUND_RE = re.compile(r"(\S+) +(\d+ +\d+(?: *; *\d+ +\d+)*)[ \t]*", re.ASCII)
_INT_RE = re.compile(r"\d+", re.ASCII)
# The order lines go out in when the reader saw no other: by kind, each kind in list order.
DEFAULT_ORDER = ("T", "R", "E", "*", "A", "N", "#")
_KIND_RANK = {kind: rank for rank, kind in enumerate(DEFAULT_ORDER)} | {
    "M": DEFAULT_ORDER.index("A")  # old-style modifiers are attributes
}


def in_default_order(lines: list[str]) -> list[str]:
    """``.ann`` lines (or ids, ``*`` for a group) sorted by kind, stable within a kind."""
    return sorted(lines, key=lambda line: _KIND_RANK[line[0]])


def fragment_text(text: str, fragments: list[Fragment]) -> str:
    """What a ``T`` line's text column holds: the fragments' text joined by ``DISCONT_SEP``."""
    if len(fragments) == 1:
        s, e = fragments[0]
        return text[s:e]
    return DISCONT_SEP.join([text[s:e] for s, e in fragments])


@dataclass
class _Parsed:
    """What one ``.ann`` holds, before the text-dependent checks."""

    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    normalizations: list[Normalization] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    # (line, entity, text column or None)
    texts: list[tuple[int, Entity, str | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # each line's own, in line order
    reference_problems: list[Problem] = field(default_factory=list)  # across lines, after


def _role_ref(token: str) -> tuple[str, str] | None:
    role, sep, ref = token.partition(":")
    if not sep or not role or not ref or ":" in ref:
        return None
    return role, ref


def _parse_structure(ann_text: str, path: str) -> _Parsed:
    """Parse every line of an ``.ann``; collect problems instead of stopping at the first."""
    out = _Parsed()
    problems = out.problems
    first_line: dict[str, int] = {}
    refs: list[tuple[int, str, str, str, bool]] = []  # line, owner, role, ref, must be entity
    unread: dict[str, int] = {}  # the id a line that could not be read starts with -> line
    current = ""

    def bad(number: int, message: str) -> None:
        problems.append(Problem(path, message, number))
        token = current.split(None, 1)[0]
        if ID_RE.fullmatch(token):
            unread.setdefault(token, number)

    for number, raw in enumerate(ann_text.split("\n"), start=1):
        line = current = raw[:-1] if raw.endswith("\r") else raw
        if not line or line.isspace():
            continue
        ann_id, sep, rest = line.partition("\t")
        if not sep:
            bad(number, f"malformed line {line[:80]!r}: expected ID<TAB>ANNOTATION")
            continue
        kind = ann_id[:1]
        if kind == "*":
            if ann_id != "*":
                bad(number, f"malformed id {ann_id!r}")
                continue
        else:
            if not ID_RE.fullmatch(ann_id):
                hint = " (a space instead of a tab after the id?)" if " " in ann_id else ""
                bad(number, f"malformed id {ann_id[:40]!r}{hint}")
                continue
            if ann_id in first_line:
                bad(number, f"duplicate id {ann_id} (first on line {first_line[ann_id]})")
                continue
        if kind == "T":
            data, sep, column = rest.partition("\t")
            match = _TEXTBOUND_RE.fullmatch(data)
            if match is None:
                bad(
                    number,
                    f"malformed text-bound line {line[:80]!r}: expected "
                    "ID<TAB>TYPE START END[;START END]<TAB>TEXT",
                )
                continue
            numbers = [int(n) for n in _INT_RE.findall(match.group(2))]
            fragments = list(zip(numbers[::2], numbers[1::2], strict=True))
            reversed_ = [f for f in fragments if f[0] >= f[1]]
            if reversed_:
                s, e = reversed_[0]
                bad(number, f"{ann_id}: empty or reversed span {s} {e}")
                continue
            entity = Entity(ann_id, match.group(1), fragments)
            out.entities.append(entity)
            out.texts.append((number, entity, column if sep else None))
        else:
            line = line.rstrip()
            rest = rest.rstrip()
            data, sep, tail = rest.partition("\t")
            tail = tail.strip(" \t") if kind not in "N#" else tail
            if tail and kind not in "N#":
                bad(number, f"{ann_id}: unexpected text after the annotation: {tail[:40]!r}")
                continue
            tokens = data.split()
            if kind == "R":
                args = [_role_ref(t) for t in tokens[1:]]
                if len(tokens) != 3 or None in args:
                    bad(
                        number,
                        f"malformed relation line {line[:80]!r}: expected "
                        "ID<TAB>TYPE ROLE1:ID ROLE2:ID",
                    )
                    continue
                (r1, a1), (r2, a2) = args  # type: ignore[misc]
                out.relations.append(Relation(ann_id, tokens[0], a1, a2, r1, r2))
                refs += [(number, ann_id, r1, a1, False), (number, ann_id, r2, a2, False)]
            elif kind == "E":
                head = _role_ref(tokens[0]) if tokens else None
                args = [_role_ref(t) for t in tokens[1:]]
                if head is None or None in args:
                    bad(
                        number,
                        f"malformed event line {line[:80]!r}: expected "
                        "ID<TAB>TYPE:TRIGGER [ROLE:ID ...]",
                    )
                    continue
                ev_args: list[tuple[str, str]] = args  # type: ignore[assignment]
                out.events.append(Event(ann_id, head[0], head[1], ev_args))
                refs.append((number, ann_id, "trigger", head[1], True))
                refs += [(number, ann_id, role, ref, False) for role, ref in ev_args]
            elif kind == "A" or kind == "M":
                parts = data.split(None, 2)
                if len(parts) < 2 or (kind == "M" and len(parts) != 2):
                    bad(
                        number,
                        f"malformed attribute line {line[:80]!r}: expected "
                        "ID<TAB>TYPE TARGET [VALUE]",
                    )
                    continue
                value = parts[2] if len(parts) == 3 else None
                out.attributes.append(Attribute(ann_id, parts[0], parts[1], value))
                refs.append((number, ann_id, "target", parts[1], False))
            elif kind == "N":
                db, colon, ref_id = tokens[2].partition(":") if len(tokens) == 3 else ("", "", "")
                if not (colon and db and ref_id):
                    bad(
                        number,
                        f"malformed normalization line {line[:80]!r}: expected "
                        "ID<TAB>TYPE TARGET DB:ID<TAB>TEXT",
                    )
                    continue
                out.normalizations.append(
                    Normalization(ann_id, tokens[0], tokens[1], db, ref_id, tail)
                )
                refs.append((number, ann_id, "target", tokens[1], False))
            elif kind == "#":
                if len(tokens) != 2:
                    bad(
                        number,
                        f"malformed note line {line[:80]!r}: expected ID<TAB>TYPE TARGET<TAB>TEXT",
                    )
                    continue
                out.notes.append(Note(ann_id, tokens[0], tokens[1], tail))
                refs.append((number, ann_id, "target", tokens[1], False))
            elif kind == "*":
                if len(tokens) < 2:
                    bad(
                        number,
                        f"malformed equivalence line {line[:80]!r}: expected *<TAB>TYPE ID ID ...",
                    )
                    continue
                out.groups.append(Group(tokens[0], tokens[1:]))
                refs += [(number, "*", "member", ref, False) for ref in tokens[1:]]
                out.order.append("*")
                continue
            else:
                bad(number, f"unknown annotation kind {kind!r} in id {ann_id!r}")
                continue
        first_line[ann_id] = number
        out.order.append(ann_id)

    entity_ids = {e.id for e in out.entities}
    for number, owner, role, ref, must_be_entity in refs:
        if ref not in first_line:
            cause = f" (its line {unread[ref]} could not be read)" if ref in unread else ""
            message = f"{owner}: {role} refers to unknown id {ref}{cause}"
            out.reference_problems.append(Problem(path, message, number))
        elif must_be_entity and ref not in entity_ids:
            message = f"{owner}: {role} {ref} is not a text-bound (T) annotation"
            out.reference_problems.append(Problem(path, message, number))
    return out


def _check_texts(
    texts: list[tuple[int, Entity, str | None]], text: str, path: str
) -> list[Problem]:
    """Offsets inside the text and each ``T`` text column equal to the ``.txt`` slice."""
    problems: list[Problem] = []
    n = len(text)
    for number, entity, column in texts:
        frags = entity.fragments
        past = [e for _, e in frags if e > n]
        if past:
            problems.append(
                Problem(
                    path,
                    f"{entity.id}: offset {past[0]} is past the end of the text (length {n})",
                    number,
                )
            )
            continue
        ref = fragment_text(text, frags)
        if column is None:
            problems.append(
                Problem(
                    path,
                    f"{entity.id}: no text column (expected ID<TAB>TYPE START END<TAB>TEXT; "
                    f"the text there is {ref!r})",
                    number,
                )
            )
        elif column != ref and not (column.startswith(ref) and not column[len(ref) :].strip(" \t")):
            spans = ";".join(f"{s} {e}" for s, e in frags)
            problems.append(
                Problem(
                    path,
                    f"{entity.id}: text {column!r} does not match the .txt text {ref!r} at {spans}",
                    number,
                )
            )
    return problems


def _by_line(problem: Problem) -> tuple[int, str]:
    return problem.line or 0, problem.message


def _uniform_crlf(text: str) -> bool:
    crlf = text.count("\r\n")
    return crlf > 0 and crlf == text.count("\n") == text.count("\r")


def parse_ann_with_problems(
    text: str, ann_text: str, doc_id: str, path: str
) -> tuple[Document, list[Problem]]:
    """The document and every problem found, cause first: each line's own problems by line,
    then the references across lines by line; the document is only meant to be used when there
    are none."""
    parsed = _parse_structure(ann_text, path)
    text_problems = _check_texts(parsed.texts, text, path)
    brat_meta: dict[str, object] = {}
    if text_problems and _uniform_crlf(text):
        lf_text = text.replace("\r\n", "\n")
        if not _check_texts(parsed.texts, lf_text, path):
            text, text_problems = lf_text, []
            brat_meta["txt_newline"] = "\r\n"
    problems = sorted([*parsed.problems, *text_problems], key=_by_line)
    problems += sorted(parsed.reference_problems, key=_by_line)
    # Each kind's list is in file order, so only lines of different kinds interleaved in the
    # file make its order differ from the default one.
    if parsed.order != in_default_order(parsed.order):
        brat_meta["order"] = parsed.order
    doc = Document(
        doc_id,
        text,
        entities=parsed.entities,
        relations=parsed.relations,
        events=parsed.events,
        attributes=parsed.attributes,
        normalizations=parsed.normalizations,
        notes=parsed.notes,
        groups=parsed.groups,
        metadata={"brat": brat_meta} if brat_meta else {},
    )
    return doc, problems


def raise_problems(problems: list[Problem]) -> None:
    """Raise one ``ConversionError`` for ``problems``: the first as the message, all listed."""
    raise ConversionError.from_problems(problems)


def parse_ann(text: str, ann_text: str, doc_id: str, path: str = "<ann>") -> Document:
    """Parse ``.ann`` text against its document ``text``.

    Raises ``ConversionError`` (every problem in ``.problems``, the first as the message) for
    malformed lines, duplicate or unknown ids, offsets past the text and text mismatches, each
    located as ``path:line``.
    """
    doc, problems = parse_ann_with_problems(text, ann_text, doc_id, path)
    if problems:
        raise_problems(problems)
    return doc
