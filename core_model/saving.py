"""A saved model is a directory that rebuilds and predicts with no other input.

Layout::

    config.json        ModelConfig (architecture, types, relation threshold)
    model.safetensors  all weights (encoder and heads)
    encoder/           the encoder's HuggingFace config.json and tokenizer files
    types.json         the type inventory in SpERT's types-file format
    training.json      training metadata (settings, data sizes, dev scores, history)

Directories are written under a temporary name and renamed into place, so a reader never
sees a half-written model.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model as st_load_model
from safetensors.torch import save_model as st_save_model

from converters import spert
from converters.errors import ConversionError

from .config import ModelConfig
from .encoder import encoder_from_config, load_tokenizer
from .models import SpanRelModel
from .types import TypeInventory

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
ENCODER_DIR = "encoder"
TYPES_FILE = "types.json"
TRAINING_FILE = "training.json"


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling directory; on success it replaces ``target`` in one rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def save_model_dir(
    directory: Path,
    model: SpanRelModel,
    tokenizer: Any,
    types: TypeInventory,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write every file of a saved model into an existing (empty) directory."""
    directory = Path(directory)
    write_json(directory / CONFIG_FILE, model.config.to_dict())
    st_save_model(model, str(directory / WEIGHTS_FILE))
    enc_dir = directory / ENCODER_DIR
    enc_dir.mkdir(exist_ok=True)
    model.encoder.config.save_pretrained(enc_dir)
    tokenizer.save_pretrained(enc_dir)
    spert.write_types(types.to_schema(), directory / TYPES_FILE)
    write_json(directory / TRAINING_FILE, metadata or {})


def save_model(
    directory: str | Path,
    model: SpanRelModel,
    tokenizer: Any,
    types: TypeInventory,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Save atomically (temporary directory renamed over ``directory``)."""
    with atomic_dir(directory) as tmp:
        save_model_dir(tmp, model, tokenizer, types, metadata)
    return Path(directory)


def read_model_config(directory: str | Path) -> ModelConfig:
    directory = Path(directory)
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise ConversionError(directory, f"not a saved spanrel model: {CONFIG_FILE} is missing")
    try:
        return ModelConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise ConversionError(path, f"invalid model config: {exc}") from exc


def load_model(
    directory: str | Path, device: torch.device | None = None
) -> tuple[SpanRelModel, Any, TypeInventory, dict[str, Any]]:
    """(model in eval mode, tokenizer, types, training metadata) of a saved model directory."""
    directory = Path(directory)
    config = read_model_config(directory)
    for name in (WEIGHTS_FILE, ENCODER_DIR):
        if not (directory / name).exists():
            raise ConversionError(directory, f"not a complete saved model: {name} is missing")
    tokenizer = load_tokenizer(directory / ENCODER_DIR)
    model = SpanRelModel(config, encoder_from_config(directory / ENCODER_DIR))
    missing, unexpected = st_load_model(model, str(directory / WEIGHTS_FILE), strict=False)
    # a pooler the encoder class adds but never uses may be absent; nothing else may be
    missing = [k for k in missing if ".pooler." not in k and not k.startswith("encoder.pooler")]
    if missing or unexpected:
        raise ConversionError(
            directory / WEIGHTS_FILE,
            f"weights do not match the config (missing {missing[:5]}, unexpected {unexpected[:5]})",
        )
    types_path = directory / TYPES_FILE
    if types_path.is_file():
        types = TypeInventory.from_schema(spert.read_types(types_path))
    else:
        types = TypeInventory(
            config.entity_types, config.relation_types, config.symmetric_relations
        )
    meta_path = directory / TRAINING_FILE
    metadata = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    model.eval()
    if device is not None:
        model.to(device)
    return model, tokenizer, types, metadata
