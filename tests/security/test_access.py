"""Access to the running app: sign-in against the database's hashed accounts, a lock after
repeated failed sign-ins, edits recorded under the signed-in user, no cross-origin access, and
launch.py never serving open on a non-loopback address: with no account it asks for a first
manager, made at /setup with the one-time token only its log shows.

The app runs in-process with exactly the launch arguments launch.py uses
(``app.access.launch_kwargs``); requests go over real HTTP with httpx (no browser). Accounts,
sessions and edits live in the database, so every test that reaches it runs on SQLite and on
PostgreSQL (``module_backend_url`` for the shared app, ``backend_url`` for the others).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from converters.document import Document
from converters.schema import EntityType, Schema
from db import Store
from tests.security.conftest import dump_database
from tests.serving import free_port, serve

REPO = Path(__file__).resolve().parents[2]
ANN = ("ann", "Ann-pw-0417-unique")
BOB = ("bob", "Bob-pw-0923-unique")
EVIL = "http://evil.example"


class Running:
    def __init__(self, url: str, store: Store, data: Path, db_url: str) -> None:
        self.url, self.store, self.data, self.db_url = url, store, data, db_url


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, module_backend_url: str) -> Iterator[Running]:
    from app.access import Accounts, launch_kwargs
    from app.ui import AppConfig, create_app

    tmp = tmp_path_factory.mktemp("access")
    store = Store.open(module_backend_url)
    # where the app keeps its files: beside the SQLite database, or only the models folder
    data = Path(store.engine.url.database or "").parent if store.is_sqlite else tmp
    for name, password in (ANN, BOB):
        store.add_user(name, password)
    store.create_project("p", Schema([EntityType("Peop")]))
    store.import_documents("p", [Document("d1", "John Smith lives in Paris.")])
    app, demo = create_app(
        store,
        AppConfig(
            models_dir=tmp / "models", default_user="tester", auto_retrain=False, sign_in=True
        ),
    )
    url = serve(demo, **launch_kwargs(app, Accounts(store)))
    try:
        yield Running(url.rstrip("/"), store, data, module_backend_url)
    finally:
        demo.close()
        app.close()
        store.close()


def _login(client: httpx.Client, url: str, name: str, password: str) -> httpx.Response:
    return client.post(f"{url}/login", data={"username": name, "password": password})


def _editor_id(client: httpx.Client, url: str) -> int:
    config = client.get(f"{url}/config").raise_for_status().json()
    ids = [
        c["id"]
        for c in config["components"]
        if "editor_apply" in (c.get("props", {}).get("server_fns") or [])
    ]
    assert len(ids) == 1, "the editor component was not found in /config"
    return ids[0]


def _server_fn(client: httpx.Client, url: str, component: int, fn: str, data: Any) -> Any:
    body = {"session_hash": "access-test", "component_id": component, "fn_name": fn, "data": data}
    return client.post(f"{url}/gradio_api/component_server/", json=body)


def test_sign_in_checks_the_hashes(running: Running) -> None:
    with httpx.Client() as client:
        assert client.get(f"{running.url}/config").status_code == 401
        for name, password in (
            ("ann", BOB[1]),
            ("ann", ANN[1] + "x"),
            ("nobody", ANN[1]),
            ("ann", ""),
            ("", ""),
        ):
            # 422: Gradio's form refuses an empty field before asking us
            assert _login(client, running.url, name, password).status_code in (400, 422), name
        assert client.get(f"{running.url}/config").status_code == 401
        ok = _login(client, running.url, *ANN)
        assert ok.status_code == 200 and ok.json() == {"success": True}
        assert client.get(f"{running.url}/config").status_code == 200


def test_repeated_failures_lock_the_name_not_the_others(running: Running) -> None:
    from app.access import MAX_FAILURES

    carol = ("carol", "Carol-pw-5521-unique")
    running.store.add_user(*carol)
    with httpx.Client() as client:
        for _ in range(MAX_FAILURES):
            assert _login(client, running.url, "carol", "guess-" + carol[1]).status_code == 400
        # locked: even the right password is refused now, without a hint
        assert _login(client, running.url, *carol).status_code == 400
        assert client.get(f"{running.url}/config").status_code == 401
        assert _login(client, running.url, *BOB).status_code == 200  # other names unaffected


def _run(coro: Any) -> Any:
    """Run a coroutine to its end on a loop of its own (in a worker thread: earlier tests in
    the same process, the browser ones, may leave an event loop running in this thread)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def test_removing_an_account_or_changing_its_password_ends_its_sessions(running: Running) -> None:
    dave, erin = ("dave", "Dave-pw-3141-unique"), ("erin", "Erin-pw-2718-unique")
    gina = ("gina", "Gina-pw-1414-unique")
    for name, password in (dave, erin, gina):
        running.store.add_user(name, password)
    signed = {}
    for name, password in (dave, erin, gina, BOB):
        client = httpx.Client()
        assert _login(client, running.url, name, password).status_code == 200
        signed[name] = client
    try:

        def config(name: str) -> int:
            return signed[name].get(f"{running.url}/config").status_code

        running.store.remove_user("dave")
        _until(lambda: config("dave") == 401)
        running.store.set_password("erin", "Erin-new-pw-1618")
        _until(lambda: config("erin") == 401)
        # the new password signs in, and that session outlives the next checks
        assert _login(signed["erin"], running.url, "erin", erin[1]).status_code == 400
        assert _login(signed["erin"], running.url, "erin", "Erin-new-pw-1618").status_code == 200
        assert config("erin") == 200 and config("gina") == 200
        # a sweep after that sign-in: only the sweeper ends gina's session once her password
        # changes, so when it is refused a sweep has run since erin signed in again
        running.store.set_password("gina", "Gina-new-pw-1732")
        _until(lambda: config("gina") == 401, timeout=60.0)
        assert config("erin") == 200 and config("bob") == 200  # others untouched
    finally:
        for client in signed.values():
            client.close()


