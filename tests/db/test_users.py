"""User accounts: scrypt hashes, the store's account methods and ``python -m db users``."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from db import NotFoundError, Store, StoreError, migrate
from db.cli import main
from db.passwords import hash_password, verify_password
from db.session import create_db_engine
from tests.cli_runs import run_main

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def test_hash_round_trip_wrong_password_and_format() -> None:
    encoded = hash_password(PASSWORD)
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert PASSWORD not in encoded
    assert verify_password(PASSWORD, encoded)
    assert not verify_password(PASSWORD + "!", encoded)
    assert not verify_password("", encoded)


def test_salts_differ_and_parameters_travel_with_the_hash() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.split("$")[4] != second.split("$")[4]
    # a hash made with other (cheaper) parameters still verifies: they are read from it
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**10, r=4, p=2, dklen=24)
    old = f"scrypt$1024$4$2${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert verify_password(PASSWORD, old)
    assert not verify_password("wrong password", old)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain",
        "bcrypt$16384$8$1$AAAA$AAAA",
        "scrypt$1000$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,  # n not a power of two
        "scrypt$1073741824$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44,  # gigabytes of memory
        "scrypt$16384$8$1$not base64!$AAAA",
    ],
)
def test_malformed_hashes_never_match(encoded: str) -> None:
    assert not verify_password(PASSWORD, encoded)


def test_store_accounts(store: Store) -> None:
    assert store.list_users() == []
    store.add_user("zoe", PASSWORD)
    store.add_user("Ann Lee", "another password")
    assert store.list_users() == ["Ann Lee", "zoe"]
    assert store.verify_user("zoe", PASSWORD)
    assert not store.verify_user("zoe", "another password")
    assert not store.verify_user("Zoe", PASSWORD)  # names are case-sensitive
    assert not store.verify_user("nobody", PASSWORD)
    assert not store.verify_user("bad:name", PASSWORD)
    with pytest.raises(StoreError, match="already exists"):
        store.add_user("zoe", "yet another one")
    store.set_password("zoe", "a new password")
    assert store.verify_user("zoe", "a new password") and not store.verify_user("zoe", PASSWORD)
    roles = {a.name: a.role for a in store.accounts()}
    assert roles == {"zoe": "manager", "Ann Lee": "annotator"}  # the first account manages
    with pytest.raises(StoreError, match="last active manager"):
        store.remove_user("zoe")
    store.set_role("Ann Lee", "manager")
    store.remove_user("zoe")
    assert store.list_users() == ["Ann Lee"] and not store.verify_user("zoe", "a new password")
    with pytest.raises(NotFoundError):
        store.remove_user("zoe")
    with pytest.raises(NotFoundError):
        store.set_password("zoe", PASSWORD)


def test_roles_and_disabled_accounts(store: Store) -> None:
    assert store.add_user("mia", PASSWORD) == "manager"
    assert store.add_user("ann", PASSWORD) == "annotator"
    assert store.add_user("max", PASSWORD, role="manager") == "manager"
    with pytest.raises(StoreError, match="role must be one of manager, curator, annotator"):
        store.add_user("eve", PASSWORD, role="admin")
    assert (store.role_of("mia"), store.role_of("ann"), store.role_of("nobody")) == (
        "manager",
        "annotator",
        None,
    )
    store.set_disabled("ann", True)
    assert store.role_of("ann") is None and not store.verify_user("ann", PASSWORD)
    assert "ann" not in store.credential_stamps()  # her sessions end
    store.set_disabled("ann", False)
    assert store.verify_user("ann", PASSWORD) and store.role_of("ann") == "annotator"
    store.set_disabled("max", True)
    with pytest.raises(StoreError, match="cannot disable 'mia': it is the last active manager"):
        store.set_disabled("mia", True)
    with pytest.raises(StoreError, match="last active manager"):
        store.set_role("mia", "annotator")
    assert store.role_of("mia") == "manager"


def test_curator_accounts(store: Store) -> None:
    """A curator is a role like the others: given at creation or later, kept in the database,
    and not a manager (the last active manager cannot become one)."""
    assert store.add_user("mia", PASSWORD) == "manager"
    assert store.add_user("cur", PASSWORD, role="curator") == "curator"
    assert store.add_user("ann", PASSWORD) == "annotator"
    assert [(a.name, a.role) for a in store.accounts()] == [
        ("ann", "annotator"),
        ("cur", "curator"),
        ("mia", "manager"),
    ]
    assert store.role_of("cur") == "curator"
    store.set_role("ann", "curator")
    store.set_role("cur", "annotator")
    assert (store.role_of("ann"), store.role_of("cur")) == ("curator", "annotator")
    with pytest.raises(StoreError, match="cannot make a curator of 'mia': it is the last active"):
        store.set_role("mia", "curator")
    store.set_disabled("ann", True)
    assert store.role_of("ann") is None  # a disabled curator curates nothing
    store.set_disabled("ann", False)
    store.set_role("ann", "manager")
    store.set_role("mia", "curator")  # another manager is left
    assert store.role_of("mia") == "curator"
    with pytest.raises(StoreError, match="cannot make an annotator of 'ann'"):
        store.set_role("ann", "annotator")


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("", PASSWORD, "must not be empty"),
        ("x" * 65, PASSWORD, "at most 64"),
        ("a:b", PASSWORD, "':'"),
        ("a\nb", PASSWORD, "control"),
        ("a\x00b", PASSWORD, "control"),
        (" ann", PASSWORD, "blanks"),
        ("ann", "short", "at least 8"),
    ],
)
def test_account_rules_have_clear_errors(
    store: Store, name: str, password: str, message: str
) -> None:
    with pytest.raises(StoreError, match=message) as caught:
        store.add_user(name, password)
    assert password not in str(caught.value)
    assert store.list_users() == []


def test_no_plain_password_on_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secrets = ["s3cret-Unique-pw-1", "s3cret-Unique-pw-2"]
    with Store.open(f"sqlite:///{data / 'spanrel.sqlite'}") as store:
        store.add_user("ann", secrets[0])
        store.add_user("bob", "first-password")
        store.set_password("bob", secrets[1])
        assert store.verify_user("ann", secrets[0]) and store.verify_user("bob", secrets[1])
        files = [p for p in data.rglob("*") if p.is_file()]
        assert any(p.name.endswith("-wal") for p in files)  # checked while the WAL is live
        for path in files:
            blob = path.read_bytes()
            for secret in (*secrets, "first-password"):
                assert secret.encode() not in blob, path
                assert secret.encode("utf-16-le") not in blob, path


@pytest.mark.from_empty  # migrated to 0003 only: not backend_url's migrated copy
def test_migration_from_0003_adds_users(backend_url: str) -> None:
    Store.open(backend_url, migrate_to="0003").close()
    engine = create_db_engine(backend_url)
    try:
        assert "users" not in inspect(engine).get_table_names()
        with Store.open(backend_url) as store:
            store.add_user("ann", PASSWORD)
            assert store.verify_user("ann", PASSWORD)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def _process(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``python -m db users ...`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "db", "users", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The same command line run by ``db.cli.main`` in this process (tests/cli_runs.py)."""
    return run_main(main, "users", *args, stdin=stdin)


