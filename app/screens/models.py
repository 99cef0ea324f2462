"""Model screen: the active model and its scores, the versions with their learning curve and
per-type scores, registering a trained model directory, and writing a project's finished
documents as training data with the exact command to train (retraining from the page itself is
``app.retraining``).

A model directory (``core_model``'s saved layout) is registered only from inside the models
directory (``--models-dir``): a path typed into a public page must not make the server read
arbitrary places on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path
from typing import Any

from app.retraining.training_data import assign_dev_split, write_data
from app.screens.exporting import slug
from db import Store
from db.views import ModelVersionInfo


class ModelDirError(ValueError):
    """A directory that cannot be registered; the message says why."""


def resolve_model_dir(models_dir: Path, given: str) -> Path:
    """``given`` (absolute, or relative to ``models_dir``) if it is a model inside it."""
    root = models_dir.resolve()
    raw = Path((given or "").strip())
    if not str(raw) or str(raw) == ".":
        raise ModelDirError("give the model directory (inside the models directory)")
    path = (raw if raw.is_absolute() else root / raw).resolve()
    if path != root and root not in path.parents:
        raise ModelDirError(f"{given!r} is not inside the models directory {root}")
    if not (path / "config.json").is_file() or not (path / "model.safetensors").is_file():
        raise ModelDirError(f"{path} is not a saved model (config.json, model.safetensors)")
    return path


def model_metrics(path: Path) -> dict[str, Any]:
    """Dev scores and training facts from the model's ``training.json`` (empty when absent)."""
    meta_file = path / "training.json"
    if not meta_file.is_file():
        return {}
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    out: dict[str, Any] = {
        "epoch": meta.get("epoch"),
        "train_documents": meta.get("train_documents"),
        "dev_documents": meta.get("dev_documents"),
    }
    dev = meta.get("dev_scores") or {}
    for key in ("entities", "relations"):
        micro = (dev.get(key) or {}).get("micro")
        if isinstance(micro, dict):
            out[key] = {k: micro.get(k) for k in ("precision", "recall", "f1")}
    if "threshold" in dev:
        out["threshold"] = dev["threshold"]
    return out


def register_model(store: Store, project: str, models_dir: Path, given: str) -> ModelVersionInfo:
    """Register a trained directory as a ready version of ``project`` and make it active."""
    path = resolve_model_dir(models_dir, given)
    mv = store.register_model_version(
        project, str(path), metrics=model_metrics(path), state="ready"
    )
    return store.activate_model_version(mv.id)


def _pct(value: Any) -> str:
    return f"{100 * value:.1f}" if isinstance(value, int | float) else "–"


def _delta(value: Any) -> str:
    return f"{100 * value:+.1f}" if isinstance(value, int | float) else "–"


def version_rows(store: Store, project: str) -> list[list[Any]]:
    """Newest first; the differences are to the version that was active when it was trained,
    measured on the same dev documents (retrained versions only)."""
    rows = []
    for mv in reversed(store.list_model_versions(project)):
        m = mv.metrics or {}
        delta = m.get("delta") or {}
        compared = (m.get("compared_with") or {}).get("version")
        rows.append(
            [
                mv.id,
                "active" if mv.active else mv.state,
                mv.created_at.strftime("%Y-%m-%d %H:%M"),
                _pct((m.get("entities") or {}).get("f1")),
                _pct((m.get("relations") or {}).get("f1")),
                _delta((delta.get("entities") or {}).get("f1")),
                _delta((delta.get("relations") or {}).get("f1")),
                compared if compared is not None else "–",
                m.get("train_documents") if m.get("train_documents") is not None else "–",
                m.get("dev_documents") if m.get("dev_documents") is not None else "–",
                mv.path,
            ]
        )
    return rows


VERSION_HEADERS = [
    "version",
    "state",
    "created",
    "entity F1",
    "relation F1",
    "Δ entity F1",
    "Δ relation F1",
    "vs version",
    "trained on",
    "dev docs",
    "path",
]
PER_TYPE_HEADERS = ["kind", "type", "precision", "recall", "F1", "Δ F1", "dev support"]


def learning_curve_rows(store: Store, project: str) -> list[list[Any]]:
    """One point per scored version and score: [training documents, dev F1 (%), score,
    version id] (drawn by ``learning_curve``)."""
    rows: list[list[Any]] = []
    for mv in store.list_model_versions(project):
        m = mv.metrics or {}
        n = m.get("train_documents")
        if mv.state != "ready" or not isinstance(n, int):
            continue
        for key, label in (("entities", "entity F1"), ("relations", "relation F1")):
            f1 = (m.get(key) or {}).get("f1")
            if isinstance(f1, int | float):
                rows.append([n, round(100 * f1, 2), label, mv.id])
    return rows


def per_type_rows(mv: ModelVersionInfo | None) -> list[list[Any]]:
    """Dev P/R/F1 per type of one version, with the F1 difference to the version it was
    compared with."""
    if mv is None:
        return []
    m = mv.metrics or {}
    per_type = m.get("per_type") or {}
    delta = m.get("delta") or {}
    rows = []
    for key, kind in (("entities", "entity"), ("relations", "relation")):
        changes = delta.get(f"{key}_per_type") or {}
        for name, s in sorted((per_type.get(key) or {}).items()):
            rows.append(
                [
                    kind,
                    name,
                    _pct(s.get("precision")),
                    _pct(s.get("recall")),
                    _pct(s.get("f1")),
                    _delta(changes.get(name)),
                    s.get("support", "–"),
                ]
            )
    return rows


def write_training_data(store: Store, project: str, models_dir: Path) -> tuple[Path, str, int]:
    """Finished documents as SpERT ``train.json``/``dev.json`` (+ types) under
    ``<models-dir>/data/<project>/``; the directory, the train command and the count written.

    Split and files are a retraining's (``app.retraining.training_data``): each document keeps
    the split stored with it, assigned once, so a model trained by hand is scored on the same
    dev documents as the project's retrained versions.
    """
    assign_dev_split(store, project)
    folder = models_dir.resolve() / "data" / slug(project)
    data = write_data(store, project, folder)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    out = models_dir.resolve() / f"{slug(project)}-{stamp}"
    command = train_command(folder, out)
    return folder, command, len(data.train_ids) + len(data.dev_ids)


def train_command(folder: Path, out: Path) -> str:
    q = shlex.quote
    return (
        f"python -m core_model train --train {q(str(folder / 'train.json'))} "
        f"--dev {q(str(folder / 'dev.json'))} --types {q(str(folder / 'train_types.json'))} "
        f"--out {q(str(out))}"
    )
