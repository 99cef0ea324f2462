"""Who may use the app: sign-in against hashed accounts, and no cross-origin access.

Accounts come from two places: the database (``python -m db users``, scrypt hashes) and
``launch.py --auth USER:PASSWORD`` (hashed in memory at start-up, never written). A name given
with ``--auth`` takes precedence over a database account of the same name. Gradio calls
``Accounts.check`` for each sign-in; it is a coroutine that runs the deliberately slow hash in a
worker thread, so a burst of sign-in attempts does not stall the server's event loop.

Guessing: every sign-in attempt counts against its account name until it succeeds. After
``MAX_FAILURES`` failures in a row (within ``FAILURE_WINDOW_S``) the name is locked: further
attempts are refused without checking the password, for ``LOCK_S`` seconds, doubling with each
further failure up to ``MAX_LOCK_S``. Counting before the (slow) check means a burst of parallel
guesses gets ``MAX_FAILURES`` tries, not one per request. A lock costs the real user at most
``MAX_LOCK_S`` of waiting; the name and lock are logged. Gradio's ``auth=`` callable is not
given the client's address, so the lock is per name, not per client.

Sessions: Gradio keeps each sign-in until the server stops; ``Sessions`` ends those of a
removed account or a changed password within ``SESSION_CHECK_S`` seconds.

Cross-origin requests: Gradio 6.31's ``CustomCORSMiddleware`` echoes *any* ``Origin`` back in
``Access-Control-Allow-Origin`` together with ``Access-Control-Allow-Credentials: true`` whenever
the request's ``Host`` is not a loopback name (that is, on every real deployment), and it adds
``Allow-Credentials`` to every answer. Its session cookie is ``SameSite=None``, so behind HTTPS
any web page could read the annotations and send edits with a signed-in annotator's cookie.
``SameOriginGuard`` therefore sits in front of Gradio's middleware and answers every request
whose ``Origin`` is not the app's own (``Host``, or ``X-Forwarded-Host`` behind a proxy that
rewrites ``Host``) with 403 before Gradio sees it: no preflight succeeds, no CORS header is
sent, no cross-site POST reaches a handler. Requests without ``Origin`` (address bar, links,
scripts, non-browser clients) and same-origin requests pass unchanged. Browsers cannot forge
``Origin`` or ``X-Forwarded-Host`` on a cross-origin request without a preflight, which is
refused.

Gradio offers no option for this and adds its middleware inside ``launch()``; the guard is put
in front of the finished middleware stack from a lifespan handler passed as ``app_kwargs``
(the stack is built when the server starts, before the lifespan runs; see ``guard_lifespan``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from db import Store, passwords

log = logging.getLogger(__name__)

AUTH_MESSAGE = "spanrel: sign in to annotate"
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


MAX_FAILURES = 5
FAILURE_WINDOW_S = 900.0
LOCK_S = 30.0
MAX_LOCK_S = 900.0
_MAX_TRACKED = 10_000  # names with recent failures kept; older entries are dropped first


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class SignInThrottle:
    """Failed sign-ins per account name, and the lock that follows too many of them."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        lock_s: float = LOCK_S,
        max_lock_s: float = MAX_LOCK_S,
        window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.lock_s, self.max_lock_s = max_failures, lock_s, max_lock_s
        self.window_s, self.clock = window_s, clock
        self._names: dict[str, _Failures] = {}

    def locked_for(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 when it may now)."""
        entry = self._names.get(name)
        return max(0.0, entry.locked_until - self.clock()) if entry else 0.0

    def attempt(self, name: str) -> None:
        """Count an attempt as failed until :meth:`succeeded` says otherwise."""
        now = self.clock()
        entry = self._names.get(name)
        if entry is None or now - entry.last > self.window_s:
            if len(self._names) >= _MAX_TRACKED:
                self._forget_oldest()
            entry = self._names[name] = _Failures()
        entry.count += 1
        entry.last = now
        if entry.count >= self.max_failures:
            lock = min(self.lock_s * 2 ** (entry.count - self.max_failures), self.max_lock_s)
            entry.locked_until = now + lock
            log.warning(
                "sign-in for %r locked for %.0f s after %d failed attempts",
                name[: passwords.MAX_NAME],
                lock,
                entry.count,
            )

    def succeeded(self, name: str) -> None:
        self._names.pop(name, None)

    def _forget_oldest(self) -> None:
        for name, _ in sorted(self._names.items(), key=lambda kv: kv[1].last)[
            : len(self._names) // 2
        ]:
            del self._names[name]


class Accounts:
    """The accounts that may sign in: the database's plus those given on the command line."""

    def __init__(
        self,
        store: Store | None,
        cli: Iterable[tuple[str, str]] = (),
        throttle: SignInThrottle | None = None,
    ) -> None:
        self.store = store
        self.throttle = throttle or SignInThrottle()
        self.sessions: Sessions | None = None  # set once the server runs (guard_lifespan)
        self._cli: dict[str, str] = {}
        for name, password in cli:
            passwords.check_user_name(name)
            self._cli[name] = passwords.hash_password(password)

    def stamps(self) -> dict[str, str]:
        """Every account's name and password stamp (``db.passwords.stamp``)."""
        stored = self.store.credential_stamps() if self.store is not None else {}
        return {**stored, **{name: passwords.stamp(h) for name, h in self._cli.items()}}

    def names(self) -> list[str]:
        stored = self.store.list_users() if self.store is not None else []
        return sorted(set(stored) | set(self._cli))

    def shadowed(self) -> list[str]:
        """Database accounts hidden by a command-line account of the same name."""
        stored = self.store.list_users() if self.store is not None else []
        return sorted(set(stored) & set(self._cli))

    def verify(self, name: str, password: str) -> bool:
        if name in self._cli:
            return passwords.verify_password(password, self._cli[name])
        if self.store is not None:
            return self.store.verify_user(name, password)
        passwords.verify_password(password, passwords.dummy_hash())
        return False

    async def check(self, username: str, password: str) -> bool:
        """Gradio's ``auth=`` callable (a coroutine: the hash runs off the event loop)."""
        wait = self.throttle.locked_for(username)
        if wait > 0:
            log.warning(
                "refused sign-in for %r: locked for %.0f s more",
                username[: passwords.MAX_NAME],
                wait,
            )
            return False
        self.throttle.attempt(username)
        ok = await asyncio.to_thread(self.verify, username, password)
        if ok:
            self.throttle.succeeded(username)
            log.info("signed in: %r", username[: passwords.MAX_NAME])
            if self.sessions is not None:  # a new password: end the sessions of the old one
                await asyncio.to_thread(self.sessions.signed_in, username)
        else:
            log.warning("failed sign-in for user %r", username[: passwords.MAX_NAME])
        return ok


