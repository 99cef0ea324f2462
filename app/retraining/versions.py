"""Which model version of a project is active: by hand (activate, roll back), after a
retraining (``decide_activation``), and the list ``python -m app models`` prints.

Why together: these are the only places that change or report the active version; the rule
that a new version replaces the active one only when strictly better on the same dev documents
lives in ``decide_activation`` alone.
"""

from __future__ import annotations

from typing import Any

from app.retraining.metrics import selection_score
from db import Store, StoreError
from db.views import ModelVersionInfo


def activate(store: Store, project: str, version_id: int) -> ModelVersionInfo:
    """Activate a ready version of ``project`` by hand (also a rollback to an older one)."""
    if version_id not in {mv.id for mv in store.list_model_versions(project)}:
        raise StoreError(f"no model version {version_id} in project {project!r}")
    return store.activate_model_version(version_id)


def rollback(store: Store, project: str) -> ModelVersionInfo:
    """Activate the newest ready version older than the active one."""
    versions = store.list_model_versions(project)
    active = next((mv for mv in versions if mv.active), None)
    if active is None:
        raise StoreError("no version is active: activate one by its number")
    older = [mv for mv in versions if mv.state == "ready" and mv.id < active.id]
    if not older:
        raise StoreError(
            f"version {active.id} is the oldest ready version: nothing to roll back to"
        )
    return store.activate_model_version(older[-1].id)


def versions_json(store: Store, project: str) -> list[dict[str, Any]]:
    """Every version of ``project`` with its metrics and the active flag (``python -m app
    models``)."""
    return [
        {
            "version": mv.id,
            "state": mv.state,
            "active": mv.active,
            "created": mv.created_at.isoformat(timespec="seconds"),
            "path": mv.path,
            "training_documents": len(mv.training_documents),
            "training_document_ids": list(mv.training_documents),
            "metrics": mv.metrics,
        }
        for mv in store.list_model_versions(project)
    ]


def decide_activation(
    version_id: int,
    metrics: dict[str, Any] | None,
    *,
    auto: bool,
    previous_id: int | None,
    active_id: int | None,
) -> tuple[bool, str]:
    """Whether a freshly trained version becomes active, and why (the job's last log line).

    ``previous_id``: the version active when training started (the one its dev scores were
    compared with); ``active_id``: the one active now. Only a version strictly better on the
    same dev documents (``selection_score``) replaces the active one; a tie keeps the old one.
    """
    if not auto:
        return False, f"version {version_id} is ready; automatic activation is off"
    if active_id is None:
        return True, f"version {version_id} is active (the project had no active model)"
    if previous_id is None or active_id != previous_id:
        return False, (
            f"version {version_id} is ready; the active version changed during training, "
            "so it was not compared: activate it by hand if wanted"
        )
    compared = (metrics or {}).get("compared_with")
    if not compared:
        return False, (
            f"version {version_id} is ready; the active version could not be evaluated on "
            "the same dev documents, so it stays active"
        )
    new, old = selection_score(metrics), selection_score(compared)
    scores = (
        f"relation F1 {100 * new[0]:.1f} vs {100 * old[0]:.1f}, entity F1 "
        f"{100 * new[1]:.1f} vs {100 * old[1]:.1f}"
    )
    if new > old:
        return True, (
            f"version {version_id} is active: better on dev than version {previous_id} ({scores})"
        )
    return False, (
        f"version {version_id} is ready but not better on dev than version {previous_id} "
        f"({scores}); it waits: activate it by hand if wanted"
    )
