"""The Model screen's Activate and Roll back, and the Export screen, driven in Chromium against
the whole app (SQLite file and PostgreSQL), with real models and every outcome read back from
the database or from the downloaded files.

- Activate and Roll back change the project's active version, and pre-annotation then stores
  that version's suggestions: the model that predicts entities and relations
  (``predicting_model``) against the tiny one that predicts a few entities (``tiny_model``);
- "Include unreviewed model suggestions" adds exactly the open suggestions to an export;
- an ACE or SpERT export downloaded from the page and imported back through the page gives the
  documents' accepted entities and relations again.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import converters
from converters.document import Document, Entity, Relation
from db import Edit, Store
from tests.ui.conftest import DEMO, TINY_MODEL_SENTENCES, Served
from tests.ui.pages import ScreenPage

# the first test of a run also trains ``predicting_model`` (minutes on a busy CPU)
pytestmark = [
    *[pytest.mark.slow, pytest.mark.timeout(1200)],
    pytest.mark.page_only(
        "the exports and imports it clicks through are stored as in "
        "tests/db/test_store_roundtrip.py and tests/ui/test_projects_imports_exports.py, on "
        "both databases"
    ),
]

TRAIN_DOCS = 16  # the CoNLL04 documents ``predicting_model`` was overfit on
# two of them, with 4 entities and 3 / 2 relations each (the model predicts them back)
VERSION_DOCS = (10, 11)
# documents with relations, for the export tests
EXPORT_DOCS = (3, 6, 10, 11, 15)
ROUND_TRIP_DOCS = (3, 4, 6, 9, 10, 11, 12, 15)
PREANNOTATE_TIMEOUT = 300_000  # ms: loading and running a model on a loaded 2-core machine

Span = tuple[tuple[int, int], ...]
EntityKey = tuple[str, str, Span]  # document, type, fragments
RelationKey = tuple[str, str, Span, Span]  # document, type, argument fragments


def conll_path(shared_data: Path) -> Path:
    return shared_data / "conll04" / "conll04_train.json"


@pytest.fixture(scope="module")
def conll_docs(shared_data: Path) -> list[Document]:
    return converters.read("spert", conll_path(shared_data))[:TRAIN_DOCS]


@pytest.fixture
def screen(browser: Any, served: Served) -> Iterator[ScreenPage]:
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    yield ScreenPage(page, served.url)
    page.close()


def bare(doc: Document) -> Document:
    """``doc``'s text and tokens without annotations (the model predicts on its tokens)."""
    return Document(doc.id, doc.text, metadata=dict(doc.metadata))


def frags(fragments: Any) -> Span:
    return tuple((int(a), int(b)) for a, b in fragments)


def stored(store: Store, project: str, reviews: set[str]) -> tuple[set, set]:
    """(entities, relations) of ``project`` whose review is in ``reviews``, read from the
    database, keyed by document name, type and fragments (a relation by its arguments')."""
    entities: set[EntityKey] = set()
    relations: set[RelationKey] = set()
    for summary in store.list_documents(project):
        view = store.load_document(summary.id)
        spans = {e.id: (e.type, frags(e.fragments)) for e in view.entities}
        entities |= {(view.name, *spans[e.id]) for e in view.entities if e.review in reviews}
        relations |= {
            (view.name, r.type, spans[r.arg1][1], spans[r.arg2][1])
            for r in view.relations
            if r.review in reviews
        }
    return entities, relations


def in_files(docs: list[Document]) -> tuple[set, set]:
    """(entities, relations) of documents read from an exported file, keyed as ``stored``."""
    entities: set[EntityKey] = set()
    relations: set[RelationKey] = set()
    for doc in docs:
        spans = {e.id: frags(e.fragments) for e in doc.entities}
        entities |= {(doc.id, e.type, spans[e.id]) for e in doc.entities}
        relations |= {(doc.id, r.type, spans[r.arg1], spans[r.arg2]) for r in doc.relations}
    return entities, relations


