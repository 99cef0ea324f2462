"""annotation.conf (with visual.conf colours and kb_shortcuts.conf keys): every shared sample
parses, formats and parses back equal; hierarchy, macros, options and errors as brat has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from converters import brat
from converters.errors import ConversionError
from converters.schema import EventArgument


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> Path:
    return shared_data / "brat-samples"


def _conf(samples: Path, rel: str):
    return brat.read_conf(samples / rel / "annotation.conf")


def test_every_sample_conf_round_trips(samples: Path, tmp_path: Path) -> None:
    confs = sorted(samples.rglob("annotation.conf"))
    assert len(confs) == 12
    for conf in confs:
        schema = brat.read_conf(conf)
        plain = brat.parse_conf(conf.read_text(encoding="utf-8"), str(conf))
        assert brat.parse_conf(brat.format_conf(plain)) == plain, conf
        assert brat.format_conf(plain) == brat.format_conf(brat.parse_conf(brat.format_conf(plain)))
        out = tmp_path / conf.relative_to(samples).parent / "annotation.conf"
        brat.write_conf(schema, out)
        assert brat.read_conf(out) == schema, conf  # colours and shortcuts included
        assert schema.entity_types or conf.parent.name == "TDT" or schema.relation_types


def test_hierarchy_macros_cardinality_and_attributes(samples: Path) -> None:
    news = _conf(samples, "brat-example-data/tutorials/news")
    events = {e.name: e for e in news.event_types}
    assert events["Life"].selectable is False and events["Life"].parent is None
    assert events["Be-born"].parent == "Life" and events["Be-born"].selectable
    assert events["Report"].parent is None
    assert events["Marry"].arguments[0] == EventArgument("Person-Arg", ["Person"], "{2}")
    assert events["Die"].arguments[1] == EventArgument(
        "Agent-Arg", ["Person", "Organization", "GPE"], "?"
    )  # <POG> macro expanded
    assert events["Merge-org"].arguments == [EventArgument("Org-Arg", ["Organization"], "+")]
    assert events["Report"].arguments[1].types == ["<EVENT>"]
    attrs = {a.name: a for a in news.attribute_types}
    assert attrs["Mention"].targets == ["<ENTITY>"]
    assert attrs["Mention"].values == ["Name", "Nominal", "Other"]
    assert attrs["Individual"].values == []
    alias = next(r for r in news.relation_types if r.name == "Alias")
    assert alias.options == {"<REL-TYPE>": "symmetric-transitive"}


def test_allowed_relations_follow_argument_constraints(samples: Path) -> None:
    bio = _conf(samples, "brat-example-data/tutorials/bio")
    assert bio.allowed_relations("Protein", "Complex") == ["Part-of", "Member-of"]
    assert bio.allowed_relations("Protein", "Protein") == ["Equiv"]
    assert bio.allowed_relations("Organism", "Complex") == []
    assert bio.allowed_relations("Protein", "Organism") == []  # Equiv pairs stay paired
    news = _conf(samples, "brat-example-data/tutorials/news")
    assert news.allowed_relations("Person", "GPE") == ["Located", "Employment"]
    quaero = _conf(samples, "quaero-frenchmed-clef/train/MEDLINE")
    overlap = quaero.relation_types[0]
    assert overlap.name == "<OVERLAP>" and not overlap.selectable
    assert overlap.options == {"<OVL-TYPE>": "contain|equal|cross"}
    assert quaero.allowed_relations("ANAT", "CHEM") == []
    tdt = _conf(samples, "brat-example-data/corpora/TDT")  # [spans] is brat's old [entities]
    assert "Pron" in tdt.entity_names() and "nsubj" in tdt.relation_names()
    assert next(r for r in tdt.relation_types if r.name == "nsubj").arg1_types == ["<ENTITY>"]


def test_parent_constraints_admit_subtypes() -> None:
    schema = brat.parse_conf(
        "[entities]\n!Agent\n\tPerson\n\tOrganization\n\t\tCompany\nPlace\n"
        "[relations]\nBased Arg1:Agent, Arg2:Place\nOwns Arg1:Organization, Arg2:<ANY>\n"
    )
    assert [(t.name, t.parent, t.selectable) for t in schema.entity_types] == [
        ("Agent", None, False),
        ("Person", "Agent", True),
        ("Organization", "Agent", True),
        ("Company", "Organization", True),
        ("Place", None, True),
    ]
    assert schema.allowed_relations("Company", "Place") == ["Based", "Owns"]
    assert schema.allowed_relations("Person", "Place") == ["Based"]
    assert brat.parse_conf(brat.format_conf(schema)) == schema


def test_aliases_separators_comments_and_colours(samples: Path) -> None:
    epi = _conf(samples, "brat-example-data/corpora/BioNLP-ST_2011/BioNLP-ST_2011_EPI")
    names = [e.name for e in epi.event_types]
    assert "DNA_methylation" in names and len(names) == 15  # "|GO:..." aliases, "----" gone
    bio = _conf(samples, "brat-example-data/tutorials/bio")
    protein = next(t for t in bio.entity_types if t.name == "Protein")
    assert protein.color and protein.shortcut == "P"
    quaero = _conf(samples, "quaero-frenchmed-clef/train/EMEA")
    colours = {t.name: t.color for t in quaero.entity_types}
    assert colours["ANAT"] == "#ffff00" and colours["PROC"] == "#999900"  # "bgcolor" typo


def test_read_schema_finds_the_conf_in_a_collection(samples: Path) -> None:
    schema = brat.read_schema(samples / "quaero-frenchmed-clef" / "train" / "EMEA")
    assert schema is not None and len(schema.entity_types) == 10
    assert brat.read_schema(samples) is None


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("[events]\n\nGo Theme:<THING>\n", 3, "undefined macro <THING>"),
        ("[events]\n<ANY>=A|B\n", 2, "reserved name"),
        ("[entities]\nA\n\t\tB\n", 3, "has no parent"),
        ("[relations]\nR Arg1:A, Arg2:B, Arg3:C\n", 2, "at most 2"),
        ("[relations]\nR Arg1 A\n", 2, "is not ROLE:TYPE"),
        ("[events]\nE Theme:A||B\n", 2, "empty type"),
        ("[events]\nE Theme{x}:A\n", 2, "bad event argument role"),
        ("[entities]\n!\n", 2, "empty type name"),
    ],
)
def test_conf_errors_name_file_and_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(ConversionError) as info:
        brat.parse_conf(text, "x/annotation.conf")
    assert info.value.path == "x/annotation.conf" and info.value.line == line
    assert needle in str(info.value)


def test_format_conf_is_deterministic_text() -> None:
    schema = brat.parse_conf(
        "[entities]\nProtein\n[relations]\n<OVERLAP> Arg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:cross\n"
        "Part-of Arg1:Protein, Arg2:Protein\n[events]\n<P>=Protein\nBind Theme+:<P>, Site?:<P>\n"
        "[attributes]\nNeg Arg:<EVENT>\n"
    )
    assert brat.format_conf(schema) == (
        "[entities]\n\nProtein\n\n[relations]\n\n"
        "<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:cross\n"
        "Part-of\tArg1:Protein, Arg2:Protein\n\n"
        "[events]\n\nBind\tTheme+:Protein, Site?:Protein\n\n"
        "[attributes]\n\nNeg\tArg:<EVENT>\n"
    )


def test_merge_schemas_base_wins_and_lines_add_up() -> None:
    from converters.schema import (
        AttributeType,
        EntityType,
        RelationType,
        Schema,
        merge_schemas,
    )

    base = Schema(
        [EntityType("Person", color="#f00", shortcut="p")],
        [RelationType("Rel", ["Person"], ["Person"])],
        attribute_types=[AttributeType("Neg", ["Person"])],
    )
    other = Schema(
        [
            EntityType("Person", color="#00f"),
            EntityType("Place", shortcut="p"),
            EntityType("Org", shortcut="o"),
        ],
        [RelationType("Rel", ["Person"], ["Person"]), RelationType("Rel", ["Person"], ["Place"])],
        attribute_types=[AttributeType("Neg", ["Place"], []), AttributeType("Conf", [], ["a"])],
    )
    merged = merge_schemas(base, [other])
    assert [(t.name, t.color, t.shortcut) for t in merged.entity_types] == [
        ("Person", "#f00", "p"),
        ("Place", None, None),  # "p" was taken
        ("Org", None, "o"),
    ]
    assert [(r.arg1_types, r.arg2_types) for r in merged.relation_types] == [
        (["Person"], ["Person"]),
        (["Person"], ["Place"]),
    ]
    assert [(a.name, a.targets) for a in merged.attribute_types] == [
        ("Neg", ["Person", "Place"]),
        ("Conf", []),
    ]
    assert base.entity_types[0].color == "#f00" and len(base.entity_types) == 1  # not changed
    assert merge_schemas(None, []) is None
    assert merge_schemas(None, [other]).entity_names() == ["Person", "Place", "Org"]
