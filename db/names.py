"""What a project's or a document's name may be: the one rule for creating, importing,
renaming and restoring under a new name.

A name is shown, searched and exported as the user wrote it (a document's name becomes its
file name in an export), so little is refused: an empty or blank name (nothing to show or
find), one longer than its column holds (PostgreSQL would refuse it, SQLite would keep it
whole: the two backends must agree) and NUL (PostgreSQL's text cannot hold it). Whether a name
is *taken* is the caller's question, asked in its own transaction.
"""

from __future__ import annotations

from db import models as m

PROJECT_NAME_LENGTH = m.Project.__table__.c.name.type.length
DOCUMENT_NAME_LENGTH = m.Document.__table__.c.name.type.length


def _problem(kind: str, name: object, length: int) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return f"a {kind} needs a name"
    if len(name) > length:
        return f"a {kind} name has at most {length} characters ({len(name)} given)"
    if "\x00" in name:
        return f"a {kind} name cannot contain a NUL character"
    return None


def project_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a project, or None when it can."""
    return _problem("project", name, PROJECT_NAME_LENGTH)


def document_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a document, or None when it can."""
    return _problem("document", name, DOCUMENT_NAME_LENGTH)