def test_cli_users(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    # the first in a process of its own: the ``-m`` entry, the password from a real pipe
    added = _process("add", "--db", url, "ann", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {"added": "ann", "role": "manager"}
    short = _cli("add", "--db", url, "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr and "short" not in short.stdout
    listed = _cli("list", "--db", url)
    assert listed.returncode == 0 and json.loads(listed.stdout) == ["ann"]
    with Store.open(url) as store:
        store.add_user("bob", PASSWORD)
    made = _cli("role", "--db", url, "bob", "curator")
    assert made.returncode == 0 and json.loads(made.stdout) == {"name": "bob", "role": "curator"}
    cur = _cli("add", "--db", url, "cy", "--role", "curator", "--password-stdin", stdin=PASSWORD)
    assert cur.returncode == 0 and json.loads(cur.stdout) == {"added": "cy", "role": "curator"}
    bad = _cli("role", "--db", url, "cy", "admin")
    assert bad.returncode == 2 and "manager, curator, annotator" in bad.stderr.replace("'", "")
    with Store.open(url) as store:
        store.remove_user("cy")
    made = _cli("role", "--db", url, "bob", "manager")
    assert made.returncode == 0 and json.loads(made.stdout) == {"name": "bob", "role": "manager"}
    off = _cli("disable", "--db", url, "bob")
    assert off.returncode == 0, off.stderr
    long = json.loads(_cli("list", "--db", url, "--long").stdout)
    assert [(a["name"], a["role"], a["disabled"]) for a in long] == [
        ("ann", "manager", False),
        ("bob", "manager", True),
    ]
    last = _cli("disable", "--db", url, "ann")
    assert last.returncode == 1 and "last active manager" in last.stderr
    with Store.open(url) as store:
        store.remove_user("bob")
    changed = _cli("passwd", "--db", url, "ann", "--password-stdin", stdin="new password 2\r\n")
    assert changed.returncode == 0, changed.stderr
    with Store.open(url) as store:
        assert store.verify_user("ann", "new password 2")
        assert not store.verify_user("ann", PASSWORD)
    removed = _cli("remove", "--db", url, "ann")
    assert removed.returncode == 0 and json.loads(removed.stdout) == {"removed": "ann"}
    gone = _cli("remove", "--db", url, "ann")
    assert gone.returncode == 1 and "no user named 'ann'" in gone.stderr
    with Store.open(url) as store:
        assert store.list_users() == []
