"""The screens of the app, one pair of modules each.

``<name>.py`` holds a screen's logic, free of Gradio so it can be tested and reused;
``<name>_tab.py`` lays the screen out (a dataclass holds its components) and wires its events
to that logic. ``app.ui`` composes the tabs into one page.

``esc`` and ``code`` live here because every screen puts user text into Markdown through them.
"""

from __future__ import annotations

import html
import re
from typing import Any

from app.permissions import refuse

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")


def code(text: Any) -> str:
    """User text as a Markdown code span (shown literally; backticks cannot close it)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def esc(text: Any) -> str:
    """User text made inert inside Markdown: HTML-escaped, Markdown punctuation backslashed
    (``$`` too: Gradio renders ``$$...$$`` as LaTeX).

    Quotes stay as they are (the result is element text, never an attribute value): escaping
    them would make ``&#x27;``, whose ``#`` the backslashing breaks, so ``'`` showed as
    ``&#x27;``."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def refused_line(reason: Any, prefix: str = "") -> str:
    """A refusal that a screen also writes on a line of its own: the lasting toast and the log
    line every refusal gets (``app.permissions.refuse``), and that line's text."""
    text = f"{prefix}{reason}"
    refuse(text, stop=False)
    return f"\u26a0 {esc(text)}"
