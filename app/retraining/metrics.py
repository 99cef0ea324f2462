"""The scores of a trained version: what its worker's dev evaluation becomes in the version's
metrics, and what "better on dev" means.

Why a module of its own: the version record, the activation rule and the Model screen read
these numbers; they are computed from the worker's ``done`` event and nothing else.
"""

from __future__ import annotations

from typing import Any

from app.retraining.training_data import RetrainData
from db.views import ModelVersionInfo


def _prf(block: dict[str, Any] | None) -> dict[str, float] | None:
    if not isinstance(block, dict):
        return None
    return {k: float(block.get(k) or 0.0) for k in ("precision", "recall", "f1")}


def summarise(report: dict[str, Any] | None) -> dict[str, Any]:
    """Micro P/R/F1 of entities and relations and per-type P/R/F1/support of an evaluation."""
    report = report or {}
    out: dict[str, Any] = {"per_type": {}}
    for key in ("entities", "relations"):
        block = report.get(key) or {}
        out[key] = _prf(block.get("micro"))
        out["per_type"][key] = {
            name: {**(_prf(v) or {}), "support": int(v.get("support") or 0)}
            for name, v in (block.get("per_type") or {}).items()
        }
    return out


def selection_score(metrics: dict[str, Any] | None) -> tuple[float, float]:
    """What "better on dev" means: relation F1, then entity F1 (as model selection does)."""
    m = metrics or {}
    return (
        float((m.get("relations") or {}).get("f1") or 0.0),
        float((m.get("entities") or {}).get("f1") or 0.0),
    )


def build_metrics(
    done: dict[str, Any],
    data: RetrainData,
    previous: ModelVersionInfo | None,
    warm_from: int | None,
    train_config: dict[str, Any],
) -> dict[str, Any]:
    new = summarise(done.get("dev"))
    metrics: dict[str, Any] = {
        **new,
        "epoch": done.get("best_epoch"),
        "epochs": train_config.get("epochs"),
        "threshold": done.get("threshold"),
        "train_documents": len(data.train_ids),
        "dev_documents": len(data.dev_ids),
        "dev_document_ids": list(data.dev_ids),
        "warm_start_from": warm_from,
        "train_seconds": done.get("train_seconds"),
        "seconds": done.get("seconds"),
        "history": done.get("history") or [],
        # suggestion thresholds that minimise edits on dev (worker_process.calibrate_on_dev)
        "thresholds": done.get("thresholds"),
        "compared_with": None,
        "delta": None,
    }
    if previous is not None and done.get("previous"):
        old = summarise(done["previous"])
        metrics["compared_with"] = {"version": previous.id, **old}
        delta: dict[str, Any] = {}
        for key in ("entities", "relations"):
            if new.get(key) and old.get(key):
                delta[key] = {k: new[key][k] - old[key][k] for k in ("precision", "recall", "f1")}
            delta[f"{key}_per_type"] = {
                name: s["f1"] - old["per_type"][key].get(name, {}).get("f1", 0.0)
                for name, s in new["per_type"][key].items()
            }
        metrics["delta"] = delta
    return metrics
