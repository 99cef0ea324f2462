"""ACE 2005 APF reader and writer: ``.sgm`` + ``.apf.xml`` pairs (apf.v5.1.1.dtd).

Offsets
    APF ``charseq START``/``END`` (END inclusive) count the ``.sgm`` characters after removing
    tags only, with character references (``&amp;``) undecoded. ``Document.text`` is the
    DECODED text (users see ``&``); ``converters.ace_sgm.SgmText`` maps offsets both ways.
    A charseq's content may be either the raw slice or its decoded form; anything else is an
    error naming the file, line and offset. The writer always writes the raw slice.

Mapping to the shared model (``metadata["ace"]`` holds what ACE has and the model lacks)
    - ``entity_mention`` -> ``Entity(id=mention ID, type=entity TYPE, fragments=[extent],
      head=head)``. TYPE only (``PER``), as in the usual ACE05 entity/relation benchmarks, so a
      BRAT export gets 7 clean types; SUBTYPE and CLASS are in ``metadata["ace"]["subtype"]`` /
      ``["class"]`` and in the entity's Group. ``metadata["ace"]["attrs"]`` keeps the mention's
      XML attributes (mention TYPE NAM/NOM/PRO, LDCTYPE, ROLE, LDCATR...).
    - ``entity`` -> ``Group(type="ace-entity", id=entity ID, members=mention ids,
      attributes={TYPE, SUBTYPE, CLASS, names, external_links})`` (coreference group).
    - ``value_mention`` -> Entity of the value TYPE (``Numeric``, ``Job-Title``...), its value ->
      ``Group("ace-value")``; ``timex2_mention`` -> Entity of type ``TIMEX2``, its timex2 ->
      ``Group("ace-timex2")`` with VAL/MOD/... -- so relation and event arguments keep a target.
    - ``relation_mention`` -> ``Relation(id=mention ID, type=relation TYPE, arg1/arg2 = the
      Arg-1/Arg-2 REFIDs, extra_args=[(ROLE, REFID)] for Time-* and repeated roles)``; roles are
      the model's ``Arg1``/``Arg2``. The relation -> ``Group("ace-relation", attributes={TYPE,
      SUBTYPE, MODALITY, TENSE, arguments})``; a relation without mentions (METONYMY) lives
      only as that group. LEXICALCONDITION, the mention extent and argument extents are in
      ``Relation.metadata["ace"]``.
    - ``event_mention`` -> ``Event(id=mention ID, type="TYPE.SUBTYPE", trigger=<anchor entity>,
      arguments=[(ROLE, REFID)])``; the anchor is an Entity ``<mention ID>-anchor`` typed like
      the event (BRAT's trigger convention); the event -> ``Group("ace-event")``.
    - Spans in metadata are ``[start, end]`` text offsets (END exclusive); when an ACE offset
      falls inside a character reference the list is ``[start, end, START, END]`` so the raw
      offsets are written back unchanged (``raw_extent``/``raw_head`` for entities).
    - ``Document.metadata["ace"]``: ``sgm`` (the file, written back byte for byte while the
      decoded text is unchanged), ``docid``, ``source_file`` attributes, ``external_resources``.

Writing documents that did not come from ACE (BRAT, SpERT)
    The ``.sgm`` is ``<DOC DOCID="..."><TEXT>escaped text</TEXT></DOC>`` with nothing but tags
    around the text, so offsets are unchanged on the way back. Each coreference Group of
    entities (``ace-entity`` or BRAT ``Equiv``) becomes one ACE entity, every other Entity an
    entity with one mention; head = extent unless known. Values ACE requires but the document
    lacks (SUBTYPE, CLASS, mention TYPE, event MODALITY...) get documented defaults and a
    warning. Non-ACE types are written as ``PER``/``METONYMY`` and the original type kept in a
    ``<?spanrel {...}?>`` processing instruction (DTD-valid; also holds discontinuous fragments,
    a missing head, confidences and non-ACE roles) which this reader restores. Everything not
    representable is a ``Problem`` in the returned list -- aggregated per document and kind.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from converters.ace_apf import (
    DEFAULT_ENTITY_SUBTYPE,
    ENTITY_CLASSES,
    ENTITY_SUBTYPES,
    EVENT_ATTRS,
    EVENT_DEFAULTS,
    EVENT_ROLES,
    EVENT_SUBTYPES,
    FALLBACK_ENTITY_TYPE,
    FALLBACK_RELATION_TYPE,
    LEXICAL_CONDITIONS,
    MENTION_ATTRS,
    RELATION_ATTRS,
    RELATION_ROLES,
    RELATION_SUBTYPES,
    SOURCE_FILE_TYPES,
    TIMEX2_ATTRS,
    TIMEX2_TYPE,
    VALUE_SUBTYPES,
    dtd_problems,
    is_nmtoken,
    is_xml_name,
    load_xml,
    split_type,
    xml_safe,
)
from converters.ace_sgm import SgmText
from converters.document import Document, Entity, Event, Group, Relation
from converters.errors import ConversionError, Problem, read_utf8
from converters.files import default_modes
from converters.schema import Schema, infer_schema

__all__ = [
    "SgmText",
    "read_corpus",
    "read_document",
    "read_schema",
    "validate",
    "write_corpus",
    "write_document",
]

log = logging.getLogger(__name__)

APF_SUFFIX = ".apf.xml"
SGM_SUFFIX = ".sgm"
DTD_NAME = "apf.v5.1.1.dtd"
SHIPPED_DTD = Path(__file__).resolve().parent / "dtd" / DTD_NAME
PI_TARGET = "spanrel"
ENTITY_GROUP, VALUE_GROUP, TIMEX_GROUP = "ace-entity", "ace-value", "ace-timex2"
RELATION_GROUP, EVENT_GROUP = "ace-relation", "ace-event"

Span = list[int]  # [start, end] text offsets, or [start, end, START, END] with raw ACE offsets


# ========================================================================================
# Reading
# ========================================================================================


def _is_pair(value: Any) -> bool:
    """``[int, int]`` as JSON gives it (``true`` is not an int here)."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def _pi_data(element: etree._Element) -> dict[str, Any]:
    """The JSON payload of a ``<?spanrel ...?>`` child (written by this module), or ``{}``."""
    for child in element:
        if isinstance(child, etree._ProcessingInstruction) and child.target == PI_TARGET:
            try:
                data = json.loads(child.text or "{}")
            except json.JSONDecodeError:
                return {}
            return data if isinstance(data, dict) else {}
    return {}


