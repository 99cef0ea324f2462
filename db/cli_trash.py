"""``python -m db`` clean-up commands: delete, rename, list the trash, restore, purge.

A delete without ``--yes`` deletes nothing: it prints what would go (the counts the page's
confirmation shows) and exits 1, so a mistyped command or a script without ``--yes`` never
removes anything. A purge that would remove entries before their time (``--id``, or fewer
days than the retention) asks for ``--yes`` too; the routine purge (older than the retention,
from cron for instance) does not. ``--by`` names who did it in the trash and the log (default
the OS user, as the app records a local user).
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from db.store import Store
from db.trash import RETENTION_DAYS
from db.trash_views import DeletionSummary, TrashEntry
from db.views import StoreError

COMMANDS = (
    "delete-document",
    "delete-project",
    "rename-document",
    "rename-project",
    "trash",
    "restore",
    "purge",
)


def add_parsers(sub: Any, db_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the clean-up commands to ``python -m db``'s parser (``sub``: its subparsers)."""

    def command(name: str, text: str, *, by: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text)
        db_arg(p)
        if by:
            p.add_argument("--by", default=None, help="who does it (default: the OS user)")
        return p

    for kind in ("document", "project"):
        p = command(f"delete-{kind}", f"move a {kind} into the trash (restorable)")
        if kind == "document":
            p.add_argument("--project", required=True)
        p.add_argument("name")
        p.add_argument("--yes", action="store_true", help="delete (without: say what would go)")
        p = command(f"rename-{kind}", f"rename a {kind}")
        if kind == "document":
            p.add_argument("--project", required=True)
        p.add_argument("name")
        p.add_argument("new_name")
    command("trash", "list the trash as JSON", by=False)
    p = command("restore", "put a trash entry back")
    p.add_argument("id", type=int)
    p.add_argument("--as", dest="new_name", default=None, help="restore under another name")
    p = command("purge", f"remove trash entries for good (default: older than {RETENTION_DAYS} d)")
    p.add_argument("--older-than-days", type=float, default=float(RETENTION_DAYS))
    p.add_argument("--id", type=int, action="append", default=None, help="this entry (repeatable)")
    p.add_argument("--yes", action="store_true", help="needed to purge before the retention ends")


def entry_json(entry: TrashEntry) -> dict[str, Any]:
    return asdict(entry) | {"summary": asdict(entry.summary), "what": entry.summary.phrase()}


def _would_go(summary: DeletionSummary) -> StoreError:
    return StoreError(
        f"nothing was deleted: deleting {summary.kind} {summary.name!r} would take "
        f"{summary.phrase()}; run again with --yes to move it into the trash"
    )


def run(store: Store, args: argparse.Namespace) -> dict[str, Any] | list[dict[str, Any]]:
    """Carry out one clean-up command; what to print (a ``StoreError`` says why not)."""
    by = getattr(args, "by", None) or getpass.getuser()
    cmd = args.command
    if cmd in ("delete-document", "delete-project"):
        document = args.name if cmd == "delete-document" else None
        project = args.project if document is not None else args.name
        if not args.yes:
            raise _would_go(store.what_goes(project, document))
        if document is not None:
            return {"deleted": entry_json(store.delete_document(project, document, by=by))}
        return {"deleted": entry_json(store.delete_project(project, by=by))}
    if cmd == "rename-document":
        store.rename_document(args.project, args.name, args.new_name, by=by)
        return {"project": args.project, "renamed": args.name, "to": args.new_name}
    if cmd == "rename-project":
        store.rename_project(args.name, args.new_name, by=by)
        return {"renamed": args.name, "to": args.new_name}
    if cmd == "trash":
        return [entry_json(e) for e in store.list_trash()]
    if cmd == "restore":
        return {"restored": asdict(store.restore(args.id, by=by, new_name=args.new_name))}
    early = args.id is not None or args.older_than_days < RETENTION_DAYS
    if early and not args.yes:
        raise StoreError(
            "nothing was purged: this would remove entries before their "
            f"{RETENTION_DAYS} days are over; run again with --yes"
        )
    result = store.purge_trash(older_than_days=args.older_than_days, entry_ids=args.id, by=by)
    return {"purged": asdict(result)}
