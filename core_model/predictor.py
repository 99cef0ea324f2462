"""Loading a saved model once and predicting entities and relations on raw text or documents.

``Predictor.load(dir).predict(texts_or_docs, batch_size)`` returns one ``Prediction`` per input
(raw text, a ``converters`` ``Document``, a SpERT record or a ``Doc``: ``documents.input_doc``)
with character offsets into the input text and a probability on every entity and relation.
``suggest_relations(texts_or_docs, entities)`` scores relations between entities the caller
gives (an annotator's confirmed spans) with the same relation classifier.
Units are sorted by length before batching (less padding) and run under
``torch.inference_mode``; the output order is the input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from converters.document import Document

from .decoding import allowed_matrix, flat_keep
from .documents import DataArg, Doc, input_doc, load_documents
from .encoder import autocast, resolve_device
from .encoding import Unit, build_units
from .evaluator import EntityTuple, RelationTuple, evaluate_tuples, gold_tuples, prf
from .models import SpanRelModel
from .sampling import collate_eval
from .saving import load_model
from .types import TypeInventory

Input = str | dict[str, Any] | Document | Doc


@dataclass
class PredictedEntity:
    type: str
    start: int  # character offset into Prediction.text
    end: int  # exclusive
    token_start: int
    token_end: int  # exclusive
    probability: float
    text: str


@dataclass
class PredictedRelation:
    type: str
    head: int  # index into Prediction.entities
    tail: int
    probability: float


@dataclass
class Prediction:
    """Predictions for one input document."""

    text: str
    tokens: list[str]
    token_offsets: list[tuple[int, int]]
    entities: list[PredictedEntity] = field(default_factory=list)
    relations: list[PredictedRelation] = field(default_factory=list)
    # 1 - the smallest decision margin in the document (span: top-1 minus top-2 probability;
    # relation: distance of the probability from the threshold, scaled to [0, 1]); higher means
    # the model was closer to deciding otherwise somewhere: for active-learning order
    uncertainty: float = 0.0
    doc_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["token_offsets"] = [list(o) for o in self.token_offsets]
        return d


@dataclass
class _RawDoc:
    """Threshold-free result: entities and every scored pair with its per-type probabilities."""

    entities: list[tuple[int, int, int, float]] = field(default_factory=list)  # s, e, type, p
    pair_chunks: list[np.ndarray] = field(default_factory=list)  # [k, 2] entity indices
    prob_chunks: list[np.ndarray] = field(default_factory=list)  # [k, R]
    min_span_margin: float = 1.0

    def pairs(self, n_rel: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.pair_chunks:
            return np.zeros((0, 2), dtype=np.int64), np.zeros((0, n_rel), dtype=np.float32)
        return np.concatenate(self.pair_chunks), np.concatenate(self.prob_chunks)


@dataclass
class _GivenDoc:
    """Caller-given entities of one document, as word spans (see ``suggest_relations``).

    ``entities`` has one row per given entity, in the caller's order, so that the entity
    indices of ``_RawDoc`` pairs are the caller's indices; a row that could not be mapped has
    start -1 and is never paired. ``spans`` maps each mapped word span to its first entity
    (the one that takes the span slot) and ``copies`` to the later ones with the same span,
    which share its scores (one span slot cannot stand for two entities in the model).
    """

    entities: list[tuple[int, int, int, float]]  # s, e (word, exclusive), type index, 1.0
    spans: dict[tuple[int, int], int] = field(default_factory=dict)
    copies: dict[int, list[int]] = field(default_factory=dict)

    def slots(self, unit: Unit, span_words: dict[tuple[int, int], int]) -> dict[int, int]:
        """Span slot -> entity for the given spans lying inside ``unit``.

        ``span_words`` maps the unit's (start, end) word spans to their slots; a span missing
        there (wider than ``max_span_width``) or crossing the unit's edge gets no slot.
        """
        out = {}
        for (s, e), i in self.spans.items():
            slot = span_words.get((s - unit.word_start, e - unit.word_start))
            if slot is not None:
                out[slot] = i
        return out

    def add_copies(self, raw: _RawDoc, n_rel: int) -> None:
        """Every scored pair again for each entity that repeats its argument's span."""
        if not self.copies:
            return
        pairs, probs = raw.pairs(n_rel)
        for column in (0, 1):  # heads, then tails of the grown list: every combination
            new_pairs, new_probs = [pairs], [probs]
            for first, others in self.copies.items():
                rows = pairs[:, column] == first
                for other in others:
                    moved = pairs[rows].copy()
                    moved[:, column] = other
                    new_pairs.append(moved)
                    new_probs.append(probs[rows])
            pairs, probs = np.concatenate(new_pairs), np.concatenate(new_probs)
        raw.pair_chunks, raw.prob_chunks = ([pairs], [probs]) if len(pairs) else ([], [])


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
        given = [self._given_doc(doc, ents) for doc, ents in zip(docs, entities, strict=True)]
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
        self, docs: list[Doc], raws: list[_RawDoc], grid: list[float], average: str
    ) -> list[tuple[float, float]]:
        if self.types.symmetric_relations:  # direction merging: score each threshold fully
            return [(t, self._score(docs, raws, t)["relations"][average]["f1"]) for t in grid]
        names_e, n_rel = self.config.entity_types, len(self.config.relation_types)
        _, g_rel = gold_tuples(docs)
        all_probs, all_correct = [], []
        gold_per_type = np.zeros(n_rel)
        rel_index = {r: i for i, r in enumerate(self.config.relation_types)}
        for raw, gold in zip(raws, g_rel, strict=True):
            for _, _, r in set(gold):
                gold_per_type[rel_index[r]] += 1
            pairs, probs = raw.pairs(n_rel)
            correct = np.zeros(probs.shape, dtype=bool)
            if len(pairs) and gold:
                ent_index = {
                    (s, e, names_e[t - 1]): i for i, (s, e, t, _) in enumerate(raw.entities)
                }
                pair_index = {(int(h), int(t)): k for k, (h, t) in enumerate(pairs)}
                for head, tail, r in set(gold):
                    i, j = ent_index.get(head), ent_index.get(tail)
                    k = pair_index.get((i, j)) if i is not None and j is not None else None
                    if k is not None:
                        correct[k, rel_index[r]] = True
            all_probs.append(probs)
            all_correct.append(correct)
        probs = np.concatenate(all_probs) if all_probs else np.zeros((0, n_rel))
        correct = np.concatenate(all_correct) if all_correct else np.zeros((0, n_rel), bool)
        out = []
        for t in grid:
            hit = probs >= t
            n_pred = hit.sum(0).astype(float)
            n_ok = (hit & correct).sum(0).astype(float)
            if average == "micro":
                out.append(
                    (t, prf(int(n_ok.sum()), int(n_pred.sum()), int(gold_per_type.sum())).f1)
                )
            else:
                present = (n_pred + gold_per_type) > 0
                f1s = [
                    prf(int(n_ok[r]), int(n_pred[r]), int(gold_per_type[r])).f1
                    for r in range(n_rel)
                    if present[r]
                ]
                out.append((t, sum(f1s) / len(f1s) if f1s else 0.0))
        return out

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def to_docs(inputs: Sequence[Input]) -> list[Doc]:
        return [input_doc(item, i) for i, item in enumerate(inputs)]

    def _given_doc(self, doc: Doc, entities: list[tuple[int, int, str]]) -> _GivenDoc:
        """Character spans to word spans; a span not on token boundaries is left unmapped."""
        doc.ensure_text()
        assert doc.token_offsets is not None
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        for w, (cs, ce) in enumerate(doc.token_offsets):
            starts.setdefault(cs, w)
            ends.setdefault(ce, w + 1)
        # 0 (the classifier's "no entity") for a type the model does not know: the argument
        # type matrix allows it only for unconstrained relation types
        type_index = {t: i + 1 for i, t in enumerate(self.config.entity_types)}
        given = _GivenDoc([])
        for i, (cs, ce, name) in enumerate(entities):
            s, e = starts.get(cs), ends.get(ce)
            if s is None or e is None or s >= e:
                given.entities.append((-1, -1, type_index.get(name, 0), 1.0))
                continue
            given.entities.append((s, e, type_index.get(name, 0), 1.0))
            first = given.spans.setdefault((s, e), i)
            if first != i:
                given.copies.setdefault(first, []).append(i)
        return given

    def _raw(
        self, docs: list[Doc], batch_size: int, given: list[_GivenDoc] | None = None
    ) -> list[_RawDoc]:
        """Threshold-free results; with ``given``, pairs of the given entities instead."""
        units, _ = build_units(docs, self.tokenizer, self.config.max_length)
        if given is None:
            raws = [_RawDoc() for _ in docs]
        else:
            raws = [_RawDoc(entities=list(g.entities)) for g in given]
        order = sorted(range(len(units)), key=lambda i: len(units[i].input_ids))
        self.model.eval()
        for start in range(0, len(order), max(1, batch_size)):
            batch_units = [units[i] for i in order[start : start + batch_size]]
            batch = collate_eval(batch_units, self.config.max_span_width)
            slots, mask = None, None
            if given is not None:
                slots, mask = self._given_slots(batch_units, batch, given)
                mask = mask.to(self.device)
            batch = batch.to(self.device)
            with torch.inference_mode(), autocast(self.device):
                out = self.model.predict(batch, mask)
            self._collect(batch_units, batch, out, raws, slots)
        allowed = allowed_matrix(
            self.config.relation_arg_types, self.config.entity_types, self.config.relation_types
        )
        for i, raw in enumerate(raws):
            if given is not None:
                given[i].add_copies(raw, len(self.config.relation_types))
            # given entities were confirmed by someone: flat decoding must not drop any
            self._apply_rules(raw, allowed, decode_entities=given is None)
        return raws

    @staticmethod
    def _given_slots(
        units: list[Unit], batch: Any, given: list[_GivenDoc]
    ) -> tuple[list[dict[int, int]], torch.Tensor]:
        """Per unit, span slot -> given entity; and the ``[B, S]`` mask of those slots."""
        mask = torch.zeros_like(batch.span_mask)
        slots = []
        for b, unit in enumerate(units):
            m = int(batch.span_mask[b].sum())
            starts, ends = (
                batch.span_word_start[b, :m].tolist(),
                batch.span_word_end[b, :m].tolist(),
            )
            words = {span: k for k, span in enumerate(zip(starts, ends, strict=True))}
            unit_slots = given[unit.doc_index].slots(unit, words)
            mask[b, list(unit_slots)] = True
            slots.append(unit_slots)
        return slots, mask

    def _apply_rules(
        self, raw: _RawDoc, allowed: np.ndarray | None, decode_entities: bool = True
    ) -> None:
        """Flat entity decoding and relation argument types (see ``decoding``), in place."""
        flat = decode_entities and self.config.entity_decoding == "flat" and len(raw.entities) > 1
        if not flat and (allowed is None or not raw.pair_chunks):
            return
        pairs, probs = raw.pairs(len(self.config.relation_types))
        if flat:
            keep = flat_keep(raw.entities)
            remap = np.full(len(raw.entities), -1, dtype=np.int64)
            remap[keep] = np.arange(len(keep))
            raw.entities = [raw.entities[i] for i in keep]
            pairs = remap[pairs]
            ok = (pairs >= 0).all(axis=1)
            pairs, probs = pairs[ok], probs[ok]
        if allowed is not None and len(pairs):
            types = np.array([t for _, _, t, _ in raw.entities], dtype=np.int64)
            ok = allowed[:, types[pairs[:, 0]], types[pairs[:, 1]]].T  # [pairs, R]
            probs = np.where(ok, probs, 0.0).astype(probs.dtype)
        raw.pair_chunks, raw.prob_chunks = ([pairs], [probs]) if len(pairs) else ([], [])

    @staticmethod
    def _collect(
        units: list[Unit],
        batch: Any,
        out: Any,
        raws: list[_RawDoc],
        slots: list[dict[int, int]] | None = None,
    ) -> None:
        """Add a batch's entities and scored pairs to the documents' results.

        Without ``slots`` the predicted entities are appended; with them (per unit, span slot
        -> given entity) the entities are already listed and only the pairs are mapped.
        """
        probs = out.span_probs.cpu()
        ent_mask = out.entity_mask.cpu()
        top2 = probs.topk(min(2, probs.shape[-1]), dim=-1).values
        margin = (top2[..., 0] - top2[..., -1]).masked_fill(~batch.span_mask.cpu(), 1.0)
        w_start = batch.span_word_start.cpu()
        w_end = batch.span_word_end.cpu()
        pairs, pair_mask, rel_probs = out.pairs.cpu(), out.pair_mask.cpu(), out.rel_probs.cpu()
        for b, unit in enumerate(units):
            raw = raws[unit.doc_index]
            raw.min_span_margin = min(raw.min_span_margin, float(margin[b].min()))
            span_idx = ent_mask[b].nonzero().flatten()
            to_entity = torch.full((probs.shape[1],), -1, dtype=torch.long)
            if slots is not None:
                for si, ei in slots[b].items():
                    to_entity[si] = ei
            elif len(span_idx):
                base = len(raw.entities)
                to_entity[span_idx] = torch.arange(base, base + len(span_idx))
                p, t = probs[b, span_idx].max(-1)
                for si, pi, ti in zip(span_idx.tolist(), p.tolist(), t.tolist(), strict=True):
                    raw.entities.append(
                        (
                            int(w_start[b, si]) + unit.word_start,
                            int(w_end[b, si]) + unit.word_start,
                            ti,
                            pi,
                        )
                    )
            k = int(pair_mask[b].sum())
            if k:
                raw.pair_chunks.append(to_entity[pairs[b, :k]].numpy())
                raw.prob_chunks.append(rel_probs[b, :k].numpy())

    def _relations(self, raw: _RawDoc, threshold: float) -> list[tuple[int, int, int, float]]:
        """(head, tail, type, p) passing the threshold; one direction kept for symmetric types."""
        pairs, probs = raw.pairs(len(self.config.relation_types))
        rows, cols = np.nonzero(probs >= threshold)
        rels: dict[tuple[int, int, int], float] = {}
        sym = {
            i
            for i, n in enumerate(self.config.relation_types)
            if n in self.types.symmetric_relations
        }
        for k, r in zip(rows.tolist(), cols.tolist(), strict=True):
            h, t = int(pairs[k, 0]), int(pairs[k, 1])
            if r in sym and raw.entities[t][0] < raw.entities[h][0]:
                h, t = t, h
            p = float(probs[k, r])
            rels[(h, t, r)] = max(p, rels.get((h, t, r), 0.0))
        return [(h, t, r, p) for (h, t, r), p in sorted(rels.items())]

    def _score(self, docs: list[Doc], raws: list[_RawDoc], threshold: float) -> dict[str, Any]:
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

    def _decode(self, doc: Doc, raw: _RawDoc, threshold: float | None) -> Prediction:
        thr = self.threshold if threshold is None else threshold
        doc.ensure_text()
        assert doc.text is not None and doc.token_offsets is not None
        order = sorted(range(len(raw.entities)), key=lambda i: raw.entities[i][:2])
        new_index = {old: new for new, old in enumerate(order)}
        entities = []
        for i in order:
            s, e, t, p = raw.entities[i]
            cs, ce = doc.token_offsets[s][0], doc.token_offsets[e - 1][1]
            entities.append(
                PredictedEntity(self.config.entity_types[t - 1], cs, ce, s, e, p, doc.text[cs:ce])
            )
        relations = [
            PredictedRelation(self.config.relation_types[r], new_index[h], new_index[t], p)
            for h, t, r, p in self._relations(raw, thr)
        ]
        relations.sort(key=lambda r: (r.head, r.tail, r.type))
        scale = max(thr, 1.0 - thr)
        _, probs = raw.pairs(len(self.config.relation_types))
        rel_margin = float(np.abs(probs - thr).min() / scale) if probs.size else 1.0
        return Prediction(
            text=doc.text,
            tokens=list(doc.tokens),
            token_offsets=list(doc.token_offsets),
            entities=entities,
            relations=relations,
            uncertainty=1.0 - min(raw.min_span_margin, rel_margin) if doc.tokens else 0.0,
            doc_id=doc.doc_id,
        )
