"""The Documents-to-curate listing keeps each document's row (``app.screens.curation_rows``)
and aligns a document again only when something its row is computed from changed; SQLite and
PostgreSQL.

Three documents, each the sentence ``TEXT`` given to ann, bob and cy: ann and bob mark Peop
"Alice", cy marks nothing. So each document has one open disagreement (Alice: two of three),
which the majority policy (the default) merges and the unanimous one does not.

What was aligned is told by the cache's own hit and miss counters (a miss is a document
aligned), and every listing is compared with the rows worked out afresh from
``Store.curation``, so a kept row that went stale fails the comparison.
"""

from __future__ import annotations

from pathlib import Path

from app.screens import curation
from converters.document import Document
from converters.schema import EntityType, Schema
from db import Edit, Store

TEXT = "Alice met Bob in Paris."
SCHEMA = Schema([EntityType("Peop"), EntityType("Loc")], [])
PEOPLE = ("ann", "bob", "cy")
NAMES = ("d1", "d2", "d3")


def at(word: str) -> list[tuple[int, int]]:
    start = TEXT.index(word)
    return [(start, start + len(word))]


def edit(store: Store, doc_id: int, change: Edit, who: str) -> None:
    """``change`` applied as the editor applies it, at the document's current version."""
    store.apply_edit(doc_id, change, store.load_document(doc_id).version, who)


def project(store: Store, bobs: str = "Alice") -> dict[str, int]:
    """Project "cur" as the module says (``bobs``: the word bob marks Peop); the curated
    documents' ids by name."""
    store.create_project("cur", SCHEMA)
    ids = store.import_documents("cur", [Document(n, TEXT) for n in NAMES]).document_ids
    store.assign_layers("cur", list(NAMES), list(PEOPLE), author="mia")
    for doc in ids:
        for who, word in (("ann", "Alice"), ("bob", bobs)):
            layer = store.layer_for(doc, who)
            assert layer is not None
            edit(store, layer, Edit.add_entity("Peop", at(word)), who)
    return dict(zip(NAMES, ids, strict=True))


def fresh(store: Store, ids: dict[str, int]) -> list[list[object]]:
    """The rows as aligning every document now gives them (no cache involved)."""
    return [curation.document_row(store.curation(ids[n])).cells() for n in NAMES]


def listed(store: Store) -> tuple[list[list[object]], int, int]:
    """The listing's rows and how many rows it took from the cache and aligned anew."""
    cache = curation.row_cache(store)
    hits, misses = cache.hits, cache.misses
    frame, _ = curation.documents_frame(store, "cur")
    return frame.values.tolist(), cache.hits - hits, cache.misses - misses


def test_a_second_listing_aligns_nothing_again(store: Store) -> None:
    ids = project(store)
    rows, hits, misses = listed(store)
    assert (hits, misses) == (0, 3)  # the first listing aligns each document
    assert rows == fresh(store, ids)
    assert [r[2:6] for r in rows] == [["ann: in-progress, bob: in-progress, cy: new", 1, 1, 1]] * 3
    again, hits, misses = listed(store)
    assert (hits, misses) == (3, 0)
    assert again == rows


def test_an_edited_layer_realigns_its_document_only(store: Store) -> None:
    ids = project(store)
    listed(store)
    # cy marks Paris a place in d2: a second disagreement there, the others unchanged
    cy = store.layer_for(ids["d2"], "cy")
    assert cy is not None
    edit(store, cy, Edit.add_entity("Loc", at("Paris")), "cy")
    rows, hits, misses = listed(store)
    assert (hits, misses) == (2, 1)
    assert rows == fresh(store, ids)
    assert rows[1][3:5] == [2, 2] and rows[0][3:5] == rows[2][3:5] == [1, 1]
    # and takes it back (undo): the counts go back, though no key seen before comes back
    store.undo(cy, "cy", store.load_document(cy).version)
    rows, hits, misses = listed(store)
    assert (hits, misses) == (2, 1) and rows == fresh(store, ids)
    assert rows[1][3:5] == [1, 1]
    # a layer's status alone changes the row's "layers" column
    edit(store, cy, Edit.set_status("done"), "cy")
    rows, hits, misses = listed(store)
    assert (hits, misses) == (2, 1) and rows == fresh(store, ids)
    assert rows[1][2] == "ann: in-progress, bob: in-progress, cy: done"