class _ApfReader:
    """Turns one APF ``document`` element into model objects, checking every reference."""

    def __init__(self, apf_path: Path, src: SgmText) -> None:
        self.path = apf_path
        self.src = src
        self.ids: dict[str, str] = {}  # XML ID -> element tag
        self.mention_parent: dict[str, str] = {}  # entity/value/timex mention -> parent ID
        self.parents: set[str] = set()
        self.entities: list[Entity] = []
        self.relations: list[Relation] = []
        self.events: list[Event] = []
        self.groups: list[Group] = []
        self.pending_refs: list[tuple[str, str, int | None, set[str]]] = []

    # -- helpers ---------------------------------------------------------------------------
    def error(self, element: etree._Element | None, message: str, offset: int | None = None):
        line = element.sourceline if element is not None else None
        return ConversionError(self.path, message, line=line, offset=offset)

    def attr(self, element: etree._Element, name: str) -> str:
        value = element.get(name)
        if value is None:
            raise self.error(element, f"<{element.tag}> lacks the required {name} attribute")
        return value

    def new_id(self, element: etree._Element) -> str:
        ident = self.attr(element, "ID")
        if ident in self.ids:
            raise self.error(element, f"duplicate ID {ident!r}")
        self.ids[ident] = element.tag
        return ident

    def charseq(self, holder: etree._Element | None, what: str, owner: etree._Element) -> Span:
        """Read ``<extent>``/``<head>``/... -> span, checking offsets and text."""
        if holder is None:
            raise self.error(owner, f"<{owner.tag}> lacks its <{what}>")
        seq = holder.find("charseq")
        if seq is None:
            kinds = [c.tag for c in holder if isinstance(c.tag, str)]
            raise self.error(
                holder, f"<{what}> has {kinds or 'no child'}; only <charseq> is supported"
            )
        try:
            start, end = int(self.attr(seq, "START")), int(self.attr(seq, "END"))
        except ValueError:
            raise self.error(seq, "charseq START/END are not integers") from None
        n = len(self.src.raw)
        if not 0 <= start <= end < n:
            raise self.error(
                seq,
                f"charseq {start}-{end} is outside the .sgm text (tag-stripped length {n})",
                offset=start,
            )
        content = seq.text or ""
        raw = self.src.raw_slice(start, end)
        s, e, exact = self.src.charseq_to_span(start, end)
        if content not in (raw, self.src.text[s:e], xml_safe(raw)):
            raise self.error(
                seq,
                f"charseq text {content!r} does not match the .sgm text {raw!r} at "
                f"{start}-{end} (offsets count the tag-stripped .sgm, references undecoded)",
                offset=start,
            )
        return [s, e] if exact else [s, e, start, end]

    def pi_confidence(self, element: etree._Element, pi: dict[str, Any]) -> float | None:
        """The ``<?spanrel?>`` confidence: a number or absent (anything else is refused)."""
        value = pi.get("confidence")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(element, f"<?spanrel?> confidence {value!r} is not a number")
        return float(value)

    def optional_extent(self, element: etree._Element) -> Span | None:
        extent = element.find("extent")
        return None if extent is None else self.charseq(extent, "extent", element)

    def refer(self, element: etree._Element, ref: str, allowed: set[str]) -> None:
        """Check later (ids may be declared further down) that ``ref`` is a known id."""
        self.pending_refs.append((ref, element.tag, element.sourceline, allowed))

    # -- entities, values, timex2 -----------------------------------------------------------
    def mention(
        self,
        element: etree._Element,
        parent_id: str,
        etype: str,
        meta: dict[str, Any],
        with_head: bool,
    ) -> Entity:
        mid = self.new_id(element)
        extent = self.charseq(element.find("extent"), "extent", element)
        head = self.charseq(element.find("head"), "head", element) if with_head else None
        pi = _pi_data(element)
        ace = dict(meta)
        ace["element"] = element.tag
        ace["attrs"] = {k: v for k, v in element.attrib.items() if k != "ID"}
        if len(extent) == 4:
            ace["raw_extent"] = extent[2:]
        if head is not None and len(head) == 4:
            ace["raw_head"] = head[2:]
        fragments = [(extent[0], extent[1])]
        frags = pi.get("fragments")
        if frags is not None:
            if not (
                isinstance(frags, list)
                and frags
                and all(_is_pair(f) and extent[0] <= f[0] < f[1] <= extent[1] for f in frags)
            ):
                raise self.error(element, "<?spanrel?> fragments are not spans inside the extent")
            fragments = [(f[0], f[1]) for f in frags]
        head_span = (head[0], head[1]) if head is not None else None
        if "head" in pi:
            h = pi["head"]
            if h is not None and not _is_pair(h):
                raise self.error(element, "<?spanrel?> head is not null or a [start, end] pair")
            head_span = (h[0], h[1]) if h is not None else None
        entity = Entity(
            id=mid,
            type=str(pi.get("type", etype)),
            fragments=fragments,
            head=head_span,
            confidence=self.pi_confidence(element, pi),
            metadata={"ace": ace},
        )
        self.mention_parent[mid] = parent_id
        self.entities.append(entity)
        return entity

    def entity(self, element: etree._Element) -> None:
        eid = self.new_id(element)
        self.parents.add(eid)
        etype = self.attr(element, "TYPE")
        attrs = {k: v for k, v in element.attrib.items() if k != "ID"}
        meta = {"entity": eid, "subtype": attrs.get("SUBTYPE"), "class": attrs.get("CLASS")}
        members = [
            self.mention(m, eid, etype, meta, with_head=True).id
            for m in element.findall("entity_mention")
        ]
        if not members:
            raise self.error(element, f"entity {eid} has no entity_mention")
        names = []
        for holder in element.findall("entity_attributes"):
            for name in holder.findall("name"):
                names.append({"NAME": name.get("NAME"), "span": self.charseq(name, "name", name)})
        links = []
        for link in element.findall("external_link"):
            links.append({"RESOURCE": link.get("RESOURCE"), "EID": link.get("EID")})
        attributes: dict[str, Any] = dict(attrs)
        if names:
            attributes["names"] = names
        if links:
            attributes["external_links"] = links
        self.groups.append(Group(ENTITY_GROUP, members, eid, attributes))

    def value(self, element: etree._Element) -> None:
        vid = self.new_id(element)
        self.parents.add(vid)
        attrs = {k: v for k, v in element.attrib.items() if k != "ID"}
        vtype = self.attr(element, "TYPE")
        meta = {"value": vid, "subtype": attrs.get("SUBTYPE")}
        members = [
            self.mention(m, vid, vtype, meta, with_head=False).id
            for m in element.findall("value_mention")
        ]
        if not members:
            raise self.error(element, f"value {vid} has no value_mention")
        self.groups.append(Group(VALUE_GROUP, members, vid, attrs))

    def timex2(self, element: etree._Element) -> None:
        tid = self.new_id(element)
        self.parents.add(tid)
        attrs = {k: v for k, v in element.attrib.items() if k != "ID"}
        meta = {"timex2": tid}
        members = [
            self.mention(m, tid, TIMEX2_TYPE, meta, with_head=False).id
            for m in element.findall("timex2_mention")
        ]
        if not members:
            raise self.error(element, f"timex2 {tid} has no timex2_mention")
        self.groups.append(Group(TIMEX_GROUP, members, tid, attrs))

    # -- relations and events -------------------------------------------------------------
    def arguments(self, element: etree._Element, tag: str, mention_level: bool) -> list:
        """``[[ROLE, REFID]]`` (parent level) or ``[[ROLE, REFID, extent|None]]``."""
        found = []
        for arg in element.findall(tag):
            role, ref = self.attr(arg, "ROLE"), self.attr(arg, "REFID")
            if mention_level:
                self.refer(arg, ref, {"mention"})
                found.append([role, ref, self.optional_extent(arg)])
            else:
                self.refer(arg, ref, {"parent"})
                found.append([role, ref])
        return found

    def relation(self, element: etree._Element) -> None:
        rid = self.new_id(element)
        attrs = {k: v for k, v in element.attrib.items() if k != "ID"}
        rtype = self.attr(element, "TYPE")
        attrs["arguments"] = self.arguments(element, "relation_argument", False)
        members = []
        for rm in element.findall("relation_mention"):
            mid = self.new_id(rm)
            args = self.arguments(rm, "relation_mention_argument", True)
            arg1 = next((a for a in args if a[0] == "Arg-1"), None)
            arg2 = next((a for a in args if a[0] == "Arg-2"), None)
            if arg1 is None or arg2 is None:
                raise self.error(rm, f"relation_mention {mid} lacks an Arg-1 or Arg-2 argument")
            pi = _pi_data(rm)
            extras = [(a[0], a[1]) for a in args if a is not arg1 and a is not arg2]
            pi_extras = pi.get("extra_args", [])
            if not (
                isinstance(pi_extras, list)
                and all(isinstance(a, list) and len(a) == 2 for a in pi_extras)
            ):
                raise self.error(rm, "<?spanrel?> extra_args is not a list of [role, id] pairs")
            extras += [(str(r), str(i)) for r, i in pi_extras]
            ace = {
                "relation": rid,
                "subtype": attrs.get("SUBTYPE"),
                "attrs": {k: v for k, v in rm.attrib.items() if k != "ID"},
                "extent": self.charseq(rm.find("extent"), "extent", rm),
                "argument_extents": args,
            }
            self.relations.append(
                Relation(
                    id=mid,
                    type=str(pi.get("type", rtype)),
                    arg1=arg1[1],
                    arg2=arg2[1],
                    arg1_role=str(pi.get("arg1_role", "Arg1")),
                    arg2_role=str(pi.get("arg2_role", "Arg2")),
                    extra_args=extras,
                    confidence=self.pi_confidence(rm, pi),
                    metadata={"ace": ace},
                )
            )
            members.append(mid)
        self.groups.append(Group(RELATION_GROUP, members, rid, attrs))

    def event(self, element: etree._Element) -> None:
        evid = self.new_id(element)
        attrs = {k: v for k, v in element.attrib.items() if k != "ID"}
        ev_type = f"{self.attr(element, 'TYPE')}.{self.attr(element, 'SUBTYPE')}"
        attrs["arguments"] = self.arguments(element, "event_argument", False)
        members = []
        for em in element.findall("event_mention"):
            mid = self.new_id(em)
            anchor_span = self.charseq(em.find("anchor"), "anchor", em)
            anchor_id = f"{mid}-anchor"
            while anchor_id in self.ids:
                anchor_id += "_"
            self.ids[anchor_id] = "anchor"  # anchors are not XML ids, but must not clash
            anchor_meta: dict[str, Any] = {"element": "anchor", "event_mention": mid}
            if len(anchor_span) == 4:
                anchor_meta["raw_extent"] = anchor_span[2:]
            self.entities.append(
                Entity(
                    anchor_id,
                    ev_type,
                    [(anchor_span[0], anchor_span[1])],
                    metadata={"ace": anchor_meta},
                )
            )
            args = self.arguments(em, "event_mention_argument", True)
            scope = em.find("ldc_scope")
            ace = {
                "event": evid,
                "attrs": {k: v for k, v in em.attrib.items() if k != "ID"},
                "extent": self.charseq(em.find("extent"), "extent", em),
                "ldc_scope": None if scope is None else self.charseq(scope, "ldc_scope", em),
                "argument_extents": args,
            }
            pi = _pi_data(em)
            self.events.append(
                Event(
                    mid,
                    str(pi.get("type", ev_type)),
                    anchor_id,
                    [(a[0], a[1]) for a in args],
                    metadata={"ace": ace},
                )
            )
            members.append(mid)
        self.groups.append(Group(EVENT_GROUP, members, evid, attrs))

    def check_refs(self) -> None:
        mentions = set(self.mention_parent)
        for ref, tag, line, allowed in self.pending_refs:
            pool = mentions if "mention" in allowed else self.parents
            if ref not in pool:
                kind = "entity/value/timex2 mention" if "mention" in allowed else "entity"
                raise ConversionError(
                    self.path, f"<{tag}> REFID {ref!r} is not the ID of any {kind}", line=line
                )


