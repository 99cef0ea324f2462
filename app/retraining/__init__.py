"""Retraining from corrections: the one code path of the Model screen's *Retrain* button, of
automatic retraining and of ``python -m app retrain``.

What one retraining does, in order:

1. **Data** (``training_data``). The project's documents marked ``done`` (corrected documents
   and imported gold). Each one whose split is still ``unassigned`` gets a fixed one now,
   written to its ``split`` column once: ``dev`` for about 20 % chosen by a hash of the
   document name, else ``train``. A document keeps its split for good, so the dev set only
   grows and the scores of successive versions compare. ``test`` documents are left out of
   both.
2. **Job** (``retrainer``). A ``retrain`` job row is created only if the project has no queued
   or running one (checked inside the insert's write transaction: ``JobBusyError``), and a
   model version row in state ``training`` records the documents it is trained on.
3. **Process** (``worker_process``, followed by ``monitor``). ``python -m
   app.retraining.worker_process`` runs in its own process group (the web server stays
   responsive; a crash there cannot take the server down). It starts from the active version
   (warm start) or from the base encoder, reports progress as JSON lines, and evaluates the
   active version on the same dev documents. A monitor thread here turns those lines into the
   job's progress, message and log (``progress``).
4. **Outcome** (``monitor``, ``metrics``, ``versions``). ``core_model`` writes the model under a
   temporary name and renames it when complete. On success the version becomes ``ready`` with
   per-type dev scores and the difference to the active version, and is activated when it is
   better on dev and the project setting ``auto_activate`` (default on) allows. A failed,
   cancelled or killed worker leaves the active version and its files untouched: the version is
   marked ``failed``, any partial directory removed, and the job ends ``failed``
   (``cancelled`` when asked) with the worker's log.

A job whose monitor died with its process (the app killed) is failed by ``JobQueue.recover`` at
the next start; ``recovery.recover_versions`` then fails its ``training`` version, and a new
start of a retraining fails a job whose recorded process is gone from this host.

``auto`` starts retrainings by itself once enough new documents are done.

This package imports nothing on purpose: the training process (``worker_process``) is started
as a module of it and must not pull in the database or the web app.
"""
