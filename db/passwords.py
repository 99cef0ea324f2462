"""Password hashing for user accounts: salted scrypt, parameters stored with the hash.

Why scrypt from the standard library: it is slow and memory-hard (a stolen database cannot be
brute-forced cheaply) and needs no extra package. An encoded hash reads
``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``; because the cost parameters travel with it,
``SCRYPT_N`` etc. can be raised later and old hashes still verify. Comparison is
``hmac.compare_digest`` (no early exit on the first differing byte).

Name rules exist because the name is shown on the page, recorded as the author of every edit
and typed into a login form that strips surrounding blanks: 1-64 characters, no control
characters, no colon (``--auth USER:PASSWORD`` splits on it), no leading or trailing blanks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata

SCHEME = "scrypt"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MAX_NAME = 64
MIN_PASSWORD = 8
# Refuse stored parameters that would need more memory than this (128 * n * r bytes): a
# damaged or hostile row must not make every login allocate gigabytes.
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
# Also a bound on work: longer passwords are refused at creation, so they can never match.
MAX_PASSWORD = 1024


def check_user_name(name: object) -> str:
    """``name`` if it is a valid account name, else ``ValueError`` saying what is wrong."""
    if not isinstance(name, str) or not name:
        raise ValueError("a user name must not be empty")
    if len(name) > MAX_NAME:
        raise ValueError(f"a user name has at most {MAX_NAME} characters (got {len(name)})")
    if ":" in name:
        raise ValueError(f"a user name must not contain ':' (got {name!r})")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise ValueError(f"a user name must not contain control characters (got {name!r})")
    if name != name.strip():
        raise ValueError(f"a user name must not start or end with blanks (got {name!r})")
    return name


def check_password(password: object) -> str:
    """``password`` if it is acceptable, else ``ValueError`` (the message never echoes it)."""
    if not isinstance(password, str):
        raise ValueError("a password must be text")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"a password has at most {MAX_PASSWORD} characters")
    return password


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=length,
        maxmem=MAX_SCRYPT_MEMORY + 1024 * 1024,
    )


def hash_password(password: str) -> str:
    """A new salted hash of ``password`` (checked with ``check_password`` first)."""
    check_password(password)
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``; a malformed hash never matches."""
    try:
        scheme, n_s, r_s, p_s, salt_s, digest_s = encoded.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt = base64.b64decode(salt_s, validate=True)
        digest = base64.b64decode(digest_s, validate=True)
    except (ValueError, binascii.Error, AttributeError):
        return False
    if (
        scheme != SCHEME
        or n < 2
        or n & (n - 1)
        or not 0 < r <= 64
        or not 0 < p <= 16
        or 128 * n * r > MAX_SCRYPT_MEMORY
        or not salt
        or not 16 <= len(digest) <= 64
    ):
        return False
    # an over-long password can never have been stored: still spend the time, then refuse
    too_long = not isinstance(password, str) or len(password) > MAX_PASSWORD
    candidate = _scrypt("" if too_long else password, salt, n, r, p, len(digest))
    return hmac.compare_digest(candidate, digest) and not too_long


_DUMMY: str | None = None


def dummy_hash() -> str:
    """A valid hash of a random password, verified against for unknown user names so that
    "no such user" takes as long as "wrong password"."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(_b64(os.urandom(24)))
    return _DUMMY


def stamp(encoded: str) -> str:
    """A short digest of a stored hash: equal while the password is unchanged, and of no use
    for guessing it (the hash itself stays in the database)."""
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]
