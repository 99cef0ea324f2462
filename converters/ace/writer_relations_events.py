"""Writing ACE relations and events, which point at the parents and mentions already written.

A relation or event in the shared model is one ACE mention; its ACE parent (``relation`` or
``event``) comes from its ``ace-relation``/``ace-event`` group when it has one, so mentions of
one ACE relation are written together again. Arguments must point at written entity, value or
timex2 mentions; what cannot (non-ACE roles, other targets, types outside ACE's inventory) is
dropped or kept in ``<?spanrel?>`` and noted.
"""

from __future__ import annotations

from typing import Any, TypeVar

from lxml import etree

from converters.ace.apf_vocabulary import (
    EVENT_ATTRS,
    EVENT_DEFAULTS,
    EVENT_GROUP,
    EVENT_ROLES,
    EVENT_SUBTYPES,
    FALLBACK_RELATION_TYPE,
    LEXICAL_CONDITIONS,
    RELATION_ATTRS,
    RELATION_GROUP,
    RELATION_ROLES,
    RELATION_SUBTYPES,
    pick_type,
    split_type,
)
from converters.ace.spanrel_instruction import make_instruction
from converters.ace.writer_state import WriterState, ace_meta
from converters.document import Event, Group, Relation

MentionT = TypeVar("MentionT", Relation, Event)


class RelationEventWriter(WriterState):
    """The relation and event part of the APF writer."""

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

    def write_mention_arguments(
        self,
        mention_el: etree._Element,
        tag: str,
        meta: dict[str, Any],
        args: list[tuple[str, str]],
    ) -> None:
        """One ``<tag>`` per ``(role, ref)`` of a relation or event mention, with its extent."""
        stored = (
            meta.get("argument_extents") if isinstance(meta.get("argument_extents"), list) else []
        )
        used: set[int] = set()
        for role, ref in args:
            arg_el = etree.SubElement(mention_el, tag, REFID=self.xml_ids[ref], ROLE=role)
            span = self.arg_extent(stored, role, ref, used)
            if span is not None:
                self.add_charseq(arg_el, "extent", span)

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

    def grouped(
        self, items: list[MentionT], group_type: str, dropped: str, keep_empty: bool
    ) -> list[tuple[Group | None, list[MentionT]]]:
        """``items`` batched by their ``group_type`` groups, in group order, then each item no
        group claimed on its own. A group whose members were all removed is dropped and noted
        as ``dropped``; one that never had members is kept when ``keep_empty``."""
        by_id = {item.id: item for item in items}
        claimed: set[str] = set()
        out: list[tuple[Group | None, list[MentionT]]] = []
        for group in self.doc.groups:
            if group.type != group_type:
                continue
            found = [by_id[m] for m in group.members if m in by_id and m not in claimed]
            if not found and (group.members or not keep_empty):
                self.note(dropped, group.id)
                continue
            claimed.update(item.id for item in found)
            out.append((group, found))
        out += [(None, [item]) for item in items if item.id not in claimed]
        return out

    def relation_groups(self) -> list[tuple[Group | None, list[Relation]]]:
        """Relations by ACE relation; a group without mentions (METONYMY) comes with none."""
        return self.grouped(
            self.doc.relations,
            RELATION_GROUP,
            "ACE relations whose mentions were all removed dropped",
            keep_empty=True,
        )

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
        meta0 = ace_meta(written[0][0]) if written else {}
        rtype, subtype = pick_type(
            [rel.type for rel, _ in written],
            RELATION_SUBTYPES,
            gattrs.get("TYPE"),
            FALLBACK_RELATION_TYPE,
            (gattrs.get("SUBTYPE"), meta0.get("subtype")),
        )
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
        meta = ace_meta(rel)
        rm = etree.SubElement(el, "relation_mention", ID=self.xml_ids[rel.id])
        self.written_relations.add(rel.id)
        attrs = meta.get("attrs") if isinstance(meta.get("attrs"), dict) else {}
        if attrs.get("LEXICALCONDITION") in LEXICAL_CONDITIONS:
            rm.set("LEXICALCONDITION", attrs["LEXICALCONDITION"])
        pi: dict[str, Any] = {}
        self.keep_type(pi, rel, rtype, "relation types")
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
            rm.append(make_instruction(pi))
        spans = [self.mention_by_id[ref] for _, ref in args[:2]]
        extent = self.valid_span(meta.get("extent")) or [
            min(e.start for e in spans),
            max(e.end for e in spans),
        ]
        self.add_charseq(rm, "extent", extent)
        self.write_mention_arguments(rm, "relation_mention_argument", meta, args)

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

    # -- events ----------------------------------------------------------------------------
    def write_events(self, doc_el: etree._Element) -> None:
        batches = self.grouped(
            self.doc.events,
            EVENT_GROUP,
            "ACE events whose mentions were all removed dropped",
            keep_empty=False,
        )
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
        wanted = (group.id if group is not None and group.id else None) or ace_meta(evs[0]).get(
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
        meta = ace_meta(ev)
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
        self.add_charseq(em, "anchor", anchor, ace_meta(trigger).get("raw_extent"))
        self.write_mention_arguments(em, "event_mention_argument", meta, args)
