"""A person's documents to do with annotation layers (issue 24, ``app.ordering``): their
unfinished layers are their documents, in their documents' places; a document annotated in
layers is nobody's to do as itself; a finished layer drops out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import ordering
from converters.document import Document
from converters.schema import EntityType, Schema
from db import Edit, Store

P = "p"


@pytest.fixture
def project(backend_url: str) -> Iterator[tuple[Store, dict[str, int]]]:
    """d1..d5 in that order: d1 assigned to ann, d3 to bob, d5 open to all; d2 annotated in
    layers by ann and bob, d4 by ann alone. Ids by name, and "ann@d2"-like names for layers."""
    store = Store.open(backend_url)
    store.create_project(P, Schema([EntityType("Thing")]))
    names = [f"d{i}" for i in range(1, 6)]
    imported = store.import_documents(P, [Document(n, f"Text of {n}.") for n in names])
    ids = dict(zip(names, imported.document_ids, strict=True))
    for name, who in (("d1", "ann"), ("d3", "bob")):
        version = store.load_document(ids[name]).version
        store.apply_edit(ids[name], Edit.set_assignee(who), version, "boss")
    store.assign_layers(P, ["d2"], ["ann", "bob"], author="boss")
    store.assign_layers(P, ["d4"], ["ann"], author="boss")
    for name in ("d2", "d4"):
        for who in ("ann", "bob"):
            layer = store.layer_for(ids[name], who)
            if layer is not None:
                ids[f"{who}@{name}"] = layer
    try:
        yield store, ids
    finally:
        store.close()


def _named(ids: dict[str, int], found: list[int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[i] for i in found]


def test_layers_are_their_owners_documents_to_do(project) -> None:
    store, ids = project
    assert _named(ids, ordering.to_do(store, P, "ann")) == ["d1", "ann@d2", "ann@d4", "d5"]
    assert _named(ids, ordering.to_do(store, P, "bob")) == ["bob@d2", "d3", "d5"]
    # no layer, nothing assigned: the documents open to all, never one annotated in layers
    for who in ("cy", "boss", None):
        assert _named(ids, ordering.to_do(store, P, who)) == ["d5"]

    # "next" walks through them and round; from outside the list it starts at the first
    nxt = ordering.next_to_do
    assert _named(ids, [nxt(store, P, "ann", after=ids["ann@d2"])]) == ["ann@d4"]
    assert _named(ids, [nxt(store, P, "ann", after=ids["d5"])]) == ["d1"]
    assert _named(ids, [nxt(store, P, "ann", after=ids["d2"])]) == ["d1"]
    assert _named(ids, [nxt(store, P, "bob")]) == ["bob@d2"]

    # a finished layer is done; so is a document whose curated row is done
    for layer in ("ann@d2", "ann@d4"):
        version = store.load_document(ids[layer]).version
        store.apply_edit(ids[layer], Edit.set_status("done"), version, "ann")
    assert _named(ids, ordering.to_do(store, P, "ann")) == ["d1", "d5"]
    assert _named(ids, ordering.to_do(store, P, "bob")) == ["bob@d2", "d3", "d5"]


def test_least_confident_first_orders_layers_by_their_documents(project) -> None:
    store, ids = project
    store.set_uncertainty({ids["d4"]: 0.9, ids["d2"]: 0.5, ids["d1"]: 0.1})
    ordering.set_order(store, P, ordering.UNCERTAINTY)
    assert _named(ids, ordering.to_do(store, P, "ann")) == ["ann@d4", "ann@d2", "d1", "d5"]
    assert _named(ids, ordering.to_do(store, P, "bob")) == ["bob@d2", "d3", "d5"]
