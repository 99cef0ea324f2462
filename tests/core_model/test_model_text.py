"""Raw text to sentences/words with offsets, and windows within the encoder's length limit."""

from __future__ import annotations

import itertools
from pathlib import Path

from core_model import load_documents
from core_model.encoder import load_tokenizer
from core_model.encoding import build_units
from core_model.text import split_text
from core_model.types import TypeInventory


def test_split_text_offsets_are_exact() -> None:
    text = "Dr. Ana Lopez (CEO) joined U.S.-based Acme.\n\n  She didn't stay; 3.5% left!\tOk"
    doc = split_text(text)
    assert doc.text == text
    for tok, (s, e) in zip(doc.tokens, doc.token_offsets, strict=True):
        assert text[s:e] == tok
    assert len(doc.sentences) >= 3
    assert doc.sentences[0][0] == 0 and doc.sentences[-1][1] == len(doc.tokens)
    assert all(a < b for a, b in doc.sentences)
    assert split_text("").tokens == [] and split_text("   \n").sentences == []


def test_long_document_is_windowed_without_splitting_entities(tiny_encoder_dir: Path) -> None:
    tok = load_tokenizer(tiny_encoder_dir)
    words = []
    for i in range(30):
        words += [f"Name{i}", "Smith", "visited", "Paris", "."]
    entities = [{"type": "Peop", "start": 5 * i, "end": 5 * i + 2} for i in range(30)]
    entities.append({"type": "Loc", "start": 3, "end": 4})
    relations = [
        {"type": "Live_In", "head": 0, "tail": 30},  # same window
        {"type": "Live_In", "head": 29, "tail": 30},  # far apart: crosses windows
    ]
    types = TypeInventory(["Peop", "Loc"], ["Live_In"])
    docs = load_documents([{"tokens": words, "entities": entities, "relations": relations}])
    units, stats = build_units(docs, tok, max_length=40, types=types)
    assert len(units) > 1 and stats.windows_split == len(units) - 1
    assert all(len(u.input_ids) <= 40 for u in units)
    # windows tile the document and cut after sentence-final "." where possible
    covered = [u.word_start for u in units]
    assert covered[0] == 0
    for prev, nxt in itertools.pairwise(units):
        assert prev.word_start + prev.n_words == nxt.word_start
        assert words[nxt.word_start - 1] == "."
    assert sum(len(u.entities) for u in units) == 31 and stats.entities_dropped == 0
    assert stats.relations_dropped == 1
    assert sum(len(u.relations) for u in units) == 1
    # sub-word maps are consistent: every word's sub-words lie inside [CLS] ... [SEP]
    for u in units:
        assert u.word_sub_start[0] == 1 and u.word_sub_end[-1] == len(u.input_ids) - 2
        assert all(a <= b for a, b in zip(u.word_sub_start, u.word_sub_end, strict=True))


def test_words_without_subwords_become_unk(tiny_encoder_dir: Path) -> None:
    tok = load_tokenizer(tiny_encoder_dir)
    docs = load_documents([{"tokens": ["a", "\u200b", "b"]}])
    (unit,), _ = build_units(docs, tok, max_length=32)
    assert unit.n_words == 3
    assert unit.input_ids[unit.word_sub_start[1]] == tok.unk_token_id


def test_symmetric_relations_train_both_directions(tiny_encoder_dir: Path) -> None:
    tok = load_tokenizer(tiny_encoder_dir)
    types = TypeInventory(["Peop"], ["Sibling", "Parent"], symmetric_relations=["Sibling"])
    doc = {
        "tokens": ["Ann", "and", "Bob", "and", "Cy"],
        "entities": [{"type": "Peop", "start": i, "end": i + 1} for i in (0, 2, 4)],
        "relations": [
            {"type": "Sibling", "head": 0, "tail": 1},
            {"type": "Parent", "head": 2, "tail": 1},
        ],
    }
    (unit,), _ = build_units(load_documents([doc]), tok, 32, types)
    assert sorted(unit.relations) == [(0, 0, 1), (0, 1, 0), (1, 2, 1)]
