"""``StoreBackend``: the editor's ``EditorBackend`` over the database store (``db.Store``).

The editor speaks in string ids and small operations (``app.editor.ops``); the store speaks in
integer database ids and ``db.Edit``. The pure translation (ids, op -> ``Edit``, document
diffs) is ``app.page_translation``; this module holds what needs the store:

- statuses are the store's (``db.models.DOCUMENT_STATUSES``) on both sides;
- a document annotated in people's layers (``db.layers``) loads as the caller's row of it
  (``app.layer_routing.target``: an annotator's own layer when the page asks for the
  document; someone else's layer is "not found" to them unless the project shows layers);
  each layer is a document of its own for edits, versions and the cache;
- the schema goes to the page as the lookup tables of ``app.editor.page_schema``;
- every acknowledgement carries the *difference* between the document before and after the
  operation (the page applies it and fires its ``doc_status`` event on a status change). The
  state the page had is the state at ``base_version``; the last state sent for each document is
  cached by version, and the state after an edit is that copy patched with the rows the edit
  changed (its history entry), so an edit costs no reload of the document; undo and redo, and
  anything uncertain, reload it.

The store arbitrates concurrency: a stale ``base_version`` is a ``ConflictError`` (answered with
``conflict: True`` so the page reloads). ``(client_id, seq)`` of every operation is passed to
the store (``apply_edit``, ``accept_all``, ``undo``, ``redo``, and ``replace_suggestions``
through the relation pass), which records it with the edit in one transaction and answers a
repeat from that record, also after an app restart: the store is the one exactly-once
mechanism, so a repeated operation is answered with the whole document and ``repeat: true``.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from app import layer_routing, ordering
from app.editor.page_schema import schema_dict
from app.page_translation import (
    diff,
    edit_from_op,
    page_annotations,
    parse_doc_id,
)
from app.permissions import MANAGE, Gate, Refused
from converters.schema_changes import SchemaChange
from db import ConflictError, NotFoundError, Store, StoreError
from db.document_status import DONE
from db.views import DocumentView, EditResult, PairNotAllowed

log = logging.getLogger(__name__)

CACHE_SIZE = 256
#: rows an edit may change that the page does not draw (BRAT extras kept by the store)
# what the page shows of each annotation besides its type and extent (attributes and notes
# are edited there, normalizations only shown)
_EXTRA_KEYS = ("attributes", "norms", "notes")


class RelationPass(Protocol):
    """The page's "suggest relations": ``(doc id, base version, author)`` and the operation's
    ``client_id``/``seq`` (for the store's exactly-once record) -> ``(message, result)``."""

    def __call__(
        self, doc_id: int, version: int, author: str, *, client_id: str, seq: int
    ) -> tuple[str, EditResult]: ...


class StoreBackend:
    """An ``EditorBackend`` writing straight to the store; safe to share between threads.

    ``default_user`` is the author recorded when the request carries no logged-in user (an app
    launched without ``--auth``).
    """

    def __init__(
        self,
        store: Store,
        *,
        gate: Gate | None = None,
        default_user: str = "anonymous",
        on_done: Callable[[str], None] | None = None,
        suggest_relations: RelationPass | None = None,
    ) -> None:
        self.store = store
        # who may edit which document (app.permissions); None: everybody everything (tests
        # of the editor's own logic)
        self.gate = gate
        self.default_user = default_user
        # called with the project after a document was marked done (automatic retraining)
        self.on_done = on_done
        self.suggest_relations = suggest_relations
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        # project -> (document count, ordered ids): prev/next without listing on every load
        self._order: dict[str, tuple[int, list[int]]] = {}

    # -- reading ----------------------------------------------------------------------------

    def _neighbours(self, project: str, doc_id: int) -> tuple[str | None, str | None]:
        info = self.store.get_project(project)
        if ordering.order_of(info.settings) == ordering.UNCERTAINTY:
            # statuses and scores change with every save: no cache, one small query
            ids = ordering.uncertain_first(self.store, project)
            prev_i, next_i = ordering.neighbours_in(ids, doc_id, wrap_in=True)
            return (
                str(prev_i) if prev_i is not None else None,
                str(next_i) if next_i is not None else None,
            )
        count = info.document_count
        with self._lock:
            cached = self._order.get(project)
        if cached is None or cached[0] != count:
            ids = [d.id for d in self.store.list_documents(project)]
            cached = (len(ids), ids)
            with self._lock:
                self._order[project] = cached
        ids = cached[1]
        try:
            pos = ids.index(doc_id)
        except ValueError:
            return None, None
        prev_id = str(ids[pos - 1]) if pos > 0 else None
        next_id = str(ids[pos + 1]) if pos + 1 < len(ids) else None
        return prev_id, next_id

    def to_page(self, view: DocumentView) -> dict[str, Any]:
        """The editor's document dict (module docstring of ``app.editor.backend``)."""
        annotations = page_annotations(view)
        # a layer's neighbours are its document's: "previous" and "next" walk the project's
        # documents, and ``load`` opens each one's row for the person
        prev_id, next_id = self._neighbours(view.project, view.layer_of or view.id)
        return {
            "doc_id": str(view.id),
            "name": view.name,
            "text": view.text,
            "version": view.version,
            "status": view.status,
            **annotations,
            "schema": self._schema(view),
            "prev_id": prev_id,
            "next_id": next_id,
            "project": view.project,
            "assignee": view.assignee,
            "status_by": view.status_by,
            "layer_owner": view.layer_owner,
            "layer_of": view.layer_of,
            "layer_owners": list(view.layer_owners),
            "thresholds": self.thresholds(view.project),
        }

    def _schema(self, view: DocumentView) -> dict[str, Any]:
        """The page's schema tables for the document's project (and any type it uses besides)."""
        types = tuple(dict.fromkeys(e.type for e in view.entities))
        return schema_dict(self.store.project_schema(view.project), types)

    def thresholds(self, project: str) -> dict[str, dict[str, float]] | None:
        """Default "Show ≥" / "Accept ≥" values of entity and relation suggestions: those the
        active model version chose on dev (fewest edits); None without a calibrated model."""
        active = self.store.active_model_version(project)
        chosen = (active.metrics or {}).get("thresholds") if active is not None else None
        if not isinstance(chosen, dict):
            return None
        out: dict[str, dict[str, float]] = {}
        for kind in ("entity", "relation"):
            block = chosen.get(kind)
            if isinstance(block, dict):
                out[kind] = {k: float(block[k]) for k in ("show", "accept") if k in block}
        return out or None

    def _fresh(self, doc_id: str) -> dict[str, Any]:
        try:
            view = self.store.load_document(parse_doc_id(doc_id))
        except NotFoundError:
            raise KeyError(doc_id) from None
        page = self.to_page(view)
        self._remember(page)
        return page

    def _remember(self, page: dict[str, Any]) -> None:
        with self._lock:
            self._cache[page["doc_id"]] = page
            self._cache.move_to_end(page["doc_id"])
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def load(self, doc_id: str, user: str | None = None) -> dict[str, Any]:
        """The document for the page: the row the caller gets for ``doc_id``
        (``app.layer_routing.target``: an annotator's own layer of a document annotated in
        layers); ``KeyError`` when there is no such document, or when it is a layer the caller
        may not see (``Gate.may_see``: someone else's, to an annotator)."""
        page = self._fresh(doc_id)
        routed = self._route(page, user)
        if routed != page["doc_id"]:
            log.info("%s asked for document %s: opened %s", user, doc_id, routed)
            page = self._fresh(routed)
        if self.gate is not None and page.get("layer_owner"):
            refusal = self.gate.may_see(
                user, page["layer_owner"], open_layers=self.open_layers(page["project"])
            )
            if refusal:
                log.info("refused %s document %s: %s", user, doc_id, refusal)
                raise KeyError(doc_id)
        return page

    def opened_id(self, doc_id: str, user: str | None = None) -> str:
        """The id of the row ``load(doc_id, user)`` opens (the Annotate tab puts it in the
        editor's value, so the value names what is open); ``KeyError`` as ``load``."""
        return self._route(self._fresh(doc_id), user)

    def open_layers(self, project: str) -> bool:
        """Whether ``project`` lets annotators see each other's layers (its setting)."""
        return layer_routing.show_other_layers(self.store.get_project(project).settings)

    def _route(self, page: dict[str, Any], user: str | None) -> str:
        """``app.layer_routing.target`` for the caller and the loaded ``page``; the page's own
        id without a gate (everybody everything) or for an unknown caller."""
        actor = self.gate.actor(user) if self.gate is not None else None
        if actor is None or not (page.get("layer_owner") or page.get("layer_owners")):
            return page["doc_id"]
        routed = layer_routing.target(
            actor,
            doc_id=int(page["doc_id"]),
            layer_owner=page.get("layer_owner") or "",
            layer_owners=page.get("layer_owners") or (),
            layer_for=self.store.layer_for,
        )
        return str(routed)

    def next_to_do(self, doc_id: str, user: str | None = None) -> str | None:
        """The page's "next": the person's next document to do after ``doc_id``
        (``app.ordering.next_to_do``), asked when they press it rather than with every load:
        it lists the project's documents (statuses and assignees change under the page, and
        the listing costs more than loading one document); None when nothing is left for them.
        ``KeyError`` when there is no such document."""
        db_id = parse_doc_id(doc_id)
        with self._lock:
            cached = self._cache.get(str(db_id))
        person = user or self.default_user
        try:
            project = cached["project"] if cached else self.store.load_document(db_id).project
            picked = ordering.next_to_do(self.store, project, person, after=db_id)
        except NotFoundError:  # gone since (a cached copy's project too)
            raise KeyError(doc_id) from None
        return None if picked is None else str(picked)

    # -- writing ----------------------------------------------------------------------------

    def apply(self, op: dict[str, Any], user: str | None = None) -> dict[str, Any]:
        """Apply one shape-validated operation; see the module docstring for the answer."""
        seq = op.get("seq")
        author = user or self.default_user
        try:
            db_id = parse_doc_id(op.get("doc_id"))
        except KeyError:
            return {"ok": False, "seq": seq, "error": "unknown document"}
        doc_key = str(db_id)
        with self._lock:
            before = self._cache.get(doc_key)
        if before is None or before["version"] != op["base_version"]:
            try:
                before = self._fresh(doc_key)
            except KeyError:
                return {"ok": False, "seq": seq, "error": "unknown document"}
        if self.gate is not None:
            try:
                if op["kind"] in ("allow_pair", "allow_role"):
                    self.gate.check(user, MANAGE, "change the schema")
                refusal = self.gate.may_edit(
                    user,
                    before.get("assignee"),
                    before.get("status"),
                    before.get("status_by"),
                    layer_owner=before.get("layer_owner") or "",
                    layer_owners=before.get("layer_owners") or (),
                )
            except Refused as exc:
                refusal = str(exc)
            if refusal:
                log.info("refused %s's %s on document %s: %s", author, op["kind"], doc_key, refusal)
                return {"ok": False, "seq": seq, "error": f"not saved: {refusal}"}
        if op["kind"] in ("allow_pair", "allow_role"):
            return self._allow(op, before, doc_key)
        stale = before["version"] != op["base_version"]
        # a stale edit still goes to the store: it answers a repeated (client_id, seq) from its
        # record (e.g. a retry after the app restarted) and refuses anything else as a conflict
        try:
            message, result = self._run(db_id, op, before, author)
        except ConflictError as exc:
            log.info(
                "conflict: %s's %s on document %s at version %s (now %s)",
                author,
                op["kind"],
                doc_key,
                op["base_version"],
                exc.current_version,
            )
            return self._conflict(seq, op["base_version"], exc.current_version)
        except NotFoundError:
            return {"ok": False, "seq": seq, "error": "unknown document"}
        except PairNotAllowed as exc:  # the page offers to allow it, then retries
            return {"ok": False, "seq": seq, "error": str(exc), "allow": exc.offer()}
        except StoreError as exc:  # EditError included: the reason is meant for a person
            log.info("refused %s's %s on document %s: %s", author, op["kind"], doc_key, exc)
            return {"ok": False, "seq": seq, "error": str(exc)}
        repeated = result.repeated
        after = None if repeated or stale else self._patched(doc_key, before, result)
        if after is None:
            after = self._fresh(doc_key)
        if repeated or stale:
            # the page's state is unknown: send the whole document
            ack = {"ok": True, "seq": seq, "version": after["version"], "doc": after}
            return {**ack, "repeat": True} if repeated else ack
        if after["status"] == DONE != before["status"] and self.on_done is not None:
            try:
                self.on_done(after["project"])
            except Exception:
                log.exception("after marking document %s done", doc_key)
        changes = diff(before, after)
        ack: dict[str, Any] = {"ok": True, "seq": seq, "version": after["version"]}
        ack["changes"] = changes
        if message or before["status"] != after["status"]:
            ack["message"] = message or f"status: {after['status'].replace('-', ' ')}"
        return ack

    def _allow(self, op: dict[str, Any], before: dict[str, Any], doc_key: str) -> dict[str, Any]:
        """The page's "allow this": a relation type also admits a pair of types, or an event
        role also takes a type (``Store.change_schema``); the answer carries the document
        with the new schema."""
        project = before["project"]
        if op["kind"] == "allow_pair":
            change = SchemaChange(
                "allow_pair",
                "relation",
                op["type"],
                arg1=(op["arg1_type"],),
                arg2=(op["arg2_type"],),
            )
            message = f"{op['type']} now allowed from {op['arg1_type']} to {op['arg2_type']}"
        else:
            slot = self.store.project_schema(project).event_slot(op["type"], op["role"])
            if slot is None:
                return {"ok": False, "seq": op.get("seq"), "error": f"no role {op['role']}"}
            change = SchemaChange(
                "role",
                "event",
                op["type"],
                role=slot.role,
                types=(*slot.types, op["arg_type"]),
                cardinality=slot.cardinality,
            )
            message = f"the {slot.role} of {op['type']} now takes {op['arg_type']}"
        try:
            self.store.change_schema(project, change)
        except StoreError as exc:
            return {"ok": False, "seq": op.get("seq"), "error": str(exc)}
        after = self._fresh(doc_key)
        ack = {"ok": True, "seq": op.get("seq"), "version": after["version"], "doc": after}
        return {**ack, "message": message}

    @staticmethod
    def _conflict(seq: Any, expected: int, current: int) -> dict[str, Any]:
        return {
            "ok": False,
            "seq": seq,
            "conflict": True,
            "version": current,
            "error": f"the document changed elsewhere (now version {current}, this page had "
            f"{expected}); reloaded",
        }

    def _patched(
        self, doc_key: str, before: dict[str, Any], result: EditResult
    ) -> dict[str, Any] | None:
        """The page document after ``result``, built from ``before`` and the rows the edit
        changed (its history entry) instead of reloading every annotation: a document with
        1,000 annotations costs ~15-45 ms to reload, its history entry ~1 ms. ``None`` when that
        is not certain (undo/redo, an entry of someone else's edit, a table the page does not
        know): the caller reloads."""
        if result.history_id is None:
            return None
        try:
            entry = self.store.history(int(doc_key), limit=1)[0]
        except (IndexError, StoreError):
            return None
        if (
            entry.id != result.history_id
            or entry.action != "edit"
            or entry.version_before != before["version"]
            or entry.version_after != result.version
        ):
            return None
        ents = {e["id"]: e for e in before["entities"]}
        rels = {r["id"]: r for r in before["relations"]}
        status, status_by = before["status"], before.get("status_by")
        for change in entry.changes:
            table, row = change.get("t"), change.get("a")
            if table == "document":
                if row and "status" in row:
                    status = row["status"]
                if row and "status_by" in row:
                    status_by = row["status_by"]
            elif table == "entity":
                key = f"e{change['id']}"
                if row is None:
                    ents.pop(key, None)
                else:
                    kept = {k: v for k, v in ents.get(key, {}).items() if k in _EXTRA_KEYS}
                    ents[key] = {
                        "id": key,
                        "type": row["type"],
                        "fragments": [[int(a), int(b)] for a, b in row["fragments"]],
                        "source": row["source"],
                        "review": row["review"],
                        "confidence": row["confidence"],
                        **kept,
                    }
            elif table == "relation":
                key = f"r{change['id']}"
                if row is not None and (row["arg1_id"] is None or row["arg2_id"] is None):
                    return None  # an event argument: its page id needs a reload
                if row is None:
                    rels.pop(key, None)
                else:
                    kept = {k: v for k, v in rels.get(key, {}).items() if k in _EXTRA_KEYS}
                    rels[key] = {
                        "id": key,
                        "type": row["type"],
                        "arg1": f"e{row['arg1_id']}",
                        "arg2": f"e{row['arg2_id']}",
                        "source": row["source"],
                        "review": row["review"],
                        "confidence": row["confidence"],
                        **kept,
                    }
            else:  # events, groups, attributes, notes...: reload
                return None
        after = {
            **before,
            "version": result.version,
            "status": status,
            "status_by": status_by,
            "entities": list(ents.values()),
            "relations": list(rels.values()),
        }
        self._remember(after)
        return after

    def _run(
        self, db_id: int, op: dict[str, Any], before: dict[str, Any], author: str
    ) -> tuple[str, EditResult]:
        kind = op["kind"]
        version = op["base_version"]
        store = self.store
        once = {"client_id": op["client_id"], "seq": op["seq"]}
        if kind == "accept_all":
            result = store.accept_all(
                db_id,
                op["min_confidence"],
                version,
                author,
                min_relation_confidence=op.get("min_relation_confidence"),
                **once,
            )
            threshold = f"{op['min_confidence']:g}"
            return (
                f"accepted {result.changed} suggestion(s) with confidence \u2265 {threshold}",
                result,
            )
        if kind == "suggest_relations":
            if self.suggest_relations is None:
                raise StoreError("relation suggestions are not available in this editor")
            return self.suggest_relations(db_id, version, author, **once)
        if kind in ("undo", "redo"):
            # this page's own edit, over whatever others saved since: the store refuses, naming
            # what changed, when their work is in the way, so the page need not be current
            # (``before`` is the document as it is now; the page then gets all of it)
            step = store.undo if kind == "undo" else store.redo
            return "", step(db_id, author, before["version"], **once)
        edit = edit_from_op(op, before)
        return "", store.apply_edit(db_id, edit, version, author, **once)
