"""Writing ACE entities, values and timex2s: grouping mentions into parents, then the XML.

ACE nests every mention inside its parent (entity, value or timex2), so the writer first
decides the parents: coreference groups become parents, split where ACE cannot hold them as
they are, and every other entity a parent of one mention. Then each parent is written with the
TYPE, SUBTYPE, CLASS and mention attributes the DTD requires, defaulted and noted when the
document does not know them. Relations and events point at these parents and mentions, so
this part runs first.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from converters.ace.apf_vocabulary import (
    DEFAULT_ENTITY_SUBTYPE,
    ENTITY_CLASSES,
    ENTITY_GROUP,
    ENTITY_SUBTYPES,
    EVENT_GROUP,
    FALLBACK_ENTITY_TYPE,
    MENTION_ATTRS,
    RELATION_GROUP,
    TIMEX2_ATTRS,
    TIMEX2_TYPE,
    TIMEX_GROUP,
    VALUE_GROUP,
    VALUE_SUBTYPES,
    pick_type,
    split_type,
)
from converters.ace.apf_xml import xml_safe
from converters.ace.spanrel_instruction import make_instruction
from converters.ace.writer_state import Parent, WriterState, ace_meta
from converters.document import Entity


class EntityWriter(WriterState):
    """The entity/value/timex2 part of the APF writer."""

    def kind_of(self, ent: Entity) -> str:
        """By type: ``TIMEX2`` -> timex2, an ACE value TYPE -> value, anything else -> entity."""
        if ent.type == TIMEX2_TYPE:
            return "timex2"
        if split_type(ent.type, VALUE_SUBTYPES) is not None:
            return "value"
        return "entity"

    def collect_parents(self, anchors: set[str]) -> list[Parent]:
        by_id = {e.id: e for e in self.doc.entities}
        claimed: set[str] = set()
        parents: list[Parent] = []
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
            if ace_meta(ent).get("element") == "anchor":
                self.note("event triggers without an event not representable in ACE", ent.id)
                continue
            parent_ref = ace_meta(ent).get("entity") or ace_meta(ent).get("value")
            parents.append(self.new_parent(self.kind_of(ent), [ent], {}, None, parent_ref))
        return parents

    def new_parent(
        self,
        kind: str,
        mentions: list[Entity],
        attrs: dict[str, Any],
        wanted: str | None,
        hint: Any = None,
    ) -> Parent:
        if wanted:
            xml_id = self.fresh_id(wanted)
            if xml_id != wanted:
                self.note("ids renamed to be unique XML names", f"{wanted}->{xml_id}")
        else:
            hint = hint if isinstance(hint, str) and hint else f"{mentions[0].id}-{kind[0].upper()}"
            xml_id = self.fresh_id(hint)
        parent = Parent(kind, xml_id, mentions, dict(attrs))
        for m in mentions:
            self.parent_of[m.id] = parent
        return parent

    def entity_type(self, parent: Parent) -> tuple[str, str, str]:
        """TYPE, SUBTYPE, CLASS for an ACE entity, with defaults noted."""
        attrs = parent.attributes
        meta = ace_meta(parent.mentions[0])
        etype, subtype = pick_type(
            [m.type for m in parent.mentions],
            ENTITY_SUBTYPES,
            attrs.get("TYPE"),
            FALLBACK_ENTITY_TYPE,
            (attrs.get("SUBTYPE"), meta.get("subtype")),
        )
        if subtype is None:
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
        self.keep_type(pi, ent, readback_type, "types")
        if ent.is_discontinuous:
            pi["fragments"] = [list(f) for f in ent.fragments]
            self.note(
                "discontinuous entities written with an extent covering all fragments "
                "(fragments kept in a <?spanrel?> processing instruction)",
                ent.id,
            )
        if with_head and ent.head is None and ace_meta(ent).get("element") is None:
            pi["head"] = None
        if not with_head and ent.head is not None and ent.head != (ent.start, ent.end):
            pi["head"] = list(ent.head)
            self.note("heads of values/times not representable (kept in <?spanrel?>)", ent.id)
        if ent.confidence is not None:
            pi["confidence"] = ent.confidence
            self.note("confidences not representable in ACE (kept in <?spanrel?>)", ent.id)
        return pi

    def write_mention(self, parent_el: etree._Element, tag: str, ent: Entity, rtype: str) -> None:
        meta = ace_meta(ent)
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
            el.append(make_instruction(pi))
        extent = [ent.start, ent.end]
        self.add_charseq(el, "extent", extent, meta.get("raw_extent"))
        if tag == "entity_mention":
            head = list(ent.head) if ent.head is not None else extent
            self.add_charseq(el, "head", head, meta.get("raw_head"))

    def write_parent(self, doc_el: etree._Element, parent: Parent) -> None:
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
                ace_meta(m).get("subtype"),
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

    def write_names(self, el: etree._Element, parent: Parent) -> None:
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
