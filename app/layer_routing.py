"""Which row the editor opens when a person opens a document annotated in layers, what the page
calls it, and which other rows of it they may switch to.

A document annotated by several people has a layer per person (``db.layers``): a row of its
own, with the document's name and text. Opening "the document" means, per person:

- **someone with a layer of it who does not curate** (an annotator): their own layer, never
  the curated document, whether they open it from the Documents table, by its id, from a link,
  or by "previous"/"next"; another person's layer (asked for by its own id) only where the
  project lets annotators see each other's layers (``SETTING``, off by default: it is "not
  found" to them otherwise, ``app.permissions.may_see_layer``);
- **whoever may curate** (curators, managers): exactly the row asked for, the curated document
  by default; ``choices`` offers them every layer and the curated document (their own layer
  too, when they were given one).

``target`` is the one rule; ``app.store_backend.StoreBackend.load`` applies it to every row the
editor loads, and the Annotate tab applies it before it opens a document, so the page's value
always names the row that is open. ``label`` names that row on the page ("Your layer of d1",
"ann's layer of d1", "Curated document d1") so nobody mistakes one for another, and ``opened``
gathers it with the chooser's choices for the tab. Who may *edit* which row is
``app.permissions.may_edit_document``'s business, not this module's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.permissions import CURATE, Actor, may, may_see_layer
from db import Store

#: the project setting (``Store.update_project_settings``): annotators see each other's layers
SETTING = "show_other_layers"
#: the chooser's name for the curated document
CURATED_CHOICE = "Curated document"


def show_other_layers(settings: Mapping[str, Any] | None) -> bool:
    """Whether the project's ``settings`` let annotators see each other's layers (default no)."""
    return bool((settings or {}).get(SETTING, False))


def target(
    actor: Actor,
    *,
    doc_id: int,
    layer_owner: str,
    layer_owners: Iterable[str],
    layer_for: Callable[[int, str], int | None],
) -> int:
    """The row ``actor`` gets for the row ``doc_id`` they asked for (module docstring).

    ``layer_owner``/``layer_owners``: the asked row's (``db.views.DocumentView``);
    ``layer_for``: ``Store.layer_for``. A layer asked for by its id is that layer (whether
    the caller may see it is ``app.permissions.may_see_layer``'s question: someone else's
    layer is "not found" to an annotator unless the project shows layers)."""
    if layer_owner:
        return doc_id
    if actor.name in set(layer_owners) and not may(actor.role, CURATE):
        return layer_for(doc_id, actor.name) or doc_id
    return doc_id


def label(actor: Actor | None, *, name: str, layer_owner: str, layer_owners: Sequence[str]) -> str:
    """What the page calls the open row: ``''`` for a document not annotated in layers."""
    if layer_owner:
        if actor is not None and layer_owner == actor.name:
            return f"Your layer of {name}"
        return f"{layer_owner}'s layer of {name}"
    if layer_owners:
        return f"{CURATED_CHOICE} {name}"
    return ""


def choices(
    actor: Actor | None,
    *,
    curated_id: int,
    layers: Sequence[tuple[int, str, str]],
    open_layers: bool,
) -> list[tuple[str, str]]:
    """The layer chooser's ``(label, row id)`` choices for a document with ``layers``
    (``(id, owner, status)`` each): the rows ``actor`` may switch between, ``[]`` (no chooser)
    when there is no other row for them.

    Whoever may curate: the curated document, then every layer. An annotator: their own layer
    and, where the project allows it (``open_layers``), the others'; the curated document only
    when they have no layer of it (``target`` would send them back to their own)."""
    if actor is None or not layers:
        return []
    curator = may(actor.role, CURATE)
    owners = {owner for _, owner, _ in layers}
    out: list[tuple[str, str]] = []
    if curator or actor.name not in owners:
        out.append((CURATED_CHOICE, str(curated_id)))
    for layer_id, owner, status in layers:
        if may_see_layer(actor, owner, open_layers=open_layers):
            who = "Your layer" if owner == actor.name else f"{owner}'s layer"
            out.append((f"{who} ({status})", str(layer_id)))
    return out if len(out) > 1 else []


@dataclass(frozen=True)
class Opened:
    """What the Annotate tab shows about the open row: its ``label`` and the chooser's
    ``choices`` (``[]``: no chooser) with the open row's id ``selected``."""

    label: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    selected: str | None = None


def opened(store: Store, actor: Actor | None, doc_id: int) -> Opened:
    """``label`` and ``choices`` for the open row ``doc_id`` (a document or a layer);
    ``Opened()`` for a document not annotated in layers (two small reads, no document load).
    ``NotFoundError`` when there is no such row."""
    layers = store.layers(doc_id)
    if not layers:
        return Opened()
    view = store.load_document(doc_id)
    curated_id = view.layer_of or view.id
    owners = [x.owner for x in layers]

    def open_layers() -> bool:
        return show_other_layers(store.get_project(view.project).settings)

    needs_setting = actor is not None and not may(actor.role, CURATE)
    return Opened(
        label(actor, name=view.name, layer_owner=view.layer_owner, layer_owners=owners),
        choices(
            actor,
            curated_id=curated_id,
            layers=[(x.id, x.owner, x.status) for x in layers],
            open_layers=needs_setting and open_layers(),
        ),
        str(view.id),
    )
