"""``python -m db`` commands for annotation layers (``db.layers``): ``assign`` and
``agreement``, and what ``import --layer`` and ``export --layer`` do (their options are in
``db.cli``'s parsers, beside the import's and the export's others).

- ``import --layer PERSON``: the files are read as any import reads them (``read_upload``), then
  go into PERSON's layers of the project's documents of the same names
  (``Store.import_layer``: one transaction; a document missing from the project or with
  another text is an error naming it, and nothing is written). ``--status`` sets the layers'
  status; its default ``auto`` means ``done`` here (imported layers are finished work).
  ``--split`` and ``--source`` belong to documents, not layers, and are refused with it.
- ``export --layer PERSON`` (``db.cli.export_path``): PERSON's layers instead of the curated
  documents, named as their documents; a person without a layer is an error.
- ``assign``: a share of the documents to k people each (``Store.assign_share``); prints the
  plan carried out, document -> people. A layer someone already holds is kept as it is.
- ``agreement``: ``db.agreement.project_report`` on the done layers (``--all-statuses``: every
  layer), as aligned text or ``--json``. Curated documents count when they are done (with
  ``--all-statuses``, when they hold annotations), as the report's docstring says.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Any

from converters.upload import read_upload
from db.agreement import render_text
from db.document_status import AUTO, DONE
from db.store import Store
from db.views import StoreError

COMMANDS = ("assign", "agreement")


def _names(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def add_parsers(sub: Any, db_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``assign`` and ``agreement`` to ``python -m db``'s parser (``sub``: its
    subparsers)."""
    p = sub.add_parser("assign", help="give a share of the documents to k annotators each")
    db_arg(p)
    p.add_argument("--project", required=True)
    p.add_argument("--people", required=True, type=_names, help="names, comma-separated")
    p.add_argument("--k", type=int, required=True, help="annotators per document")
    p.add_argument(
        "--share", type=float, default=1.0, help="share of the documents, 0 to 1 (default 1: all)"
    )
    p.add_argument("--seed", type=int, default=0, help="the random draw (same seed, same draw)")
    p.add_argument(
        "--documents",
        type=_names,
        default=None,
        help="draw from these documents only (comma-separated; default: every document)",
    )
    p.add_argument("--by", default=None, help="who does it (default: the OS user)")
    p = sub.add_parser("agreement", help="inter-annotator agreement of the project's layers")
    db_arg(p)
    p.add_argument("--project", required=True)
    p.add_argument("--json", action="store_true", help="JSON instead of text tables")
    p.add_argument(
        "--all-statuses",
        action="store_true",
        help="compare the layers of every status (default: done layers only)",
    )


def import_layer_path(
    store: Store,
    project: str,
    person: str,
    fmt: str,
    path: str | Path,
    *,
    status: str | None = AUTO,
    author: str | None = None,
) -> int:
    """Read ``path`` as an import does and put its documents into ``person``'s layers of the
    project's documents of the same names (``Store.import_layer``); how many layers were
    written. ``status`` ``auto`` is ``done``."""
    documents, _, _ = read_upload(path, fmt)
    if not documents:
        raise StoreError(f"{path}: no documents found; nothing was imported")
    return store.import_layer(
        project, person, documents, status=DONE if status == AUTO else status, author=author
    )


def run(store: Store, args: argparse.Namespace) -> str | dict[str, Any]:
    """Carry out ``assign`` or ``agreement``: a dict to print as JSON, or text to print as it
    is (a ``StoreError`` or ``ValueError`` says why not)."""
    if args.command == "assign":
        plan = store.assign_share(
            args.project,
            args.people,
            args.k,
            names=args.documents,
            share=args.share,
            seed=args.seed,
            author=args.by or getpass.getuser(),
        )
        return {
            "project": args.project,
            "k": args.k,
            "documents": len(plan),
            "assigned": {name: list(who) for name, who in plan.items()},
        }
    report = store.agreement_report(args.project, all_statuses=args.all_statuses)
    statuses = "every status" if args.all_statuses else DONE
    if args.json:
        return {"project": args.project, "statuses": None if args.all_statuses else [DONE]} | (
            report.to_dict()
        )
    return render_text(report, f"Agreement in project {args.project!r} (layers: {statuses})")
