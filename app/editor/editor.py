"""``AnnotationEditor``: a ``gr.HTML`` subclass whose JavaScript owns the rendering.

Why it is built this way (measured facts in shared/design/editor.md):
- the HTML template is a static shell that never references ``value`` or user data, because a
  template re-render wipes JS-built DOM and the template is evaluated as a JS template literal
  (data in it could run as code);
- ``value`` stays tiny (``{"doc_id", "revision"}``): the page loads the document through the
  ``editor_load`` server function and sends each edit as one small operation through
  ``editor_apply``; a whole document as ``value`` costs ~375 ms per edit;
- the page's JavaScript is the files of ``js/`` joined in the order of ``js/load_order.json``
  into one ``js_on_load`` body (no build step); ``editor_load`` also sends the page its
  configuration (``PAGE_CONFIG``: the op limits, command keys and statuses Python defines), so
  the page hard-codes none of them;
- every operation carries ``(client_id, seq)``: the page sends strictly one at a time (the next
  after the acknowledgement), and a repeated seq is answered with the acknowledgement of the
  first instead of being applied twice (a retry after a lost answer is safe).

Exactly once has one home, the store: ``db.Store`` records ``(client_id, seq)`` with each edit
in the same transaction and answers a repeat from that record, across restarts and processes,
and ``StoreBackend`` passes the pair with every operation the store writes (the relation pass
included). The editor keeps no record of its own: an in-memory one would be lost on a restart,
not shared between processes, and its refusal of a gap in ``seq`` could wedge a page whose op
was refused for its shape (never recorded anywhere).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import component_meta

from app.editor.backend import EditorBackend
from app.editor.ops import MAX_ID, OpError, page_limits, validate_op
from app.editor.page_schema import COMMAND_KEYS, CTRL_KEYS
from db.document_status import DONE, REOPENED
from db.models import DOCUMENT_STATUSES

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
_JS = _HERE / "js"
MAX_PAYLOAD_CHARS = 20_000

#: what the page is told with every document it loads (it hard-codes none of it)
PAGE_CONFIG: dict[str, Any] = {
    "limits": page_limits(),
    "keys": {**COMMAND_KEYS, **CTRL_KEYS},
    "statuses": list(DOCUMENT_STATUSES),
    # "Mark done" sets the first, "Reopen" the second (``db.document_status``'s rules)
    "done": DONE,
    "reopened": REOPENED,
}

# The shell: toolbar, text container, popup and status line, all filled by the page's script.
SHELL = (
    '<div class="sr-editor" tabindex="0" role="application" '
    'aria-label="Entity and relation editor" data-testid="sr-editor">'
    '<div class="sr-toolbar" role="toolbar" aria-label="Editor tools"></div>'
    '<div class="sr-scroll"><div class="sr-doc" data-testid="sr-doc"></div></div>'
    # outside the scroll box, which would clip it (popup.js places it in the viewport)
    '<div class="sr-pop" role="dialog" hidden></div>'
    '<div class="sr-status" role="status" aria-live="polite" data-testid="sr-status"></div>'
    "</div>"
)


def _asset(name: str) -> str:
    text = (_HERE / name).read_text(encoding="utf-8")
    if name.endswith(".css"):
        # css_template goes through Handlebars and a JS template literal: keep it inert
        bad = [s for s in ("`", "${", "{{", "\\") if s in text]
        if bad:
            raise ValueError(f"{name} must not contain {bad}: it is evaluated as a template")
    return text


def editor_js() -> str:
    """The page's script: the files of ``js/`` in their load order, in one function body.

    The files share one scope (each names what it takes from the others in a ``/* global */``
    comment); the wrapper runs them once per editor element, which it hands them as ``root``.
    """
    order = json.loads((_JS / "load_order.json").read_text(encoding="utf-8"))
    present = sorted(p.name for p in _JS.glob("*.js"))
    if sorted(order) != present:
        raise ValueError(f"js/load_order.json lists {sorted(order)}, js/ holds {present}")
    parts = [f"// ---- js/{n} ----\n" + (_JS / n).read_text(encoding="utf-8") for n in order]
    return (
        "(function () {\n"
        'const root = element.querySelector(".sr-editor");\n'
        "if (!root || root.dataset.init) return;\n"
        'root.dataset.init = "1";\n' + "\n".join(parts) + "})();\n"
    )


def request_user(request: Any) -> str | None:
    """The logged-in user of a component-server call (Gradio passes no username there).

    Reads the same access-token cookie Gradio's own ``login_check`` reads.
    """
    try:
        app = request.app
        dependency = getattr(app, "auth_dependency", None)
        if dependency is not None:
            user = dependency(request)
            return user if isinstance(user, str) else None
        cookie_id = getattr(app, "cookie_id", None)
        if cookie_id is None:
            return None
        token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return app.tokens.get(token) if token else None
    except Exception:  # no app, no cookies: anonymous
        return None


_CSS_LENGTH = re.compile(r"[0-9]{1,5}(\.[0-9]{1,3})?(px|vh|em|rem|%)")
_DOC_ID = re.compile(rf"[^\x00-\x1f]{{1,{MAX_ID}}}")


@contextmanager
def _no_pyi_stub() -> Iterator[None]:
    """Gradio's component metaclass writes a ``.pyi`` stub beside the module of every
    component class it creates (``gradio.component_meta.create_or_modify_pyi``); we do not
    want a generated file in the source tree (or a crash on a read-only install)."""
    original = component_meta.create_or_modify_pyi
    component_meta.create_or_modify_pyi = lambda *args, **kwargs: None
    try:
        yield
    finally:
        component_meta.create_or_modify_pyi = original


with _no_pyi_stub():

    class AnnotationEditor(gr.HTML):
        """The entity/relation editor. ``value`` is ``{"doc_id": str, "revision": int}``.

        Python sets ``value`` to open a document (bump ``revision`` to make the page reload it,
        e.g. after new model suggestions); the page sets it when the user goes to the previous or
        next document, which fires ``.change``. ``doc_status`` (custom event, payload
        ``{"doc_id", "status"}`` in ``gr.EventData``) fires after "mark done"/"reopen".

        Launch the app with ``run_history=False`` (otherwise Gradio copies event inputs into the
        browser's localStorage).
        """

        def __init__(
            self,
            backend: EditorBackend,
            value: dict[str, Any] | None = None,
            *,
            user_of: Callable[[Any], str | None] | None = None,
            editor_height: str = "70vh",
            **kwargs: Any,
        ):
            """``user_of(request)`` names the user of a call; default: Gradio's login cookie."""
            # private names: Gradio serialises attributes named like __init__ parameters
            self._backend = backend
            resolve = user_of or request_user
            if not _CSS_LENGTH.fullmatch(editor_height):
                raise ValueError(
                    f"editor_height must be a CSS length like '70vh', got {editor_height!r}"
                )

            def editor_load(payload: Any, request: gr.Request) -> dict[str, Any]:
                """Load one document for the page (errors come back as ``{ok: false}``).

                ``{"doc_id", "step": "next"}`` loads the person's next document to do after
                ``doc_id`` instead (the toolbar's "next"), or answers ``none_left``."""
                try:
                    doc_id = payload.get("doc_id") if isinstance(payload, dict) else payload
                    step = payload.get("step") if isinstance(payload, dict) else None
                    if not isinstance(doc_id, str) or not _DOC_ID.fullmatch(doc_id):
                        return {"ok": False, "error": "invalid document id"}
                    if step not in (None, "next"):
                        return {"ok": False, "error": "invalid step"}
                    user = resolve(request)
                    if step == "next":
                        picked = backend.next_to_do(doc_id, user)
                        if picked is None:
                            return {"ok": False, "none_left": True, "error": "nothing left to do"}
                        doc_id = picked
                    doc = backend.load(doc_id, user)
                    return {"ok": True, "doc": doc, "config": PAGE_CONFIG}
                except KeyError:
                    return {"ok": False, "error": "document not found"}
                except Exception as exc:
                    log.exception("editor_load failed")
                    return {
                        "ok": False,
                        "error": f"could not load the document ({type(exc).__name__})",
                    }

            def editor_apply(payload: Any, request: gr.Request) -> dict[str, Any]:
                """Validate one operation's shape, then apply it (the store applies it once)."""
                seq = payload.get("seq") if isinstance(payload, dict) else None
                try:
                    if len(json.dumps(payload)) > MAX_PAYLOAD_CHARS:
                        raise OpError("operation too large")
                    op = validate_op(payload)
                except (OpError, TypeError, ValueError) as exc:
                    return {"ok": False, "seq": seq, "error": str(exc)}
                user = resolve(request)

                try:
                    ack = backend.apply(op, user)
                except Exception as exc:
                    log.exception("editor_apply failed for %s", op.get("kind"))
                    return {"ok": False, "seq": op["seq"], "error": f"not saved ({exc})"}
                if not isinstance(ack, dict):
                    return {"ok": False, "seq": op["seq"], "error": "backend gave no answer"}
                return {**ack, "seq": op["seq"]}

            js = editor_js()
            # gr.HTML.__getattr__ turns any quoted word in js_on_load into an event listener, and
            # get_config reads attributes named like our parameters: keep those names out of the JS
            for name in ("backend", "user_of", "editor_height", "kwargs"):
                if re.search(rf"""['"`]{name}['"`]""", js):
                    raise ValueError(f"the editor's js must not contain the quoted word {name!r}")
            kwargs.setdefault("apply_default_css", False)
            super().__init__(
                value=value or {"doc_id": None, "revision": 0},
                html_template=SHELL,
                css_template=_asset("editor.css").replace("EDITOR_HEIGHT", editor_height),
                js_on_load=js,
                server_functions=[editor_load, editor_apply],
                **kwargs,
            )

        def api_info(self) -> dict[str, Any]:
            return {
                "type": "object",
                "properties": {"doc_id": {"type": "string"}, "revision": {"type": "integer"}},
            }

        def example_payload(self) -> Any:
            return {"doc_id": "doc-1", "revision": 0}

        def example_value(self) -> Any:
            return {"doc_id": "doc-1", "revision": 0}

        def preprocess(self, payload: Any) -> Any:
            return payload

        def postprocess(self, value: Any) -> Any:
            return value
