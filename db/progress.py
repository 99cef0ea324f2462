"""How far a project is: documents by status, and per person done / assigned.

A manager reads who did what from two things the store keeps on every document: ``assignee``
(who is to annotate it; none means open to all) and ``status_by`` (who moved the status last,
``db.document_status``). ``status_counts`` is the one count of documents by status: the
Projects screen (through ``Store.stats``) and the Documents screen (through
``Store.progress``) both read it, so their figures cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db import models as m
from db.document_status import BY_IMPORT, DONE, IN_PROGRESS
from db.lookups import curated, project_named
from db.transactions import StoreBase


def status_counts(s: Session, project_id: int) -> dict[str, int]:
    """Documents of the project by status, statuses without documents left out, in the
    order of ``DOCUMENT_STATUSES``."""
    D = m.Document
    found = dict(
        s.execute(
            select(D.status, func.count())
            .where(D.project_id == project_id, curated())
            .group_by(D.status)
        ).all()
    )
    order = {status: i for i, status in enumerate(m.DOCUMENT_STATUSES)}
    return {k: found[k] for k in sorted(found, key=lambda k: (order.get(k, len(order)), k))}


@dataclass
class PersonProgress:
    """One person's figures; ``person`` None is the documents open to all (no assignee).

    ``assigned``, ``done`` and ``in_progress`` count the documents assigned to the person;
    ``marked_done`` the done documents whose status this person set, assigned to anyone."""

    person: str | None
    assigned: int = 0
    done: int = 0
    in_progress: int = 0
    marked_done: int = 0


@dataclass
class ProjectProgress:
    project: str
    #: every status of ``DOCUMENT_STATUSES``, zeros included
    statuses: dict[str, int] = field(default_factory=dict)
    #: people by name, then the documents open to all
    people: list[PersonProgress] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(self.statuses.values())


class Progress(StoreBase):
    """``Store.progress``."""

    def progress(self, project: str) -> ProjectProgress:
        """Documents by status, and per person: assigned, done and in progress of those,
        and done documents whose status they set. Documents without an assignee count for
        the open-to-all row; a done status set by an import counts for nobody. A person's
        layers (``db.layers``) count as documents assigned to them; a document annotated in
        layers counts for nobody (it is nobody's to annotate: its curation is the curators'),
        while the counts by status are the project's documents'."""

        def run(s: Session) -> ProjectProgress:
            p = project_named(s, project)
            D, L = m.Document, aliased(m.Document)
            layered = select(L.id).where(L.layer_of == D.id).exists()
            rows = s.execute(
                select(D.assignee, D.status, D.status_by, func.count())
                .where(D.project_id == p.id, ~layered)
                .group_by(D.assignee, D.status, D.status_by)
            ).all()
            people: dict[str | None, PersonProgress] = defaultdict(lambda: PersonProgress(None))
            for assignee, status, status_by, n in rows:
                mine = people[assignee]
                mine.person = assignee
                mine.assigned += n
                mine.done += n if status == DONE else 0
                mine.in_progress += n if status == IN_PROGRESS else 0
                if status == DONE and status_by not in (None, BY_IMPORT):
                    people[status_by].person = status_by
                    people[status_by].marked_done += n
            counts = status_counts(s, p.id)
            return ProjectProgress(
                project,
                {status: counts.get(status, 0) for status in m.DOCUMENT_STATUSES},
                sorted(people.values(), key=lambda r: (r.person is None, r.person or "")),
            )

        return self._read(run)
