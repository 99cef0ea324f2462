"""The optional moving average of the weights: what is saved, what training continues from."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from core_model import ModelConfig, TrainConfig, TrainingCancelled
from core_model.averaging import WeightAverage
from core_model.trainer import Trainer


def test_average_follows_the_weights_and_swaps_back() -> None:
    model = torch.nn.Linear(3, 2)
    ema = WeightAverage(model, decay=0.5)
    with torch.no_grad():
        for _ in range(3):  # warm-up decay min(0.5, (1+n)/(10+n)) = 0.1818.., 0.25, 0.3077..
            model.weight.add_(1.0)
            ema.update()
    start = model.weight.detach() - 3.0
    expected = start.clone()
    for n, value in enumerate((1.0, 2.0, 3.0), start=1):
        d = min(0.5, (1 + n) / (10 + n))
        expected = d * expected + (1 - d) * (start + value)
    raw = model.weight.detach().clone()
    with ema.applied():
        assert torch.allclose(model.weight, expected)
    assert torch.equal(model.weight, raw)


def _trainer(out, encoder, docs, dev, types, epochs: int, **kwargs) -> Trainer:
    return Trainer(
        docs,
        dev,
        types,
        out,
        encoder_dir=encoder,
        model_config=ModelConfig(max_span_width=4),
        train_config=TrainConfig(epochs=epochs, batch_size=4, head_lr=1e-3, ema_decay=0.9),
        show_progress=False,
        **kwargs,
    )


def test_trainer_saves_the_average_and_trains_the_raw_weights(
    tmp_path, tiny_encoder_dir, conll_train, conll_types
) -> None:
    # no dev set: every epoch is kept, so the saved model is the last epoch's average
    trainer = _trainer(tmp_path / "m", tiny_encoder_dir, conll_train[:8], None, conll_types, 2)
    trainer.run()
    saved = load_file(tmp_path / "m" / "model.safetensors")
    params = dict(trainer.model.named_parameters())
    shadow = dict(zip(params, trainer.ema.shadow, strict=True))
    name = "span_classifier.0.weight"
    assert torch.equal(saved[name], shadow[name])
    assert not torch.equal(saved[name], params[name].detach())  # the model still holds raw ones
    assert trainer.ema.updates == 4  # 2 epochs x 2 steps


def test_resume_continues_the_average(tmp_path, tiny_encoder_dir, conll_train, conll_types) -> None:
    stop = tmp_path / "STOP"
    args = (tmp_path / "m", tiny_encoder_dir, conll_train[:8], conll_train[8:10], conll_types)
    first = _trainer(
        *args, 3, stop_file=stop, progress=lambda ev: ev.epoch == 2 and stop.write_text("stop")
    )
    with pytest.raises(TrainingCancelled):
        first.run()
    state = torch.load(tmp_path / "m.work" / "state.pt", weights_only=False)
    assert state["ema"]["updates"] == 2
    stop.unlink()
    resumed = _trainer(*args, 3, resume=True)
    resumed.run()
    assert resumed.ema.updates == 6  # two from epoch 1, four more from epochs 2 and 3
