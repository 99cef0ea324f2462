"""One ``Document`` rendered as ``.ann`` text, with a ``Problem`` for whatever BRAT cannot hold.

It exists so that everything about writing one ``.ann`` (which ids survive, how names become
tokens, how a fragment over a line break is split, the line order) sits in one place, apart
from the files (``collection_writer``). Rendering is deterministic and keeps ids;
``metadata["brat"]["order"]`` (set by the reader only when the file interleaved kinds) restores
the original line order, otherwise lines go out as T, R, E, ``*``, A/M, N, ``#``, each in list
order. Nothing is dropped silently: entity heads and confidences, extra relation arguments,
group ids/attributes and renamed ids or types each come back as a ``Problem``. A fragment that
spans a line break is split there into discontinuous fragments, as brat's own editor does,
because the ``.ann`` text column cannot contain a newline.
"""

from __future__ import annotations

import re

from converters.brat.ann_reader import ID_RE, fragment_text, in_default_order
from converters.document import Document, Fragment
from converters.errors import ConversionError, Problem

# Every character str.splitlines() breaks at: a reader using it would cut a line there.
_LINE_BREAK_RE = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_WS_RE = re.compile(r"\s+")
_WS_COLON_RE = re.compile(r"[\s:]+")


def _valid_id(ann_id: str, kind: str) -> bool:
    return ann_id[:1] == kind and ID_RE.fullmatch(ann_id) is not None


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
            covered = fragment_text(text, frags)
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
            out = in_default_order(out)
        return "".join(line + "\n" for line in out)


def format_ann_with_problems(doc: Document, path: str | None = None) -> tuple[str, list[Problem]]:
    """``format_ann`` plus a ``Problem`` for everything BRAT could not hold exactly."""
    renderer = _Renderer(doc, path or f"{doc.id}.ann")
    text = renderer.render()
    return text, [Problem(renderer.path, w) for w in renderer.warnings]


def format_ann(doc: Document) -> str:
    """The ``.ann`` text for ``doc``: deterministic, ids kept (``format_ann_with_problems``
    also says what BRAT could not hold)."""
    return format_ann_with_problems(doc)[0]
