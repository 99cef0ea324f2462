"""Two writers on one document: no lost update, and the stale writer gets a conflict."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from converters.document import Document
from converters.schema import EntityType, Schema
from db import ConflictError, Edit, Store

N_WRITERS, EDITS_EACH = 4, 8


def _setup(url: str) -> int:
    with Store.open(url) as store:
        store.create_project("p", Schema([EntityType("Drug")]))
        text = "x" * 200
        return store.import_documents("p", [Document("d", text)]).document_ids[0]


def _edit_with_retry(store: Store, doc_id: int, start: int, author: str) -> int:
    """Add one entity, reloading and retrying on conflict (what the page does)."""
    conflicts = 0
    while True:
        version = store.load_document(doc_id).version
        try:
            store.apply_edit(doc_id, Edit.add_entity("Drug", [(start, start + 1)]), version, author)
            return conflicts
        except ConflictError:
            conflicts += 1


def test_threads_lose_no_update(backend_url: str) -> None:
    doc_id = _setup(backend_url)
    store = Store.open(backend_url)
    conflicts: list[int] = []
    barrier = threading.Barrier(N_WRITERS)

    def worker(w: int) -> None:
        barrier.wait()
        for i in range(EDITS_EACH):
            conflicts.append(_edit_with_retry(store, doc_id, w * EDITS_EACH + i, f"w{w}"))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(N_WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    view = store.load_document(doc_id)
    store.close()
    assert len(view.entities) == N_WRITERS * EDITS_EACH
    assert view.version == N_WRITERS * EDITS_EACH
    assert len({e.ann_id for e in view.entities}) == N_WRITERS * EDITS_EACH


def _process_writer(url: str, doc_id: int, version: int, start: int, barrier, queue) -> None:
    store = Store.open(url)
    barrier.wait()
    try:
        edit = Edit.add_entity("Drug", [(start, start + 2)])
        result = store.apply_edit(doc_id, edit, version, f"p{start}")
        queue.put(("ok", result.version))
    except ConflictError as exc:
        queue.put(("conflict", exc.current_version))
    finally:
        store.close()


def test_processes_stale_writer_gets_conflict(backend_url: str, tmp_path: Path) -> None:
    doc_id = _setup(backend_url)
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_process_writer, args=(backend_url, doc_id, 0, s, barrier, queue))
        for s in (0, 10)
    ]
    for p in procs:
        p.start()
    results = sorted(queue.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert results == [("conflict", 1), ("ok", 1)]
    with Store.open(backend_url) as store:
        view = store.load_document(doc_id)
    assert view.version == 1 and len(view.entities) == 1
