"""The model a training run starts from: a fresh one on a pretrained encoder, or a warm start
from a saved model, and the decoding rules learnt from the training data.

The label inventory always comes from the training data's types; the architecture comes from
the caller's settings (fresh) or from the saved model (warm start), whose every weight that
still fits the new types is kept.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .config import ModelConfig, TrainConfig
from .decoding import has_overlaps, seen_arg_types
from .documents import Doc
from .encoder import default_encoder_dir, load_pretrained_encoder, load_tokenizer, max_unit_length
from .models import SpanRelModel
from .saving import load_model
from .types import TypeInventory

log = logging.getLogger(__name__)

#: settings that follow from the types and the encoder, never from the caller's model config
DERIVED = ("entity_types", "relation_types", "symmetric_relations", "hidden_size", "encoder_source")


def build_model(
    types: TypeInventory,
    encoder_dir: str | Path | None,
    model_config: ModelConfig | dict[str, Any] | None,
    init_from: str | Path | None,
) -> tuple[SpanRelModel, Any]:
    """(model, tokenizer) for training on ``types``: warm-started from ``init_from`` when
    given, else a fresh head on the encoder in ``encoder_dir`` (default: the bundled one)."""
    overrides = (
        model_config.to_dict()
        if isinstance(model_config, ModelConfig)
        else dict(model_config or {})
    )
    for key in DERIVED:
        overrides.pop(key, None)
    labels = dict(
        entity_types=types.entity_types,
        relation_types=types.relation_types,
        symmetric_relations=types.symmetric_relations,
    )
    if init_from is not None:
        if encoder_dir is not None or model_config is not None:
            log.info(
                "warm start: architecture and encoder come from %s; the given "
                "encoder directory and model settings are not used (word shapes "
                "are added when asked for)",
                init_from,
            )
        return warm_start_model(Path(init_from), labels, bool(overrides.get("word_shapes")))
    enc_dir = Path(encoder_dir) if encoder_dir else default_encoder_dir()
    tokenizer = load_tokenizer(enc_dir)
    encoder = load_pretrained_encoder(enc_dir)
    config = ModelConfig(
        **{**overrides, **labels},
        hidden_size=encoder.config.hidden_size,
        encoder_source=str(enc_dir),
    )
    config.max_length = min(config.max_length, max_unit_length(tokenizer, encoder.config))
    return SpanRelModel(config, encoder), tokenizer


def warm_start_model(
    path: Path, labels: dict[str, Any], word_shapes: bool = False
) -> tuple[SpanRelModel, Any]:
    """Start from a saved model: its architecture, every weight whose shape still fits.

    ``word_shapes``: a saved model without them gains them (their embedding starts at zero, so
    the warm start begins from the old model's own outputs); one that has them keeps them.
    """
    old, tokenizer, _, _ = load_model(path)
    shapes = old.config.word_shapes or word_shapes
    config = ModelConfig.from_dict(
        {**old.config.to_dict(), **labels, "encoder_source": str(path), "word_shapes": shapes}
    )
    model = SpanRelModel(config, old.encoder)
    own = model.state_dict()
    keep = {k: v for k, v in old.state_dict().items() if k in own and own[k].shape == v.shape}
    skipped = sorted(set(own) - set(keep))
    model.load_state_dict(keep, strict=False)
    if skipped:
        log.info(
            "warm start from %s: %d tensors re-initialised (types changed or layers added): %s",
            path,
            len(skipped),
            ", ".join(skipped[:6]),
        )
    return model, tokenizer


def set_decoding(config: ModelConfig, train_docs: list[Doc], cfg: TrainConfig) -> None:
    """Decoding rules learnt from the training data (saved with the model; see decoding)."""
    mode = cfg.entity_decoding
    if mode == "auto":
        mode = "all" if has_overlaps(train_docs) else "flat"
    config.entity_decoding = mode
    config.relation_arg_types = seen_arg_types(train_docs) if cfg.relation_arg_constraints else {}
    log.info(
        "entity decoding %r; relation argument types %s",
        mode,
        "constrained to those seen in training" if config.relation_arg_types else "free",
    )
