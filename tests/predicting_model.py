"""The test run's one real model that predicts, trained in the background from collection on.

Training it takes one to three minutes of CPU. Trained on demand inside the ``predicting_model``
fixture, it held up whichever pytest-xdist worker asked first, and the other worker too when it
asked while the first trained. So as soon as a process has collected a test that uses the
fixture, it starts this module as a low-priority background process (``start``); the workers
go on with other tests, the training takes the CPU they leave while they wait for browsers and
servers, and the fixture waits only for what is left of it (``wait``).

Markers in the run's shared temporary folder: ``predicting_model.started`` (created atomically
by the one process that starts the training: the others see it and do not), then ``done`` or
``failed`` in the model's folder (with the trainer's log beside it).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

FIXTURE = "predicting_model"
N_DOCS = 16
WAIT_S = 1800.0


def model_dir(shared: Path) -> Path:
    return shared / FIXTURE


def start(shared: Path, conll: Path) -> bool:
    """Start the background training unless another process already did; True if this one did."""
    marker = shared / f"{FIXTURE}.started"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    out = model_dir(shared)
    out.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f"{FIXTURE}.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.predicting_model", str(conll), str(out)],
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    os.write(fd, str(proc.pid).encode())
    os.close(fd)
    return True


def stop(shared: Path) -> None:
    """End a background training nobody needs any more (the run ended before it did).

    Called by the process that ends the run (the xdist controller, or pytest without xdist):
    a worker that ends early must not take the model from one still waiting for it."""
    marker = shared / f"{FIXTURE}.started"
    out = model_dir(shared)
    if not marker.is_file() or (out / "done").exists() or (out / "failed").exists():
        return
    text = marker.read_text().strip()
    if text.isdigit() and int(text) > 1:  # never 0: that would be our own process group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(int(text), 9)


def wait(shared: Path) -> Path:
    """The trained model's folder, once the background training has written it."""
    out = model_dir(shared)
    deadline = time.monotonic() + WAIT_S
    while not (out / "done").exists():
        if (out / "failed").exists():
            log = (out.parent / f"{FIXTURE}.log").read_text(errors="replace")
            raise RuntimeError(f"training the predicting model failed:\n{log[-4000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the predicting model was not trained after {WAIT_S:.0f} s")
        time.sleep(0.5)
    return out


def documents(conll: Path) -> list[dict]:
    """The first CoNLL04 training documents: what the model is overfit on, and what tests ask."""
    return json.loads((conll / "conll04_train.json").read_text(encoding="utf-8"))[:N_DOCS]


def train_model(conll: Path, out: Path) -> None:
    from core_model import ModelConfig, TrainConfig, train

    train(
        documents(conll),
        None,
        conll / "conll04_types.json",
        out,
        model_config=ModelConfig(max_span_width=6),
        # a higher rate for the new layers converges in ~120 steps instead of thousands
        train_config=TrainConfig(
            epochs=30, batch_size=4, lr=1e-4, head_lr=1e-3, warmup=0.0, device="cpu"
        ),
        show_progress=False,
    )


def main(conll: Path, out: Path) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.nice(10)  # the tests come first; this takes what they leave
    try:
        import torch

        torch.set_num_threads(1)
        train_model(conll, out)
    except BaseException:
        (out / "failed").write_text("failed", encoding="utf-8")
        raise
    (out / "done").write_text("ok", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
