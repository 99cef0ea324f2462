"""Training doors, saved model directories, prediction offsets, the CLI and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from converters.document import Document
from converters.errors import ConversionError
from core_model import ModelConfig, Predictor, TrainConfig, TrainingCancelled, train
from core_model.prediction import Prediction

REPO = Path(__file__).resolve().parents[2]
SMALL = dict(epochs=2, batch_size=4, head_lr=1e-3, eval_batch_size=8)


def small_model_config() -> ModelConfig:
    return ModelConfig(max_span_width=4)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_encoder_dir, conll_train, conll_types) -> Path:
    out = tmp_path_factory.mktemp("models") / "m1"
    events = []
    result = train(
        conll_train[:12],
        conll_train[12:16],
        conll_types,
        out,
        encoder_dir=tiny_encoder_dir,
        model_config=small_model_config(),
        train_config=TrainConfig(**SMALL),
        progress=events.append,
        show_progress=False,
    )
    assert result.model_dir == out
    assert [e.phase for e in events].count("eval") == 2
    assert events[0].steps == 3 and events[0].loss > 0
    assert not (out.parent / "m1.work").exists()
    return out


def test_saved_model_layout(trained: Path) -> None:
    names = {p.name for p in trained.iterdir()}
    assert {"config.json", "model.safetensors", "encoder", "types.json", "training.json"} <= names
    assert (trained / "encoder" / "config.json").is_file()
    assert (trained / "encoder" / "tokenizer.json").is_file()
    cfg = json.loads((trained / "config.json").read_text())
    assert cfg["attention"] == "multihead" and cfg["max_span_width"] == 4
    assert 0 < cfg["relation_threshold"] < 1
    meta = json.loads((trained / "training.json").read_text())
    assert len(meta["history"]) == 2 and meta["best_epoch"] in (1, 2)
    types = json.loads((trained / "types.json").read_text())
    assert list(types["entities"]) == ["Loc", "Org", "Peop", "Other"]


def test_save_load_predict_bit_identical(predicting_model: Path, conll_train) -> None:
    """Two loads of one saved model predict the same, relations included: the session's model
    predicts both on the documents it was trained on, so the comparison is not of empty lists."""
    texts = ["John Smith, who works for IBM in Armonk, met Mary Jones in Paris.", ""]
    a = Predictor.load(predicting_model, device="cpu")
    b = Predictor.load(predicting_model, device="cpu")
    for x, y in zip(a.model.state_dict().values(), b.model.state_dict().values(), strict=True):
        assert torch.equal(x, y)
    docs = conll_train[:2]
    pa = a.predict(texts + docs, batch_size=3, threshold=0.5)
    pb = b.predict(texts + docs, batch_size=3, threshold=0.5)
    assert sum(len(p.entities) for p in pa) >= 4 and sum(len(p.relations) for p in pa) >= 1
    assert [p.to_dict() for p in pa] == [p.to_dict() for p in pb]
    assert pa[1].entities == [] and pa[1].tokens == [] and pa[1].uncertainty == 0.0


def test_in_memory_model_equals_saved(tmp_path, tiny_encoder_dir, conll_train, conll_types) -> None:
    from core_model.trainer import Trainer

    tr = Trainer(
        conll_train[:6],
        None,
        conll_types,
        tmp_path / "m",
        encoder_dir=tiny_encoder_dir,
        model_config=small_model_config(),
        train_config=TrainConfig(epochs=1, batch_size=4, head_lr=1e-3),
        show_progress=False,
    )
    tr.run()
    live = Predictor(tr.model, tr.tokenizer, tr.types, "cpu")
    saved = Predictor.load(tmp_path / "m", device="cpu")
    docs = conll_train[30:34]
    from_live = live.predict(docs, threshold=0.01)
    assert sum(len(p.entities) for p in from_live) > 0
    assert sum(len(p.relations) for p in from_live) > 0
    assert [p.to_dict() for p in from_live] == [
        p.to_dict() for p in saved.predict(docs, threshold=0.01)
    ]


def test_offsets_slice_back_to_entity_text(predicting_model: Path) -> None:
    """Character offsets of raw-text predictions, from the session's model that really predicts
    entities and relations (a tiny random model predicts no relation to check)."""
    text = "Dr. Ana  Lopez (CEO) of Acme Ltd.\n\nShe lives in São Paulo, Brazil; don't she?"
    pred = Predictor.load(predicting_model, device="cpu")
    # the lowest relation threshold: every pair the model scores at all comes back
    (p,) = pred.predict([text], threshold=0.01)
    assert len(p.entities) >= 3 and p.relations, p
    for s, e in p.token_offsets:
        assert text[s:e].strip() == text[s:e] and text[s:e]
    for ent in p.entities:
        assert text[ent.start : ent.end] == ent.text
        assert ent.start == p.token_offsets[ent.token_start][0]
        assert ent.end == p.token_offsets[ent.token_end - 1][1]
        assert 0.0 < ent.probability <= 1.0
    for rel in p.relations:
        assert 0 <= rel.head < len(p.entities) and 0 <= rel.tail < len(p.entities)
        assert rel.probability >= 0.01
    # a document with its own tokens (as the store keeps them) maps back into its own text
    doc = Document(
        "d", "Ana Lopez  visited Rome", metadata={"tokens": [[0, 3], [4, 9], [11, 18], [19, 23]]}
    )
    (q,) = pred.predict([doc], threshold=0.5)
    assert q.tokens == ["Ana", "Lopez", "visited", "Rome"] and q.entities
    for ent in q.entities:
        assert doc.text[ent.start : ent.end] == ent.text


def test_evaluate_report_and_threshold(trained: Path, conll_train) -> None:
    pred = Predictor.load(trained, device="cpu")
    rep = pred.evaluate(conll_train[12:16])
    assert set(rep) >= {"entities", "relations", "relations_untyped", "threshold"}
    for key in ("entities", "relations", "relations_untyped"):
        assert set(rep[key]) >= {"micro", "macro", "per_type"}
    assert rep["threshold"] == pred.threshold


def test_warm_start_and_changed_types(tmp_path, trained: Path, conll_train, conll_types) -> None:
    out = tmp_path / "warm"
    train(
        conll_train[:4],
        None,
        conll_types,
        out,
        init_from=trained,
        train_config=TrainConfig(epochs=1, batch_size=4),
        show_progress=False,
    )
    assert json.loads((out / "training.json").read_text())["init_from"] == str(trained)
    # new relation inventory: the relation classifier is re-initialised, the rest kept
    docs = [dict(d, relations=[]) for d in conll_train[:4]]
    types = {
        "entities": {t: {} for t in ["Loc", "Org", "Peop", "Other"]},
        "relations": {"Other_Rel": {}},
    }
    train(
        docs,
        None,
        types,
        tmp_path / "warm2",
        init_from=trained,
        train_config=TrainConfig(epochs=1, batch_size=4),
        show_progress=False,
    )
    assert Predictor.load(tmp_path / "warm2").config.relation_types == ["Other_Rel"]


def test_cancel_by_stop_file_and_resume(tmp_path, tiny_encoder_dir, conll_train, conll_types):
    out = tmp_path / "m"
    stop = tmp_path / "STOP"
    calls = []

    def progress(ev):
        calls.append(ev)
        if ev.epoch == 2 and ev.step == 1:
            stop.write_text("stop")

    kwargs = dict(
        encoder_dir=tiny_encoder_dir,
        model_config=small_model_config(),
        train_config=TrainConfig(epochs=3, batch_size=4, head_lr=1e-3),
        show_progress=False,
    )
    with pytest.raises(TrainingCancelled):
        train(
            conll_train[:8],
            conll_train[8:10],
            conll_types,
            out,
            progress=progress,
            stop_file=stop,
            **kwargs,
        )
    assert not out.exists()
    work = tmp_path / "m.work"
    assert (work / "state.pt").is_file() and (work / "best" / "model.safetensors").is_file()
    Predictor.load(work / "best")  # the best model so far is usable
    stop.unlink()
    result = train(conll_train[:8], None, conll_types, out, resume=True, **kwargs)
    assert [h["epoch"] for h in result.history] == [1, 2, 3]
    assert out.is_dir() and not work.exists()
    with pytest.raises(TrainingCancelled):
        train(
            conll_train[:8], None, conll_types, tmp_path / "m2", should_stop=lambda: True, **kwargs
        )


def test_bad_input_errors(tmp_path, tiny_encoder_dir, conll_train, conll_types) -> None:
    kw = dict(encoder_dir=tiny_encoder_dir, train_config=TrainConfig(epochs=1), show_progress=False)
    with pytest.raises(ConversionError, match="encoder directory not found"):
        train(conll_train[:2], None, conll_types, tmp_path / "x", encoder_dir=tmp_path / "nope")
    with pytest.raises(ConversionError, match=r"config\.json is missing"):
        train(conll_train[:2], None, conll_types, tmp_path / "x", encoder_dir=tmp_path)
    bad_type = [
        dict(conll_train[0], entities=[{"type": "Person", "start": 0, "end": 1}], relations=[])
    ]
    with pytest.raises(
        ConversionError, match=r"entity type 'Person' \(1 use\) is not in the types file"
    ):
        train(bad_type, None, conll_types, tmp_path / "x", **kw)
    outside = [{"tokens": ["a", "b"], "entities": [{"type": "Loc", "start": 1, "end": 3}]}]
    with pytest.raises(ConversionError, match=r"record 0, entity 0: .* outside the 2 tokens"):
        train(outside, None, conll_types, tmp_path / "x", **kw)
    with pytest.raises(ConversionError, match="no training document with tokens"):
        train([{"tokens": []}], None, conll_types, tmp_path / "x", **kw)
    bad_rel = [
        {
            "tokens": ["a", "b"],
            "entities": [{"type": "Loc", "start": 0, "end": 1}],
            "relations": [{"type": "Live_In", "head": 0, "tail": 4}],
        }
    ]
    with pytest.raises(ConversionError, match="relation 0: tail 4 is not an index"):
        train(bad_rel, None, conll_types, tmp_path / "x", **kw)
    f = tmp_path / "bad.json"
    f.write_text('[{"tokens": ["a"]}, {"tokens": "x"}]')
    with pytest.raises(ConversionError, match=r"bad\.json(:\d+)?: record 1"):
        train(f, None, conll_types, tmp_path / "x", **kw)
    assert not (tmp_path / "x").exists()
    with pytest.raises(ConversionError, match=r"config\.json is missing"):
        Predictor.load(tmp_path)
    with pytest.raises(ValueError, match="unknown attention"):
        ModelConfig(attention="cosine")


def _cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    from core_model.cli import main

    code = main(list(args))
    return code, capsys.readouterr().out


def test_cli_train_eval_predict(
    tmp_path, capsys, tiny_encoder_dir, conll_train, conll_types
) -> None:
    train_f, dev_f = tmp_path / "train.json", tmp_path / "dev.json"
    train_f.write_text(json.dumps(conll_train[:6]))
    dev_f.write_text(json.dumps(conll_train[6:8]))
    out = tmp_path / "model"
    code, stdout = _cli(
        capsys,
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
        "1",
        "--batch-size",
        "4",
        "--attention",
        "dot",
        "--no-local-attention",
        "--no-word-shapes",
        "--max-span-width",
        "3",
        "--device",
        "cpu",
        "--seed",
        "3",
        "--head-lr",
        "1e-3",
        "--ema-decay",
        "0.9",
    )
    assert code == 0
    summary = json.loads(stdout)
    assert summary["model_dir"] == str(out) and "dev" in summary
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["attention"] == "dot" and cfg["local_attention"] is False
    assert cfg["word_shapes"] is False
    meta = json.loads((out / "training.json").read_text())
    assert meta["train_config"]["ema_decay"] == 0.9

    code, stdout = _cli(capsys, "eval", "--model", str(out), "--data", str(dev_f))
    assert code == 0
    report = json.loads(stdout)  # exactly one JSON object
    assert report["entities"]["micro"].keys() == {"precision", "recall", "f1"}
    assert "relations_untyped" in report and "macro" in report["relations"]

    txt_dir = tmp_path / "txt"
    txt_dir.mkdir()
    (txt_dir / "a.txt").write_text("Bill Gates founded Microsoft in Albuquerque.")
    (txt_dir / "b.txt").write_text("")
    for inp, n in ((txt_dir, 2), (txt_dir / "a.txt", 1), (dev_f, 2)):
        pred_f = tmp_path / "pred.json"
        code, _ = _cli(
            capsys, "predict", "--model", str(out), "--input", str(inp), "--output", str(pred_f)
        )
        assert code == 0
        preds = json.loads(pred_f.read_text())
        assert len(preds) == n and all("entities" in p and "doc_id" in p for p in preds)
    assert [p["doc_id"] for p in json.loads(pred_f.read_text())] != [None, None]


@pytest.mark.slow
def test_cli_module_entry_point_reports_errors(tmp_path, conll_train, conll_types) -> None:
    train_f = tmp_path / "train.json"
    train_f.write_text(json.dumps(conll_train[:2]))
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "core_model",
            "train",
            "--train",
            str(train_f),
            "--types",
            str(conll_types),
            "--out",
            str(tmp_path / "m"),
            "--encoder",
            str(tmp_path / "missing"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert r.returncode == 2 and "encoder directory not found" in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in r.stderr


def test_prediction_to_dict_roundtrip() -> None:
    p = Prediction(text="a b", tokens=["a", "b"], token_offsets=[(0, 1), (2, 3)])
    d = p.to_dict()
    assert d["token_offsets"] == [[0, 1], [2, 3]] and json.loads(json.dumps(d)) == d