def suggestions(store: Store, project: str) -> dict[str, tuple[frozenset, frozenset]]:
    """Every document's open model suggestions with the model version that made each one."""
    out = {}
    for summary in store.list_documents(project):
        view = store.load_document(summary.id)
        spans = {e.id: frags(e.fragments) for e in view.entities}
        out[view.name] = (
            frozenset(
                (e.type, spans[e.id], e.model_version_id)
                for e in view.entities
                if e.review == "suggested"
            ),
            frozenset(
                (r.type, spans[r.arg1], spans[r.arg2], r.model_version_id)
                for r in view.relations
                if r.review == "suggested"
            ),
        )
    return out


def versions_in(sugg: dict[str, tuple[frozenset, frozenset]]) -> set[int | None]:
    return {item[-1] for ents, rels in sugg.values() for item in (*ents, *rels)}


def counts(sugg: dict[str, tuple[frozenset, frozenset]]) -> tuple[int, int]:
    return sum(len(e) for e, _ in sugg.values()), sum(len(r) for _, r in sugg.values())


def open_suggestions(store: Store, doc_id: int) -> tuple[list[Any], list[Any]]:
    view = store.load_document(doc_id)
    return (
        [e for e in view.entities if e.review == "suggested"],
        [r for r in view.relations if r.review == "suggested"],
    )


def review(store: Store, doc_id: int, edit: Edit) -> None:
    store.apply_edit(doc_id, edit, store.load_document(doc_id).version, "tester")


def unzip(path: Path) -> Path:
    folder = path.with_suffix("")
    with zipfile.ZipFile(path) as zf:
        zf.extractall(folder)
    return folder


def test_activate_and_roll_back_change_the_suggestions(
    screen: ScreenPage,
    served: Served,
    predicting_model: Path,
    tiny_model: Path,
    conll_docs: list[Document],
    shared_data: Path,
) -> None:
    """Activate and Roll back on the Model screen decide which model pre-annotates.

    Four versions: the predicting model, the tiny one, a failed one and the predicting model
    again. Activating the tiny one, then the newest, gives the tiny model's suggestions, then
    the predicting model's (entities and relations, the gold ones among them); Roll back
    from the newest must skip the failed version and land on the tiny one (the newest ready
    one older than the active one, not the oldest), and its suggestions come back exactly.
    """
    store, project = served.store, "Versions"
    demo = converters.read("spert", DEMO / "conll04_gold.json")[:TINY_MODEL_SENTENCES]
    gold = [conll_docs[i] for i in VERSION_DOCS]
    store.create_project(project, converters.read_schema("spert", conll_path(shared_data)))
    store.import_documents(project, [bare(d) for d in [*gold, *demo]])
    oldest = store.register_model_version(project, str(predicting_model), state="ready").id
    tiny = store.register_model_version(project, str(tiny_model), state="ready").id
    store.register_model_version(project, str(tiny_model), state="failed")
    newest = store.register_model_version(project, str(predicting_model), state="ready").id
    assert store.active_model_version(project) is None

    ap = screen
    ap.goto()
    ap.choose_project(project)

    msg = ap.activate_version(tiny)
    assert store.active_model_version(project).id == tiny, msg
    assert f"Version {tiny} is active" in msg, msg
    assert f"version {tiny}," in ap.page.locator("#sr-model-info").inner_text()
    msg = ap.model_button("sr-refresh-suggestions", timeout=PREANNOTATE_TIMEOUT)
    assert "10 document(s) pre-annotated" in msg, msg
    old = suggestions(store, project)
    assert counts(old)[0] > 0, "the tiny model suggested nothing: nothing to compare"
    assert versions_in(old) == {tiny}

    msg = ap.activate_version(newest)
    assert store.active_model_version(project).id == newest, msg
    assert f"Version {newest} is active" in msg, msg
    ap.model_button("sr-refresh-suggestions", timeout=PREANNOTATE_TIMEOUT)
    new = suggestions(store, project)
    n_entities, n_relations = counts(new)
    assert n_entities > 0 and n_relations > 0, counts(new)
    assert versions_in(new) == {newest}
    assert new != old
    # the overfit model's relations: its training documents' gold relations come back
    for doc in gold:
        spans = {e.id: frags(e.fragments) for e in doc.entities}
        wanted = {(r.type, spans[r.arg1], spans[r.arg2], newest) for r in doc.relations}
        assert new[doc.id][1] & wanted, (doc.id, new[doc.id][1], wanted)

    msg = ap.model_button("sr-rollback")
    active = store.active_model_version(project)
    assert active is not None and active.id == tiny and active.id != oldest, (active, msg)
    assert f"Rolled back: version {tiny} is active" in msg, msg
    assert f"version {tiny}," in ap.page.locator("#sr-model-info").inner_text()
    ap.model_button("sr-refresh-suggestions", timeout=PREANNOTATE_TIMEOUT)
    assert suggestions(store, project) == old
    assert not ap.errors


