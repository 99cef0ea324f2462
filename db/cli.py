"""``python -m db``: import, export, statistics, backup and user accounts from the command line.

The database URL comes from ``--db URL``, else ``$SPANREL_DB_URL``, else the default file
``$SPANREL_DATA_DIR/spanrel.sqlite`` (``./data/spanrel.sqlite``); see ``db.session``. Results
are printed as JSON on stdout; errors go to stderr with exit status 1 and name the file, entry
or document at fault. An import is one transaction: on any error nothing is stored.

``import`` and ``export`` are the same walk as the app's Import and Export screens: files to
plain documents by ``converters`` (``read_upload``, ``write_export``), documents in and out of
the store through its door (``Store.import_documents``, ``Store.export_documents``).

``users add|passwd NAME`` asks for the password twice on the terminal (``getpass``), or reads
one line from stdin with ``--password-stdin`` (for scripts; a password on the command line would
be visible in process lists, so there is no option for that). Only its scrypt hash is stored.

``delete-document``, ``delete-project`` (with ``--yes``; without it they say what would go),
``rename-document``, ``rename-project``, ``trash``, ``restore ID [--as NAME]`` and ``purge``:
``db.cli_trash``.

Annotation layers: ``import --layer PERSON`` and ``export --layer PERSON`` (a person's layers
instead of the curated documents), ``assign`` (a share of the documents to k people each) and
``agreement`` (the layers' inter-annotator agreement, text or ``--json``): ``db.cli_layers``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import converters
from converters.errors import ConversionError, Problem
from converters.upload import read_upload, write_export
from db import cli_layers, cli_trash
from db.document_status import AUTO, IMPORT_CHOICES
from db.models import ROLES
from db.session import resolve_db_url
from db.store import Store
from db.views import ImportResult, StoreError

log = logging.getLogger("db")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m db",
        description="spanrel annotation store: import, export, stats, backup, layers, agreement.",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="logging level on stderr (default WARNING)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def db_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            default=None,
            help="database URL (default: $SPANREL_DB_URL or sqlite:///<data dir>/spanrel.sqlite)",
        )

    imp = sub.add_parser("import", help="import a directory, .zip or .json into a project")
    db_arg(imp)
    imp.add_argument("--project", required=True)
    imp.add_argument("--format", choices=converters.FORMATS, required=True)
    imp.add_argument(
        "--split",
        default=None,
        choices=("train", "dev", "test", "unassigned"),
        help="(default unassigned)",
    )
    imp.add_argument(
        "--source", default=None, choices=("import", "human", "model"), help="(default import)"
    )
    imp.add_argument(
        "--status",
        default=AUTO,
        choices=IMPORT_CHOICES,
        help="status of the imported documents (default auto: done, i.e. finished gold, "
        "when the files hold annotations, else new; pre-annotated for --source model; "
        "done for --layer)",
    )
    imp.add_argument("--author", default=None)
    imp.add_argument(
        "--layer",
        default=None,
        metavar="PERSON",
        help="into PERSON's layers of the project's documents of the same names and texts",
    )
    imp.add_argument("path")

    exp = sub.add_parser("export", help="export a project")
    db_arg(exp)
    exp.add_argument("--project", required=True)
    exp.add_argument("--format", choices=converters.FORMATS, required=True)
    exp.add_argument("--include-suggestions", action="store_true")
    exp.add_argument(
        "--layer", default=None, metavar="PERSON", help="PERSON's layers, not the curated documents"
    )
    exp.add_argument("out", help="output directory (brat, ace) or .json file (spert)")

    st = sub.add_parser("stats", help="statistics as JSON")
    db_arg(st)
    st.add_argument("--project", default=None)

    bk = sub.add_parser("backup", help="online backup of a SQLite database")
    db_arg(bk)
    bk.add_argument("out")

    users = sub.add_parser("users", help="accounts that may sign in to the app")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    for name, text in (("add", "create an account"), ("passwd", "change a password")):
        p = users_sub.add_parser(name, help=text)
        db_arg(p)
        p.add_argument("name")
        p.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin instead of asking twice",
        )
    users_sub.choices["add"].add_argument(
        "--role",
        choices=ROLES,
        default=None,
        help=f"{', '.join(ROLES)} (default: manager for the first account, else annotator)",
    )
    rm = users_sub.add_parser("remove", help="delete an account (its edits keep its name)")
    db_arg(rm)
    rm.add_argument("name")
    role = users_sub.add_parser("role", help=f"give an account a role ({', '.join(ROLES)})")
    db_arg(role)
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    for name, text in (("disable", "stop an account signing in"), ("enable", "let it again")):
        p = users_sub.add_parser(name, help=text)
        db_arg(p)
        p.add_argument("name")
    ls = users_sub.add_parser("list", help="account names as a JSON list (--long: with roles)")
    db_arg(ls)
    ls.add_argument("--long", action="store_true", help="name, role and disabled of each")
    cli_trash.add_parsers(sub, db_arg)  # delete, rename, trash, restore, purge
    cli_layers.add_parsers(sub, db_arg)  # assign, agreement
    return parser


def import_path(
    store: Store, project: str, fmt: str, path: str | Path, **options: Any
) -> ImportResult:
    """Read ``path`` (a directory, ``.zip`` or SpERT ``.json``) and import it in one
    transaction; a missing project is created in it with the schema the data carries.

    ``options`` go to ``Store.import_documents`` (``split``, ``source``, ``author``,
    ``create=False`` to refuse a missing project...). A document the store refuses is named
    with the input it came from.
    """
    documents, schema, _ = read_upload(path, fmt)
    try:
        return store.import_documents(
            project, documents, schema=schema, **{"create": True, **options}
        )
    except ConversionError as exc:
        raise ConversionError(
            f"{path}: {exc.path}",
            exc.problem.message,
            offset=exc.offset,
            problems=[
                Problem(f"{path}: {p.path}", p.message, p.line, p.offset) for p in exc.problems
            ],
        ) from None


def export_path(
    store: Store,
    project: str,
    fmt: str,
    out: str | Path,
    *,
    include_suggestions: bool = False,
    layer: str | None = None,
) -> list[Problem]:
    """Write the project in ``fmt`` to ``out`` (a folder, or a ``.json`` file for SpERT);
    returns what the format could not hold. ``layer``: that person's layers instead of the
    curated documents (a person without one is an error; nothing is written)."""
    documents, schema = store.export_documents(
        project, include_suggestions=include_suggestions, layer=layer
    )
    if layer is not None and not documents:
        raise StoreError(f"{layer!r} has no layer in project {project!r}; nothing was written")
    return write_export(fmt, documents, schema, out)


def _print(data: object) -> None:
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def _read_password(from_stdin: bool) -> str:
    """The new password: one stdin line, or typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    try:
        first = getpass.getpass("New password: ")
        again = getpass.getpass("Repeat it: ")
    except EOFError:
        raise ValueError("no password given; nothing was changed") from None
    if again != first:
        raise ValueError("the two passwords differ; nothing was changed")
    return first


