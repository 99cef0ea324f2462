"""What an import report counts, and what it calls not representable in the editor: a relation
whose argument is a relation (brat's format allows it) is kept and exported, but not drawn."""

from __future__ import annotations

from converters.brat.ann_reader import parse_ann
from converters.document import AnnotationCounts

TEXT = "Aspirin causes nausea."
ANN = (
    "T1\tDrug 0 7\tAspirin\n"
    "T2\tEffect 15 21\tnausea\n"
    "E1\tCause:T1 Theme:T2\n"
    "R1\tCauses Arg1:T1 Arg2:T2\n"
    "R2\tSupports Arg1:R1 Arg2:T2\n"
    "A1\tNegated E1\n"
    "#1\tAnnotatorNotes T2\tmild\n"
)


def test_counts_and_what_the_editor_cannot_draw() -> None:
    doc = parse_ann(TEXT, ANN, "d")
    counts = AnnotationCounts.of([doc, doc])
    assert (counts.documents, counts.entities, counts.relations, counts.events) == (2, 2, 4, 2)
    assert (counts.attributes, counts.notes) == (2, 2)
    assert counts.not_drawn == 2  # R2 of each document: its Arg1 is a relation
    assert (
        AnnotationCounts.of([parse_ann(TEXT, ANN.replace("Arg1:R1", "Arg1:T1"), "d")]).not_drawn
        == 0
    )
    assert "not_drawn" not in counts.phrase() and "4 relations" in counts.phrase()
