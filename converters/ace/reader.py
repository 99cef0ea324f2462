"""Reading one ``.sgm`` + ``.apf.xml`` pair into a ``Document``.

The reader is the only place that decides what a valid APF document is: required attributes,
unique ids, charseq offsets and text against the ``.sgm``, references to declared ids, and the
``<?spanrel?>`` payload. Each error names the file and the line or offset. Finding the pairs in
a directory is ``corpus``'s work; the mapping to the shared model is described in the package
docstring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from converters.ace.apf_vocabulary import (
    APF_SUFFIX,
    ENTITY_GROUP,
    EVENT_GROUP,
    RELATION_GROUP,
    TIMEX2_TYPE,
    TIMEX_GROUP,
    VALUE_GROUP,
)
from converters.ace.apf_xml import load_xml, xml_safe
from converters.ace.sgm_text import SgmText
from converters.ace.spanrel_instruction import is_pair, read_instruction
from converters.document import Document, Entity, Event, Group, Relation
from converters.errors import ConversionError, read_utf8

Span = list[int]  # [start, end] text offsets, or [start, end, START, END] with raw ACE offsets


def _own_attributes(element: etree._Element) -> dict[str, str]:
    """An element's attributes but its ``ID`` (which the model keeps as the object's id)."""
    return {k: v for k, v in element.attrib.items() if k != "ID"}


class ApfReader:
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
        pi = read_instruction(element)
        ace = dict(meta)
        ace["element"] = element.tag
        ace["attrs"] = _own_attributes(element)
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
                and all(is_pair(f) and extent[0] <= f[0] < f[1] <= extent[1] for f in frags)
            ):
                raise self.error(element, "<?spanrel?> fragments are not spans inside the extent")
            fragments = [(f[0], f[1]) for f in frags]
        head_span = (head[0], head[1]) if head is not None else None
        if "head" in pi:
            h = pi["head"]
            if h is not None and not (is_pair(h) and 0 <= h[0] < h[1] <= len(self.src.text)):
                raise self.error(
                    element, "<?spanrel?> head is not null or a [start, end] span inside the text"
                )
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

    def parent_mentions(
        self, element: etree._Element, parent_id: str, etype: str, meta: dict[str, Any]
    ) -> list[str]:
        """Ids of an entity/value/timex2's ``<tag>_mention`` children; it must have one."""
        tag = f"{element.tag}_mention"
        with_head = element.tag == "entity"  # only entity mentions have a <head> in the DTD
        members = [
            self.mention(m, parent_id, etype, meta, with_head=with_head).id
            for m in element.findall(tag)
        ]
        if not members:
            raise self.error(element, f"{element.tag} {parent_id} has no {tag}")
        return members

    def entity(self, element: etree._Element) -> None:
        eid = self.new_id(element)
        self.parents.add(eid)
        etype = self.attr(element, "TYPE")
        attrs = _own_attributes(element)
        meta = {"entity": eid, "subtype": attrs.get("SUBTYPE"), "class": attrs.get("CLASS")}
        members = self.parent_mentions(element, eid, etype, meta)
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
        attrs = _own_attributes(element)
        vtype = self.attr(element, "TYPE")
        meta = {"value": vid, "subtype": attrs.get("SUBTYPE")}
        members = self.parent_mentions(element, vid, vtype, meta)
        self.groups.append(Group(VALUE_GROUP, members, vid, attrs))

    def timex2(self, element: etree._Element) -> None:
        tid = self.new_id(element)
        self.parents.add(tid)
        attrs = _own_attributes(element)
        meta = {"timex2": tid}
        members = self.parent_mentions(element, tid, TIMEX2_TYPE, meta)
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
        attrs = _own_attributes(element)
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
            pi = read_instruction(rm)
            extras = [(a[0], a[1]) for a in args if a is not arg1 and a is not arg2]
            pi_extras = pi.get("extra_args", [])
            if not (
                isinstance(pi_extras, list)
                and all(isinstance(a, list) and len(a) == 2 for a in pi_extras)
            ):
                raise self.error(rm, "<?spanrel?> extra_args is not a list of [role, id] pairs")
            for role, ref in pi_extras:
                self.refer(rm, str(ref), {"annotation"})
                extras.append((str(role), str(ref)))
            ace = {
                "relation": rid,
                "subtype": attrs.get("SUBTYPE"),
                "attrs": _own_attributes(rm),
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
        attrs = _own_attributes(element)
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
                "attrs": _own_attributes(em),
                "extent": self.charseq(em.find("extent"), "extent", em),
                "ldc_scope": None if scope is None else self.charseq(scope, "ldc_scope", em),
                "argument_extents": args,
            }
            pi = read_instruction(em)
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
        annotations = {a.id for a in (*self.entities, *self.relations, *self.events)}
        for ref, tag, line, allowed in self.pending_refs:
            if "annotation" in allowed:
                pool, what = annotations, f"<?spanrel?> extra argument {ref!r}"
                kind = "annotation (entity, relation or event mention)"
            elif "mention" in allowed:
                pool, what, kind = mentions, f"REFID {ref!r}", "entity/value/timex2 mention"
            else:
                pool, what, kind = self.parents, f"REFID {ref!r}", "entity"
            if ref not in pool:
                raise ConversionError(
                    self.path, f"<{tag}> {what} is not the ID of any {kind}", line=line
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
    reader = ApfReader(apf_path, src)
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
    return doc