def test_a_new_password_signing_in_before_the_sweep_keeps_only_its_session(
    backend_url: str,
) -> None:
    from types import SimpleNamespace

    from app.access import Accounts, Sessions

    store = Store.open(backend_url)
    try:
        store.add_user(*ANN)
        accounts = Accounts(store)
        server = SimpleNamespace(tokens={"old-ann": "ann", "t-bob": "bob"})
        accounts.sessions = Sessions(accounts, server)
        store.set_password("ann", "Ann-new-pw-0001")
        assert _run(accounts.check("ann", "Ann-new-pw-0001"))
        assert server.tokens == {"t-bob": "bob"}  # the old password's session ended at once
        server.tokens["new-ann"] = "ann"  # what Gradio does after a successful check
        accounts.sessions.sweep()
        # bob has no account here (and no --auth): his token goes; ann's new one stays
        assert server.tokens == {"new-ann": "ann"}
    finally:
        store.close()


def test_throttle_locks_doubles_and_forgets() -> None:
    from app.access import Accounts, SignInThrottle

    now = [1000.0]
    throttle = SignInThrottle(max_failures=3, lock_s=30, max_lock_s=100, clock=lambda: now[0])
    accounts = Accounts(None, [ANN], throttle=throttle)

    def sign_in(password: str) -> bool:
        return _run(accounts.check("ann", password))

    assert not sign_in("wrong") and not sign_in("wrong")
    assert sign_in(ANN[1])  # a success clears the count
    for _ in range(3):
        assert not sign_in("wrong")
    assert throttle.locked_for("ann") == 30
    assert not sign_in(ANN[1])  # refused while locked
    now[0] += 31
    assert not sign_in("wrong")  # the next failure locks twice as long
    assert throttle.locked_for("ann") == 60
    now[0] += 61
    assert not sign_in("wrong")
    assert throttle.locked_for("ann") == 100  # capped
    now[0] += 101
    assert sign_in(ANN[1]) and throttle.locked_for("ann") == 0
    # failures older than the window are forgotten
    assert not sign_in("wrong") and not sign_in("wrong")
    now[0] += throttle.window_s + 1
    assert not sign_in("wrong") and throttle.locked_for("ann") == 0