def test_a_curation_edit_changes_the_row_and_the_view_keeps_it(store: Store) -> None:
    ids = project(store)
    listed(store)
    doc = ids["d3"]
    store.merge_agreed(doc, store.curation(doc).version, "cara")
    # the curated document's version moved: its row is aligned again, "to merge" is 0 now
    rows, hits, misses = listed(store)
    assert (hits, misses) == (2, 1) and rows == fresh(store, ids)
    assert rows[2][3:7] == [0, 1, 0, "in-progress"]
    # an edit by hand of the curated document (its status stays): Alice deleted, to merge again
    (alice,) = [e.id for e in store.load_document(doc).entities if e.review == "accepted"]
    edit(store, doc, Edit.delete_entity(alice), "cara")
    rows, hits, misses = listed(store)
    assert (hits, misses) == (2, 1) and rows == fresh(store, ids)
    assert rows[2][3:7] == [1, 1, 1, "in-progress"]
    # the aligned view shown after a choice keeps its row: the next listing aligns nothing
    edit(store, doc, Edit.set_status("done"), "cara")
    shown = curation.aligned_view(store, doc)
    assert shown.row is not None and shown.row.curated == "done"
    rows, hits, misses = listed(store)
    assert (hits, misses) == (3, 0) and rows == fresh(store, ids)
    assert rows[2][6] == "done"


def test_the_policy_changes_what_to_merge(store: Store) -> None:
    ids = project(store)
    rows, _, _ = listed(store)
    assert [r[5] for r in rows] == [1, 1, 1]  # majority: Alice (two of three) is agreed
    curation.set_policy(store, "cur", "unanimous")
    rows, hits, misses = listed(store)
    assert (hits, misses) == (0, 3) and rows == fresh(store, ids)
    assert [r[5] for r in rows] == [0, 0, 0]
    curation.set_policy(store, "cur", "majority")
    rows, hits, misses = listed(store)
    assert (hits, misses) == (3, 0)  # the majority's rows are still kept
    assert [r[5] for r in rows] == [1, 1, 1] and rows == fresh(store, ids)


def test_a_renamed_document_is_listed_under_its_new_name(store: Store) -> None:
    ids = project(store)
    listed(store)
    store.rename_document("cur", "d1", "first", by="mia")  # not an edit: no version bump
    rows, hits, misses = listed(store)
    assert (hits, misses) == (2, 1) and rows == fresh(store, ids) and rows[0][1] == "first"


def test_each_store_keeps_its_own_rows(tmp_path: Path) -> None:
    """Two stores (two fresh SQLite files) whose documents have the same ids, names, versions
    and statuses, so the same keys, but other annotations: each listing is its own store's."""
    one = Store.open(f"sqlite:///{tmp_path / 'one.sqlite'}")
    other = Store.open(f"sqlite:///{tmp_path / 'other.sqlite'}")
    try:
        first = project(one)
        ids = project(other, bobs="Bob")  # ann's Alice and bob's Bob: two disagreements
        assert ids == first
        kept, _, _ = listed(one)
        rows, hits, misses = listed(other)
        assert (hits, misses) == (0, 3) and rows == fresh(other, ids)
        assert [r[4] for r in rows] == [2, 2, 2] and [r[4] for r in kept] == [1, 1, 1]
    finally:
        one.close()
        other.close()


def test_the_cache_is_bounded() -> None:
    from app.screens.curation_rows import RowCache, RowKey

    cache: RowCache[str] = RowCache(size=2)
    keys = [RowKey(i, f"d{i}", "new", 0, "majority", ()) for i in range(3)]
    cache.put(keys[0], "a")
    cache.put(keys[1], "b")
    assert cache.get(keys[0]) == "a"  # now the most recently used
    cache.put(keys[2], "c")
    assert len(cache) == 2 and cache.get(keys[1]) is None and cache.get(keys[0]) == "a"
    assert (cache.hits, cache.misses) == (2, 1)
