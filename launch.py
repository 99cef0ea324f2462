"""Start the spanrel web app.

    python launch.py [--db URL] [--host 127.0.0.1] [--port 7860] [--auth USER:PASSWORD]...
                     [--models-dir DIR] [--max-upload-mb 200] [--workers 1] [--insecure]

A fresh database gets the "CoNLL04 demo" project (231 annotated sentences and 60 new ones) so
there is real work to look at at once.

Sign-in is required as soon as there is an account: in the database (made by a manager on the
People tab, or ``python -m db users add NAME``; scrypt hashes) or given with ``--auth``
(hashed in memory, never written; visible in process lists, so prefer the database). Accounts
added while the app runs can sign in at once, but an app started open stays open until
restarted. On a loopback address with no account the app is open, one click, and edits are
recorded under the OS user (a manager). Anywhere else (or with ``--sign-in``) a server with no
account prints a one-time token to its log, and whoever started it creates the first manager
at ``/setup`` with it (``app.first_manager``); ``--insecure`` serves it open instead.
Cross-origin requests are refused (``app.access``).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger("spanrel")


def _auth(value: str) -> tuple[str, str]:
    from db.passwords import check_password, check_user_name

    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("use USER:PASSWORD (both non-empty)")
    try:
        check_user_name(user)
        check_password(password)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return user, password


def _port(value: str) -> int:
    port = int(value)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError("a port is 1-65535")
    return port


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python launch.py",
        description="Serve the spanrel annotation app (Gradio) over a spanrel database.",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="database URL (sqlite:///path.sqlite or postgresql+psycopg://...); default: "
        "$SPANREL_DB_URL, else ./data/spanrel.sqlite (the data dir is $SPANREL_DATA_DIR)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything else needs an account "
        "(python -m db users add, or --auth) or --insecure)",
    )
    p.add_argument("--port", type=_port, default=7860, help="port to listen on (default 7860)")
    p.add_argument(
        "--auth",
        type=_auth,
        action="append",
        default=[],
        metavar="USER:PASSWORD",
        help="a user who may sign in, besides the database's accounts (python -m db users); "
        "repeat for several users. Visible in process lists: prefer python -m db users add. "
        "Edits are recorded under the user's name (with no account at all: under the name of "
        "the OS user running the app)",
    )
    p.add_argument(
        "--models-dir",
        type=Path,
        metavar="DIR",
        help="where trained models live and may be registered from (default: <data dir>/models)",
    )
    p.add_argument(
        "--max-upload-mb",
        type=int,
        default=200,
        metavar="MB",
        help="largest accepted upload in MB (default 200); archives are further limited by "
        "the store's zip checks",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="background jobs (pre-annotation) run at once (default 1)",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback --host without any account (anyone who reaches it can edit)",
    )
    p.add_argument(
        "--sign-in",
        action="store_true",
        help="require sign-in even on a loopback address with no account yet (a first manager "
        "is then created at /setup with the token the log shows)",
    )
    p.add_argument("--no-demo", action="store_true", help="do not create the demo project")
    p.add_argument(
        "--no-auto-retrain",
        action="store_true",
        help="never retrain by itself (each project can also switch it off on its Model tab)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("alembic.runtime.plugins", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.max_upload_mb < 1 or args.workers < 1:
        log.error("--max-upload-mb and --workers must be at least 1")
        return 2

    from app.access import Accounts, launch_kwargs
    from db import Store, resolve_db_url
    from db.session import data_dir

    url = resolve_db_url(args.db)
    store = Store.open(url)
    accounts = Accounts(store, args.auth)
    names = accounts.names()
    setup = None
    if not names and (args.sign_in or (not is_loopback(args.host) and not args.insecure)):
        from app.first_manager import FirstManager

        setup = FirstManager(store, accounts.throttle)
    from app.demo_project import ensure_demo_project
    from app.ui import AppConfig, create_app

    log.info("database: %s", store.url)
    if names:
        log.info("login required (%d accounts)", len(names))
        if args.auth:
            log.warning(
                "--auth passwords are visible in process lists; prefer `python -m db users add`"
            )
        for name in accounts.shadowed():
            log.warning("--auth %s replaces the database account of that name", name)
    elif setup is not None:
        log.info("sign-in required; no account yet: the first manager is created at /setup")
    elif not is_loopback(args.host):
        log.warning("no login (--insecure): anyone who reaches %s can edit", args.host)
    else:
        log.info("no accounts: open to this computer, edits recorded as the OS user")
    if not args.no_demo and ensure_demo_project(store):
        log.info("a fresh database: the demo project was created")
    models_dir = args.models_dir or data_dir() / "models"
    try:
        default_user = getpass.getuser()
    except (KeyError, OSError):
        default_user = "anonymous"
    config = AppConfig(
        models_dir=models_dir,
        default_user=default_user,
        job_workers=args.workers,
        max_file_size=f"{args.max_upload_mb}mb",
        auto_retrain=not args.no_auto_retrain,
        sign_in=bool(names) or setup is not None,
        cli_managers=[name for name, _ in args.auth],
    )
    app, demo = create_app(store, config)
    log.info("models directory: %s", models_dir.resolve())
    shown = f"[{args.host}]" if ":" in args.host else args.host
    log.info("serving spanrel at http://%s:%d/", shown, args.port)
    if setup is not None:
        setup.announce(f"http://{shown}:{args.port}")
    try:
        demo.launch(
            server_name=args.host,
            server_port=args.port,
            quiet=True,
            **launch_kwargs(app, accounts, setup),
        )
    finally:
        app.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