def test_parallel_guesses_get_only_the_allowed_tries() -> None:
    from app.access import Accounts, SignInThrottle

    accounts = Accounts(None, [ANN], throttle=SignInThrottle(max_failures=5))
    checked = []
    verify = accounts.verify

    def counting_verify(name: str, password: str) -> bool:
        checked.append(password)
        return verify(name, password)

    accounts.verify = counting_verify  # type: ignore[method-assign]

    async def burst() -> list[bool]:
        return await asyncio.gather(*(accounts.check("ann", f"guess {i}") for i in range(40)))

    assert not any(_run(burst()))
    assert len(checked) == 5  # the other 35 were refused before any hash was computed


def test_an_edit_is_recorded_under_the_signed_in_user(running: Running) -> None:
    doc_id = running.store.find_document("p", "d1")
    op = {
        "kind": "add_entity",
        "doc_id": str(doc_id),
        "seq": 1,
        "base_version": running.store.load_document(doc_id).version,
        "client_id": "access-test",
        "type": "Peop",
        "fragments": [[0, 10]],
    }
    with httpx.Client() as client:
        assert _login(client, running.url, *BOB).status_code == 200
        editor = _editor_id(client, running.url)
    with httpx.Client() as stranger:  # not signed in: refused, nothing written
        refused = _server_fn(stranger, running.url, editor, "editor_apply", op)
        assert refused.status_code == 401
        assert running.store.load_document(doc_id).entities == []
    with httpx.Client() as client:
        assert _login(client, running.url, *BOB).status_code == 200
        ack = _server_fn(client, running.url, editor, "editor_apply", op)
        assert ack.status_code == 200 and ack.json()["ok"], ack.text
    doc = running.store.load_document(doc_id)
    assert [(e.type, e.fragments, e.author) for e in doc.entities] == [("Peop", [(0, 10)], "bob")]
    assert running.store.history(doc_id, limit=1)[0].author == "bob"


def test_no_plain_password_in_the_data_directory(running: Running) -> None:
    """Neither the database's rows nor, on SQLite, its files (WAL included) hold a password."""
    with httpx.Client() as client:
        assert _login(client, running.url, *ANN).status_code == 200
        assert _login(client, running.url, "ann", BOB[1]).status_code == 400
    rows = repr(dump_database(running.db_url))
    assert "ann" in rows and "bob" in rows  # the accounts are there, so the check sees them
    for _, password in (ANN, BOB):
        assert password not in rows
    files = [p for p in running.data.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files) == running.store.is_sqlite
    for path in files:
        blob = path.read_bytes()
        for _, password in (ANN, BOB):
            assert password.encode() not in blob, path
            assert password.encode("utf-16-le") not in blob, path


