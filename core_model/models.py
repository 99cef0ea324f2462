"""The span-based joint entity and relation model with attention (Ji et al., COLING 2020).

Span representation ``R_s = [T_s; F_s; H_s; W]`` and relation representation
``R_r = [H_r; FFNN_F(F_r); FFNN_T(T_r)]`` as in ``shared/design/model.md``. Every span and every
pair of a batch is handled by masked tensor operations over ``[B, S, L]`` / ``[B, P, L]``;
there is no Python loop over spans or pairs (inference loops over units only to list the pairs
of predicted entities, and over fixed-size chunks of pairs to bound memory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .attention import MultiHeadAttention, has_key, make_attention, masked_softmax
from .config import ModelConfig
from .encoding import SHAPES
from .sampling import Batch
from .tensor_ops import batched_gather, between_bounds, between_mask, ffnn, pair_groups, range_max


@dataclass
class ModelOutput:
    """Inference result for a batch (S spans per unit, P candidate pairs per unit)."""

    span_probs: torch.Tensor  # [B, S, E+1] softmax, index 0 = None
    entity_mask: torch.Tensor  # [B, S] span predicted as an entity
    pairs: torch.Tensor  # [B, P, 2] indices into the spans
    pair_mask: torch.Tensor  # [B, P]
    rel_probs: torch.Tensor  # [B, P, R] sigmoid


class SpanRelModel(nn.Module):
    def __init__(self, config: ModelConfig, encoder: nn.Module) -> None:
        super().__init__()
        self.config = config
        self.encoder = encoder
        h = config.hidden_size
        hid = config.hidden
        att = dict(heads=config.heads, additive_dim=config.additive_dim)
        n_ent = len(config.entity_types) + 1
        n_rel = len(config.relation_types)
        span_dim = 4 * h + config.width_dim
        pair_dim = 2 * config.reduce
        # V_k = MLP(X_k): one scalar per sub-word, shared by every span containing it
        self.span_scorer = nn.Sequential(nn.Linear(h, hid), nn.Tanh(), nn.Linear(hid, 1))
        self.span_context = make_attention(config.attention, h, h, **att)
        self.width_embedding = nn.Embedding(config.max_span_width + 1, config.width_dim)
        self.span_classifier = ffnn(span_dim, hid, n_ent, 2, config.dropout)
        self.reduce = ffnn(span_dim, hid, config.reduce, 2, config.dropout)
        self.local_context = make_attention(config.attention, pair_dim, h, **att)
        self.rel_context = make_attention(config.attention, pair_dim, h, **att)
        self.ffnn_local = ffnn(h, hid, config.context, 3, config.dropout)
        self.ffnn_sentence = ffnn(h, hid, config.context, 3, config.dropout)
        self.rel_classifier = ffnn(pair_dim + 2 * config.context, hid, n_rel, 2, config.dropout)
        self.dropout = nn.Dropout(config.dropout)
        if config.word_shapes:
            # zero at first: the encoder starts exactly as pretrained
            self.shape_embedding = nn.Embedding(len(SHAPES), h)
            nn.init.zeros_(self.shape_embedding.weight)

    # -- pieces -----------------------------------------------------------------------------
    def encode(self, batch: Batch) -> torch.Tensor:
        """The encoder's last hidden states ``[B, L, H]``; with word shapes, each sub-word's
        input embedding plus the embedding of its word's shape."""
        mask = batch.attention_mask.long()
        if not self.config.word_shapes:
            return self.encoder(input_ids=batch.input_ids, attention_mask=mask).last_hidden_state
        if batch.shape_ids is None:
            raise ValueError("this model reads word shapes: the batch has none")
        embeds = self.encoder.get_input_embeddings()(batch.input_ids)
        embeds = embeds + self.shape_embedding(batch.shape_ids)
        return self.encoder(inputs_embeds=embeds, attention_mask=mask).last_hidden_state

    def span_parts(
        self, x: torch.Tensor, batch: Batch
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``T_s`` and ``F_s`` ``[B, S, H]``, and the span-attention weights ``[B, S, L]``."""
        start, end = batch.span_start, batch.span_end
        b, s = start.shape
        weights = self._span_weights(x, batch)
        # F_s: MLP attention, or (ablation) a max-pool over the span's sub-words
        specific = weights @ x if weights is not None else range_max(x, start, end)
        if self.config.sentence_attention:
            sentence = self.span_context(specific, x, batch.context_mask.unsqueeze(1))
        else:
            sentence = x[:, :1].expand(b, s, -1)
        return sentence, specific, weights

    def _span_weights(self, x: torch.Tensor, batch: Batch) -> torch.Tensor | None:
        """MLP span attention ``a = softmax(MLP(X_k))`` over each span's sub-words ``[B, S, L]``."""
        if not self.config.span_attention:
            return None
        start, end = batch.span_start, batch.span_end
        pos = torch.arange(x.shape[1], device=x.device)
        inside = (pos >= start.unsqueeze(-1)) & (pos <= end.unsqueeze(-1))  # [B, S, L]
        scores = self.span_scorer(x).squeeze(-1)  # [B, L]: one score per sub-word
        return masked_softmax(scores.unsqueeze(1).expand(*start.shape, -1), inside)

    def span_representations(self, x: torch.Tensor, batch: Batch) -> torch.Tensor:
        """``R_s = [T_s; F_s; H_s; W]`` for every span: ``[B, S, 4H + width_dim]``."""
        sentence, specific, _ = self.span_parts(x, batch)
        return self._concat(x, batch, sentence, specific)

    def _concat(
        self, x: torch.Tensor, batch: Batch, sentence: torch.Tensor, specific: torch.Tensor
    ) -> torch.Tensor:
        head_tail = [batched_gather(x, batch.span_start), batched_gather(x, batch.span_end)]
        width = self.width_embedding(batch.span_width)
        return torch.cat([sentence, specific, *head_tail, width], dim=-1)

    def span_inference(
        self, x: torch.Tensor, batch: Batch
    ) -> tuple[torch.Tensor, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]:
        """First span-classifier layer for every span, and a function giving ``R_s`` rows.

        Inference only (no dropout), identical in value to ``Linear(R_s)`` but without building
        ``R_s`` for every span: ``W [T; F; X_h; X_t; w] = W_T T + W_F F + W_h X_h + W_t X_t +
        W_w w``; head, tail and width terms are projected once per sub-word / width and
        gathered, and with span attention ``W_F F_s = a (X W_F^T)`` since ``F_s = a X``. For the
        default (multihead) the query projection and the output projection fold the same way
        (``W_q F_s + b = a (X W_q^T) + b`` because the weights sum to one). Spans outnumber
        sub-words about tenfold, so this is several times cheaper than the plain path.
        """
        cfg = self.config
        h = cfg.hidden_size
        first = self.span_classifier[0]
        w = first.weight
        w_t, w_f = w[:, :h], w[:, h : 2 * h]
        w_h, w_e, w_w = w[:, 2 * h : 3 * h], w[:, 3 * h : 4 * h], w[:, 4 * h :]
        start, end, width_ids = batch.span_start, batch.span_end, batch.span_width
        # accumulated in place: these [B, S, hidden] tensors make the cost memory-bound
        out = batched_gather(x @ w_h.T + first.bias, start)
        out += batched_gather(x @ w_e.T, end)
        out += (self.width_embedding.weight @ w_w.T)[width_ids]
        att = self.span_context
        if cfg.span_attention and cfg.sentence_attention and isinstance(att, MultiHeadAttention):
            weights = self._span_weights(x, batch)
            assert weights is not None
            # one product for both terms that are linear in the span weights
            proj = x @ torch.cat([att.q.weight, w_f]).T  # [B, L, H + hidden]
            q_f = weights @ proj
            q = q_f[..., :h] + att.q.bias
            out += q_f[..., h:]
            ctx = att.attend(q, x, batch.context_mask.unsqueeze(1))
            out += torch.nn.functional.linear(ctx, w_t @ att.out.weight, w_t @ att.out.bias)

            def parts(bi: torch.Tensor, si: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
                specific = (weights[bi, si].unsqueeze(1) @ x[bi]).squeeze(1)
                return att.out(ctx[bi, si]), specific

        else:
            sentence, specific, weights = self.span_parts(x, batch)
            out += sentence @ w_t.T
            out += weights @ (x @ w_f.T) if weights is not None else specific @ w_f.T

            def parts(bi: torch.Tensor, si: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
                return sentence[bi, si], specific[bi, si]

        def rows(bi: torch.Tensor, si: torch.Tensor) -> torch.Tensor:
            sentence_rows, specific_rows = parts(bi, si)
            return torch.cat(
                [
                    sentence_rows,
                    specific_rows,
                    x[bi, start[bi, si]],
                    x[bi, end[bi, si]],
                    self.width_embedding(width_ids[bi, si]),
                ],
                dim=-1,
            )

        return out, rows

    def relation_logits(
        self,
        x: torch.Tensor,
        context_mask: torch.Tensor,
        reduced: torch.Tensor,
        span_start: torch.Tensor,
        span_end: torch.Tensor,
        pairs: torch.Tensor,
    ) -> torch.Tensor:
        """Logits ``[B, P, R]`` for ordered pairs of spans (indices into the span axis)."""
        b, p = pairs.shape[:2]
        first, second = pairs[..., 0], pairs[..., 1]
        h_r = torch.cat([batched_gather(reduced, first), batched_gather(reduced, second)], dim=-1)
        lo, hi = between_bounds(span_start, span_end, pairs)
        if self.config.local_attention:
            local = self.local_context(h_r, x, between_mask(x, context_mask, lo, hi))
        else:
            # ablation: max-pool over the sub-words strictly between (never [CLS]/[SEP]/pad)
            local = range_max(x, lo + 1, hi - 1)
        if self.config.sentence_attention:
            sentence = self.rel_context(h_r, x, context_mask.unsqueeze(1))
        else:
            sentence = x[:, :1].expand(b, p, -1)
        r_r = torch.cat([h_r, self.ffnn_local(local), self.ffnn_sentence(sentence)], dim=-1)
        return self.rel_classifier(self.dropout(r_r))

    # -- training ---------------------------------------------------------------------------
    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Span logits ``[B, S, E+1]`` and relation logits ``[B, P, R]`` of a training batch."""
        x = self.encode(batch)
        r_s = self.span_representations(x, batch)
        span_logits = self.span_classifier(self.dropout(r_s))
        assert batch.rel_pairs is not None
        if not self.config.relation_types:
            return span_logits, span_logits.new_zeros(*batch.rel_pairs.shape[:2], 0)
        rel_logits = self.relation_logits(
            x,
            batch.context_mask,
            self.reduce(r_s),
            batch.span_start,
            batch.span_end,
            batch.rel_pairs,
        )
        return span_logits, rel_logits

    # -- inference --------------------------------------------------------------------------
    @torch.inference_mode()
    def predict(self, batch: Batch, entity_mask: torch.Tensor | None = None) -> ModelOutput:
        """Classify every span, then every ordered pair of predicted entities.

        ``entity_mask`` (bool ``[B, S]`` over the span slots) replaces the predicted entities
        as the spans whose pairs are scored: relations between entities that an annotator
        confirmed are then scored by the same classifier, not only between the model's own
        entities. ``span_probs`` stay the classifier's either way.
        """
        x = self.encode(batch)
        hidden, span_rows = self.span_inference(x, batch)
        span_probs = torch.softmax(self.span_classifier[1:](hidden).float(), dim=-1)
        if entity_mask is None:
            entity_mask = (span_probs.argmax(-1) > 0) & batch.span_mask
        else:
            if entity_mask.shape != batch.span_mask.shape:
                raise ValueError(
                    f"entity_mask has shape {tuple(entity_mask.shape)}, the batch's span slots "
                    f"{tuple(batch.span_mask.shape)}"
                )
            entity_mask = entity_mask.to(device=x.device, dtype=torch.bool) & batch.span_mask
        b = x.shape[0]
        pair_lists = []
        for i in range(b):  # per unit: list the ordered pairs of its predicted entities
            idx = entity_mask[i].nonzero().flatten()
            if idx.numel() < 2:
                pair_lists.append(idx.new_zeros(0, 2))
                continue
            grid = torch.cartesian_prod(idx, idx)
            pair_lists.append(grid[grid[:, 0] != grid[:, 1]])
        n_pairs = max(1, max(len(p) for p in pair_lists))
        pairs = x.new_zeros(b, n_pairs, 2, dtype=torch.long)
        pair_mask = torch.zeros(b, n_pairs, dtype=torch.bool, device=x.device)
        for i, pl in enumerate(pair_lists):
            pairs[i, : len(pl)] = pl
            pair_mask[i, : len(pl)] = True
        n_rel = len(self.config.relation_types)
        rel_probs = torch.zeros(b, n_pairs, n_rel, device=x.device)
        if n_rel and pair_mask.any():
            # R_s and FFNN(R_s) only for the spans that are entities
            bi, si = entity_mask.nonzero(as_tuple=True)
            reduced = self.reduce(span_rows(bi, si))
            fold = self.relation_fold(reduced)
            rows = torch.zeros_like(batch.span_start)
            rows[bi, si] = torch.arange(len(bi), device=x.device)
            budget = self.config.max_pairs_per_chunk
            for group in pair_groups([len(pl) for pl in pair_lists], budget):
                idx = torch.tensor(group, device=x.device)
                width = max(len(pair_lists[i]) for i in group)
                chunk = max(1, budget // len(group))
                for c in range(0, width, chunk):
                    logits = self.relation_inference(
                        x[idx],
                        batch.context_mask[idx],
                        fold,
                        rows[idx],
                        batch.span_start[idx],
                        batch.span_end[idx],
                        pairs[idx, c : min(c + chunk, width)],
                    )
                    rel_probs[idx, c : min(c + chunk, width)] = torch.sigmoid(logits.float())
        return ModelOutput(span_probs, entity_mask, pairs, pair_mask, rel_probs)

    def relation_fold(self, reduced: torch.Tensor) -> RelationFold:
        """What :meth:`relation_inference` needs, computed once per batch of units.

        ``H_r = [FFNN(R_s1); FFNN(R_s2)]`` enters the relation classifier's first layer and the
        query projection of each relation attention only linearly, so ``W H_r = W_1 FFNN(R_s1)
        + W_2 FFNN(R_s2)``: projected once per entity (rows of ``reduced``) and summed per pair,
        instead of three projections of a twice as wide vector for every pair. With multihead
        attention, its output projection and the first layer of ``FFNN_F`` / ``FFNN_T`` are two
        linear maps in a row, so they are multiplied into one here.
        """
        cfg = self.config
        r = cfg.reduce
        weights = [self.rel_classifier[0].weight[:, : 2 * r]]
        attentions = []
        if cfg.local_attention:
            attentions.append((self.local_context, self.ffnn_local))
        if cfg.sentence_attention:
            attentions.append((self.rel_context, self.ffnn_sentence))
        weights += [att.query_linear.weight for att, _ in attentions]
        w = torch.cat(weights)  # [D, 2r]
        folded: list[tuple[torch.Tensor, torch.Tensor] | None] = []
        for att, head in attentions:
            if isinstance(att, MultiHeadAttention):
                first = head[0]
                folded.append((first.weight @ att.out.weight, first.weight @ att.out.bias))
            else:
                folded.append(None)
        return RelationFold(
            first=reduced @ w[:, :r].T,
            second=reduced @ w[:, r:].T,
            sizes=[len(part) for part in weights],
            folded=folded,
        )

    def relation_inference(
        self,
        x: torch.Tensor,
        context_mask: torch.Tensor,
        fold: RelationFold,
        rows: torch.Tensor,
        span_start: torch.Tensor,
        span_end: torch.Tensor,
        pairs: torch.Tensor,
    ) -> torch.Tensor:
        """Relation logits ``[B, P, R]``, equal in value to :meth:`relation_logits` (inference).

        ``fold`` holds one row per entity (see :meth:`relation_fold`) and ``rows [B, S]`` maps
        each span slot to its entity's row. The ``[CLS]`` ablation runs ``FFNN_T`` once per unit.
        """
        cfg = self.config
        b, p = pairs.shape[:2]
        ids = torch.gather(rows, 1, pairs.flatten(1)).view_as(pairs)
        h = fold.first[ids[..., 0]] + fold.second[ids[..., 1]]
        classifier = self.rel_classifier[0]
        parts = list(h.split(fold.sizes, dim=-1))
        folded = list(fold.folded)
        hidden = parts.pop(0) + classifier.bias
        lo, hi = between_bounds(span_start, span_end, pairs)
        if cfg.local_attention:
            between = between_mask(x, context_mask, lo, hi)
            local = _attend_into(
                self.local_context, self.ffnn_local, folded.pop(0), parts.pop(0), x, between
            )
        else:
            local = self.ffnn_local(range_max(x, lo + 1, hi - 1))
        if cfg.sentence_attention:
            mask = context_mask.unsqueeze(1)
            sentence = _attend_into(
                self.rel_context, self.ffnn_sentence, folded.pop(0), parts.pop(0), x, mask
            )
        else:
            sentence = self.ffnn_sentence(x[:, :1]).expand(b, p, -1)
        c = cfg.context
        w_rest = classifier.weight[:, 2 * cfg.reduce :]
        hidden = hidden + local @ w_rest[:, :c].T + sentence @ w_rest[:, c:].T
        return self.rel_classifier[1:](hidden)


@dataclass
class RelationFold:
    """Per-entity projections and folded weights for :meth:`SpanRelModel.relation_inference`."""

    first: torch.Tensor  # [E, D]: what an entity adds as the pair's first argument
    second: torch.Tensor  # [E, D]: ... as its second argument
    sizes: list[int]  # D split: classifier's hidden layer, then each relation attention's query
    folded: list[tuple[torch.Tensor, torch.Tensor] | None]  # FFNN[0] o attention output, or None


def _attend_into(
    att: nn.Module,
    ffnn: nn.Sequential,
    folded: tuple[torch.Tensor, torch.Tensor] | None,
    q_terms: torch.Tensor,
    x: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """``ffnn(att(H_r, x, mask))`` from the per-pair query terms (query bias not yet added)."""
    bias = att.query_linear.bias
    q = q_terms + bias if bias is not None else q_terms
    if folded is None:
        return ffnn(att.forward_projected(q, x, mask))
    ctx = att.attend(q, x, mask)
    hidden = torch.nn.functional.linear(ctx, *folded) * has_key(mask, ctx) + ffnn[0].bias
    return ffnn[1:](hidden)
