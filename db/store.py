"""The annotation store: the app's one door to the database.

``Store.open(url)`` creates the engine (``db.session``), applies migrations and returns a store
that is safe to share between threads. Every public method is one transaction and returns plain
dataclasses (``db.views``), never ORM objects.

``Store`` is composed here from one part per concern, each in its own module with the rules it
owns written at its top:

- ``db.transactions``: one transaction per call, busy retries, exactly-once page operations;
- ``db.projects``, ``db.project_schema``, ``db.schema_edits``: projects, their types and
  display defaults, changes to a schema;
- ``db.document_import``: checking and writing documents, one transaction per import;
- ``db.document_queries``, ``db.document_export``: reading documents, exports, training data;
- ``db.edit_apply`` (one function per operation), ``db.edit_attributes_notes``,
  ``db.edit_rules`` (what an edit may do and entails), ``db.edit_log`` (versions, history,
  undo/redo);
- ``db.suggestions``: model suggestions and which of them may be stored;
- ``db.document_status`` (what moves a status) and ``db.progress`` (documents by status,
  per person done / assigned);
- ``db.model_versions``, ``db.jobs``, ``db.accounts``, ``db.maintenance``;
- ``db.layers``: annotation layers, one per person, of a document (and ``curated()``, the
  filter that keeps them out of the project's document lists); ``db.layer_lists``: every
  layer of a project in one read;
- ``db.curating``: a document's layers aligned (``db.curation``, pure) and the curator's
  choices written into the curated document as undoable edits;
- ``db.trash``: deleting documents and projects into the trash, restoring, purging, renaming;
- ``db.rows``: one builder per kind of row, shared by imports, edits and suggestions.

The parts are mixins over ``StoreBase`` rather than objects this class delegates to: each
public method's signature and docstring then exist once, next to its code, instead of twice
(a delegating method per method would repeat ~50 signatures that can drift apart), and callers
keep one class. A part reaches the database only through ``StoreBase``'s transaction methods
and uses other parts' logic through plain functions on a ``Session`` that it imports, never
through another part's methods on ``self``.
"""

from __future__ import annotations

from db import migrate
from db.accounts import Accounts
from db.curating import Curating
from db.document_export import DocumentExport
from db.document_import import DocumentImport
from db.document_queries import DocumentQueries
from db.edit_apply import Edits
from db.edit_log import EditLog
from db.jobs import Jobs
from db.layer_lists import LayerLists
from db.layers import Layers
from db.maintenance import Maintenance
from db.model_versions import ModelVersions
from db.progress import Progress
from db.project_schema import PALETTE, ProjectSchemas, fill_defaults
from db.projects import Projects
from db.schema_edits import SchemaChangeResult, SchemaEdits
from db.session import create_db_engine
from db.suggestions import Suggestions
from db.trash import TrashBin

__all__ = ["PALETTE", "SchemaChangeResult", "Store", "fill_defaults"]


class Store(
    Projects,
    Progress,
    ProjectSchemas,
    SchemaEdits,
    DocumentImport,
    DocumentQueries,
    DocumentExport,
    Edits,
    EditLog,
    Suggestions,
    ModelVersions,
    Jobs,
    Accounts,
    Maintenance,
    TrashBin,
    Layers,
    LayerLists,
    Curating,
):
    """See the module docstring. Create with ``Store.open(url)``; close with ``close()``."""

    @classmethod
    def open(cls, url: str, *, migrate_to: str = "head") -> Store:
        """Open (and create or upgrade) the database at ``url``."""
        engine = create_db_engine(url)
        migrate.upgrade(engine, migrate_to)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
