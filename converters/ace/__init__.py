"""ACE 2005 APF reader and writer: ``.sgm`` + ``.apf.xml`` pairs (apf.v5.1.1.dtd).

Offsets
    APF ``charseq START``/``END`` (END inclusive) count the ``.sgm`` characters after removing
    tags only, with character references (``&amp;``) undecoded. ``Document.text`` is the
    DECODED text (users see ``&``); ``sgm_text.SgmText`` maps offsets both ways.
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

Modules
    ``corpus`` (directories of pairs: the converter interface), ``reader`` (one pair ->
    ``Document``), ``writer`` (one ``Document`` -> pair, joining ``writer_entities`` and
    ``writer_relations_events`` over ``writer_state``), ``sgm_text`` (the ``.sgm`` text and its
    two offset systems), ``apf_vocabulary`` (the DTD's enumerations and this package's names),
    ``apf_xml`` (hardened XML loading and DTD checks), ``spanrel_instruction`` (the
    ``<?spanrel?>`` payload).
"""

from __future__ import annotations

from converters.ace.apf_vocabulary import (
    APF_SUFFIX,
    ENTITY_GROUP,
    EVENT_GROUP,
    RELATION_GROUP,
    SGM_SUFFIX,
    TIMEX_GROUP,
    VALUE_GROUP,
)
from converters.ace.apf_xml import DTD_NAME, SHIPPED_DTD
from converters.ace.corpus import read_corpus, read_schema, validate, write_corpus, write_document
from converters.ace.reader import read_document
from converters.ace.sgm_text import SgmText
from converters.ace.spanrel_instruction import PI_TARGET

__all__ = [
    "APF_SUFFIX",
    "DTD_NAME",
    "ENTITY_GROUP",
    "EVENT_GROUP",
    "PI_TARGET",
    "RELATION_GROUP",
    "SGM_SUFFIX",
    "SHIPPED_DTD",
    "TIMEX_GROUP",
    "VALUE_GROUP",
    "SgmText",
    "read_corpus",
    "read_document",
    "read_schema",
    "validate",
    "write_corpus",
    "write_document",
]
