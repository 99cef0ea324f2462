"""spanrel's annotation store: SQLAlchemy 2 on SQLite (default) or PostgreSQL.

``Store.open(url)`` is the door (``db.store``); ``resolve_db_url`` picks the URL from ``--db``,
``$SPANREL_DB_URL`` or the default file (``db.session``). Migrations (``db/migrations``) run at
every open.
"""

from db.edits import Edit
from db.session import resolve_db_url
from db.store import Store
from db.views import ConflictError, EditError, JobBusyError, NotFoundError, StoreError

__all__ = [
    "ConflictError",
    "Edit",
    "EditError",
    "JobBusyError",
    "NotFoundError",
    "Store",
    "StoreError",
    "resolve_db_url",
]