@pytest.mark.parametrize("host", [None, "annotate.example.org", "10.1.2.3:7860"])
def test_no_cross_origin_access(running: Running, host: str | None) -> None:
    """Gradio alone echoes a foreign Origin (with credentials) when Host is not loopback."""
    headers = {"Origin": EVIL} | ({"Host": host} if host else {})
    with httpx.Client() as client:
        assert _login(client, running.url, *ANN).status_code == 200
        answers = [
            client.get(f"{running.url}/config", headers=headers),
            client.options(
                f"{running.url}/gradio_api/component_server/",
                headers=headers
                | {
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            ),
            client.post(
                f"{running.url}/gradio_api/component_server/",
                headers=headers,
                json={"session_hash": "x", "component_id": 1, "fn_name": "editor_load"},
            ),
            client.post(
                f"{running.url}/login",
                headers=headers,
                data={"username": ANN[0], "password": ANN[1]},
            ),
        ]
    for answer in answers:
        assert answer.status_code == 403, answer.request
        cors = {k.lower() for k in answer.headers if k.lower().startswith("access-control-")}
        assert cors == set(), (answer.request, answer.headers)
        assert "set-cookie" not in answer.headers


def test_same_origin_requests_still_work(running: Running) -> None:
    with httpx.Client() as client:
        assert _login(client, running.url, *ANN).status_code == 200
        same = client.get(f"{running.url}/config", headers={"Origin": running.url})
        assert same.status_code == 200
        behind_proxy = client.get(
            f"{running.url}/config",
            headers={
                "Origin": "https://annotate.example.org",
                "X-Forwarded-Host": "annotate.example.org",
            },
        )
        assert behind_proxy.status_code == 200
        assert behind_proxy.headers.get("access-control-allow-origin") in (
            None,
            "https://annotate.example.org",
        )


def _launch(*args: str, env_dir: Path) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SPANREL_DATA_DIR": str(env_dir),
        "HF_HUB_OFFLINE": "1",
    }
    return subprocess.Popen(
        [sys.executable, "launch.py", "--no-demo", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_answering(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("launch.py did not answer in time")


def _first_manager_token(proc: subprocess.Popen, timeout: float = 90) -> tuple[str, list[str]]:
    """The token launch.py logs when no account exists (and the log lines read so far)."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        lines.append(line)
        found = re.search(r"first manager: open \S+/setup with the token (\S+)", line)
        if found:
            return found.group(1), lines
    raise AssertionError("no first-manager token in the log:\n" + "".join(lines))


@pytest.mark.slow  # starts launch.py three times
def test_launch_counts_database_accounts_for_a_public_host(
    tmp_path: Path, backend_url: str
) -> None:
    db = backend_url
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fresh = _launch("--db", db, "--host", "0.0.0.0", "--port", str(port), env_dir=tmp_path)
    try:
        token, _ = _first_manager_token(fresh)
        _wait_answering(url, fresh)
        with httpx.Client() as client:
            assert client.get(f"{url}/config").status_code == 401  # never open to the network
            assert "Token from the server log" in client.get(f"{url}/setup").text
            form = {"name": "mia", "password": ANN[1], "again": ANN[1]}
            wrong = client.post(f"{url}/setup", data={**form, "token": token[::-1]})
            assert wrong.status_code == 400 and "nothing was created" in wrong.text
            with Store.open(db) as store:
                assert store.list_users() == []
            made = client.post(f"{url}/setup", data={**form, "token": token})
            assert made.status_code == 200 and "mia is a manager" in made.text
            again = client.post(f"{url}/setup", data={**form, "name": "eve", "token": token})
            assert "has its accounts" in again.text
            assert _login(client, url, "mia", ANN[1]).status_code == 200
            assert client.get(f"{url}/config").status_code == 200
        with Store.open(db) as store:
            assert [(a.name, a.role) for a in store.accounts()] == [("mia", "manager")]
            store.remove_user("mia")
    finally:
        os.killpg(fresh.pid, signal.SIGTERM)
        out = fresh.communicate(timeout=60)[0]
    assert ANN[1] not in out and "first manager account 'mia' created" in out

    short = _launch("--auth", "ann:short", env_dir=tmp_path)
    out = short.communicate(timeout=120)[0]
    assert short.returncode == 2 and "at least 8" in out and "ann:short" not in out

    with Store.open(db) as store:
        store.add_user(*ANN)
    proc = _launch("--db", db, "--host", "0.0.0.0", "--port", str(port), env_dir=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_answering(url, proc)
        with httpx.Client() as client:
            assert client.get(f"{url}/config").status_code == 401
            assert _login(client, url, "ann", "wrong password").status_code == 400
            assert _login(client, url, *ANN).status_code == 200
            assert client.get(f"{url}/config").status_code == 200
            evil = client.get(f"{url}/config", headers={"Origin": EVIL, "Host": "10.1.2.3"})
            assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=60)[0]
    assert "login required (1 accounts)" in out
    assert ANN[1] not in out
