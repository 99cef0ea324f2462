"""The first manager account of a server that has none: made in the browser with a one-time
token that only the server's log shows.

Why a token: an open sign-up page would go to whoever reaches the server first. The person who
started the server reads the token in its log, opens ``/setup`` and chooses the first
manager's name and password; the token then stops working, and ``/setup`` answers that the
server is set up as soon as any account exists (however it was made). Wrong tokens count
against one shared ``SignInThrottle`` entry, so the token cannot be guessed by brute force.

The page is plain HTML served by the same server (Gradio's sign-in screen comes before any
Gradio page, so the form cannot be one). Cross-origin posts are refused by
``app.access.SameOriginGuard`` in front of every route, this one included.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.access import SignInThrottle
from db import Store, StoreError
from db.models import MANAGER

log = logging.getLogger(__name__)

PATH = "/setup"
_THROTTLE_KEY = "\x00setup-token"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spanrel: first manager</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.4rem;font-size:1rem}}
button{{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}}.msg{{padding:.6rem;
border-radius:4px;background:#fde8e8}}.ok{{background:#e6f4ea}}</style></head><body>
<h1>spanrel: first manager</h1>{body}</body></html>"""

_FORM = """<p>This server has no account yet. The person who started it finds a one-time
token in its log (the line <code>first manager: open /setup with the token ...</code>).
The account made here is a manager: it adds the annotators on the People tab.</p>{msg}
<form method="post" action="{path}">
<label for="token">Token from the server log</label>
<input id="token" name="token" autocomplete="off" required>
<label for="name">Your name (what your edits record)</label>
<input id="name" name="name" autocomplete="username" required>
<label for="password">Password (at least 8 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="again">The same password again</label>
<input id="again" name="again" type="password" autocomplete="new-password" required>
<button type="submit">Create the manager account</button></form>"""


class FirstManager:
    """The one-time token and the ``/setup`` page that spends it."""

    def __init__(self, store: Store, throttle: SignInThrottle | None = None) -> None:
        self.store = store
        self.token = secrets.token_urlsafe(18)
        self.throttle = throttle or SignInThrottle()

    def announce(self, base_url: str) -> None:
        log.warning(
            "first manager: open %s%s with the token %s (it works once; no account exists yet)",
            base_url.rstrip("/"),
            PATH,
            self.token,
        )

    def _page(self, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(_PAGE.format(body=body), status_code=status)

    def _form(self, msg: str = "") -> HTMLResponse:
        shown = f'<p class="msg">{html.escape(msg)}</p>' if msg else ""
        return self._page(_FORM.format(msg=shown, path=PATH), 400 if msg else 200)

    def _set_up(self) -> HTMLResponse:
        return self._page(
            '<p class="msg ok">This server has its accounts: <a href="/">sign in</a>. '
            "Managers add people on the People tab.</p>"
        )

    async def get(self, request: Request) -> HTMLResponse:
        if await asyncio.to_thread(self.store.list_users):
            return self._set_up()
        return self._form()

    async def post(self, request: Request) -> HTMLResponse:
        if await asyncio.to_thread(self.store.list_users):
            return self._set_up()
        form = await request.form()
        token, name = str(form.get("token", "")), str(form.get("name", "")).strip()
        password, again = str(form.get("password", "")), str(form.get("again", ""))
        wait = self.throttle.locked_for(_THROTTLE_KEY)
        if wait > 0:
            return self._form(f"Too many wrong tokens: try again in {wait:.0f} s.")
        self.throttle.attempt(_THROTTLE_KEY)
        if not secrets.compare_digest(token.strip(), self.token):
            log.warning("first manager: a wrong token was given")
            return self._form("That is not the token the server printed; nothing was created.")
        self.throttle.succeeded(_THROTTLE_KEY)
        if password != again:
            return self._form("The two passwords differ; nothing was created.")
        try:
            await asyncio.to_thread(self.store.add_user, name, password, MANAGER)
        except StoreError as exc:
            return self._form(f"{exc}; nothing was created.")
        self.token = secrets.token_urlsafe(18)  # spent: never valid again
        log.info("first manager account %r created from %s", name, PATH)
        return self._page(
            f'<p class="msg ok">{html.escape(name)} is a manager. <a href="/">Sign in</a>.</p>'
        )

    def mount(self, app: Any) -> None:
        """Add ``/setup`` to the server (before Gradio's own routes, which would catch it)."""
        app.add_api_route(PATH, self.get, methods=["GET"], include_in_schema=False)
        app.add_api_route(PATH, self.post, methods=["POST"], include_in_schema=False)
        # the route just added is last; put both first
        routes = app.router.routes
        ours = [r for r in routes if getattr(r, "path", None) == PATH]
        app.router.routes = ours + [r for r in routes if r not in ours]
