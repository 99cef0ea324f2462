"""BRAT standoff: ``.txt``/``.ann`` pairs in a directory tree, plus ``annotation.conf``.

Reading follows brat's own parser (``server/src/annotation.py``) where it is sound and is
stricter where brat silently carries junk along, so that nothing is lost without an error:

- every line kind: ``T`` (discontinuous ``s e;s e``), ``R``, ``E``, ``A``, old-style ``M``,
  ``N``, ``#`` notes and ``*`` equivalences; the kind is the first character of the id, as in
  brat (so ``TR1`` is a text-bound annotation). Ids are kept exactly.
- each ``T`` text column is checked against the ``.txt``: it must start with the fragments'
  text joined by one space (brat's ``DISCONT_SEP``); only spaces/tabs may follow. A mismatch is
  an error naming ``file:line``.
- tolerated: trailing spaces/tabs (brat itself writes ``E1\\tType:T1 `` and ``R1\\t... \\t``),
  blank lines, an empty ``.ann``, CRLF line ends in the ``.ann``, and a missing ``.ann`` next to
  a ``.txt`` (brat treats it as an unannotated document). An ``.ann`` without its ``.txt`` is an
  error.
- CRLF in the ``.txt``: offsets count every character of the file, ``\\r`` included (what brat
  does on Python 3 and what ``converters.errors.read_utf8`` gives). brat 1.3 on Python 2 read
  texts with universal newlines, so corpora annotated there count a CRLF as one character. When
  the offsets only fit that reading (and the file uses CRLF throughout), the document text is
  read with ``\\n`` line ends and ``metadata["brat"]["txt_newline"] = "\\r\\n"`` makes the
  writer restore the original bytes. Offsets are Python ``str`` indices (code points).

Writing is deterministic and keeps ids; ``metadata["brat"]["order"]`` (set by the reader only
when the file interleaved kinds) restores the original line order, otherwise lines go out as
T, R, E, ``*``, A/M, N, ``#``, each in list order. What BRAT cannot hold is never dropped
silently: the writers return a ``Problem`` per loss (entity heads and confidences, extra
relation arguments, group ids/attributes, renamed ids or types). A fragment that spans a line
break is split there into discontinuous fragments, as brat's own editor does, because the
``.ann`` text column cannot contain a newline.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from converters import brat_conf
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
from converters.errors import ConversionError, Problem, read_utf8
from converters.files import default_modes
from converters.schema import Schema

DISCONT_SEP = " "
# Every character str.splitlines() breaks at: a reader using it would cut a line there.
_LINE_BREAK_RE = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
# brat's id grammar (prefix letters or '#', digits, suffix); ':' would break ROLE:ID parsing.
# "[0-9][^\s:]*" is brat's "[0-9]+[^\s:]*" written without the overlap between the two
# repeats, which made a long hostile id backtrack quadratically (20k chars took seconds).
_ID_RE = re.compile(r"(?:[A-Za-z]+|#[A-Za-z]*)[0-9][^\s:]*")
_TEXTBOUND_RE = re.compile(r"(\S+) +(\d+ +\d+(?: *; *\d+ +\d+)*)[ \t]*", re.ASCII)
_INT_RE = re.compile(r"\d+", re.ASCII)
_WS_RE = re.compile(r"\s+")
_WS_COLON_RE = re.compile(r"[\s:]+")
DEFAULT_ORDER = ("T", "R", "E", "*", "A", "N", "#")


# --- reading -----------------------------------------------------------------------------------


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
    problems: list[Problem] = field(default_factory=list)


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

    def bad(number: int, message: str) -> None:
        problems.append(Problem(path, message, number))

    for number, raw in enumerate(ann_text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
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
            if not _ID_RE.fullmatch(ann_id):
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
            problems.append(Problem(path, f"{owner}: {role} refers to unknown id {ref}", number))
        elif must_be_entity and ref not in entity_ids:
            problems.append(
                Problem(path, f"{owner}: {role} {ref} is not a text-bound (T) annotation", number)
            )
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
        if len(frags) == 1:
            s, e = frags[0]
            ref = text[s:e]
        else:
            ref = DISCONT_SEP.join([text[s:e] for s, e in frags])
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


def _uniform_crlf(text: str) -> bool:
    crlf = text.count("\r\n")
    return crlf > 0 and crlf == text.count("\n") == text.count("\r")


def _default_order(parsed: _Parsed | Document) -> list[str]:
    return [
        *(e.id for e in parsed.entities),
        *(r.id for r in parsed.relations),
        *(e.id for e in parsed.events),
        *("*" for _ in parsed.groups),
        *(a.id for a in parsed.attributes),
        *(n.id for n in parsed.normalizations),
        *(n.id for n in parsed.notes),
    ]


def _parse(text: str, ann_text: str, doc_id: str, path: str) -> tuple[Document, list[Problem]]:
    parsed = _parse_structure(ann_text, path)
    problems = parsed.problems
    text_problems = _check_texts(parsed.texts, text, path)
    brat_meta: dict[str, object] = {}
    if text_problems and _uniform_crlf(text):
        lf_text = text.replace("\r\n", "\n")
        if not _check_texts(parsed.texts, lf_text, path):
            text, text_problems = lf_text, []
            brat_meta["txt_newline"] = "\r\n"
    problems = sorted([*problems, *text_problems], key=lambda p: (p.line or 0, p.message))
    if parsed.order != _default_order(parsed):
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


def _raise(problems: list[Problem]) -> None:
    first = problems[0]
    raise ConversionError(
        first.path, first.message, line=first.line, offset=first.offset, problems=problems
    )


def parse_ann(text: str, ann_text: str, doc_id: str, path: str = "<ann>") -> Document:
    """Parse ``.ann`` text against its document ``text``.

    Raises ``ConversionError`` (every problem in ``.problems``, the first as the message) for
    malformed lines, duplicate or unknown ids, offsets past the text and text mismatches, each
    located as ``path:line``.
    """
    doc, problems = _parse(text, ann_text, doc_id, path)
    if problems:
        _raise(problems)
    return doc


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


# --- writing -----------------------------------------------------------------------------------


def _valid_id(ann_id: str, kind: str) -> bool:
    return ann_id[:1] == kind and _ID_RE.fullmatch(ann_id) is not None


def _brat_fragments(text: str, fragments: list[Fragment]) -> list[Fragment]:
    """Split fragments at line breaks (brat's editor does the same: a ``.ann`` line cannot
    hold a newline); pieces that are only line breaks vanish."""
    out: list[Fragment] = []
    for s, e in fragments:
        segment = text[s:e]
        if _LINE_BREAK_RE.search(segment) is None:
            out.append((s, e))
            continue
        pos = s
        for match in _LINE_BREAK_RE.finditer(segment):
            if s + match.start() > pos:
                out.append((pos, s + match.start()))
            pos = s + match.end()
        if pos < e:
            out.append((pos, e))
    return out


class _Renderer:
    """Turns one Document into ``.ann`` lines, collecting what BRAT cannot hold."""

    def __init__(self, doc: Document, path: str) -> None:
        self.doc = doc
        self.path = path
        self.warnings: list[str] = []
        self.id_map: dict[str, str] = {}
        self._tokens_ok: set[tuple[str, bool]] = set()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def token(self, value: str, what: str, colon: bool = False) -> str:
        """A type/role as one space-free token (``:`` also replaced where it would split)."""
        key = (value, colon)
        if key in self._tokens_ok:  # the common case: a few type names used many times
            return value
        fixed = (_WS_COLON_RE if colon else _WS_RE).sub("_", value) or "_"
        if fixed == value:
            self._tokens_ok.add(key)
        if fixed != value:
            self.warn(f"{what} {value!r} written as {fixed!r} (BRAT tokens cannot contain it)")
        return fixed

    def one_line(self, value: str, what: str) -> str:
        """Free text (note, normalization text) on one line without trailing whitespace."""
        fixed = _LINE_BREAK_RE.sub(" ", value).rstrip() if value else value
        if fixed != value:
            self.warn(f"{what}: line breaks/trailing space in {value[:40]!r} written as spaces")
        return fixed

    def assign_ids(self) -> None:
        """Keep every id that BRAT can read back as the same kind; rename the others."""
        doc = self.doc
        used: set[str] = set()
        wanted: list[tuple[str, str, bool]] = []  # (id, kind letter, valid)
        for kind, items in (
            ("T", doc.entities),
            ("R", doc.relations),
            ("E", doc.events),
            ("N", doc.normalizations),
            ("#", doc.notes),
        ):
            wanted += [(item.id, kind, _valid_id(item.id, kind)) for item in items]
        for att in doc.attributes:
            ok = _valid_id(att.id, "A") or (att.value is None and _valid_id(att.id, "M"))
            wanted.append((att.id, "A", ok))
        keep = []
        for ann_id, _, ok in wanted:
            if ok and ann_id not in used:
                used.add(ann_id)
                keep.append(True)
            else:
                keep.append(False)
        kept_ids = set(used)
        counters: dict[str, int] = {}
        renamed: list[str] = []
        self.new_ids: list[str] = []
        for (ann_id, kind, _), kept in zip(wanted, keep, strict=True):
            if kept:
                self.new_ids.append(ann_id)
                continue
            n = counters.get(kind, 0)
            while True:
                n += 1
                candidate = f"{kind}{n}"
                if candidate not in used:
                    break
            counters[kind] = n
            used.add(candidate)
            if ann_id not in kept_ids:  # a duplicate keeps the references on the original
                self.id_map.setdefault(ann_id, candidate)
            self.new_ids.append(candidate)
            renamed.append(f"{ann_id}->{candidate}")
        if renamed:
            self.warn(
                f"ids renamed to BRAT ids: {', '.join(renamed[:10])}"
                + (f" (+{len(renamed) - 10} more)" if len(renamed) > 10 else "")
            )

    def ref(self, ann_id: str) -> str:
        return self.id_map.get(ann_id, ann_id) if self.id_map else ann_id

    def render(self) -> str:
        doc = self.doc
        problems = doc.problems()
        if problems:
            raise ConversionError(self.path, f"cannot write document {doc.id!r}: {problems[0]}")
        entity_ids = {e.id for e in doc.entities}
        for ev in doc.events:
            if ev.trigger not in entity_ids:
                raise ConversionError(
                    self.path, f"event {ev.id} trigger {ev.trigger} is not an entity"
                )
        self.assign_ids()
        ids = iter(self.new_ids)
        text = doc.text
        check_breaks = _LINE_BREAK_RE.search(text) is not None
        lines: dict[str, str] = {}
        heads = confidences = 0
        for ent in doc.entities:
            new_id = next(ids)
            frags = ent.fragments
            if check_breaks:
                frags = _brat_fragments(text, frags)
                if not frags:
                    raise ConversionError(
                        self.path, f"entity {ent.id} covers only line breaks; BRAT cannot hold it"
                    )
                if frags != ent.fragments:
                    self.warn(
                        f"entity {ent.id} spans a line break: written as fragments "
                        + ";".join(f"{s} {e}" for s, e in frags)
                    )
            heads += ent.head is not None
            confidences += ent.confidence is not None
            spans = ";".join([f"{s} {e}" for s, e in frags])
            if len(frags) == 1:
                s, e = frags[0]
                covered = text[s:e]
            else:
                covered = DISCONT_SEP.join([text[s:e] for s, e in frags])
            lines[new_id] = f"{new_id}\t{self.token(ent.type, 'entity type')} {spans}\t{covered}"
        for rel in doc.relations:
            new_id = next(ids)
            confidences += rel.confidence is not None
            if rel.extra_args:
                self.warn(
                    f"relation {rel.id}: extra arguments "
                    + " ".join(f"{r}:{a}" for r, a in rel.extra_args)
                    + " dropped (BRAT relations are binary)"
                )
            lines[new_id] = (
                f"{new_id}\t{self.token(rel.type, 'relation type')} "
                f"{self.token(rel.arg1_role, 'role', True)}:{self.ref(rel.arg1)} "
                f"{self.token(rel.arg2_role, 'role', True)}:{self.ref(rel.arg2)}"
            )
        for ev in doc.events:
            new_id = next(ids)
            args = "".join(
                f" {self.token(role, 'role', True)}:{self.ref(ref)}" for role, ref in ev.arguments
            )
            lines[new_id] = (
                f"{new_id}\t{self.token(ev.type, 'event type', True)}:{self.ref(ev.trigger)}{args}"
            )
        for norm in doc.normalizations:
            new_id = next(ids)
            db = self.token(norm.ref_db, "normalization database", True)
            ref_id = self.token(norm.ref_id, "normalization id")
            lines[new_id] = (
                f"{new_id}\t{self.token(norm.type, 'normalization type')} {self.ref(norm.target)} "
                f"{db}:{ref_id}\t{self.one_line(norm.text, new_id)}"
            )
        for note in doc.notes:
            new_id = next(ids)
            lines[new_id] = (
                f"{new_id}\t{self.token(note.type, 'note type')} {self.ref(note.target)}\t"
                f"{self.one_line(note.text, new_id)}"
            )
        for att in doc.attributes:
            new_id = next(ids)
            value = ""
            if att.value is not None:
                fixed = _WS_RE.sub(" ", att.value).strip()
                if fixed != att.value or not fixed:
                    self.warn(f"attribute {att.id} value {att.value!r} written as {fixed!r}")
                value = f" {fixed}" if fixed else ""
            lines[new_id] = (
                f"{new_id}\t{self.token(att.type, 'attribute type')} {self.ref(att.target)}{value}"
            )
        group_lines: list[str] = []
        for group in doc.groups:
            if not group.members:
                self.warn(f"group {group.id or group.type} has no members: not written")
                continue
            if group.id is not None or group.attributes:
                self.warn(
                    f"group {group.id or group.type}: id/attributes dropped "
                    "(BRAT '*' lines hold a type and members only)"
                )
            members = " ".join(self.ref(m) for m in group.members)
            group_lines.append(f"*\t{self.token(group.type, 'group type')} {members}")
        if heads:
            self.warn(f"{heads} entity head span(s) dropped (BRAT has no heads)")
        if confidences:
            self.warn(f"{confidences} confidence score(s) dropped (BRAT has no confidences)")

        order = (doc.metadata.get("brat") or {}).get("order") or []
        out: list[str] = []
        groups = iter(group_lines)
        emitted = 0
        for key in order:
            if key == "*":
                line = next(groups, None)
                if line is not None:
                    out.append(line)
                    emitted += 1
            else:
                line = lines.pop(self.ref(key), None)
                if line is not None:
                    out.append(line)
        out.extend(lines.values())  # dicts keep insertion order: T, R, E, N, #, A
        out.extend(group_lines[emitted:])
        if not order:
            out = self._default_sorted(out)
        return "".join(line + "\n" for line in out)

    @staticmethod
    def _default_sorted(lines: list[str]) -> list[str]:
        rank = {kind: i for i, kind in enumerate(DEFAULT_ORDER)}
        rank["M"] = rank["A"]
        return sorted(lines, key=lambda line: rank[line[0]])  # stable: list order per kind


def _render(doc: Document, path: str | None = None) -> tuple[str, list[Problem]]:
    renderer = _Renderer(doc, path or f"{doc.id}.ann")
    text = renderer.render()
    return text, [Problem(renderer.path, w) for w in renderer.warnings]


def format_ann(doc: Document) -> str:
    """The ``.ann`` text for ``doc``: deterministic, ids kept (see the module docstring for what
    ``write_document``/``write_corpus`` report when something cannot be represented)."""
    return _render(doc)[0]


def format_ann_with_problems(doc: Document, path: str | None = None) -> tuple[str, list[Problem]]:
    """``format_ann`` plus a ``Problem`` for everything BRAT could not hold exactly."""
    return _render(doc, path)


def _txt_bytes(doc: Document, path: str) -> bytes:
    text = doc.text
    if (doc.metadata.get("brat") or {}).get("txt_newline") == "\r\n" and "\r" not in text:
        text = text.replace("\n", "\r\n")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConversionError(
            path, f"text cannot be encoded as UTF-8 ({exc.reason})", offset=exc.start
        ) from None


def _doc_relpath(doc_id: str) -> Path:
    """``doc.id`` as a safe relative path (``/`` makes sub-folders)."""
    parts = doc_id.split("/")
    if (
        not doc_id
        or "\\" in doc_id
        or "\0" in doc_id
        or any(not p or p in (".", "..") or p.startswith(".") for p in parts)
    ):
        raise ConversionError(
            doc_id or "<empty id>",
            "document id cannot be used as a file name (empty part, '..', leading '.', or '\\')",
        )
    return Path(*parts)


def _prepare(documents: list[Document]) -> tuple[list[tuple[Path, bytes, bytes]], list[Problem]]:
    """Everything to write, rendered in memory first so a bad document stops the export
    before any file is touched."""
    files: list[tuple[Path, bytes, bytes]] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for doc in documents:
        rel = _doc_relpath(doc.id)
        key = rel.as_posix().casefold()
        if key in seen:
            raise ConversionError(
                f"{doc.id}.ann", f"two documents would be written to the same files ({seen[key]})"
            )
        seen[key] = doc.id
        ann_text, warnings = _render(doc, f"{rel.as_posix()}.ann")
        problems += warnings
        try:
            ann_bytes = ann_text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ConversionError(
                f"{rel.as_posix()}.ann", f"cannot be encoded as UTF-8 ({exc.reason})"
            ) from None
        files.append((rel, _txt_bytes(doc, f"{rel.as_posix()}.txt"), ann_bytes))
    return files, problems


def _write_pair(directory: Path, rel: Path, txt: bytes, ann: bytes) -> None:
    target = directory / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    txt_path = target.parent / (target.name + ".txt")
    ann_path = target.parent / (target.name + ".ann")
    txt_path.write_bytes(txt)
    ann_path.write_bytes(ann)


def write_document(doc: Document, directory: Path) -> list[Problem]:
    """Write ``<id>.txt`` (exact bytes) and ``<id>.ann`` under ``directory``.

    Both files are written to temporary names first and then renamed, so a failure leaves
    neither half of the pair changed. Returns what BRAT could not hold.
    """
    directory = Path(directory)
    [(rel, txt, ann)], problems = _prepare([doc])
    target = directory / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".brat-", dir=target.parent))
    try:
        _write_pair(tmp, Path(target.name), txt, ann)
        os.replace(tmp / (target.name + ".txt"), target.parent / (target.name + ".txt"))
        os.replace(tmp / (target.name + ".ann"), target.parent / (target.name + ".ann"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [Problem(str(directory / p.path), p.message, p.line, p.offset) for p in problems]


def _conf_files(schema: Schema, folder: str) -> tuple[dict[str, str], list[Problem]]:
    """``annotation.conf`` (+ ``visual.conf``, ``kb_shortcuts.conf``) for ``schema``, keyed by
    path relative to the export folder, and a Problem if it does not read back equal."""
    prefix = f"{folder}/" if folder else ""
    files = {f"{prefix}annotation.conf": brat_conf.format_conf(schema)}
    visual = brat_conf.format_visual(schema)
    if visual is not None:
        files[f"{prefix}visual.conf"] = visual
    shortcuts = brat_conf.format_kb_shortcuts(schema)
    if shortcuts is not None:
        files[f"{prefix}kb_shortcuts.conf"] = shortcuts
    try:
        reread: Schema | None = brat_conf.parse_conf(files[f"{prefix}annotation.conf"])
        if visual is not None:
            brat_conf.apply_visual(reread, visual)
        if shortcuts is not None:
            brat_conf.apply_kb_shortcuts(reread, shortcuts)
    except ConversionError:  # e.g. a type named "<b>" reads back as an undefined macro
        reread = None
    if reread == schema:
        return files, []
    return files, [
        Problem(
            f"{prefix}annotation.conf",
            "the schema could not be written exactly as annotation.conf (names with "
            "spaces/commas/bars, format-specific options, empty argument type lists "
            "or a non depth-first hierarchy order)",
        )
    ]


def write_corpus(
    documents: list[Document],
    directory: Path,
    schema: Schema | None = None,
    collection_schemas: dict[str, Schema] | None = None,
) -> list[Problem]:
    """Write every document (and ``annotation.conf`` etc. when ``schema`` is given).

    ``collection_schemas`` maps sub-folders (posix, relative to ``directory``) to the schema
    of that brat collection, as ``read_collection_schemas`` returns them: brat lets every
    collection carry its own ``annotation.conf``, and a tree exported again keeps them.

    All or nothing: everything is rendered in memory, written into a hidden temporary folder
    next to ``directory`` and only then moved into place (a rename when ``directory`` does not
    exist yet). Files already in ``directory`` that are not part of the export stay untouched.
    Raises ``ConversionError`` (before writing anything) for a document that cannot be written.
    """
    directory = Path(directory)
    files, problems = _prepare(list(documents))
    conf_files: dict[str, str] = {}
    schemas = [("", schema)] if schema is not None else []
    for folder, sub_schema in sorted((collection_schemas or {}).items()):
        folder = _doc_relpath(folder).as_posix()  # refuses '..', absolute and hidden parts
        schemas.append((folder, sub_schema))
    for folder, one in schemas:
        written, conf_problems = _conf_files(one, folder)
        conf_files.update(written)
        problems += conf_problems
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        for rel, txt, ann in files:
            _write_pair(tmp, rel, txt, ann)
        for name, content in conf_files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(content, encoding="utf-8", newline="")
        if not directory.exists():
            os.chmod(tmp, default_modes()[1])  # mkdtemp's 0700 would become the export's mode
            os.rename(tmp, directory)
        else:
            for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
                dest = directory / path.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [Problem(str(directory / p.path), p.message, p.line, p.offset) for p in problems]


# --- corpora, validation, schema ---------------------------------------------------------------


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


def _scan(directory: Path) -> tuple[list[Document], list[Problem]]:
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
        try:
            text = read_utf8(txt)
            ann_text = read_utf8(ann) if ann is not None else ""
        except ConversionError as exc:
            problems += exc.problems
            continue
        doc, found = _parse(text, ann_text, doc_id, str(ann))
        if found:
            problems += found
        else:
            documents.append(doc)
    return documents, problems


def read_corpus(directory: Path) -> list[Document]:
    """Every document under ``directory`` (recursive, sorted by id = posix path without
    extension). Raises ``ConversionError`` listing every problem found if there is any."""
    documents, problems = _scan(Path(directory))
    if problems:
        _raise(problems)
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
                brat_conf.read_conf(conf)
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
    return brat_conf.read_conf(conf)


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
        found[rel.as_posix()] = brat_conf.read_conf(conf)
    return found
