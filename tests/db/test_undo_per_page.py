"""Undo and redo act on the edits of the page that made them, never another page's.

Two pages (two tabs, or two people) edit one document. A page's undo reverts its own newest
edit even when the other page edited after it, and is refused, naming what changed, when that
would overwrite or take away the other page's later work.
"""

from __future__ import annotations

import pytest

from converters.document import Document
from converters.schema import EntityType, RelationType, Schema
from db import Edit, EditError, Store

TEXT = "Aspirin caused nausea and headache."


@pytest.fixture
def doc(backend_url: str):
    store = Store.open(backend_url)
    store.create_project(
        "p", Schema([EntityType("Drug"), EntityType("Effect")], [RelationType("Causes")])
    )
    doc_id = store.import_documents("p", [Document("d", TEXT)]).document_ids[0]
    yield store, doc_id
    store.close()


class Page:
    """One page: its client id and its own op counter, as the editor sends them."""

    def __init__(self, store: Store, doc_id: int, client: str, author: str) -> None:
        self.store, self.doc_id, self.client, self.author, self.seq = (
            store,
            doc_id,
            client,
            author,
            0,
        )

    def _once(self) -> dict:
        self.seq += 1
        return {"client_id": self.client, "seq": self.seq}

    def version(self) -> int:
        return self.store.load_document(self.doc_id).version

    def edit(self, edit: Edit):
        return self.store.apply_edit(self.doc_id, edit, self.version(), self.author, **self._once())

    def undo(self):
        return self.store.undo(self.doc_id, self.author, self.version(), **self._once())

    def redo(self):
        return self.store.redo(self.doc_id, self.author, self.version(), **self._once())


def _types(store: Store, doc_id: int) -> dict[tuple[int, int], str]:
    return {(e.start, e.end): e.type for e in store.load_document(doc_id).entities}


def test_undo_reverts_this_pages_edit_not_the_newer_one_of_another_page(doc) -> None:
    store, doc_id = doc
    a, b = Page(store, doc_id, "tab-a", "ann"), Page(store, doc_id, "tab-b", "bob")
    a.edit(Edit.add_entity("Drug", [(0, 7)]))
    b.edit(Edit.add_entity("Effect", [(15, 21)]))
    assert _types(store, doc_id) == {(0, 7): "Drug", (15, 21): "Effect"}
    a.undo()
    assert _types(store, doc_id) == {(15, 21): "Effect"}  # b's newer entity stays
    with pytest.raises(EditError, match="nothing to undo"):
        a.undo()
    a.redo()
    assert _types(store, doc_id) == {(0, 7): "Drug", (15, 21): "Effect"}
    b.undo()
    assert _types(store, doc_id) == {(0, 7): "Drug"}
    # the same person in two tabs: two pages, two undo stacks
    a2 = Page(store, doc_id, "tab-a2", "ann")
    with pytest.raises(EditError, match="nothing to undo"):
        a2.undo()


def test_a_new_edit_drops_only_this_pages_redo(doc) -> None:
    store, doc_id = doc
    a, b = Page(store, doc_id, "tab-a", "ann"), Page(store, doc_id, "tab-b", "bob")
    a.edit(Edit.add_entity("Drug", [(0, 7)]))
    b.edit(Edit.add_entity("Effect", [(15, 21)]))
    a.undo()
    b.undo()
    a.edit(Edit.add_entity("Effect", [(26, 34)]))
    with pytest.raises(EditError, match="nothing to redo"):
        a.redo()
    b.redo()  # b's redo survived a's new edit
    assert _types(store, doc_id) == {(15, 21): "Effect", (26, 34): "Effect"}


def test_undo_is_refused_when_another_page_changed_the_same_annotation(doc) -> None:
    store, doc_id = doc
    a, b = Page(store, doc_id, "tab-a", "ann"), Page(store, doc_id, "tab-b", "bob")
    added = a.edit(Edit.add_entity("Drug", [(0, 7)]))
    b.edit(Edit.change_entity(added.entity_id, type="Effect"))
    version = a.version()
    with pytest.raises(
        EditError, match=r"cannot undo add_entity: entity T\d+ was changed since by bob"
    ):
        a.undo()
    assert _types(store, doc_id) == {(0, 7): "Effect"}  # nothing was written
    assert a.version() == version
    b.undo()
    a.undo()  # once bob's change is gone, ann's add can go too
    assert _types(store, doc_id) == {}


def test_undo_is_refused_when_it_would_take_another_pages_relation_with_it(doc) -> None:
    store, doc_id = doc
    a, b = Page(store, doc_id, "tab-a", "ann"), Page(store, doc_id, "tab-b", "bob")
    drug = a.edit(Edit.add_entity("Drug", [(0, 7)]))
    effect = b.edit(Edit.add_entity("Effect", [(15, 21)]))
    b.edit(Edit.add_relation("Causes", drug.entity_id, effect.entity_id))
    assert len(store.load_document(doc_id).relations) == 1
    with pytest.raises(EditError, match="would also remove relation"):
        a.undo()
    view = store.load_document(doc_id)
    assert len(view.relations) == 1 and len(view.entities) == 2


def test_without_a_page_undo_is_the_documents_linear_undo(doc) -> None:
    store, doc_id = doc
    a, b = Page(store, doc_id, "tab-a", "ann"), Page(store, doc_id, "tab-b", "bob")
    a.edit(Edit.add_entity("Drug", [(0, 7)]))
    b.edit(Edit.add_entity("Effect", [(15, 21)]))
    store.undo(doc_id, "cli", a.version())
    assert _types(store, doc_id) == {(0, 7): "Drug"}


def test_another_person_signed_in_on_the_same_page_cannot_undo_the_first_ones_edits(doc):
    """The page's id outlives a sign-in in its tab (it is kept over reloads): when someone
    else signs in there, their undo must not take back the first person's edits."""
    store, doc_id = doc
    ann = Page(store, doc_id, "tab-1", "ann")
    ann.edit(Edit.add_entity("Drug", [(0, 7)]))
    assert _types(store, doc_id) == {(0, 7): "Drug"}  # something to take back
    bob = Page(store, doc_id, "tab-1", "bob")
    bob.seq = ann.seq  # the same page: its numbers go on
    with pytest.raises(EditError, match="nothing to undo"):
        bob.undo()
    assert _types(store, doc_id) == {(0, 7): "Drug"}
    ann.seq = bob.seq
    ann.undo()  # the first person, back on the page, still can
    assert _types(store, doc_id) == {}
