"""Operation payloads as the editor page sends them, and the app's ``StoreBackend`` on a fresh
project of a real database, for the tests of the edit path without a browser
(test_editor_op_shapes.py, test_store_backend_rules.py, test_editor_server_functions.py).

The test modules that need a backend define their own function-scoped ``backend`` and ``docs``
fixtures from ``make_backend`` and ``store_two_documents``: those names override the
module-scoped fixtures of conftest.py, and a fixture imported from here would trip ruff (F401,
F811).
"""

from __future__ import annotations

from typing import Any

from app.editor.demo import CONLL04_SCHEMA, store_document, store_schema
from app.store_backend import StoreBackend
from db import Store

TEXT = "Alice works for Acme in Paris."
PROJECT = "ops"


def op(
    seq: int = 1, kind: str = "add_entity", base: int = 0, doc_id: str = "d", **fields: Any
) -> dict[str, Any]:
    out = {"doc_id": doc_id, "client_id": "c1", "seq": seq, "base_version": base, "kind": kind}
    out.update(fields)
    return out


def make_backend(url: str, schema: dict[str, Any] = CONLL04_SCHEMA) -> StoreBackend:
    store = Store.open(url)
    store.create_project(PROJECT, store_schema(schema))
    return StoreBackend(store)


def store_two_documents(backend: StoreBackend) -> dict[str, str]:
    """Page ids of two stored documents, "d" (``TEXT``) and "e", in that order."""
    return {
        name: store_document(backend.store, PROJECT, {"doc_id": name, "text": body})[0]
        for name, body in (("d", TEXT), ("e", "Second."))
    }
