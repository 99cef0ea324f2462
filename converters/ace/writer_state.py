"""What the parts of the APF writer share while writing one document.

The writer is split by what it writes (``writer_entities``, ``writer_relations_events``,
``writer``); every part needs the same per-document state: the ``.sgm`` text and its offset
maps, the XML ids already taken and the model id each one stands for, the ACE parent of every
mention, and the notes on what ACE could not hold. That state and the helpers over it (unique
ids, charseqs, loss notes) live here, in the base class of the parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from converters.ace.apf_xml import is_xml_name, xml_safe
from converters.ace.sgm_text import SgmText
from converters.document import Document, Entity, Event, Relation
from converters.errors import Problem


@dataclass
class Parent:
    """One ACE entity/value/timex2 to write: its XML id, kind, attributes and mentions."""

    kind: str  # "entity" | "value" | "timex2"
    xml_id: str
    mentions: list[Entity]
    attributes: dict[str, Any] = field(default_factory=dict)


def ace_meta(obj: Entity | Relation | Event) -> dict[str, Any]:
    """``metadata["ace"]`` of an annotation when it is a dict (the reader's), else ``{}``."""
    ace = obj.metadata.get("ace")
    return ace if isinstance(ace, dict) else {}


class WriterState:
    """One document being written: its ``.sgm`` text, XML ids, parents and loss notes."""

    # set by ``ApfWriter.build`` before the parts that read them run
    parents: list[Parent]
    mention_by_id: dict[str, Entity]  # model mention id -> the mention, for every parent
    trigger_by_id: dict[str, Entity]  # event trigger id -> its anchor entity
    resources: set[str]  # NAMEs of the external resources written

    def __init__(self, doc: Document, label: str) -> None:
        self.doc = doc
        self.label = label
        self.notes: dict[str, list[str]] = {}
        self.used: set[str] = set()
        self.xml_ids: dict[str, str] = {}  # model id -> XML ID of the written mention
        self.parent_of: dict[str, Parent] = {}  # model mention id -> its ACE parent
        self.written_relations: set[str] = set()
        ace = doc.metadata.get("ace") if isinstance(doc.metadata.get("ace"), dict) else {}
        self.ace: dict[str, Any] = ace or {}
        self.src = self._source()

    # -- bookkeeping -----------------------------------------------------------------------
    def note(self, message: str, ident: str | None = None) -> None:
        self.notes.setdefault(message, [])
        if ident is not None:
            self.notes[message].append(ident)

    def problems(self) -> list[Problem]:
        found = []
        for message, idents in self.notes.items():
            if idents:
                shown = ", ".join(idents[:10]) + (
                    f" (+{len(idents) - 10} more)" if len(idents) > 10 else ""
                )
                message = f"{message} [{len(idents)}: {shown}]"
            found.append(Problem(self.label, message))
        return found

    def fresh_id(self, wanted: str) -> str:
        """A unique XML ID as close to ``wanted`` as possible."""
        base = (
            wanted
            if is_xml_name(wanted)
            else "id-"
            + "".join(c if (c.isascii() and (c.isalnum() or c in "-._")) else "_" for c in wanted)
        )
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}-{n}"
        self.used.add(ident)
        return ident

    def own_id(self, model_id: str) -> str:
        """The XML ID for an annotation that has a model id (renamed only if it must be)."""
        xml_id = self.fresh_id(model_id)
        if xml_id != model_id:
            self.note("ids renamed to be unique XML names", f"{model_id}->{xml_id}")
        self.xml_ids[model_id] = xml_id
        return xml_id

    def keep_type(
        self, pi: dict[str, Any], item: Entity | Relation, written_as: str, what: str
    ) -> None:
        """Keep ``item.type`` in the ``<?spanrel?>`` payload ``pi`` when ACE got another."""
        if item.type != written_as:
            pi["type"] = item.type
            self.note(
                f"{what} not in ACE's inventory written as {written_as}; original type kept "
                "in a <?spanrel?> processing instruction",
                f"{item.id}:{item.type}",
            )

    def _source(self) -> SgmText:
        sgm = self.ace.get("sgm")
        if isinstance(sgm, str):
            src = SgmText.parse(sgm)
            if src.text == self.doc.text:
                return src
            self.note("text differs from the original .sgm: wrote a plain .sgm (markup lost)")
        docid = str(self.ace.get("docid") or PurePosixPath(self.doc.id).name)
        return SgmText.from_text(self.doc.text, docid)

    # -- charseqs --------------------------------------------------------------------------
    def raw_offsets(self, span: Iterable[int], raw: list[int] | None = None) -> tuple[int, int]:
        s, e = list(span)[:2]
        if raw is not None and len(raw) == 2:
            r0, r1 = int(raw[0]), int(raw[1])
            if 0 <= r0 <= r1 < len(self.src.raw) and self.src.charseq_to_span(r0, r1)[:2] == (
                s,
                e,
            ):
                return r0, r1
        return self.src.span_to_charseq(s, e)

    def add_charseq(
        self, parent: etree._Element, tag: str | None, span: Iterable[int], raw=None
    ) -> None:
        span = list(span)
        if len(span) == 4 and raw is None:
            raw = span[2:]
        start, end = self.raw_offsets(span, raw)
        holder = parent if tag is None else etree.SubElement(parent, tag)
        seq = etree.SubElement(holder, "charseq", START=str(start), END=str(end))
        text = self.src.raw_slice(start, end)
        safe = xml_safe(text)
        if safe != text:
            self.note("characters XML cannot hold replaced by U+FFFD in charseq text")
        seq.text = safe

    def valid_span(self, span: Any) -> list[int] | None:
        if isinstance(span, (list, tuple)) and len(span) in (2, 4):
            s, e = int(span[0]), int(span[1])
            if 0 <= s < e <= len(self.doc.text):
                return list(span)
        return None
