"""``python -m converters``: convert between formats and validate input files.

``convert`` reads everything first and writes only when reading succeeded, so a bad input
leaves no half-written output; what the target format cannot hold is printed as warnings.
``validate`` lists every problem with file and line or offset and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import converters
from converters import brat
from converters.errors import ConversionError

log = logging.getLogger("converters")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m converters",
        description="Convert and validate BRAT standoff, ACE 2005 APF and SpERT JSON files.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    conv = sub.add_parser("convert", help="convert SRC in one format to DST in another")
    conv.add_argument("--from", dest="src_format", choices=converters.FORMATS, required=True)
    conv.add_argument("--to", dest="dst_format", choices=converters.FORMATS, required=True)
    conv.add_argument("src", help="directory of pairs (brat, ace) or a .json file (spert)")
    conv.add_argument("dst", help="output directory (brat, ace) or .json file (spert)")
    conv.add_argument(
        "--tokenizer",
        choices=("words", "whitespace"),
        help="spert target: how text without stored tokens is split (default words: punctuation"
        " split off; whitespace: keep whitespace-separated tokens, exact for text that came"
        " from SpERT)",
    )
    conv.add_argument(
        "--discontinuous",
        choices=("drop", "cover"),
        help="spert target: drop discontinuous entities (default) or write their covering span",
    )
    conv.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when the target format cannot hold everything (warnings become errors)",
    )

    val = sub.add_parser("validate", help="list every problem in SRC, exit 1 if any")
    val.add_argument("--format", choices=converters.FORMATS, required=True)
    val.add_argument("src")
    return parser


def _convert(args: argparse.Namespace) -> int:
    extra: dict[str, object] = {}
    try:
        documents = converters.read(args.src_format, args.src)
        schema = converters.read_schema(args.src_format, args.src)
        if args.src_format == "brat" and args.dst_format == "brat":
            # each brat collection in the tree may have its own annotation.conf: keep them
            extra["collection_schemas"] = brat.read_collection_schemas(Path(args.src))
    except ConversionError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    if schema is None:
        schema = converters.infer_schema(documents)
    options = {
        name: value
        for name, value in (("tokenizer", args.tokenizer), ("discontinuous", args.discontinuous))
        if value is not None
    }
    if options and args.dst_format != "spert":
        print("error: --tokenizer and --discontinuous apply to --to spert only", file=sys.stderr)
        return 2
    warnings = converters.write(
        args.dst_format, documents, args.dst, schema=schema, **options, **extra
    )
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"converted {len(documents)} document(s) from {args.src_format} to {args.dst_format}"
        f" ({len(warnings)} warning(s)): {args.dst}"
    )
    return 1 if (args.strict and warnings) else 0


def _validate(args: argparse.Namespace) -> int:
    problems = converters.validate(args.format, args.src)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {args.src}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if args.command == "convert":
            return _convert(args)
        return _validate(args)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
