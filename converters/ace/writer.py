"""Writing one document as an ``.sgm`` text and an APF tree, in memory.

``ApfWriter`` joins the parts of the writer (entities, then relations and events) into one
APF document with its ``source_file`` header and notes what ACE cannot hold at all.
``render`` turns a ``Document`` into the bytes of its pair without touching the disk, so
``corpus.write_corpus`` can render every document before it writes the first file.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from lxml import etree

from converters.ace.apf_vocabulary import APF_SUFFIX, SGM_SUFFIX, SOURCE_FILE_TYPES
from converters.ace.apf_xml import DTD_NAME, is_nmtoken, is_xml_name, xml_safe
from converters.ace.writer_entities import EntityWriter
from converters.ace.writer_relations_events import RelationEventWriter
from converters.document import Document
from converters.errors import ConversionError, Problem


class ApfWriter(EntityWriter, RelationEventWriter):
    """Builds the ``.sgm`` text and APF tree of one document, collecting what is lost."""

    def build(self, uri: str) -> bytes:
        """The APF file (UTF-8, with its DOCTYPE) for a ``.sgm`` named ``uri``."""
        doc = self.doc
        ent_ids = {e.id for e in doc.entities}
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

    def note_unrepresentable(self) -> None:
        """Note what has no place in ACE at all, and relations no part could write."""
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
    """``doc_id`` as a relative path that stays under ``directory``."""
    rel = PurePosixPath(doc_id)
    if not rel.parts or rel.is_absolute() or ".." in rel.parts or "\\" in doc_id:
        raise ConversionError(directory, f"document id {doc_id!r} cannot be used as a file name")
    return rel


def render(doc: Document, directory: Path) -> tuple[PurePosixPath, str, bytes, list[Problem]]:
    """``(relative path without suffix, .sgm text, APF bytes, losses)``; writes nothing."""
    rel = _check_doc_id(directory, doc.id)
    label = str(directory / (str(rel) + APF_SUFFIX))
    problems = doc.problems()
    if problems:
        raise ConversionError(
            label, f"document {doc.id} is inconsistent: " + "; ".join(problems[:5])
        )
    writer = ApfWriter(doc, label)
    try:
        apf = writer.build(uri=rel.name + SGM_SUFFIX)
        writer.src.sgm.encode("utf-8")  # checked here so no file is written before it fails
    except UnicodeEncodeError as exc:
        raise ConversionError(
            label, f"cannot be encoded as UTF-8 ({exc.reason})", offset=exc.start
        ) from None
    return rel, writer.src.sgm, apf, writer.problems()
