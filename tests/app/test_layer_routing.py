"""Opening a document annotated in layers (issue 24, ``app.layer_routing``), through the editor's
backend on a real database (a SQLite file, and PostgreSQL when ``SPANREL_TEST_PG_URL`` is set):
an annotator with a layer always gets their own layer, never the curated document or anyone
else's layer (unless the project shows layers); curators and managers get the curated
document and a chooser of the layers; the page names the row that is open."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import gradio as gr
import pytest

from app import layer_routing
from app.editor.demo import store_document
from app.permissions import Actor, Gate
from app.screens.annotate_tab import layer_view, opened_row
from app.store_backend import StoreBackend
from db import Edit
from tests.app.store_ops import PROJECT, make_backend, op, store_two_documents

MANAGER, CURATOR, ANNOTATOR = "manager", "curator", "annotator"


@dataclass
class Layered:
    """Documents "d" (layers: ann, bob), "e" (layer: cur) and "f" (no layers), page ids."""

    be: StoreBackend
    d: str
    e: str
    f: str
    ann: str  # ann's layer of d
    bob: str  # bob's layer of d
    cur: str  # cur's layer of e

    @property
    def store(self):
        return self.be.store


@pytest.fixture
def layered(backend_url: str) -> Iterator[Layered]:
    plain = make_backend(backend_url)
    store = plain.store
    # mia: the first account, a manager; cy: an annotator with no layer
    for name, role in (("mia", None), ("cur", CURATOR), ("ann", None), ("bob", None), ("cy", None)):
        store.add_user(name, "A-pw-0001-layers", role=role)
    docs = store_two_documents(plain)
    f, _ = store_document(store, PROJECT, {"doc_id": "f", "text": "Third one."})
    store.assign_layers(PROJECT, ["d"], ["ann", "bob"], author="mia")
    store.assign_layers(PROJECT, ["e"], ["cur"], author="mia")
    d, e = int(docs["d"]), int(docs["e"])
    ids = {who: store.layer_for(d, who) for who in ("ann", "bob")}
    ids["cur"] = store.layer_for(e, "cur")
    be = StoreBackend(store, gate=Gate(store))
    try:
        yield Layered(be, docs["d"], docs["e"], f, *(str(ids[k]) for k in ("ann", "bob", "cur")))
    finally:
        store.close()


def test_an_annotator_opens_their_own_layer_whatever_row_is_asked(layered: Layered) -> None:
    be, x = layered.be, layered
    for who, mine in (("ann", x.ann), ("bob", x.bob)):
        page = be.load(x.d, who)
        assert (page["doc_id"], page["layer_owner"], page["name"]) == (mine, who, "d")
        assert be.load(mine, who)["doc_id"] == mine
        assert be.opened_id(x.d, who) == mine
    # no layer of d: the curated document (read only for an annotator, app.permissions)
    assert be.load(x.d, "cy")["doc_id"] == x.d
    # curators and managers: the curated document by default, their own layer too
    assert be.load(x.d, "cur")["doc_id"] == x.d
    assert be.load(x.d, "mia")["doc_id"] == x.d
    assert be.load(x.e, "cur")["doc_id"] == x.e
    assert be.load(x.cur, "cur")["doc_id"] == x.cur
    # someone else's layer is "not found" to an annotator; curators and managers open it
    for who in ("ann", "cy"):
        with pytest.raises(KeyError):
            be.load(x.bob, who)
    assert be.load(x.bob, "cur")["layer_owner"] == "bob"
    assert be.load(x.ann, "mia")["layer_owner"] == "ann"
    # a document without layers is the same row for everyone
    assert {be.load(x.f, who)["doc_id"] for who in ("ann", "cy", "cur", "mia")} == {x.f}
    # without a gate (the editor's own tests) nothing is routed
    assert StoreBackend(layered.store).load(x.d, "ann")["doc_id"] == x.d


def test_edits_through_the_routed_page_go_to_the_layer(layered: Layered) -> None:
    be, x, store = layered.be, layered, layered.store
    page = be.load(x.d, "ann")
    ack = be.apply(op(type="Peop", fragments=[[0, 5]], doc_id=page["doc_id"]), "ann")
    assert ack["ok"], ack
    assert [e.type for e in store.load_document(int(x.ann)).entities] == ["Peop"]
    assert store.load_document(int(x.d)).entities == []
    assert store.load_document(int(x.bob)).entities == []
    # previous/next walk the project's documents; each opens as the person's row of it
    assert (page["prev_id"], page["next_id"]) == (None, x.e)
    assert be.load(page["next_id"], "ann")["doc_id"] == x.e  # e: ann has no layer of it
    bob_page = be.load(x.e, "bob")
    assert be.load(bob_page["prev_id"], "bob")["doc_id"] == x.bob
    # "next to do": ann's only work is her layer of d (e and d are annotated in layers,
    # f is open to all)
    assert be.next_to_do(x.ann, "ann") == x.f
    assert be.next_to_do(x.f, "ann") == x.ann


def test_the_project_may_show_other_layers_read_only(layered: Layered) -> None:
    be, x, store = layered.be, layered, layered.store
    store.update_project_settings(PROJECT, {layer_routing.SETTING: True})
    page = be.load(x.bob, "ann")
    assert (page["doc_id"], page["layer_owner"]) == (x.bob, "bob")
    assert be.load(x.d, "ann")["doc_id"] == x.ann  # her own layer is still what opens
    refused = be.apply(op(type="Peop", fragments=[[0, 5]], doc_id=x.bob), "ann")
    assert not refused["ok"] and "bob's layer" in refused["error"], refused
    assert store.load_document(int(x.bob)).entities == []
    store.update_project_settings(PROJECT, {layer_routing.SETTING: False})
    with pytest.raises(KeyError):
        be.load(x.bob, "ann")


def _actor(name: str, role: str = ANNOTATOR) -> Actor:
    return Actor(name, role)


def test_the_page_names_the_open_row_and_offers_the_others(layered: Layered) -> None:
    x, store = layered, layered.store
    ann, cur, mia, cy = _actor("ann"), _actor("cur", CURATOR), _actor("mia", MANAGER), _actor("cy")
    status = {who: store.load_document(int(getattr(x, who))).status for who in ("ann", "bob")}

    mine = layer_routing.opened(store, ann, int(x.ann))
    assert mine == layer_routing.Opened("Your layer of d", [], x.ann)  # nothing to switch to
    curated = layer_routing.opened(store, cur, int(x.d))
    assert curated.label == "Curated document d" and curated.selected == x.d
    assert curated.choices == [
        ("Curated document", x.d),
        (f"ann's layer ({status['ann']})", x.ann),
        (f"bob's layer ({status['bob']})", x.bob),
    ]
    assert layer_routing.opened(store, mia, int(x.ann)).label == "ann's layer of d"
    assert layer_routing.opened(store, mia, int(x.ann)).choices == curated.choices
    # a curator's own layer is one of the choices, called theirs
    own = layer_routing.opened(store, cur, int(x.e))
    assert [label for label, _ in own.choices] == ["Curated document", "Your layer (new)"]
    # an annotator without a layer sees the curated document, and no chooser
    assert layer_routing.opened(store, cy, int(x.d)) == layer_routing.Opened(
        "Curated document d", [], x.d
    )
    assert layer_routing.opened(store, ann, int(x.f)) == layer_routing.Opened()

    # the project shows layers: an annotator may switch to the others' (never to the curated
    # document while they have a layer of it)
    store.update_project_settings(PROJECT, {layer_routing.SETTING: True})
    assert [value for _, value in layer_routing.opened(store, ann, int(x.ann)).choices] == [
        x.ann,
        x.bob,
    ]
    assert [value for _, value in layer_routing.opened(store, cy, int(x.d)).choices] == [
        x.d,
        x.ann,
        x.bob,
    ]


def test_the_annotate_tab_shows_the_chooser_to_curators_only(layered: Layered) -> None:
    x, store = layered, layered.store
    app = SimpleNamespace(
        store=store,
        gate=layered.be.gate,
        backend=layered.be,
        user=lambda request: getattr(request, "username", None) or "anonymous",
    )

    def shown(who: str, doc: str) -> tuple[dict, str]:
        update, line = layer_view(app, gr.Request(username=who), {"doc_id": doc, "revision": 1})
        return update, line

    chooser, line = shown("cur", x.d)
    assert chooser["visible"] is True and chooser["value"] == x.d
    assert [value for _, value in chooser["choices"]] == [x.d, x.ann, x.bob]
    assert line == "Open: **Curated document d**"
    chooser, line = shown("ann", x.ann)
    assert chooser["visible"] is False and line == "Open: **Your layer of d**"
    chooser, line = shown("mia", x.f)
    assert chooser["visible"] is False and line == ""
    assert shown("mia", "")[1] == ""
    # what the tab opens for a person: the row they get (the value names the open row)
    assert opened_row(app, gr.Request(username="ann"), x.d) == int(x.ann)
    assert opened_row(app, gr.Request(username="cur"), x.d) == int(x.d)
    with pytest.raises(KeyError):
        opened_row(app, gr.Request(username="ann"), "999999")


def test_an_annotator_keeps_their_layer_after_the_curator_edits(layered: Layered) -> None:
    """The curated document and the layers are separate rows: a curator's edit of the curated
    document reaches no layer, and the annotator still opens their own layer afterwards."""
    x, store, be = layered, layered.store, layered.be
    version = store.load_document(int(x.d)).version
    store.apply_edit(int(x.d), Edit.add_entity("Org", [(16, 20)]), version, "cur")
    page = be.load(x.d, "ann")
    assert page["doc_id"] == x.ann and page["entities"] == []
