"""Live views: a part of a screen that follows what happens elsewhere (imports, jobs, other
people's edits and projects) without a click, asked again every ``LIVE_S`` seconds.

One helper, ``wire_live``, serves every live view (the Projects table and chooser, the
Documents listing), because each needs the same two guarantees and they are easy to get
subtly wrong twice:

- **sent only when it changed** (``fingerprint``): a table redrawn with the same rows loses the
  person's scroll and pointer every ``LIVE_S`` seconds;
- **never for inputs that are no longer the page's.** A tick's inputs are the values the
  browser had when the timer fired. When the person changes a filter meanwhile, the filter's
  own handler lists the new filter, and a tick that finishes after it would put the old
  filter's listing back (until the next tick). ``Shown``, one per page in a ``gr.State``,
  records the inputs of the view on screen: every handler that fills the view says so
  (``Shown.listed``), and a tick sends only when no handler listed while it ran and its inputs
  are the ones on screen (``Shown.may_send``).

Gradio hands a ``gr.State``'s value to each event of the page by reference, so a handler's
``listed`` is seen by a tick that is running at that moment; the timer's events are
``trigger_mode="once"``, so a page has one tick in flight at a time (what makes a second tick
with the same inputs proof that they are the page's, below).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.blocks import Block

#: how often the live views are asked again (seconds)
LIVE_S = 10.0

# one lock for every page's record (a ``gr.State`` value is deep-copied per page: a lock of
# its own could not be); each hold is a few comparisons
_LOCK = threading.Lock()


def fingerprint(*values: Any) -> str:
    """A digest of what a live view would send: equal digests, nothing to redraw."""
    text = "\x00".join(v.to_json() if hasattr(v, "to_json") else repr(v) for v in values)
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class Shown:
    """What one page shows of a live view, and for which inputs (held in a ``gr.State``).

    ``generation`` counts the handlers that filled the view: 0 means none has yet, so no
    listing on screen is newer than a tick's. ``inputs`` are the inputs of the view on screen;
    None when its handler did not say (the project chooser lists the project anew for inputs
    of its own). ``pending``: inputs a tick found different from ``inputs``, waiting for the
    next tick to confirm them (text typed in a filter but not submitted is the page's too).
    """

    key: str = ""
    inputs: tuple[Any, ...] | None = None
    generation: int = 0
    pending: tuple[Any, ...] | None = None

    def listed(self, inputs: Sequence[Any] | None, values: Sequence[Any] = ()) -> Any:
        """A handler filled the view with ``values`` computed for ``inputs`` (None: inputs
        it does not know); returns ``values`` so a handler can return through it."""
        with _LOCK:
            self.generation += 1
            self.inputs = tuple(inputs) if inputs is not None else None
            self.pending = None
            self.key = fingerprint(*values) if values else ""
        return values

    def may_send(self, inputs: Sequence[Any], since: int, key: str) -> bool:
        """Whether a tick that started at ``generation`` ``since`` with ``inputs`` may send
        what it computed (digest ``key``); records it as shown when it may.

        Not when a handler filled the view while the tick ran (that listing is at least as
        new), nor when the view on screen was computed for other inputs: the tick read the
        inputs before the person changed them, or the person changed them without a listing
        (typed but not submitted). The second case is told apart by the next tick, read after
        this one finished: the same inputs again, and no handler listed in between, are the
        page's, so the tick after a silent change takes them over.
        """
        inputs = tuple(inputs)
        with _LOCK:
            if self.generation != since:
                return False
            if since and inputs != self.inputs and inputs != self.pending:
                self.pending = inputs  # the next tick's inputs confirm them, or not
                return False
            self.inputs, self.pending = inputs, None
            if key == self.key:
                return False
            self.key = key
            return True


def live_tick(view: Callable[..., Sequence[Any]]) -> Callable[..., Any]:
    """The timer's handler for ``view`` (inputs in, one value per output out): called with
    the view's inputs and the page's ``Shown``; sends the view's values, or ``gr.skip()`` for
    each when ``Shown.may_send`` says no.

    It takes ``view``'s module and name, so ``app.permissions.HANDLERS`` classifies each live
    view under its own entry (and words a refusal as that view's action)."""

    def tick(*args: Any) -> Any:
        *inputs, shown = args
        since = shown.generation
        values = tuple(view(*inputs))
        if not shown.may_send(inputs, since, fingerprint(*values)):
            values = tuple(gr.skip() for _ in values)
        return values[0] if len(values) == 1 else values

    functools.update_wrapper(tick, view)
    del tick.__wrapped__  # Gradio and the guard must see ``*args``, not the view's signature
    return tick


def wire_live(
    view: Callable[..., Sequence[Any]],
    inputs: Sequence[Block],
    outputs: Sequence[Block],
    shown: gr.State | None = None,
) -> gr.State:
    """Keep ``outputs`` live: every ``LIVE_S`` seconds ``view(*inputs)`` is computed and sent
    when it changed and is still for the page's inputs. ``shown`` is the page's record of the
    view, given when handlers that fill the view say so (``Shown.listed``); returns it."""
    if shown is None:
        shown = gr.State(Shown())
    # "once": no second tick of the page while one is in flight (``Shown.may_send`` relies on
    # it); Gradio's default for ``tick``, said here because the rule depends on it
    gr.Timer(LIVE_S).tick(live_tick(view), [*inputs, shown], list(outputs), trigger_mode="once")
    return shown
