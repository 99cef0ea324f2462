"""Scale-out: ``torchrun -m core_model train`` with 2 gloo processes saves the usual model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core_model import ModelConfig, Predictor, TrainConfig, train
from tests.serving import free_port

REPO = Path(__file__).resolve().parents[2]


def _files(model_dir: Path) -> set[str]:
    return {str(p.relative_to(model_dir)) for p in model_dir.rglob("*")}


@pytest.mark.slow
def test_torchrun_two_gloo_processes(tmp_path, tiny_encoder_dir, conll_train, conll_types) -> None:
    train_f, dev_f = tmp_path / "train.json", tmp_path / "dev.json"
    train_f.write_text(json.dumps(conll_train[:7]))  # odd: the sampler pads one shard
    dev_f.write_text(json.dumps(conll_train[7:9]))
    out = tmp_path / "ddp_model"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(free_port()),
        "-m",
        "core_model",
        "train",
        "--train",
        str(train_f),
        "--dev",
        str(dev_f),
        "--types",
        str(conll_types),
        "--out",
        str(out),
        "--encoder",
        str(tiny_encoder_dir),
        "--epochs",
        "2",
        "--batch-size",
        "2",
        "--max-span-width",
        "3",
        "--head-lr",
        "1e-3",
        "--device",
        "cpu",
    ]
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    summaries = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1, proc.stdout  # rank 0 alone prints
    summary = json.loads(summaries[0])
    assert summary["model_dir"] == str(out) and "dev" in summary
    assert not (tmp_path / "ddp_model.work").exists()

    meta = json.loads((out / "training.json").read_text())
    assert [h["epoch"] for h in meta["history"]] == [1, 2]
    assert meta["best_epoch"] == summary["best_epoch"]
    assert all("dev_score" in h for h in meta["history"])

    predictor = Predictor.load(out, device="cpu")
    preds = predictor.predict(["Bill Gates founded Microsoft in Albuquerque.", ""])
    assert len(preds) == 2 and preds[1].entities == []
    report = predictor.evaluate(conll_train[7:9])
    assert "entities" in report and "relations" in report

    # the same files as a single-process save
    single = tmp_path / "single_model"
    train(
        conll_train[:7],
        conll_train[7:9],
        conll_types,
        single,
        encoder_dir=tiny_encoder_dir,
        model_config=ModelConfig(max_span_width=3),
        train_config=TrainConfig(epochs=1, batch_size=2, head_lr=1e-3, device="cpu"),
        show_progress=False,
    )
    assert _files(out) == _files(single)
    assert (
        json.loads((out / "config.json").read_text()).keys()
        == json.loads((single / "config.json").read_text()).keys()
    )