def test_export_with_and_without_open_suggestions(
    screen: ScreenPage,
    served: Served,
    predicting_model: Path,
    conll_docs: list[Document],
    shared_data: Path,
    tmp_path: Path,
) -> None:
    """The box "Include unreviewed model suggestions" adds the open suggestions, no more.

    The documents hold imported annotations (the first half of each one's gold entities and
    the gold relations between them), the model's suggestions for the rest, one accepted
    entity suggestion, one accepted relation suggestion and one rejected entity suggestion
    (which rejects its relations, if it has any). Both BRAT exports are downloaded from the
    page: without the box, exactly the accepted annotations of the database; with it, those
    plus exactly its open suggestions; a rejected suggestion in neither.
    """
    store, project = served.store, "Export suggestions"
    store.create_project(project, converters.read_schema("spert", conll_path(shared_data)))
    partial = []
    for doc in (conll_docs[i] for i in EXPORT_DOCS):
        kept = doc.entities[: (len(doc.entities) + 1) // 2]
        ids = {e.id for e in kept}
        rels = [r for r in doc.relations if r.arg1 in ids and r.arg2 in ids]
        partial.append(Document(doc.id, doc.text, kept, rels, metadata=dict(doc.metadata)))
    store.import_documents(project, partial)
    version = store.register_model_version(project, str(predicting_model), state="ready")
    store.activate_model_version(version.id)
    ids = [d.id for d in store.list_documents(project)]
    job = served.app.wait_job(served.app.submit_preannotation(project, ids, "test").id, None)
    assert job.state == "done", job

    # review a few suggestions as an annotator would: on one document accept a relation
    # suggestion, then reject an entity suggestion still open; on another accept an entity
    relating = [d for d in ids if open_suggestions(store, d)[1]]
    assert relating, "the model suggested no relation"
    review(
        store,
        relating[0],
        Edit("accept", relation_id=open_suggestions(store, relating[0])[1][0].id),
    )
    ents, rels = open_suggestions(store, relating[0])
    assert ents, "no entity suggestion left open to reject"
    args = {i for r in rels for i in (r.arg1, r.arg2)}
    gone = next((e for e in ents if e.id in args), ents[-1])
    review(store, relating[0], Edit("reject", entity_id=gone.id))
    other = next(d for d in ids if d != relating[0] and open_suggestions(store, d)[0])
    review(store, other, Edit("accept", entity_id=open_suggestions(store, other)[0][0].id))

    accepted = stored(store, project, {"accepted"})
    open_ = stored(store, project, {"suggested"})
    rejected = stored(store, project, {"rejected"})
    assert open_[0] and open_[1], f"no open entity or relation suggestions: {open_}"
    assert rejected[0], "the rejection left nothing rejected"
    assert accepted[1], "no accepted relations to export"

    ap = screen
    ap.goto()
    ap.choose_project(project)
    exported = {}
    for include in (False, True):
        files, _ = ap.export_files("BRAT (.zip)", include, tmp_path / f"with-{include}")
        assert [f.name for f in files] == ["export-suggestions-brat.zip"]
        folder = unzip(files[0]) / "export-suggestions"
        exported[include] = in_files(converters.read("brat", folder))

    without, with_ = exported[False], exported[True]
    assert without == accepted
    assert with_[0] - without[0] == open_[0]
    assert with_[1] - without[1] == open_[1]
    assert without[0] <= with_[0] and without[1] <= with_[1]
    assert not (with_[0] & rejected[0]) and not (with_[1] & rejected[1])
    assert not ap.errors


@pytest.mark.parametrize(
    ("label", "kind"), [("ACE 2005 (.zip)", "ace"), ("SpERT JSON", "spert")], ids=["ace", "spert"]
)
def test_ace_and_spert_exports_import_back_through_the_page(
    screen: ScreenPage,
    served: Served,
    conll_docs: list[Document],
    shared_data: Path,
    tmp_path: Path,
    label: str,
    kind: str,
) -> None:
    """An ACE or SpERT export downloaded from the page and imported back through the page into
    a new project holds the original project's documents: the same names and texts, and the
    same accepted entities and relations (type and character fragments; a relation by its
    type and its arguments' fragments), as read from the database.

    What each format carries, as its converter documents it: ACE writes the CoNLL04 types,
    which are not in its inventory, as ``PER``/``METONYMY`` and keeps the real type in a
    ``<?spanrel?>`` processing instruction that its reader restores, so types are compared as
    they are; SpERT holds token-aligned spans over text made of its tokens joined by spaces,
    which CoNLL04 documents are, so they are compared whole. Neither keeps the database ids
    or authors (not compared); the open suggestion on one document is not exported, since the
    box is left unticked, and must not come back.
    """
    store, project, copy = served.store, f"Round trip {kind}", f"Imported {kind}"
    store.create_project(project, converters.read_schema("spert", conll_path(shared_data)))
    store.import_documents(project, [conll_docs[i] for i in ROUND_TRIP_DOCS])
    first = store.list_documents(project)[0]
    # an edit of the imported gold (an entity deleted by a person, its relations with it) ...
    view = store.load_document(first.id)
    involved = [{r.arg1, r.arg2} for r in view.relations]
    gone = next(e for e in view.entities if 0 < sum(e.id in a for a in involved) < len(involved))
    store.apply_edit(first.id, Edit("delete_entity", entity_id=gone.id), view.version, "t")
    # ... and open suggestions: a word that is no entity yet, related to an entity as a
    # remaining gold relation is (so the schema admits it)
    view = store.load_document(first.id)
    taken = {i for e in view.entities for a, b in e.fragments for i in range(a, b)}
    word = next(t for t in view.metadata["tokens"] if not set(range(*t)) & taken)
    like = view.relations[0]
    arg1, arg2 = view.entity(like.arg1), view.entity(like.arg2)
    store.replace_suggestions(
        first.id,
        None,
        [Entity("S1", arg1.type, [tuple(word)]), Entity("S2", arg2.type, arg2.fragments)],
        [Relation("P1", like.type, "S1", "S2")],
    )
    originals = stored(store, project, {"accepted"})
    assert originals[0] and originals[1], "nothing to compare"
    suggested = stored(store, project, {"suggested"})
    assert suggested[0] and suggested[1], "the open suggestions were not stored"
    texts = {d.name: store.load_document(d.id).text for d in store.list_documents(project)}

    ap = screen
    ap.goto()
    ap.choose_project(project)
    files, msg = ap.export_files(label, False, tmp_path / "export")
    name = f"round-trip-{kind}"
    want = [f"{name}-ace.zip"] if kind == "ace" else [f"{name}.json", f"{name}_types.json"]
    assert sorted(f.name for f in files) == sorted(want), (files, msg)

    ap.tab("Import")
    ap.type_import_target(copy)
    if kind == "ace":
        ap.upload(files[0])
    else:
        ap.upload_files(files)
    ap.run_import()
    imported = store.list_documents(copy)
    assert {d.name: store.load_document(d.id).text for d in imported} == texts
    back = stored(store, copy, {"accepted", "suggested", "rejected"})
    assert back[0] == originals[0]
    assert back[1] == originals[1]
    # and the page's import message counts them
    report = ap.page.locator("#sr-import-msg").inner_text()
    n_docs, n_ents, n_rels = len(texts), len(originals[0]), len(originals[1])
    assert f"{n_docs} document(s) with {n_ents} entities, {n_rels} relations" in report
    assert not ap.errors