def read_document(
    sgm_path: str | Path, apf_path: str | Path, doc_id: str | None = None
) -> Document:
    """Read one ``.sgm`` + ``.apf.xml`` pair; errors name the file and line or offset."""
    sgm_path, apf_path = Path(sgm_path), Path(apf_path)
    src = SgmText.parse(read_utf8(sgm_path))
    root = load_xml(apf_path)
    if root.tag != "source_file":
        raise ConversionError(
            apf_path, f"root element is <{root.tag}>, not <source_file>", line=root.sourceline
        )
    documents = root.findall("document")
    if len(documents) != 1:
        raise ConversionError(
            apf_path, f"expected one <document>, found {len(documents)}", line=root.sourceline
        )
    document = documents[0]
    reader = _ApfReader(apf_path, src)
    handlers = {
        "entity": reader.entity,
        "value": reader.value,
        "timex2": reader.timex2,
        "relation": reader.relation,
        "event": reader.event,
    }
    for child in document:
        if not isinstance(child.tag, str):
            continue
        handler = handlers.get(child.tag)
        if handler is None:
            raise ConversionError(
                apf_path, f"unexpected element <{child.tag}> in <document>", line=child.sourceline
            )
        handler(child)
    reader.check_refs()
    resources = [
        {"URN": r.get("URN"), "NAME": r.get("NAME"), "text": r.text or ""}
        for r in root.findall("external_resource")
    ]
    docid = document.get("DOCID") or ""
    doc = Document(
        id=doc_id or apf_path.name[: -len(APF_SUFFIX)],
        text=src.text,
        entities=reader.entities,
        relations=reader.relations,
        events=reader.events,
        groups=reader.groups,
        metadata={
            "ace": {
                "sgm": src.sgm,
                "docid": docid,
                "source_file": dict(root.attrib),
                "external_resources": resources,
            }
        },
    )
    problems = doc.problems()
    if problems:
        raise ConversionError(apf_path, "; ".join(problems[:5]))
    return doc


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
        first = problems[0]
        raise ConversionError(first.path, first.message, problems=problems)
    return [read_document(sgm, apf, doc_id) for sgm, apf, doc_id in pairs]