def _users(store: Store, args: argparse.Namespace) -> None:
    if args.users_command == "list":
        _print([asdict(a) for a in store.accounts()] if args.long else store.list_users())
    elif args.users_command == "role":
        store.set_role(args.name, args.role)
        _print({"name": args.name, "role": args.role})
    elif args.users_command in ("disable", "enable"):
        store.set_disabled(args.name, args.users_command == "disable")
        _print({"name": args.name, "disabled": args.users_command == "disable"})
    elif args.users_command == "remove":
        store.remove_user(args.name)
        _print({"removed": args.name})
    elif args.users_command == "add":
        if args.name in store.list_users():  # say so before asking for a password
            raise StoreError(f"a user named {args.name!r} already exists")
        role = store.add_user(args.name, _read_password(args.password_stdin), args.role)
        _print({"added": args.name, "role": role})
    elif args.users_command == "passwd":
        if args.name not in store.list_users():
            raise StoreError(f"no user named {args.name!r}")
        store.set_password(args.name, _read_password(args.password_stdin))
        _print({"password_changed": args.name})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    url = resolve_db_url(args.db)
    if args.command == "import" and args.layer is not None:
        given = [f"--{o}" for o in ("split", "source") if getattr(args, o) is not None]
        if given:  # a layer is part of its document: it has no split or source of its own
            print(
                f"error: {' and '.join(given)}: not for a layer import (--layer)", file=sys.stderr
            )
            return 1
    try:
        with Store.open(url) as store:
            if args.command == "import" and args.layer is not None:
                written = cli_layers.import_layer_path(
                    store,
                    args.project,
                    args.layer,
                    args.format,
                    args.path,
                    status=args.status,
                    author=args.author,
                )
                _print({"project": args.project, "layer": args.layer, "documents": written})
            elif args.command == "import":
                result = import_path(
                    store,
                    args.project,
                    args.format,
                    args.path,
                    split=args.split or "unassigned",
                    source=args.source or "import",
                    author=args.author,
                    status=args.status,
                )
                _print(asdict(result) | {"document_ids": len(result.document_ids)})
            elif args.command == "export":
                problems = export_path(
                    store,
                    args.project,
                    args.format,
                    args.out,
                    include_suggestions=args.include_suggestions,
                    layer=args.layer,
                )
                for problem in problems:
                    print(f"warning: {problem}", file=sys.stderr)
                _print(
                    {"project": args.project, "out": args.out, "warnings": len(problems)}
                    | ({"layer": args.layer} if args.layer is not None else {})
                )
            elif args.command == "stats":
                _print(store.stats(args.project))
            elif args.command == "backup":
                _print({"backup": str(store.backup(args.out))})
            elif args.command in cli_trash.COMMANDS:
                _print(cli_trash.run(store, args))
            elif args.command in cli_layers.COMMANDS:
                out = cli_layers.run(store, args)
                if isinstance(out, str):
                    sys.stdout.write(out)
                else:
                    _print(out)
            elif args.command == "users":
                _users(store, args)
    except ConversionError as exc:  # every problem, cause first, as the Import screen lists them
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except (StoreError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
