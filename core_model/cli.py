"""Command line: ``train``, ``eval`` (prints one JSON object) and ``predict``.

Errors in the input (missing files, bad JSON, unknown types, spans outside the tokens, an
encoder directory that is not one) end with a one-line message naming the file and exit code 2.

``torchrun --nproc_per_node N -m core_model train ...`` trains with DDP (``distributed``); the
saved model is the same as a single process's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from converters.errors import ConversionError

from .config import ATTENTION_VARIANTS, ENTITY_DECODING, ModelConfig, TrainConfig

log = logging.getLogger("core_model")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core_model", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and save it as a directory")
    t.add_argument("--train", required=True, type=Path, help="SpERT JSON training file")
    t.add_argument("--dev", type=Path, help="SpERT JSON dev file (model selection, threshold)")
    t.add_argument("--types", type=Path, help="SpERT types file (default: inferred from data)")
    t.add_argument("--out", required=True, type=Path, help="model directory to write")
    t.add_argument("--encoder", type=Path, help="local HuggingFace encoder directory")
    t.add_argument("--attention", choices=ATTENTION_VARIANTS, default="multihead")
    t.add_argument("--no-span-attention", action="store_true", help="F_s = max-pool")
    t.add_argument("--no-sentence-attention", action="store_true", help="T_s, T_r = [CLS]")
    t.add_argument("--no-local-attention", action="store_true", help="F_r = max-pool")
    t.add_argument(
        "--no-word-shapes",
        action="store_true",
        help="no embedding of each word's capitals and digits (the paper's model exactly)",
    )
    t.add_argument("--max-span-width", type=int, default=10)
    t.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    t.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    t.add_argument("--lr", type=float, default=TrainConfig.lr)
    t.add_argument("--head-lr", type=float, help="learning rate of the new layers (default: --lr)")
    t.add_argument("--seed", type=int, default=TrainConfig.seed)
    t.add_argument(
        "--ema-decay",
        type=float,
        help="evaluate and save a moving average of the weights (e.g. 0.999; default: off)",
    )
    t.add_argument("--device", default="auto", help="auto | cpu | cuda")
    t.add_argument("--init-from", type=Path, help="saved model directory to warm-start from")
    t.add_argument("--resume", action="store_true", help="continue an interrupted run (<out>.work)")
    t.add_argument("--max-steps-per-epoch", type=int, help="cap steps per epoch (smoke runs)")
    t.add_argument("--select-average", choices=("micro", "macro"), default="micro")
    t.add_argument(
        "--entity-decoding",
        choices=("auto", *ENTITY_DECODING),
        default=TrainConfig.entity_decoding,
        help="flat: keep the most probable of overlapping entities; auto: flat when no two "
        "training entities overlap",
    )
    t.add_argument(
        "--no-arg-constraints",
        action="store_true",
        help="predict relations between any entity types (default: only the argument type "
        "pairs seen in training)",
    )

    e = sub.add_parser("eval", help="evaluate a saved model; prints one JSON object")
    e.add_argument("--model", required=True, type=Path)
    e.add_argument("--data", required=True, type=Path, help="SpERT JSON with gold annotations")
    e.add_argument("--batch-size", type=int, default=16)
    e.add_argument("--threshold", type=float, help="relation threshold (default: the model's)")
    e.add_argument("--device", default="auto")

    r = sub.add_parser("predict", help="predict entities and relations")
    r.add_argument("--model", required=True, type=Path)
    r.add_argument(
        "--input", required=True, type=Path, help=".txt, a directory of .txt, or SpERT JSON"
    )
    r.add_argument("--output", required=True, type=Path, help="JSON file to write")
    r.add_argument("--batch-size", type=int, default=16)
    r.add_argument("--threshold", type=float)
    r.add_argument("--device", default="auto")
    for s in (t, e, r):
        s.add_argument("-v", "--verbose", action="store_true")
    return p


def _train(args: argparse.Namespace) -> int:
    from .trainer import train

    model_cfg = ModelConfig(
        attention=args.attention,
        span_attention=not args.no_span_attention,
        sentence_attention=not args.no_sentence_attention,
        local_attention=not args.no_local_attention,
        word_shapes=not args.no_word_shapes,
        max_span_width=args.max_span_width,
    )
    train_cfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        head_lr=args.head_lr,
        seed=args.seed,
        ema_decay=args.ema_decay,
        device=args.device,
        max_steps_per_epoch=args.max_steps_per_epoch,
        select_average=args.select_average,
        entity_decoding=args.entity_decoding,
        relation_arg_constraints=not args.no_arg_constraints,
    )
    result = train(
        args.train,
        args.dev,
        args.types,
        args.out,
        encoder_dir=args.encoder,
        model_config=model_cfg,
        train_config=train_cfg,
        init_from=args.init_from,
        resume=args.resume,
    )
    summary: dict[str, Any] = {
        "model_dir": str(result.model_dir),
        "best_epoch": result.best_epoch,
        "threshold": result.threshold,
    }
    if result.dev_scores:
        summary["dev"] = {
            k: result.dev_scores[k][args.select_average] for k in ("entities", "relations")
        }
    if env_rank() == 0:  # under torchrun: one summary, from rank 0
        print(json.dumps(summary))
    return 0


def env_rank() -> int:
    """This process's rank under torchrun (0 when not launched by it)."""
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def _read_inputs(path: Path) -> tuple[list[Any], list[str]]:
    """The inputs to predict on and the ``doc_id`` of each in the output."""
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise ConversionError(path, "directory holds no .txt file")
        return [_read_txt(f) for f in files], [f.name for f in files]
    if not path.is_file():
        raise ConversionError(path, "input not found")
    if path.suffix.lower() == ".json":
        from converters import spert

        docs = spert.read_file(path)
        # a record's orig_id, else its position (the reader's "doc-<index>" is its own naming)
        names = [str(d.metadata.get("orig_id", i)) for i, d in enumerate(docs)]
        return list(docs), names
    return [_read_txt(path)], [path.name]


def _read_txt(path: Path) -> str:
    from converters.errors import read_utf8

    return read_utf8(path)


def _predict(args: argparse.Namespace) -> int:
    from .predictor import Predictor

    inputs, names = _read_inputs(args.input)
    predictor = Predictor.load(args.model, device=args.device)
    preds = predictor.predict(inputs, batch_size=args.batch_size, threshold=args.threshold)
    out = []
    for name, p in zip(names, preds, strict=True):
        d = p.to_dict()
        d["doc_id"] = name
        out.append(d)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(args.output)
    n_ent = sum(len(p.entities) for p in preds)
    n_rel = sum(len(p.relations) for p in preds)
    log.info("%d documents, %d entities, %d relations -> %s", len(preds), n_ent, n_rel, args.output)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .predictor import Predictor

    predictor = Predictor.load(args.model, device=args.device)
    report = predictor.evaluate(args.data, batch_size=args.batch_size, threshold=args.threshold)
    report["model"] = str(args.model)
    report["data"] = str(args.data)
    print(json.dumps(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.INFO
    if env_rank() != 0 and not args.verbose:
        level = logging.WARNING  # under torchrun only rank 0 reports progress
    logging.basicConfig(
        level=level,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "eval":
            return _eval(args)
        return _predict(args)
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