def read_schema(path: str | Path) -> Schema | None:
    """APF files carry no schema of their own: the types the data uses, or ``None`` if empty."""
    documents = read_corpus(path)
    return infer_schema(documents) if documents else None


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


# ========================================================================================
# Writing
# ========================================================================================


@dataclass
class _Parent:
    """One ACE entity/value/timex2 to write: its XML id, kind, attributes and mentions."""

    kind: str  # "entity" | "value" | "timex2"
    xml_id: str
    mentions: list[Entity]
    attributes: dict[str, Any] = field(default_factory=dict)


def _attrs_of(obj: Entity | Relation | Event) -> dict[str, Any]:
    ace = obj.metadata.get("ace")
    return ace if isinstance(ace, dict) else {}


def _pi(payload: dict[str, Any]) -> etree._ProcessingInstruction:
    # JSON never has ">" outside strings; escaping it inside strings keeps "?>" out of the PI.
    return etree.ProcessingInstruction(
        PI_TARGET, json.dumps(payload, ensure_ascii=False).replace(">", "\\u003e")
    )


class _ApfWriter:
    """Builds the ``.sgm`` text and APF tree of one document, collecting what is lost."""

    def __init__(self, doc: Document, label: str) -> None:
        self.doc = doc
        self.label = label
        self.notes: dict[str, list[str]] = {}
        self.used: set[str] = set()
        self.xml_ids: dict[str, str] = {}  # model id -> XML ID of the written mention
        self.parent_of: dict[str, _Parent] = {}  # model mention id -> its ACE parent
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

    # -- entities --------------------------------------------------------------------------
    def kind_of(self, ent: Entity) -> str:
        """By type: ``TIMEX2`` -> timex2, an ACE value TYPE -> value, anything else -> entity."""
        if ent.type == TIMEX2_TYPE:
            return "timex2"
        if split_type(ent.type, VALUE_SUBTYPES) is not None:
            return "value"
        return "entity"

    def collect_parents(self, anchors: set[str]) -> list[_Parent]:
        by_id = {e.id: e for e in self.doc.entities}
        claimed: set[str] = set()
        parents: list[_Parent] = []
        for group in self.doc.groups:
            if group.type in (RELATION_GROUP, EVENT_GROUP):
                continue
            ace_group = group.type in (ENTITY_GROUP, VALUE_GROUP, TIMEX_GROUP)
            label = group.id or group.type
            members = [by_id[m] for m in group.members if m in by_id and m not in anchors]
            if len(members) != len(group.members):
                if not ace_group:
                    self.note(f"groups of type {group.type} not representable in ACE", label)
                    continue
                self.note("coreference group members that are not entities ignored", label)
            fresh = list({m.id: m for m in members if m.id not in claimed}.values())
            if len(fresh) < len(members):
                self.note("mentions in several coreference groups: kept in the first", label)
            if not fresh:
                self.note("coreference groups with no mention left dropped", label)
                continue
            kinds = {self.kind_of(m) for m in fresh}
            if len(kinds) > 1:
                self.note("coreference group mixes entities and values/times: split", group.id)
            for kind in sorted(kinds):
                ms = [m for m in fresh if self.kind_of(m) == kind]
                if kind != "entity" and len(ms) > 1:
                    self.note(f"{kind} with several mentions split (ACE allows one)", group.id)
                    chunks = [[m] for m in ms]
                else:
                    chunks = [ms]
                for i, chunk in enumerate(chunks):
                    wanted = group.id if (group.id and i == 0 and len(kinds) == 1) else None
                    parents.append(self.new_parent(kind, chunk, group.attributes, wanted))
                    claimed.update(m.id for m in chunk)
        for ent in self.doc.entities:
            if ent.id in claimed or ent.id in anchors:
                continue
            if _attrs_of(ent).get("element") == "anchor":
                self.note("event triggers without an event not representable in ACE", ent.id)
                continue
            parent_ref = _attrs_of(ent).get("entity") or _attrs_of(ent).get("value")
            parents.append(self.new_parent(self.kind_of(ent), [ent], {}, None, parent_ref))
        return parents

    def new_parent(
        self,
        kind: str,
        mentions: list[Entity],
        attrs: dict[str, Any],
        wanted: str | None,
        hint: Any = None,
    ) -> _Parent:
        if wanted:
            xml_id = self.fresh_id(wanted)
            if xml_id != wanted:
                self.note("ids renamed to be unique XML names", f"{wanted}->{xml_id}")
        else:
            hint = hint if isinstance(hint, str) and hint else f"{mentions[0].id}-{kind[0].upper()}"
            xml_id = self.fresh_id(hint)
        parent = _Parent(kind, xml_id, mentions, dict(attrs))
        for m in mentions:
            self.parent_of[m.id] = parent
        return parent

    def entity_type(self, parent: _Parent) -> tuple[str, str, str]:
        """TYPE, SUBTYPE, CLASS for an ACE entity, with defaults noted."""
        attrs = parent.attributes
        meta = _attrs_of(parent.mentions[0])
        etype = subtype = None
        for m in parent.mentions:
            parsed = split_type(m.type, ENTITY_SUBTYPES)
            if parsed:
                etype, subtype = parsed
                break
        if etype is None and attrs.get("TYPE") in ENTITY_SUBTYPES:
            etype = attrs["TYPE"]
        if etype is None:
            etype = FALLBACK_ENTITY_TYPE
        allowed = ENTITY_SUBTYPES[etype]
        for candidate in (subtype, attrs.get("SUBTYPE"), meta.get("subtype")):
            if candidate in allowed:
                subtype = candidate
                break
        else:
            subtype = DEFAULT_ENTITY_SUBTYPE[etype]
            self.note("no ACE SUBTYPE known: wrote the default for the TYPE", parent.xml_id)
        cls = attrs.get("CLASS") if attrs.get("CLASS") in ENTITY_CLASSES else meta.get("class")
        if cls not in ENTITY_CLASSES:
            cls = "SPC"
            self.note("no ACE CLASS known: wrote SPC", parent.xml_id)
        return etype, subtype, cls

    def mention_pi(self, ent: Entity, readback_type: str, with_head: bool) -> dict[str, Any]:
        """What the ACE mention cannot say, for the ``<?spanrel?>`` instruction."""
        pi: dict[str, Any] = {}
        if ent.type != readback_type:
            pi["type"] = ent.type
            self.note(
                f"types not in ACE's inventory written as {readback_type}; original type kept "
                "in a <?spanrel?> processing instruction",
                f"{ent.id}:{ent.type}",
            )
        if ent.is_discontinuous:
            pi["fragments"] = [list(f) for f in ent.fragments]
            self.note(
                "discontinuous entities written with an extent covering all fragments "
                "(fragments kept in a <?spanrel?> processing instruction)",
                ent.id,
            )
        if with_head and ent.head is None and _attrs_of(ent).get("element") is None:
            pi["head"] = None
        if not with_head and ent.head is not None and ent.head != (ent.start, ent.end):
            pi["head"] = list(ent.head)
            self.note("heads of values/times not representable (kept in <?spanrel?>)", ent.id)
        if ent.confidence is not None:
            pi["confidence"] = ent.confidence
            self.note("confidences not representable in ACE (kept in <?spanrel?>)", ent.id)
        return pi

    def write_mention(self, parent_el: etree._Element, tag: str, ent: Entity, rtype: str) -> None:
        meta = _attrs_of(ent)
        el = etree.SubElement(parent_el, tag, ID=self.xml_ids[ent.id])
        if tag == "entity_mention":
            attrs = meta.get("attrs") if isinstance(meta.get("attrs"), dict) else {}
            for name, allowed in MENTION_ATTRS.items():
                value = attrs.get(name)
                if value is not None and allowed is not None and value in allowed:
                    el.set(name, value)
                elif value is not None:
                    self.note(f"invalid mention {name} values dropped", f"{ent.id}:{value}")
            if "TYPE" not in el.attrib:
                el.set("TYPE", "NAM")
                self.note("no ACE mention TYPE known: wrote NAM", ent.id)
        pi = self.mention_pi(ent, rtype, with_head=tag == "entity_mention")
        if pi:
            el.append(_pi(pi))
        extent = [ent.start, ent.end]
        self.add_charseq(el, "extent", extent, meta.get("raw_extent"))
        if tag == "entity_mention":
            head = list(ent.head) if ent.head is not None else extent
            self.add_charseq(el, "head", head, meta.get("raw_head"))

    def write_parent(self, doc_el: etree._Element, parent: _Parent) -> None:
        if parent.kind == "entity":
            etype, subtype, cls = self.entity_type(parent)
            el = etree.SubElement(
                doc_el, "entity", ID=parent.xml_id, TYPE=etype, SUBTYPE=subtype, CLASS=cls
            )
            for m in parent.mentions:
                self.write_mention(el, "entity_mention", m, etype)
            self.write_names(el, parent)
        elif parent.kind == "value":
            m = parent.mentions[0]
            vtype, subtype = split_type(m.type, VALUE_SUBTYPES) or (m.type, None)
            el = etree.SubElement(doc_el, "value", ID=parent.xml_id, TYPE=vtype)
            for candidate in (
                subtype,
                parent.attributes.get("SUBTYPE"),
                _attrs_of(m).get("subtype"),
            ):
                if candidate and candidate in VALUE_SUBTYPES[vtype]:
                    el.set("SUBTYPE", candidate)
                    break
            self.write_mention(el, "value_mention", m, vtype)
        else:
            el = etree.SubElement(doc_el, "timex2", ID=parent.xml_id)
            for name, allowed in TIMEX2_ATTRS.items():
                value = parent.attributes.get(name)
                if isinstance(value, str) and (allowed is None or value in allowed):
                    el.set(name, value)
            self.write_mention(el, "timex2_mention", parent.mentions[0], TIMEX2_TYPE)

    def write_names(self, el: etree._Element, parent: _Parent) -> None:
        names = parent.attributes.get("names")
        written = []
        for name in names if isinstance(names, list) else []:
            span = self.valid_span(name.get("span")) if isinstance(name, dict) else None
            if span is None:
                self.note("entity names with invalid spans dropped", parent.xml_id)
                continue
            written.append((name.get("NAME"), span))
        if written:
            holder = etree.SubElement(el, "entity_attributes")
            for value, span in written:
                name_el = etree.SubElement(holder, "name")
                if isinstance(value, str):
                    name_el.set("NAME", xml_safe(value))
                self.add_charseq(name_el, None, span)
        links = parent.attributes.get("external_links")
        for link in links if isinstance(links, list) else []:
            if isinstance(link, dict) and link.get("RESOURCE") in self.resources:
                etree.SubElement(
                    el, "external_link", RESOURCE=link["RESOURCE"], EID=str(link.get("EID", ""))
                )
            else:
                self.note("external links to undeclared resources dropped", parent.xml_id)

    # -- relations -------------------------------------------------------------------------
    def arg_extent(self, stored: list, role: str, ref: str, used: set[int]) -> Any:
        """The stored extent for ``(role, ref)`` if the metadata has one, else the mention's."""
        for i, item in enumerate(stored):
            if (
                i not in used
                and isinstance(item, list)
                and len(item) == 3
                and item[:2] == [role, ref]
            ):
                used.add(i)
                return self.valid_span(item[2]) if item[2] is not None else None
        ent = self.mention_by_id.get(ref)
        return [ent.start, ent.end] if ent is not None else None

    def parent_args(self, stored: Any, derived: list[list[str]]) -> list[list[str]]:
        """Keep the stored parent-level arguments while they still cover what mentions say."""
        known = {p.xml_id for p in self.parents}
        if isinstance(stored, list):
            ok = [a for a in stored if isinstance(a, list) and len(a) == 2 and a[1] in known]
            if len(ok) == len(stored) and all(d in ok for d in derived):
                return ok
        unique: list[list[str]] = []
        for arg in derived:
            if arg not in unique:
                unique.append(arg)
        return unique

    def relation_groups(self) -> list[tuple[Group | None, list[Relation]]]:
        by_id = {r.id: r for r in self.doc.relations}
        claimed: set[str] = set()
        out: list[tuple[Group | None, list[Relation]]] = []
        for group in self.doc.groups:
            if group.type != RELATION_GROUP:
                continue
            rels = [by_id[m] for m in group.members if m in by_id and m not in claimed]
            if group.members and not rels:
                self.note("ACE relations whose mentions were all removed dropped", group.id)
                continue
            claimed.update(r.id for r in rels)
            out.append((group, rels))
        out += [(None, [r]) for r in self.doc.relations if r.id not in claimed]
        return out

    def relation_mention_args(self, rel: Relation) -> list[tuple[str, str]] | None:
        roles = [("Arg-1", rel.arg1), ("Arg-2", rel.arg2)]
        for role, ref in rel.extra_args:
            if role in RELATION_ROLES:
                roles.append((role, ref))
        for _role, ref in roles:
            if ref not in self.parent_of:
                self.note(
                    "relations with an argument that is not an entity/value/time dropped", rel.id
                )
                return None
        return roles

    def write_relation(self, doc_el: etree._Element, group: Group | None, rels: list[Relation]):
        gattrs = group.attributes if group is not None else {}
        written = []
        for rel in rels:
            args = self.relation_mention_args(rel)
            if args is not None:
                written.append((rel, args))
        if rels and not written:
            return
        rtype = subtype = None
        for rel, _ in written:
            parsed = split_type(rel.type, RELATION_SUBTYPES)
            if parsed:
                rtype, subtype = parsed
                break
        if rtype is None and gattrs.get("TYPE") in RELATION_SUBTYPES:
            rtype = gattrs["TYPE"]
        if rtype is None:
            rtype = FALLBACK_RELATION_TYPE
        allowed = RELATION_SUBTYPES[rtype]
        meta0 = _attrs_of(written[0][0]) if written else {}
        for candidate in (subtype, gattrs.get("SUBTYPE"), meta0.get("subtype")):
            if candidate in allowed:
                subtype = candidate
                break
        else:
            subtype = None
        wanted = (group.id if group is not None and group.id else None) or meta0.get("relation")
        if not (isinstance(wanted, str) and wanted):
            wanted = f"{written[0][0].id}-R"
        xml_id = self.fresh_id(wanted)
        el = etree.SubElement(doc_el, "relation", ID=xml_id, TYPE=rtype)
        if subtype:
            el.set("SUBTYPE", subtype)
        for name, allowed_values in RELATION_ATTRS.items():
            if gattrs.get(name) in allowed_values:
                el.set(name, gattrs[name])
        derived = [[role, self.parent_of[ref].xml_id] for _, args in written for role, ref in args]
        arguments = self.parent_args(gattrs.get("arguments"), derived)
        if len(arguments) < 2:
            doc_el.remove(el)
            self.note("relations with fewer than two arguments dropped", xml_id)
            return
        for role, ref in arguments:
            etree.SubElement(el, "relation_argument", REFID=ref, ROLE=role)
        for rel, args in written:
            self.write_relation_mention(el, rel, args, rtype)

    def write_relation_mention(
        self, el: etree._Element, rel: Relation, args: list[tuple[str, str]], rtype: str
    ) -> None:
        meta = _attrs_of(rel)
        rm = etree.SubElement(el, "relation_mention", ID=self.xml_ids[rel.id])
        self.written_relations.add(rel.id)
        attrs = meta.get("attrs") if isinstance(meta.get("attrs"), dict) else {}
        if attrs.get("LEXICALCONDITION") in LEXICAL_CONDITIONS:
            rm.set("LEXICALCONDITION", attrs["LEXICALCONDITION"])
        pi: dict[str, Any] = {}
        if rel.type != rtype:
            pi["type"] = rel.type
            self.note(
                f"relation types not in ACE's inventory written as {rtype}; original type kept "
                "in a <?spanrel?> processing instruction",
                f"{rel.id}:{rel.type}",
            )
        for key, role, default in (
            ("arg1_role", rel.arg1_role, "Arg1"),
            ("arg2_role", rel.arg2_role, "Arg2"),
        ):
            if role not in (default, default[:3] + "-" + default[3:]):
                pi[key] = role
                self.note("relation roles other than Arg1/Arg2 kept only in <?spanrel?>", rel.id)
        dropped = [[r, i] for r, i in rel.extra_args if r not in RELATION_ROLES]
        if dropped:
            pi["extra_args"] = dropped
            self.note("relation arguments with non-ACE roles kept only in <?spanrel?>", rel.id)
        if rel.confidence is not None:
            pi["confidence"] = rel.confidence
            self.note("confidences not representable in ACE (kept in <?spanrel?>)", rel.id)
        if pi:
            rm.append(_pi(pi))
        spans = [self.mention_by_id[ref] for _, ref in args[:2]]
        extent = self.valid_span(meta.get("extent")) or [
            min(e.start for e in spans),
            max(e.end for e in spans),
        ]
        self.add_charseq(rm, "extent", extent)
        stored = (
            meta.get("argument_extents") if isinstance(meta.get("argument_extents"), list) else []
        )
        used: set[int] = set()
        for role, ref in args:
            arg_el = etree.SubElement(
                rm, "relation_mention_argument", REFID=self.xml_ids[ref], ROLE=role
            )
            span = self.arg_extent(stored, role, ref, used)
            if span is not None:
                self.add_charseq(arg_el, "extent", span)

    # -- events ----------------------------------------------------------------------------
    def write_events(self, doc_el: etree._Element) -> None:
        by_id = {e.id: e for e in self.doc.events}
        claimed: set[str] = set()
        batches: list[tuple[Group | None, list[Event]]] = []
        for group in self.doc.groups:
            if group.type == EVENT_GROUP:
                evs = [by_id[m] for m in group.members if m in by_id and m not in claimed]
                if not evs:
                    self.note("ACE events whose mentions were all removed dropped", group.id)
                    continue
                claimed.update(e.id for e in evs)
                batches.append((group, evs))
        batches += [(None, [e]) for e in self.doc.events if e.id not in claimed]
        for group, evs in batches:
            self.write_event(doc_el, group, evs)

    def write_event(self, doc_el: etree._Element, group: Group | None, evs: list[Event]) -> None:
        gattrs = group.attributes if group is not None else {}
        parsed = split_type(evs[0].type, EVENT_SUBTYPES) or next(
            ((t, evs[0].type) for t, subs in EVENT_SUBTYPES.items() if evs[0].type in subs), None
        )
        if parsed is None or parsed[1] is None:
            if (
                gattrs.get("TYPE") in EVENT_SUBTYPES
                and gattrs.get("SUBTYPE") in EVENT_SUBTYPES[gattrs["TYPE"]]
            ):
                parsed = (gattrs["TYPE"], gattrs["SUBTYPE"])
            else:
                for ev in evs:
                    self.note(
                        "events whose type is not an ACE TYPE.SUBTYPE dropped (with their trigger)",
                        f"{ev.id}:{ev.type} trigger {ev.trigger}",
                    )
                return
        etype, subtype = parsed
        ev_type = f"{etype}.{subtype}"
        wanted = (group.id if group is not None and group.id else None) or _attrs_of(evs[0]).get(
            "event"
        )
        xml_id = self.fresh_id(wanted if isinstance(wanted, str) and wanted else f"{evs[0].id}-EV")
        el = etree.SubElement(doc_el, "event", ID=xml_id, TYPE=etype, SUBTYPE=subtype)
        for name, allowed in EVENT_ATTRS.items():
            if gattrs.get(name) in allowed:
                el.set(name, gattrs[name])
            else:
                el.set(name, EVENT_DEFAULTS[name])
                self.note(f"no ACE event {name} known: wrote {EVENT_DEFAULTS[name]}", xml_id)
        mention_args = []
        for ev in evs:
            args = []
            for role, ref in ev.arguments:
                if role in EVENT_ROLES and ref in self.parent_of:
                    args.append((role, ref))
                else:
                    self.note(
                        "event arguments with a non-ACE role or target dropped", f"{ev.id}:{role}"
                    )
            mention_args.append(args)
        derived = [[r, self.parent_of[ref].xml_id] for args in mention_args for r, ref in args]
        for role, ref in self.parent_args(gattrs.get("arguments"), derived):
            etree.SubElement(el, "event_argument", REFID=ref, ROLE=role)
        for ev, args in zip(evs, mention_args, strict=True):
            if ev.type != ev_type:
                self.note(
                    "event types differing from their ACE event written as the event's", ev.id
                )
            self.write_event_mention(el, ev, args)

    def write_event_mention(self, el: etree._Element, ev: Event, args: list[tuple[str, str]]):
        meta = _attrs_of(ev)
        em = etree.SubElement(el, "event_mention", ID=self.xml_ids[ev.id])
        attrs = meta.get("attrs") if isinstance(meta.get("attrs"), dict) else {}
        if attrs.get("LEVEL") == "SEN":
            em.set("LEVEL", "SEN")
        trigger = self.trigger_by_id[ev.trigger]
        anchor = [trigger.start, trigger.end]
        if trigger.is_discontinuous:
            self.note("discontinuous event triggers written as one covering anchor", ev.id)
        covered = [anchor] + [
            [self.mention_by_id[r].start, self.mention_by_id[r].end] for _, r in args
        ]
        extent = self.valid_span(meta.get("extent")) or [
            min(s for s, _ in covered),
            max(e for _, e in covered),
        ]
        self.add_charseq(em, "extent", extent)
        scope = self.valid_span(meta.get("ldc_scope"))
        if scope is not None:
            self.add_charseq(em, "ldc_scope", scope)
        self.add_charseq(em, "anchor", anchor, _attrs_of(trigger).get("raw_extent"))
        stored = (
            meta.get("argument_extents") if isinstance(meta.get("argument_extents"), list) else []
        )
        used: set[int] = set()
        for role, ref in args:
            arg_el = etree.SubElement(
                em, "event_mention_argument", REFID=self.xml_ids[ref], ROLE=role
            )
            span = self.arg_extent(stored, role, ref, used)
            if span is not None:
                self.add_charseq(arg_el, "extent", span)

    # -- the whole document ----------------------------------------------------------------
    def build(self, uri: str) -> bytes:
        doc = self.doc
        ent_ids = {e.id for e in doc.entities}
        self.trigger_by_id = {}
        valid_events = []
        for ev in doc.events:
            if ev.trigger in ent_ids:
                valid_events.append(ev)
            else:
                self.note("events whose trigger is not an entity dropped", ev.id)
        by_id = {e.id: e for e in doc.entities}
        self.trigger_by_id = {ev.trigger: by_id[ev.trigger] for ev in valid_events}
        anchors = set(self.trigger_by_id)
        src_attrs = (
            self.ace.get("source_file") if isinstance(self.ace.get("source_file"), dict) else {}
        )
        root = etree.Element("source_file", URI=str(src_attrs.get("URI") or uri))
        for name in ("SOURCE", "AUTHOR", "ENCODING"):
            if isinstance(src_attrs.get(name), str):
                root.set(name, src_attrs[name])
        root.set(
            "TYPE", src_attrs.get("TYPE") if src_attrs.get("TYPE") in SOURCE_FILE_TYPES else "text"
        )
        if isinstance(src_attrs.get("VERSION"), str) and is_nmtoken(src_attrs["VERSION"]):
            root.set("VERSION", src_attrs["VERSION"])
        if "ENCODING" not in root.attrib:
            root.set("ENCODING", "UTF-8")
        # keep the original attribute order for ACE documents, DTD order otherwise
        ordered = {k: root.get(k) for k in src_attrs if root.get(k) is not None}
        ordered.update({k: v for k, v in root.attrib.items() if k not in ordered})
        root.attrib.clear()
        root.attrib.update(ordered)
        self.resources: set[str] = set()
        for res in self.ace.get("external_resources") or []:
            if isinstance(res, dict) and is_xml_name(str(res.get("NAME", ""))):
                name = self.fresh_id(res["NAME"])
                res_el = etree.SubElement(
                    root, "external_resource", URN=str(res.get("URN", "")), NAME=name
                )
                res_el.text = xml_safe(str(res.get("text", "")))
                self.resources.add(name)
        docid = str(self.ace.get("docid") or PurePosixPath(doc.id).name)
        doc_el = etree.SubElement(root, "document", DOCID=docid)

        # model ids first (what others point at and what a round trip should keep), then the
        # ids of ACE parents, which may be generated
        for item in [e for e in doc.entities if e.id not in anchors] + [
            *doc.relations,
            *valid_events,
        ]:
            self.own_id(item.id)
        self.parents = self.collect_parents(anchors)
        self.mention_by_id = {m.id: m for p in self.parents for m in p.mentions}
        order = {"entity": 0, "value": 1, "timex2": 2}
        for parent in sorted(self.parents, key=lambda p: order[p.kind]):
            self.write_parent(doc_el, parent)
        for group, rels in self.relation_groups():
            if not rels and group is not None:
                self.write_mentionless_relation(doc_el, group)
            else:
                self.write_relation(doc_el, group, rels)
        self.write_events(doc_el)
        self.note_unrepresentable()
        body = etree.tostring(root, encoding="unicode", pretty_print=True)
        header = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE source_file SYSTEM "{DTD_NAME}">\n'
        )
        return (header + body).encode("utf-8")

    def write_mentionless_relation(self, doc_el: etree._Element, group: Group) -> None:
        """A relation with no mentions (ACE's METONYMY): kept from its group attributes."""
        gattrs = group.attributes
        known = {p.xml_id for p in self.parents}
        args = [
            a
            for a in gattrs.get("arguments") or []
            if isinstance(a, list) and len(a) == 2 and a[1] in known
        ]
        if gattrs.get("TYPE") not in RELATION_SUBTYPES or len(args) < 2:
            self.note("relations without mentions and valid arguments dropped", group.id)
            return
        el = etree.SubElement(
            doc_el, "relation", ID=self.fresh_id(group.id or "R"), TYPE=gattrs["TYPE"]
        )
        if gattrs.get("SUBTYPE") in RELATION_SUBTYPES[gattrs["TYPE"]]:
            el.set("SUBTYPE", gattrs["SUBTYPE"])
        for name, allowed in RELATION_ATTRS.items():
            if gattrs.get(name) in allowed:
                el.set(name, gattrs[name])
        for role, ref in args:
            if role in RELATION_ROLES:
                etree.SubElement(el, "relation_argument", REFID=ref, ROLE=role)

    def note_unrepresentable(self) -> None:
        doc = self.doc
        for kind, items in (
            ("attributes", doc.attributes),
            ("normalizations", doc.normalizations),
            ("notes", doc.notes),
        ):
            for item in items:
                self.note(f"{kind} not representable in ACE", item.id)
        for rel in doc.relations:
            if rel.id not in self.written_relations:
                self.note("relations not written", rel.id)


