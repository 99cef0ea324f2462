"""User accounts: add, remove, change a password or role, disable, verify a sign-in.

Roles (``db.models.ROLES``): a *manager* changes the schema, imports, exports, retrains,
assigns, deletes, curates and manages accounts; a *curator* curates (merges the annotators'
layers of a document into the curated document, edits any curated document), sees every
person's layer and annotates like an annotator; an *annotator* annotates the documents assigned
to them or open to all, and of a document annotated in layers only their own layer. What each
role may do is ``app.permissions``' table; the store only keeps the role. The first account is
a manager (someone must be able to manage), and the last active manager cannot be removed,
disabled or given another role. A disabled account keeps its name
(its edits keep their author) but cannot sign in, and its sessions end
(``credential_stamps`` leaves it out).

Names and passwords are checked by ``db.passwords`` (clear messages, never echoing the
password); only salted scrypt hashes reach the database. Hashing runs outside the transaction
so a slow hash never holds the write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import models as m
from db import passwords
from db.transactions import StoreBase
from db.views import NotFoundError, StoreError
from db.wording import a_or_an


def _account(name: str, password: str | None = None) -> str | None:
    """Check the name (and the password, if given); the password's hash."""
    try:
        passwords.check_user_name(name)
        return None if password is None else passwords.hash_password(password)
    except ValueError as exc:
        raise StoreError(str(exc)) from None


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    disabled: bool
    created_at: datetime


def _check_role(role: str) -> None:
    if role not in m.ROLES:
        raise StoreError(f"role must be one of {', '.join(m.ROLES)}, not {role!r}")


def _keep_a_manager(s: Session, name: str, what: str) -> None:
    """Refuse a change that would leave accounts but no active manager (nobody could manage
    them from the page). Removing the very last account is allowed: the app then asks for a
    first manager again."""
    others = select(func.count()).select_from(m.User).where(m.User.name != name)
    if what == "remove" and not s.scalar(others):
        return
    if not s.scalar(others.where(m.User.role == m.MANAGER, m.User.disabled.is_(False))):
        raise StoreError(f"cannot {what} {name!r}: it is the last active manager")


def _user(s: Session, name: str) -> m.User:
    user = s.scalar(select(m.User).where(m.User.name == name))
    if user is None:
        raise NotFoundError(f"no user named {name!r}")
    return user


class Accounts(StoreBase):
    """``Store``'s user account methods."""

    def add_user(self, name: str, password: str, role: str | None = None) -> str:
        """Create the account ``name``; its role (default: manager for the first account,
        else annotator). ``StoreError`` if it exists or the input is invalid."""
        if role is not None:
            _check_role(role)
        hashed = _account(name, password)

        def run(s: Session) -> str:
            if s.scalar(select(m.User.id).where(m.User.name == name)) is not None:
                raise StoreError(f"a user named {name!r} already exists")
            first = not s.scalar(select(func.count()).select_from(m.User))
            chosen = role or (m.MANAGER if first else m.ANNOTATOR)
            s.add(m.User(name=name, password_hash=hashed, role=chosen, disabled=False))
            return chosen

        try:
            return self._write(run)
        except IntegrityError:  # added by someone else at the same moment
            raise StoreError(f"a user named {name!r} already exists") from None

    def set_role(self, name: str, role: str) -> None:
        """Give the account ``name`` the role ``role`` (one of ``db.models.ROLES``)."""
        _check_role(role)

        def run(s: Session) -> None:
            user = _user(s, name)
            if user.role == m.MANAGER and role != m.MANAGER and not user.disabled:
                _keep_a_manager(s, name, f"make {a_or_an(role)} of")
            user.role = role

        self._write(run)

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (no sign-in, sessions end) or enable the account ``name``."""

        def run(s: Session) -> None:
            user = _user(s, name)
            if disabled and user.role == m.MANAGER and not user.disabled:
                _keep_a_manager(s, name, "disable")
            user.disabled = disabled

        self._write(run)

    def accounts(self) -> list[Account]:
        """Every account with its role and state, by name."""

        def run(s: Session) -> list[Account]:
            rows = s.scalars(select(m.User).order_by(m.User.name))
            return [Account(u.name, u.role, u.disabled, u.created_at) for u in rows]

        return self._read(run)

    def role_of(self, name: str) -> str | None:
        """The role of an active account; None for no account or a disabled one."""
        row = self._read(
            lambda s: s.execute(
                select(m.User.role, m.User.disabled).where(m.User.name == name)
            ).first()
        )
        return None if row is None or row[1] else row[0]

    def set_password(self, name: str, password: str) -> None:
        """Replace the password of ``name`` (``NotFoundError`` if there is no such user)."""
        hashed = _account(name, password)

        def run(s: Session) -> None:
            done = s.execute(update(m.User).where(m.User.name == name).values(password_hash=hashed))
            if not done.rowcount:
                raise NotFoundError(f"no user named {name!r}")

        self._write(run)

    def remove_user(self, name: str) -> None:
        """Delete the account ``name`` (its past edits keep the name as author)."""
        _account(name)

        def run(s: Session) -> None:
            user = _user(s, name)
            if user.role == m.MANAGER and not user.disabled:
                _keep_a_manager(s, name, "remove")
            s.delete(user)

        self._write(run)

    def list_users(self) -> list[str]:
        return self._read(lambda s: list(s.scalars(select(m.User.name).order_by(m.User.name))))

    def credential_stamps(self) -> dict[str, str]:
        """Each account's name and a short digest of its password hash.

        The digest changes when the password does; the app compares it with the one seen at
        sign-in to end the sessions of a removed account or a changed password.
        """
        rows = self._read(
            lambda s: list(
                s.execute(
                    select(m.User.name, m.User.password_hash).where(m.User.disabled.is_(False))
                )
            )
        )
        return {name: passwords.stamp(hashed) for name, hashed in rows}

    def verify_user(self, name: str, password: str) -> bool:
        """Whether ``name`` exists and ``password`` is its password.

        An unknown or invalid name is checked against a dummy hash, so the answer takes about
        as long either way and does not tell which names exist.
        """
        stored: str | None = None
        try:
            passwords.check_user_name(name)
        except ValueError:
            pass
        else:
            stored = self._read(
                lambda s: s.scalar(
                    select(m.User.password_hash).where(
                        m.User.name == name, m.User.disabled.is_(False)
                    )
                )
            )
        ok = passwords.verify_password(password, stored or passwords.dummy_hash())
        return ok and stored is not None

    # -- backup -----------------------------------------------------------------------------
