"""Plain data of the trash that the store hands to the app and the CLI (``db.trash``): what a
delete takes, an entry of the trash, what a restore and a purge did. Snapshots, as in
``db.views`` (kept apart from it to keep both modules short).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from db.wording import plural


@dataclass
class DeletionSummary:
    """What deleting a document or a project takes: the confirmation's counts, kept with the
    trash entry so the Trash says what each entry holds. ``entities`` and ``relations`` are
    accepted ones (an event's trigger counted with its event, as the Documents table counts);
    ``suggestions`` open model suggestions of both kinds; ``history`` the edits, undos and
    imports recorded. ``project_id`` lets the Trash name a document's project as it is now."""

    kind: str  # "document" | "project"
    project: str
    name: str  # the document's name, or the project's
    project_id: int
    documents: int = 0
    entities: int = 0
    relations: int = 0
    events: int = 0
    suggestions: int = 0
    history: int = 0
    model_versions: int = 0

    def phrase(self) -> str:
        """The counts in words, zeros left out: ``12 entities, 4 relations and 25 history
        entries`` (a project's starts with its documents)."""
        counts = (
            (self.documents if self.kind == "project" else 0, "document", "documents"),
            (self.entities, "entity", "entities"),
            (self.relations, "relation", "relations"),
            (self.events, "event", "events"),
            (self.suggestions, "open suggestion", "open suggestions"),
            (self.history, "history entry", "history entries"),
            (self.model_versions, "model version", "model versions"),
        )
        parts = [plural(n, word, many) for n, word, many in counts if n]
        if not parts:
            return "no annotations and no history"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass
class TrashEntry:
    """A deleted document or project in the trash (without the rows it keeps).
    ``purge_after``: when it may be purged (``deleted_at`` plus the retention)."""

    id: int
    kind: str
    project: str
    name: str
    summary: DeletionSummary
    deleted_by: str | None
    deleted_at: datetime
    purge_after: datetime


@dataclass
class RestoreResult:
    """What a restore put back: the document or project (under ``name``, maybe a new one) and
    the types its annotations use that the project's schema had lost meanwhile (added back)."""

    kind: str
    project: str
    name: str
    id: int  # the document's or the project's database id, as before the delete
    added_entity_types: list[str] = field(default_factory=list)
    added_relation_types: list[str] = field(default_factory=list)


@dataclass
class PurgeResult:
    """Trash entries removed for good, and the model folders of purged projects removed from
    disk (``kept``: still used by another model version; ``failed``: could not be removed)."""

    entries: list[int] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
