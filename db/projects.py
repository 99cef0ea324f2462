"""Projects: creating, finding and configuring them, and their statistics.

A project is created here only (``new_project``), with its schema merged in the same
transaction, so an import that creates its project (``db.document_import``) and the
Projects screen make the same project.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from converters import schema as cs
from db import models as m
from db.curation import POLICY_SETTING, CurationError, check_policy
from db.lookups import curated, is_trigger, project_named
from db.names import project_name_problem
from db.progress import status_counts
from db.project_schema import merge_schema
from db.transactions import StoreBase
from db.views import ProjectInfo, StoreError


def project_info(s: Session, p: m.Project) -> ProjectInfo:
    count = s.scalar(select(func.count()).where(m.Document.project_id == p.id, curated())) or 0
    return ProjectInfo(p.id, p.name, dict(p.settings or {}), p.created_at, count)


def check_settings(settings: dict[str, Any]) -> None:
    """Refuse a project setting the store knows and ``settings`` gives a bad value: the curation
    policy (``db.curation.POLICIES``); other settings are the app's and pass as they are."""
    if POLICY_SETTING in settings:
        try:
            check_policy(settings[POLICY_SETTING])
        except CurationError as exc:
            raise StoreError(str(exc)) from exc


def new_project(
    s: Session, name: str, schema: cs.Schema | None, settings: dict[str, Any] | None = None
) -> m.Project:
    """Add the project ``name`` (refused when it is blank or taken) with ``schema``."""
    check_settings(settings or {})
    bad_name = project_name_problem(name)  # the one rule of names (db.names)
    if bad_name is not None:
        raise StoreError(bad_name)
    if s.scalar(select(m.Project.id).where(m.Project.name == name)) is not None:
        raise StoreError(f"a project named {name!r} already exists")
    project = m.Project(name=name, settings=dict(settings or {}), extra_schema={})
    s.add(project)
    s.flush()
    if schema is not None:
        merge_schema(s, project, schema)
    return project


def _count_by(
    s: Session, pid: int, *cols: Any, model: type[m.Base] = m.Document, layers: bool = False
) -> Any:
    """Counts over the project's documents; ``layers``: over the people's layers too."""
    q = select(*cols, func.count()).select_from(model)
    if model is not m.Document:
        q = q.join(m.Document, m.Document.id == model.document_id)
    q = q.where(m.Document.project_id == pid)
    if not layers:
        q = q.where(curated())
    return s.execute(q.group_by(*cols)).all()


def _project_stats(s: Session, p: m.Project) -> dict[str, Any]:
    statuses = status_counts(s, p.id)  # the Documents screen's counts too
    info: dict[str, Any] = {
        "documents": sum(statuses.values()),
        "status": statuses,
        "split": {k: n for k, n in _count_by(s, p.id, m.Document.split)},
    }
    annotators: dict[str, dict[str, int]] = defaultdict(
        lambda: {"entities": 0, "relations": 0, "edits": 0}
    )
    for key, model in (("entities", m.Entity), ("relations", m.Relation)):
        by_type: dict[str, dict[str, int]] = defaultdict(dict)
        for t, review, n in _count_by(s, p.id, model.type, model.review, model=model):
            by_type[t][review] = n
        info[key] = {
            "total": sum(sum(v.values()) for v in by_type.values()),
            "by_type": dict(by_type),
            "by_review": {k: n for k, n in _count_by(s, p.id, model.review, model=model)},
            "by_source": {k: n for k, n in _count_by(s, p.id, model.source, model=model)},
        }
        for author, n in _count_by(s, p.id, model.author, model=model, layers=True):
            if author is not None:
                annotators[author][key] = n
    events = _count_by(s, p.id, m.Event.type, model=m.Event)
    triggers = s.scalar(
        select(func.count())
        .select_from(m.Entity)
        .join(m.Document, m.Document.id == m.Entity.document_id)
        .where(
            m.Document.project_id == p.id,
            curated(),
            m.Entity.review == "accepted",
            is_trigger(),
        )
    )
    # what the page shows: an event with its trigger; entities without the triggers
    info["events"] = {"total": sum(n for _, n in events), "by_type": dict(events)}
    info["entities"]["triggers"] = triggers or 0
    for author, n in s.execute(
        select(m.History.author, func.count())
        .join(m.Document, m.Document.id == m.History.document_id)
        .where(m.Document.project_id == p.id, m.History.action != "import")
        .group_by(m.History.author)
    ):
        if author is not None:
            annotators[author]["edits"] = n
    info["annotators"] = dict(annotators)
    info["models"] = {
        k: n
        for k, n in s.execute(
            select(m.ModelVersion.state, func.count())
            .where(m.ModelVersion.project_id == p.id)
            .group_by(m.ModelVersion.state)
        )
    }
    return info


class Projects(StoreBase):
    """``Store``'s project methods."""

    def create_project(
        self, name: str, schema: cs.Schema | None = None, settings: dict[str, Any] | None = None
    ) -> ProjectInfo:
        return self._write(lambda s: project_info(s, new_project(s, name, schema, settings)))

    def get_project(self, name: str) -> ProjectInfo:
        return self._read(lambda s: project_info(s, project_named(s, name)))

    def list_projects(self) -> list[ProjectInfo]:
        def run(s: Session) -> list[ProjectInfo]:
            projects = s.scalars(select(m.Project).order_by(m.Project.id)).all()
            return [project_info(s, p) for p in projects]

        return self._read(run)

    def update_project_settings(self, name: str, settings: dict[str, Any]) -> ProjectInfo:
        """Merge ``settings`` into the project's (``check_settings`` first): e.g.
        ``{"curation_policy": "unanimous"}`` sets the curation policy."""
        check_settings(settings)

        def run(s: Session) -> ProjectInfo:
            project = project_named(s, name)
            project.settings = {**(project.settings or {}), **settings}
            s.flush()
            return project_info(s, project)

        return self._write(run)

    def stats(self, project: str | None = None) -> dict[str, Any]:
        """Counts per project: documents by status and split; entities and relations by type,
        review state and source; per annotator the annotations they authored and the edits
        they made. Plain JSON-able dicts."""

        def run(s: Session) -> dict[str, Any]:
            q = select(m.Project).order_by(m.Project.id)
            if project is not None:
                project_named(s, project)
                q = q.where(m.Project.name == project)
            return {"projects": {p.name: _project_stats(s, p) for p in s.scalars(q)}}

        return self._read(run)
