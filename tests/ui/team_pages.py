"""The page as a team's browser tests drive it: signing in from a browser context of one's own,
and the editor's queue (send an operation the way a click or a key does, wait until it is
answered). Shared by test_team_browser.py and test_team_admin_browser.py.
"""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import Served


def fill_sign_in(page: Any, who: tuple[str, str], timeout: float = 30_000) -> None:
    """Fill Gradio's sign-in form on ``page`` with ``(name, password)`` and send it."""
    page.locator("input[type=password]").wait_for(timeout=timeout)
    page.locator("input").first.fill(who[0])
    page.locator("input[type=password]").fill(who[1])
    page.keyboard.press("Enter")


def sign_in(
    browser: Any, served: Served, who: tuple[str, str], query: str = "", timeout: float = 30_000
) -> Any:
    """A new browser context (its own cookies) signed in as ``who``; its page, at ``query``."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(served.url + query)
    fill_sign_in(page, who, timeout)
    page.get_by_text("signed in as").first.wait_for(timeout=timeout)
    return page


def editor_idle(page: Any) -> None:
    page.wait_for_function(
        "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
        " return s.queue.length === 0 && !s.inflight; }",
        timeout=20_000,
    )


def shown_doc(page: Any) -> str:
    return page.locator("[data-testid=sr-doc-name]").inner_text()


def send(page: Any, kind: str, op: dict | None = None) -> None:
    page.evaluate(
        "([k, o]) => document.querySelector('.sr-editor').srEditor.send(k, o)", [kind, op or {}]
    )
    editor_idle(page)