SESSION_CHECK_S = 2.0


class Sessions:
    """Ends the sign-ins of a removed account, or of a password changed since they began.

    Gradio keeps its sign-ins in ``app.tokens`` (token -> name) for the life of the server and
    never looks at the accounts again. ``sweep`` (every ``SESSION_CHECK_S`` seconds while the
    server runs) drops the tokens whose name has no account any more or whose account's
    password stamp differs from the one seen when the sweeper last looked; a sign-in with a
    new password first drops the old password's tokens (``signed_in``), so its own token
    survives the next sweep. The next request with a dropped token gets 401: the editor then
    says the sign-in has ended and how many edits were not saved (``ops_queue.js``), and a
    reload shows the sign-in form.
    """

    def __init__(self, accounts: Accounts, server_app: Any) -> None:
        self.accounts, self.server_app = accounts, server_app
        self._seen: dict[str, str] = accounts.stamps()

    def _drop(self, keep: Callable[[str], bool]) -> list[str]:
        tokens: dict[str, str] = self.server_app.tokens
        ended = [(t, name) for t, name in list(tokens.items()) if not keep(name)]
        for token, name in ended:
            tokens.pop(token, None)
            log.warning("ended a session of %r: account removed or password changed", name)
        return [name for _, name in ended]

    def sweep(self) -> list[str]:
        """Drop stale sign-ins; the names whose sessions were ended."""
        stamps = self.accounts.stamps()
        seen, self._seen = self._seen, stamps
        return self._drop(lambda name: name in stamps and seen.get(name) == stamps[name])

    def signed_in(self, name: str) -> None:
        """Before Gradio records a successful sign-in: end ``name``'s sessions of an old
        password (the sweeper may not have run since the change)."""
        stamp = self.accounts.stamps().get(name)
        if stamp is not None and self._seen.get(name) != stamp:
            self._drop(lambda n: n != name)
            self._seen[name] = stamp

    async def run(self, interval: float = SESSION_CHECK_S) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.sweep)
            except Exception:  # a database hiccup must not stop the sweeper
                log.exception("session check failed; trying again")