def _check_doc_id(directory: Path, doc_id: str) -> PurePosixPath:
    rel = PurePosixPath(doc_id)
    if not rel.parts or rel.is_absolute() or ".." in rel.parts or "\\" in doc_id:
        raise ConversionError(directory, f"document id {doc_id!r} cannot be used as a file name")
    return rel


def _render(doc: Document, directory: Path) -> tuple[PurePosixPath, str, bytes, list[Problem]]:
    rel = _check_doc_id(directory, doc.id)
    label = str(directory / (str(rel) + APF_SUFFIX))
    problems = doc.problems()
    if problems:
        raise ConversionError(
            label, f"document {doc.id} is inconsistent: " + "; ".join(problems[:5])
        )
    writer = _ApfWriter(doc, label)
    try:
        apf = writer.build(uri=rel.name + SGM_SUFFIX)
        writer.src.sgm.encode("utf-8")  # checked here so no file is written before it fails
    except UnicodeEncodeError as exc:
        raise ConversionError(
            label, f"cannot be encoded as UTF-8 ({exc.reason})", offset=exc.start
        ) from None
    return rel, writer.src.sgm, apf, writer.problems()


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write through a temporary beside ``path``; ``mode`` replaces mkstemp's owner-only 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_corpus(
    documents: list[Document], directory: str | Path, schema: Schema | None = None
) -> list[Problem]:
    """Write each document as ``<id>.sgm`` + ``<id>.apf.xml`` under ``directory``.

    Everything is rendered before the first file is written, so a document that cannot be
    written leaves nothing half done. ``schema`` is accepted for the common interface; APF has
    no schema file. Returns what ACE could not represent.
    """
    directory = Path(directory)
    rendered = [_render(doc, directory) for doc in documents]
    seen: set[str] = set()
    for rel, *_ in rendered:
        key = str(rel).casefold()  # "A" and "a" are one file on Windows and macOS disks
        if key in seen:
            raise ConversionError(directory, f"two documents would be written to {str(rel)!r}")
        seen.add(key)
    problems: list[Problem] = []
    mode, _ = default_modes()
    for rel, sgm, apf, found in rendered:
        _write_atomic(directory / (str(rel) + SGM_SUFFIX), sgm.encode("utf-8"), mode)
        _write_atomic(directory / (str(rel) + APF_SUFFIX), apf, mode)
        problems.extend(found)
    return problems


def write_document(doc: Document, directory: str | Path) -> list[Problem]:
    """Write one document's pair under ``directory``; returns what ACE could not represent."""
    return write_corpus([doc], directory)
