"""Loading a saved model once and predicting entities and relations on raw text or documents.

``Predictor.load(dir).predict(texts_or_docs, batch_size)`` returns one ``Prediction`` per input
(raw text, a ``converters`` ``Document``, a SpERT record or a ``Doc``: ``documents.input_doc``)
with character offsets into the input text and a probability on every entity and relation.
``suggest_relations(texts_or_docs, entities)`` scores relations between entities the caller
gives (an annotator's confirmed spans) with the same relation classifier.
Units are sorted by length before batching (less padding) and run under
``torch.inference_mode``; the output order is the input order.

This module loads the model and drives the passes; the pieces are elsewhere: the output types
and decoding to documents (``prediction``), the per-document raw results (``raw_results``), the
given-spans relation pass (``given_spans``) and threshold tuning (``threshold_tuning``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from converters.document import Document

from .decoding import allowed_matrix
from .documents import DataArg, Doc, input_doc, load_documents
from .encoder import autocast, resolve_device
from .encoding import build_units
from .evaluator import EntityTuple, RelationTuple, evaluate_tuples, gold_tuples
from .given_spans import GivenDoc, given_doc, given_slots
from .models import SpanRelModel
from .prediction import (
    PredictedEntity,
    PredictedRelation,
    Prediction,
    decode_prediction,
    threshold_relations,
)
from .raw_results import RawDoc, apply_rules, collect_batch
from .sampling import collate_eval
from .saving import load_model
from .threshold_tuning import f1_by_threshold
from .types import TypeInventory

__all__ = ["Input", "PredictedEntity", "PredictedRelation", "Prediction", "Predictor"]

Input = str | dict[str, Any] | Document | Doc


class Predictor:
    def __init__(
        self,
        model: SpanRelModel,
        tokenizer: Any,
        types: TypeInventory,
        device: torch.device | str = "auto",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        self.types = types
        self.config = model.config
        self.metadata = metadata or {}

    @classmethod
    def load(cls, directory: str | Path, device: torch.device | str = "auto") -> Predictor:
        dev = resolve_device(device)
        model, tokenizer, types, metadata = load_model(directory, dev)
        return cls(model, tokenizer, types, dev, metadata)

    @property
    def threshold(self) -> float:
        return self.config.relation_threshold

    # -- public API ---------------------------------------------------------------------------
    def predict(
        self,
        inputs: Sequence[Input],
        batch_size: int = 16,
        threshold: float | None = None,
    ) -> list[Prediction]:
        """Predict on raw texts (split into sentences) or SpERT-style documents (as tokenized)."""
        docs = self.to_docs(inputs)
        raws = self._raw(docs, batch_size)
        return [self._decode(doc, raw, threshold) for doc, raw in zip(docs, raws, strict=True)]

    def suggest_relations(
        self,
        inputs: Sequence[Input],
        entities: list[list[tuple[int, int, str]]],
        batch_size: int = 16,
        threshold: float | None = None,
    ) -> list[list[PredictedRelation]]:
        """Relations between given entities, scored by the model's relation classifier.

        ``inputs`` take the forms of :meth:`predict`; ``entities[i]`` lists ``(start, end,
        type)`` for input ``i``, character offsets into its text (END exclusive), e.g. the
        entities an annotator confirmed. Returned per input: the relations whose probability
        is at least ``threshold`` (default: the model's tuned one), ``head`` and ``tail``
        indexing ``entities[i]``, sorted by (head, tail, type).

        The model can only score what it can represent, so a given entity is silently left out
        (never in a returned relation) when its characters do not start and end exactly on
        token boundaries, when it does not lie inside one model unit (a sentence of raw text,
        a window of a long document), or when it is wider than ``max_span_width`` words. Like
        :meth:`predict`, only ordered pairs of distinct entities of one unit are scored, the
        argument type constraints learnt in training apply (a type the model does not know
        satisfies no constraint: such an entity takes only relation types that have none), and
        a symmetric relation is returned in one direction. Entities given twice with the same
        span (e.g. with two types) share the span's scores; they are never paired together.
        """
        docs = self.to_docs(inputs)
        if len(entities) != len(docs):
            raise ValueError(f"{len(docs)} inputs but {len(entities)} entity lists")
        given = [
            given_doc(doc, ents, self.config.entity_types)
            for doc, ents in zip(docs, entities, strict=True)
        ]
        raws = self._raw(docs, batch_size, given)
        thr = self.threshold if threshold is None else threshold
        names = self.config.relation_types
        return [
            [PredictedRelation(names[r], h, t, p) for h, t, r, p in self._relations(raw, thr)]
            for raw in raws
        ]

    def evaluate(
        self,
        data: DataArg,
        batch_size: int = 16,
        threshold: float | None = None,
    ) -> dict[str, Any]:
        """SpERT-style metrics against gold documents (see ``evaluator``)."""
        docs = load_documents(data)
        raws = self._raw(docs, batch_size)
        return self._score(docs, raws, self.threshold if threshold is None else threshold)

    def tune_threshold(
        self, docs: list[Doc], grid: list[float], batch_size: int = 16, average: str = "micro"
    ) -> tuple[float, dict[str, Any]]:
        """Relation threshold with the best strict relation F1 on ``docs``; one model pass.

        Every candidate (pair, type) is marked correct or not once; each threshold then only
        counts, so tuning costs no more than one evaluation.
        """
        raws = self._raw(docs, batch_size)
        default = self.threshold
        best: tuple[tuple[float, float], float] | None = None
        for t, f1 in self._f1_by_threshold(docs, raws, grid, average):
            # ties (e.g. F1 0 early in training) go to the threshold nearest the default
            key = (f1, -abs(t - default))
            if best is None or key > best[0]:
                best = (key, t)
        assert best is not None
        return best[1], self._score(docs, raws, best[1])

    def _f1_by_threshold(
        self, docs: list[Doc], raws: list[RawDoc], grid: list[float], average: str
    ) -> list[tuple[float, float]]:
        if self.types.symmetric_relations:  # direction merging: score each threshold fully
            return [(t, self._score(docs, raws, t)["relations"][average]["f1"]) for t in grid]
        return f1_by_threshold(
            docs, raws, grid, average, self.config.entity_types, self.config.relation_types
        )

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def to_docs(inputs: Sequence[Input]) -> list[Doc]:
        return [input_doc(item, i) for i, item in enumerate(inputs)]

    def _raw(
        self, docs: list[Doc], batch_size: int, given: list[GivenDoc] | None = None
    ) -> list[RawDoc]:
        """Threshold-free results; with ``given``, pairs of the given entities instead."""
        units, _ = build_units(docs, self.tokenizer, self.config.max_length)
        if given is None:
            raws = [RawDoc() for _ in docs]
        else:
            raws = [RawDoc(entities=list(g.entities)) for g in given]
        order = sorted(range(len(units)), key=lambda i: len(units[i].input_ids))
        self.model.eval()
        for start in range(0, len(order), max(1, batch_size)):
            batch_units = [units[i] for i in order[start : start + batch_size]]
            batch = collate_eval(batch_units, self.config.max_span_width)
            slots, mask = None, None
            if given is not None:
                slots, mask = given_slots(batch_units, batch, given)
                mask = mask.to(self.device)
            batch = batch.to(self.device)
            with torch.inference_mode(), autocast(self.device):
                out = self.model.predict(batch, mask)
            collect_batch(batch_units, batch, out, raws, slots)
        allowed = allowed_matrix(
            self.config.relation_arg_types, self.config.entity_types, self.config.relation_types
        )
        for i, raw in enumerate(raws):
            if given is not None:
                given[i].add_copies(raw, len(self.config.relation_types))
            # given entities were confirmed by someone: flat decoding must not drop any
            apply_rules(
                raw,
                allowed,
                self.config.entity_decoding,
                len(self.config.relation_types),
                decode_entities=given is None,
            )
        return raws

    def _relations(self, raw: RawDoc, threshold: float) -> list[tuple[int, int, int, float]]:
        """(head, tail, type, p) passing the threshold; one direction kept for symmetric types."""
        return threshold_relations(
            raw, threshold, self.config.relation_types, self.types.symmetric_relations
        )

    def _score(self, docs: list[Doc], raws: list[RawDoc], threshold: float) -> dict[str, Any]:
        g_ent, g_rel = gold_tuples(docs)
        names_e, names_r = self.config.entity_types, self.config.relation_types
        p_ent: list[list[EntityTuple]] = []
        p_rel: list[list[RelationTuple]] = []
        for raw in raws:
            ents = [(s, e, names_e[t - 1]) for s, e, t, _ in raw.entities]
            p_ent.append(ents)
            p_rel.append(
                [(ents[h], ents[t], names_r[r]) for h, t, r, _ in self._relations(raw, threshold)]
            )
        report = evaluate_tuples(g_ent, g_rel, p_ent, p_rel, self.types.symmetric_relations)
        report["threshold"] = threshold
        report["documents"] = len(docs)
        return report

    def _decode(self, doc: Doc, raw: RawDoc, threshold: float | None) -> Prediction:
        return decode_prediction(
            doc,
            raw,
            self.threshold if threshold is None else threshold,
            self.config.entity_types,
            self.config.relation_types,
            self.types.symmetric_relations,
        )