def _host_port(netloc: str, default_port: int | None) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"//{netloc.strip()}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return host.lower().rstrip("."), port or default_port


def same_origin(origin: str, hosts: Iterable[str]) -> bool:
    """Whether ``origin`` (the Origin header) names one of ``hosts`` (Host header values).

    The scheme is not compared (a TLS proxy in front of a plain-HTTP app sees ``https``
    origins on ``http`` requests); the port is, with the scheme's default filled in.
    """
    try:
        parts = urlsplit(origin.strip())
        scheme = parts.scheme.lower()
    except ValueError:
        return False
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        return False  # "null", file:, extensions...
    want = _host_port(parts.netloc, _DEFAULT_PORTS[scheme])
    if want is None:
        return False
    return any(_host_port(h, _DEFAULT_PORTS[scheme]) == want for h in hosts if h)


class SameOriginGuard:
    """ASGI middleware: refuse (403) any request that carries a foreign ``Origin``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: dict[str, list[str]] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        origins = headers.get("origin")
        if not origins:
            await self.app(scope, receive, send)
            return
        hosts = list(headers.get("host", []))
        for forwarded in headers.get("x-forwarded-host", []):
            hosts.extend(h.strip() for h in forwarded.split(","))
        if len(origins) == 1 and same_origin(origins[0], hosts):
            await self.app(scope, receive, send)
            return
        log.warning(
            "refused a cross-origin %s %s from %r",
            scope.get("method", "websocket"),
            scope.get("path", ""),
            origins[0][:200],
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b"cross-origin request refused\n"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def guard_lifespan(app: Any) -> AsyncIterator[None]:
    """Put ``SameOriginGuard`` in front of the app's built middleware stack (Starlette builds
    it on the first ASGI call, which is this lifespan's startup)."""
    stack = app.middleware_stack or app.build_middleware_stack()
    if not isinstance(stack, SameOriginGuard):
        app.middleware_stack = SameOriginGuard(stack)
    yield


def _lifespan(accounts: Accounts | None, setup: Any = None) -> Callable[[Any], Any]:
    """The guard, and with accounts the session sweeper, for the life of the server; with
    ``setup`` (``app.first_manager.FirstManager``) its ``/setup`` page."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        if setup is not None:
            setup.mount(app)
        async with guard_lifespan(app):
            if accounts is None:
                yield
                return
            accounts.sessions = Sessions(accounts, app)
            task = asyncio.create_task(accounts.sessions.run())
            try:
                yield
            finally:
                task.cancel()
                accounts.sessions = None

    return lifespan


SETUP_MESSAGE = (
    "spanrel: no account exists yet. Whoever started the server creates the first manager at "
    "/setup with the one-time token printed in the server's log."
)


def launch_kwargs(app: Any, accounts: Accounts | None = None, setup: Any = None) -> dict[str, Any]:
    """``demo.launch(**launch_kwargs(app, accounts))``: the app's own launch arguments, sign-in
    against ``accounts`` when there are any (or a first manager is awaited: ``setup``), and the
    same-origin guard."""
    kwargs = dict(app.launch_kwargs())
    signing_in = accounts is not None and (bool(accounts.names()) or setup is not None)
    if signing_in:
        kwargs["auth"] = accounts.check
        kwargs["auth_message"] = SETUP_MESSAGE if setup is not None else AUTH_MESSAGE
    kwargs["app_kwargs"] = {"lifespan": _lifespan(accounts if signing_in else None, setup)}
    return kwargs
