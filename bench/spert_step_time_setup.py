"""SpERT's own code for ``bench/spert_step_time.py``: imported with the shims, configured.

Split out of ``bench/spert_step_time.py`` to keep everything that touches SpERT's source tree
(importing its modules with the runtime shims for transformers 5, its training arguments read
from its ``example_train.conf`` by its own reader, the commit measured) apart from the timing.
Imported through ``bench/spert_step_time.py``, which re-exports every name.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

from bench.spert_step_time_optim import OPTIMIZERS

SPERT_COMMIT = "a53f468bebfa9de6d66456dcfbf4b62aef237bf7"


def load_file_module(name: str, path: Path) -> types.ModuleType:
    """A module of SpERT's tree by file (``args.py``, ``config_reader.py``), under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_spert(src: Path, optimizer: str) -> dict[str, Any]:
    """SpERT's modules, with the shims for transformers 5 (see the module docstring)."""
    if not (src / "spert" / "spert_trainer.py").is_file():
        raise SystemExit(f"{src} is not a SpERT source tree (spert/spert_trainer.py missing)")
    sys.path.insert(0, str(src))
    import transformers
    from spert import input_reader, models, util  # SpERT's package

    # transformers 5: from_pretrained needs what post_init() sets (all_tied_weights_keys);
    # SpERT's __init__ calls init_weights(), which post_init() itself calls in turn
    base_init_weights = transformers.PreTrainedModel.init_weights
    in_post_init = [False]

    def init_weights(self: Any) -> None:
        if in_post_init[0]:
            base_init_weights(self)
            return
        in_post_init[0] = True
        try:
            self.post_init()
        finally:
            in_post_init[0] = False

    models.SpERT.init_weights = init_weights

    check_version = util.check_version

    def check_version_if_saved(config: Any, model_class: Any, model_path: str) -> None:
        if os.path.isfile(os.path.join(model_path, "pytorch_model.bin")):
            check_version(config, model_class, model_path)

    util.check_version = check_version_if_saved

    stubs: list[str] = []
    if importlib.util.find_spec("sklearn") is None:
        sklearn = types.ModuleType("sklearn")
        metrics = types.ModuleType("sklearn.metrics")
        sklearn.__spec__ = importlib.machinery.ModuleSpec("sklearn", None)
        metrics.__spec__ = importlib.machinery.ModuleSpec("sklearn.metrics", None)

        def prfs(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("scikit-learn stub: SpERT's evaluation is not run here")

        metrics.precision_recall_fscore_support = prfs  # type: ignore[attr-defined]
        sklearn.metrics = metrics  # type: ignore[attr-defined]
        sys.modules["sklearn"] = sklearn
        sys.modules["sklearn.metrics"] = metrics
        stubs = ["sklearn", "sklearn.metrics"]
    # the module object behind ``transformers`` can be replaced while models import, so set
    # the name on the current one, right before SpERT's trainer imports it
    sys.modules["transformers"].AdamW = OPTIMIZERS[optimizer]  # type: ignore[attr-defined]
    try:
        from spert import spert_trainer
    finally:
        for name in stubs:  # the evaluator holds its reference; nothing else should see them
            sys.modules.pop(name, None)
    return {
        "spert_trainer": spert_trainer,
        "input_reader": input_reader,
        "args": load_file_module("spert_args", src / "args.py"),
        "config_reader": load_file_module("spert_config_reader", src / "config_reader.py"),
    }


def spert_args(mods: dict[str, Any], src: Path, cli: argparse.Namespace, tmp: Path) -> Any:
    """SpERT's training arguments: its ``example_train.conf`` read by its own config reader and
    argument parser, then the paths, CPU, seed and sampling processes of this benchmark."""
    reader = mods["config_reader"]
    runs = reader._read_config(src / "configs" / "example_train.conf")
    run_config: dict[str, str] = runs[0][1]
    args = mods["args"].train_argparser().parse_args(reader._convert_config(run_config))
    for key, value in run_config.items():  # as SpERT's _yield_configs does
        if value.lower() == "false":
            setattr(args, key, False)
    tok_cfg_path = cli.encoder / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_path.read_text()) if tok_cfg_path.is_file() else {}
    conll = cli.data / "conll04"
    overrides: dict[str, Any] = {
        "model_path": str(cli.encoder),
        "tokenizer_path": str(cli.encoder),
        "train_path": str(conll / "conll04_train.json"),
        "valid_path": str(conll / "conll04_dev.json"),
        "types_path": str(conll / "conll04_types.json"),
        "log_path": str(tmp / "log"),
        "save_path": str(tmp / "save"),
        "cpu": True,
        "lowercase": bool(tok_cfg.get("do_lower_case", False)),
        "seed": cli.seed,
        "sampling_processes": cli.sampling_processes,
        "store_predictions": False,
        "store_examples": False,
    }
    if cli.batch_size is not None:
        overrides["train_batch_size"] = cli.batch_size
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def spert_commit(src: Path) -> str:
    """HEAD of ``src`` when it is a git checkout, else the commit this script was written for
    (an archive export carries no commit)."""
    if (src / ".git").exists():
        out = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0:
            return out.stdout.strip()
    return SPERT_COMMIT
