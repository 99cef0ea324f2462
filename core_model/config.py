"""Settings of the model and of training, kept as plain dataclasses.

``ModelConfig`` is everything needed to rebuild a trained model (it is written as
``config.json`` next to the weights); ``TrainConfig`` holds the optimisation settings, whose
defaults are those of ``shared/design/model.md`` (AdamW 5e-5, 10 % warm-up, batch 8, ...).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

ATTENTION_VARIANTS = ("multihead", "additive", "dot", "general")
# entity decoding of a saved model (see ``decoding``); training also takes "auto"
ENTITY_DECODING = ("all", "flat")
SCHEDULES = ("fixed", "auto")
PRECISIONS = ("fp32", "bf16", "auto")


@dataclass
class ModelConfig:
    """Architecture and label set of one model; JSON round-trips through ``to_dict``."""

    entity_types: list[str] = field(default_factory=list)
    relation_types: list[str] = field(default_factory=list)
    # relation types whose argument order carries no meaning (SpERT types file "symmetric")
    symmetric_relations: list[str] = field(default_factory=list)
    # where the encoder came from (informative only: a saved model carries its own copy)
    encoder_source: str = ""
    hidden_size: int = 0  # encoder hidden size, filled in when the encoder is loaded
    max_span_width: int = 10
    width_dim: int = 50
    attention: str = "multihead"
    heads: int = 8
    span_attention: bool = True  # False: F_s = max-pool over the span's sub-words
    sentence_attention: bool = True  # False: T_s and T_r = the [CLS] vector
    local_attention: bool = True  # False: F_r = max-pool over the sub-words between the spans
    dropout: float = 0.2
    ffnn_hidden: int = 0  # 0: the encoder hidden size
    reduce_dim: int = 0  # size of FFNN(R_s) inside H_r; 0: the encoder hidden size
    context_dim: int = 0  # output of FFNN_F and FFNN_T; 0: a quarter of the hidden size
    additive_dim: int = 128  # size of the tanh layer of additive attention
    relation_threshold: float = 0.4
    # decoding rules (see ``decoding``), set by the trainer from its data and TrainConfig:
    # "all" keeps every span classified as an entity (overlapping and nested ones too);
    # "flat" keeps the most probable of overlapping ones
    entity_decoding: str = "all"
    # relation type -> allowed [head type, tail type] pairs; types not listed are unconstrained
    relation_arg_types: dict[str, list[list[str]]] = field(default_factory=dict)
    max_length: int = 512  # sub-words per unit including [CLS]/[SEP]
    # pairs scored at once at inference; bounds memory when many spans are entities
    max_pairs_per_chunk: int = 1000
    # a learnt embedding of each word's shape (capitals, digits: ``encoding.word_shape``) added
    # to the encoder's input embeddings; a model saved without the setting has none
    word_shapes: bool = True

    def __post_init__(self) -> None:
        if self.attention not in ATTENTION_VARIANTS:
            raise ValueError(
                f"unknown attention variant {self.attention!r}; "
                f"choose one of {', '.join(ATTENTION_VARIANTS)}"
            )
        if self.max_span_width < 1:
            raise ValueError("max_span_width must be at least 1")
        if self.entity_decoding not in ENTITY_DECODING:
            raise ValueError(
                f"entity_decoding must be one of {', '.join(ENTITY_DECODING)}, "
                f"not {self.entity_decoding!r}"
            )
        if not 0.0 < self.relation_threshold < 1.0:
            raise ValueError("relation_threshold must lie strictly between 0 and 1")

    @property
    def hidden(self) -> int:
        return self.ffnn_hidden or self.hidden_size

    @property
    def reduce(self) -> int:
        return self.reduce_dim or self.hidden_size

    @property
    def context(self) -> int:
        return self.context_dim or max(1, self.hidden_size // 4)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(sorted(unknown))}")
        return cls(**{"word_shapes": False, **data})


@dataclass
class TrainConfig:
    """Optimisation settings (defaults from the design page, SpERT where it is silent)."""

    epochs: int = 20
    batch_size: int = 8
    lr: float = 5e-5
    # learning rate of the newly initialised layers (None: ``lr``, as the paper and SpERT);
    # a higher one (e.g. 1e-3) makes small data and small encoders converge in far fewer steps
    head_lr: float | None = None
    warmup: float = 0.1  # fraction of all steps with linear warm-up, then linear decay
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    # evaluate and save an exponential moving average of the weights (e.g. 0.999); None: the
    # raw weights, as the design page (see ``averaging``)
    ema_decay: float | None = None
    seed: int = 42
    # dynamic negative sampling, redrawn every epoch
    neg_entity_ratio: int = 30
    neg_entity_min: int = 30  # negatives for a unit with no gold entity
    neg_relation_ratio: int = 30
    # negatives for a unit with no gold relation (pairs of gold entities only); 0 gives the
    # literal "30 x gold relations" reading, which never shows the model an unrelated pair from
    # a sentence that has no relation at all
    neg_relation_min: int = 30
    span_loss_weight: float = 0.4
    relation_loss_weight: float = 0.6
    device: str = "auto"
    eval_batch_size: int = 16
    tune_threshold: bool = True
    # "auto": flat decoding when no two training entities overlap, else "all" (see decoding)
    entity_decoding: str = "auto"
    # predict a relation type only between entity types the training data showed it with
    relation_arg_constraints: bool = True
    threshold_grid: list[float] = field(
        default_factory=lambda: [round(0.05 * i, 2) for i in range(1, 20)]
    )
    # model selection on dev: "relation" (strict relation F1, entity F1 breaks ties) or "entity"
    select_on: str = "relation"
    select_average: str = "micro"  # or "macro" (ADE)
    max_steps_per_epoch: int | None = None  # for benchmarks and smoke runs
    num_threads: int | None = None  # torch CPU threads; None leaves torch's default
    # "fixed": train ``epochs`` epochs; "auto": the epochs follow the number of training units
    # (``schedule.auto_schedule``: about 400 optimizer steps for a small project)
    schedule: str = "fixed"
    # stop when this many dev passes in a row brought no better score, once half the planned
    # steps are done (None: never stop early)
    patience: int | None = None
    # wall-time budget of the training loop in seconds: training stops after the step that
    # passes it, the epoch so far is evaluated and the best model is kept (None: no budget)
    max_seconds: float | None = None
    # "fp32"; "bf16": bf16 autocast also on a CPU; "auto": bf16 where the CPU has bf16 matrix
    # units (AMX), else fp32 (CUDA always runs bf16 autocast)
    precision: str = "fp32"

    def __post_init__(self) -> None:
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must lie strictly between 0 and 1, not {self.ema_decay}")
        if self.entity_decoding not in ("auto", *ENTITY_DECODING):
            raise ValueError(
                f"entity_decoding must be one of auto, {', '.join(ENTITY_DECODING)}, "
                f"not {self.entity_decoding!r}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}"
            )
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}"
            )
        if self.patience is not None and self.patience < 1:
            raise ValueError("patience must be at least 1")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise ValueError("max_seconds must be positive")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
