"""Which document "next" opens: document order (the default) or least confident first.

Active-learning tools (Label Studio's "uncertainty sampling", Prodigy's ``prefer_uncertain``)
put the documents the model is least sure about in front of the annotator: correcting those
teaches the next model the most. The order is a project setting (``next_order``), shared by
everyone working on the project, like those tools' task sampling.

"Least confident first" lists the documents not yet ``done``, by the uncertainty stored when
they were last pre-annotated (``Prediction.uncertainty``, see ``app.preannotate``), highest
first; documents no model has seen follow in document order. From a document outside that
list (a finished one) "next" is the least confident unfinished document.
"""

from __future__ import annotations

from db import Store
from db.document_status import DONE

SETTING = "next_order"
POSITION = "position"
UNCERTAINTY = "uncertainty"
#: setting value -> label shown on the page
ORDERS = {POSITION: "document order", UNCERTAINTY: "least confident first"}


def order_of(settings: dict | None) -> str:
    value = (settings or {}).get(SETTING)
    return value if value in ORDERS else POSITION


def get_order(store: Store, project: str) -> str:
    return order_of(store.get_project(project).settings)


def set_order(store: Store, project: str, order: str) -> str:
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    store.update_project_settings(project, {SETTING: order})
    return order


def label_to_order(label: str) -> str:
    for key, text in ORDERS.items():
        if label in (key, text):
            return key
    raise ValueError(f"unknown order {label!r}")


def uncertain_first(store: Store, project: str) -> list[int]:
    """Ids of the unfinished documents, least confident first (unscored ones last)."""
    return [doc_id for doc_id, _ in store.uncertainty_order(project)]


def neighbours_in(ids: list[int], doc_id: int, *, wrap_in: bool) -> tuple[int | None, int | None]:
    """(previous, next) of ``doc_id`` in ``ids``; outside the list, ``wrap_in`` makes "next"
    the first of the list (the least confident unfinished document)."""
    try:
        pos = ids.index(doc_id)
    except ValueError:
        if not wrap_in:
            return None, None
        first = next((i for i in ids if i != doc_id), None)
        return None, first
    prev_id = ids[pos - 1] if pos > 0 else None
    next_id = ids[pos + 1] if pos + 1 < len(ids) else None
    return prev_id, next_id


def to_do(store: Store, project: str, person: str | None) -> list[int]:
    """Ids of the documents left to do for ``person``, in the order they are offered: their
    own (the unfinished ones assigned to them, and their unfinished layers of documents
    annotated in layers, each by its document's place), then the unfinished ones open to all
    (no assignee), each in the project's order.

    A layer's id is the layer's own (what the editor opens). A document annotated in layers
    is nobody's to do as itself: its layers are (curating it is the curation screen's)."""
    every = store.list_documents(project)
    layers = store.project_layers(project)
    layered = {layer.document_id for layer in layers}
    docs = [d for d in every if d.id not in layered]
    place = {d.id: i for i, d in enumerate(every)}
    # (the id the editor opens, the document whose place it takes)
    mine = [(d.id, d.id) for d in docs if d.status != DONE and person and d.assignee == person]
    if person and layers:
        own = [(x.id, x.document_id) for x in layers if x.owner == person and x.status != DONE]
        mine = sorted(mine + own, key=lambda pair: place.get(pair[1], len(place)))
    open_to_all = [(d.id, d.id) for d in docs if d.status != DONE and not d.assignee]
    if get_order(store, project) == UNCERTAINTY:
        rank = {doc_id: i for i, doc_id in enumerate(uncertain_first(store, project))}
        mine.sort(key=lambda pair: rank.get(pair[1], len(rank)))
        open_to_all.sort(key=lambda pair: rank.get(pair[1], len(rank)))
    return [opened for opened, _ in mine + open_to_all]


def next_to_do(
    store: Store, project: str, person: str | None, *, after: int | None = None
) -> int | None:
    """The document ``person`` should open next: the first of ``to_do``; None when nothing is
    left for them.

    ``after`` (the document open now, the editor's "next"): the one after it in that list,
    round to the start after the last, so that pressing "next" without finishing walks
    through every document left; from a document outside the list (just finished, or someone
    else's) the first of the list, as opening the Annotate tab would. Never ``after`` itself.
    """
    ids = to_do(store, project, person)
    if after in ids:
        pos = ids.index(after)
        ids = ids[pos + 1 :] + ids[:pos]
    return next((i for i in ids if i != after), None)
