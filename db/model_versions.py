"""Model versions of a project: registered when training starts, updated as it goes, and at
most one active (the one pre-annotation uses).

Activating a version deactivates the others in the same transaction, so two versions are never
both active; a version that is not ``ready`` (training, failed) is never active.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from db import models as m
from db.lookups import project_named
from db.transactions import StoreBase
from db.views import ModelVersionInfo, NotFoundError, StoreError


def _model_info(s: Session, mv: m.ModelVersion) -> ModelVersionInfo:
    project = s.get(m.Project, mv.project_id)
    assert project is not None
    return ModelVersionInfo(
        mv.id,
        project.name,
        mv.path,
        mv.created_at,
        dict(mv.metrics or {}),
        list(mv.training_documents or []),
        mv.state,
        mv.active,
    )


class ModelVersions(StoreBase):
    """``Store``'s model version methods."""

    def register_model_version(
        self,
        project: str,
        path: str,
        *,
        metrics: dict[str, Any] | None = None,
        training_documents: Sequence[int] = (),
        state: str = "training",
    ) -> ModelVersionInfo:
        if state not in m.MODEL_STATES:
            raise StoreError(f"state must be one of {', '.join(m.MODEL_STATES)}")

        def run(s: Session) -> ModelVersionInfo:
            p = project_named(s, project)
            mv = m.ModelVersion(
                project_id=p.id,
                path=str(path),
                metrics=dict(metrics or {}),
                training_documents=list(training_documents),
                state=state,
                active=False,
                created_at=m.utcnow(),
            )
            s.add(mv)
            s.flush()
            return _model_info(s, mv)

        return self._write(run)

    def update_model_version(
        self,
        model_version_id: int,
        *,
        state: str | None = None,
        metrics: dict[str, Any] | None = None,
        path: str | None = None,
    ) -> ModelVersionInfo:
        """Change a model version's state/metrics/path; a failed version is deactivated."""
        if state is not None and state not in m.MODEL_STATES:
            raise StoreError(f"state must be one of {', '.join(m.MODEL_STATES)}")

        def run(s: Session) -> ModelVersionInfo:
            mv = s.get(m.ModelVersion, model_version_id)
            if mv is None:
                raise NotFoundError(f"no model version {model_version_id}")
            if state is not None:
                mv.state = state
                if state != "ready":
                    mv.active = False
            if metrics is not None:
                mv.metrics = dict(metrics)
            if path is not None:
                mv.path = str(path)
            s.flush()
            return _model_info(s, mv)

        return self._write(run)

    def mark_model_failed(self, model_version_id: int) -> ModelVersionInfo:
        return self.update_model_version(model_version_id, state="failed")

    def activate_model_version(self, model_version_id: int) -> ModelVersionInfo:
        """Make this (ready) version the project's one active model."""

        def run(s: Session) -> ModelVersionInfo:
            mv = s.get(m.ModelVersion, model_version_id)
            if mv is None:
                raise NotFoundError(f"no model version {model_version_id}")
            if mv.state != "ready":
                raise StoreError(f"model version {mv.id} is {mv.state}, not ready")
            s.execute(
                update(m.ModelVersion)
                .where(m.ModelVersion.project_id == mv.project_id)
                .values(active=literal(False))
                .execution_options(synchronize_session=False)
            )
            s.flush()
            s.refresh(mv)
            mv.active = True
            s.flush()
            return _model_info(s, mv)

        return self._write(run)

    def list_model_versions(self, project: str) -> list[ModelVersionInfo]:
        def run(s: Session) -> list[ModelVersionInfo]:
            p = project_named(s, project)
            rows = s.scalars(
                select(m.ModelVersion)
                .where(m.ModelVersion.project_id == p.id)
                .order_by(m.ModelVersion.id)
            )
            return [_model_info(s, mv) for mv in rows]

        return self._read(run)

    def active_model_version(self, project: str) -> ModelVersionInfo | None:
        return next((mv for mv in self.list_model_versions(project) if mv.active), None)

    # -- jobs -------------------------------------------------------------------------------
