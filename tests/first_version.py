"""A project's first model version, trained once by a real retraining and installed in the
stores of the tests that only need one to be there.

Why: a test about what happens to an active version (a killed or failed training beside it, a
killed server, a restart) needs one, and a retraining costs a training process: seconds of
start-up before a step is taken. ``train_first`` runs that retraining once (a module-scoped
fixture), on a SQLite file of its own; ``install`` gives another store the same version as the
retraining left it in its own: the model folder where the ``Retrainer`` puts a project's
versions, a ready version with the same metrics and training documents (by name), activated.
The tests about retraining itself train their versions.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.retraining.options import RetrainOptions
from app.retraining.retrainer import Retrainer
from app.screens.exporting import slug
from db import Store
from db.views import ModelVersionInfo


@dataclass(frozen=True)
class FirstVersion:
    """The active version of a finished first retraining, and the names of the documents of
    the store it was trained in, by id."""

    version: ModelVersionInfo
    names: dict[int, str]


def train_first(
    folder: Path, project: str, fill: Callable[[Store], None], options: RetrainOptions
) -> FirstVersion:
    """Fill a new store in ``folder`` (``fill``) and retrain ``project`` once with ``options``."""
    with Store.open(f"sqlite:///{folder / 'first.sqlite'}") as store:
        fill(store)
        retrainer = Retrainer(store, folder / "models")
        try:
            job = retrainer.wait(retrainer.start(project, options).id)
        finally:
            retrainer.shutdown()
        assert job.state == "done", job.log
        version = store.active_model_version(project)
        assert version is not None and version.training_documents
        names = {d.id: d.name for d in store.list_documents(project)}
    assert (Path(version.path) / "model.safetensors").is_file()
    return FirstVersion(version, names)


def install(store: Store, models: Path, project: str, first: FirstVersion) -> ModelVersionInfo:
    """``first`` as the active version of ``project`` in ``store`` (filled as ``first``'s own
    store was), its model copied under ``models``; the version."""
    path = models.resolve() / slug(project) / Path(first.version.path).name
    shutil.copytree(first.version.path, path)
    ids = {d.name: d.id for d in store.list_documents(project)}
    version = store.register_model_version(
        project,
        str(path),
        metrics=first.version.metrics,
        training_documents=[ids[first.names[i]] for i in first.version.training_documents],
        state="ready",
    )
    return store.activate_model_version(version.id)
