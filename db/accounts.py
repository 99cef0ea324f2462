"""User accounts: add, remove, change a password, verify a sign-in.

Names and passwords are checked by ``db.passwords`` (clear messages, never echoing the
password); only salted scrypt hashes reach the database. Hashing runs outside the transaction
so a slow hash never holds the write lock.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import models as m
from db import passwords
from db.transactions import StoreBase
from db.views import NotFoundError, StoreError


def _account(name: str, password: str | None = None) -> str | None:
    """Check the name (and the password, if given); the password's hash."""
    try:
        passwords.check_user_name(name)
        return None if password is None else passwords.hash_password(password)
    except ValueError as exc:
        raise StoreError(str(exc)) from None


class Accounts(StoreBase):
    """``Store``'s user account methods."""

    def add_user(self, name: str, password: str) -> None:
        """Create the account ``name``; ``StoreError`` if it exists or the input is invalid."""
        hashed = _account(name, password)

        def run(s: Session) -> None:
            if s.scalar(select(m.User.id).where(m.User.name == name)) is not None:
                raise StoreError(f"a user named {name!r} already exists")
            s.add(m.User(name=name, password_hash=hashed))

        try:
            self._write(run)
        except IntegrityError:  # added by someone else at the same moment
            raise StoreError(f"a user named {name!r} already exists") from None

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
            user = s.scalar(select(m.User).where(m.User.name == name))
            if user is None:
                raise NotFoundError(f"no user named {name!r}")
            s.delete(user)

        self._write(run)

    def list_users(self) -> list[str]:
        return self._read(lambda s: list(s.scalars(select(m.User.name).order_by(m.User.name))))

    def credential_stamps(self) -> dict[str, str]:
        """Each account's name and a short digest of its password hash.

        The digest changes when the password does; the app compares it with the one seen at
        sign-in to end the sessions of a removed account or a changed password.
        """
        rows = self._read(lambda s: list(s.execute(select(m.User.name, m.User.password_hash))))
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
                lambda s: s.scalar(select(m.User.password_hash).where(m.User.name == name))
            )
        ok = passwords.verify_password(password, stored or passwords.dummy_hash())
        return ok and stored is not None

    # -- backup -----------------------------------------------------------------------------
