"""The run of ``bench/load_annotators.py``: the app served in-process, the jobs, the annotators.

Split out of ``bench/load_annotators.py`` to keep ``run_load`` (start the app on a free port,
start the retraining and pre-annotation jobs as the buttons do, run the annotators' threads,
then check the database and build the JSON summary) apart from the command line and the parts
it puts together. Imported through ``bench/load_annotators.py``, which re-exports every name.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.load_annotators_client import Annotator
from bench.load_annotators_config import LOCKED, AnnotatorResult, LoadConfig
from bench.load_annotators_measure import LockedCounter, _job_dict, _latency, _now, _spread
from bench.load_annotators_setup import (
    assign_documents,
    make_tiny_encoder,
    setup_project,
    train_tiny_model,
)
from bench.load_annotators_verify import snapshot, verify

# -- the run ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_training(store: Any, job_id: int, timeout: float) -> None:
    """Until the retraining worker reports its first step (its start-up is minutes of imports
    and loading on a busy machine; the edits should meet the training itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.state != "running" or job.message.startswith("epoch"):
            return
        time.sleep(0.2)


def run_load(cfg: LoadConfig, workdir: Path) -> dict[str, Any]:
    """Start the app, run the annotators and the jobs, check the database; the summary."""
    from app.retraining.options import RetrainOptions
    from app.ui import AppConfig, create_app
    from db import Store

    counter = LockedCounter()
    root = logging.getLogger()
    root.addHandler(counter)
    workdir.mkdir(parents=True, exist_ok=True)
    if cfg.db_url:
        store = Store.open(cfg.db_url)
    else:
        db_path = cfg.db or workdir / "load.sqlite"
        if db_path.exists():
            raise SystemExit(f"{db_path} exists: the load test needs a fresh database")
        store = Store.open(f"sqlite:///{db_path.resolve()}")
    app = demo = None
    t_setup = time.perf_counter()
    try:
        project = setup_project(store, cfg.data)
        new_ids = [d.id for d in store.list_documents(project) if d.status == "new"]
        docs, shared, others = assign_documents(new_ids, cfg.annotators, cfg.docs_per_annotator)
        models_dir = workdir / "models"
        models_dir.mkdir(parents=True, exist_ok=True)
        model_dir = cfg.model_dir
        if cfg.preannotate and model_dir is None:
            encoder = cfg.tiny_encoder_dir or make_tiny_encoder(workdir / "tiny-encoder")
            model_dir = train_tiny_model(
                encoder, models_dir / "tiny-preannotate", epochs=cfg.tiny_epochs
            )
        if cfg.preannotate:
            assert model_dir is not None
            mv = store.register_model_version(project, str(model_dir), state="ready")
            store.activate_model_version(mv.id)
        users = [(f"annotator{i:02d}", secrets.token_urlsafe(12)) for i in range(cfg.annotators)]
        retrain = RetrainOptions(
            epochs=cfg.epochs,
            from_scratch=True,
            auto_activate=False,
            encoder_dir=cfg.encoder_dir,
            train_config=dict(cfg.train_config),
            model_config=dict(cfg.model_config),
        )
        config = AppConfig(
            models_dir=models_dir,
            default_user="nobody",
            auth=list(users),
            retrain=retrain,
            auto_retrain=False,  # the benchmark starts its own retraining
        )
        app, demo = create_app(store, config)
        port = _free_port()
        demo.launch(
            prevent_thread_lock=True,
            server_name="127.0.0.1",
            server_port=port,
            quiet=True,
            **app.launch_kwargs(),
        )
        base_url = f"http://127.0.0.1:{port}"
        setup_s = time.perf_counter() - t_setup
        annotated = sorted({d for ds in docs for d in ds})
        starts = {}
        for d in annotated:
            snap = snapshot(store, d)
            starts[str(d)] = snap

        # the jobs, started as the buttons start them
        retrain_job = app.retrainer.start(project, retrain) if cfg.retrain else None
        if retrain_job is not None and cfg.wait_for_training:
            wait_for_training(store, retrain_job.id, cfg.job_timeout_s)
        editing_done = threading.Event()
        pre_jobs: list[int] = []

        def preannotate_loop() -> None:
            while True:
                job = app.submit_preannotation(project, list(others), "project")
                pre_jobs.append(job.id)
                app.jobs.wait(job.id, cfg.job_timeout_s)
                if editing_done.is_set() or app.store.get_job(job.id).state != "done":
                    return

        pre_thread = None
        if cfg.preannotate and others:
            pre_thread = threading.Thread(target=preannotate_loop, name="load-preannotate")
            pre_thread.start()

        # the annotators
        quota = [cfg.edits // cfg.annotators] * cfg.annotators
        for i in range(cfg.edits % cfg.annotators):
            quota[i] += 1
        bar = None
        if cfg.progress:
            from tqdm import tqdm

            bar = tqdm(total=cfg.edits, desc="edits", unit="edit")
        bar_lock = threading.Lock()

        def tick() -> None:
            if bar is not None:
                with bar_lock:
                    bar.update(1)

        clients = [
            Annotator(
                base_url,
                user,
                password,
                docs[i],
                quota[i],
                seed=cfg.seed * 1000 + i,
                think_ms=cfg.think_ms,
                timeout_s=cfg.request_timeout_s,
                on_edit=tick,
            )
            for i, (user, password) in enumerate(users)
        ]
        barrier = threading.Barrier(len(clients))
        results: list[AnnotatorResult | None] = [None] * len(clients)

        def work(i: int) -> None:
            results[i] = clients[i].run(barrier)

        threads = [
            threading.Thread(target=work, args=(i,), name=f"annotator-{i}")
            for i in range(len(clients))
        ]
        window_start = _now()
        t_edit = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        edit_s = time.perf_counter() - t_edit
        window = (window_start, _now())
        editing_done.set()
        if bar is not None:
            bar.close()

        # the jobs end
        if pre_thread is not None:
            pre_thread.join(cfg.job_timeout_s)
        final_retrain = (
            app.retrainer.wait(retrain_job.id, cfg.job_timeout_s) if retrain_job else None
        )
        done = [r for r in results if r is not None]
        acked = [a for r in done for a in r.acked]
        check = verify(store, starts, acked, {u for u, _ in users})
        jobs: dict[str, Any] = {}
        job_logs = ""
        if final_retrain is not None:
            jobs["retrain"] = _job_dict(final_retrain, window)
            job_logs += final_retrain.log + final_retrain.message
        pre = [store.get_job(j) for j in pre_jobs]
        if pre:
            jobs["preannotate"] = {
                "jobs": len(pre),
                "states": dict(Counter(j.state for j in pre)),
                "documents_each": len(others),
                "seconds": _spread([_job_dict(j, window)["seconds"] or 0.0 for j in pre]),
                "suggestions": {
                    k: sum(int((j.result or {}).get(k, 0)) for j in pre)
                    for k in ("entities", "relations")
                },
                "overlap_with_edits_s": round(
                    sum(_job_dict(j, window)["overlap_with_edits_s"] or 0 for j in pre), 1
                ),
                "failed_documents": sum(int((j.result or {}).get("failed", 0)) for j in pre),
            }
            job_logs += "".join(j.log + j.message for j in pre)
        refused: Counter = Counter()
        errors: Counter = Counter()
        for r in done:
            refused.update(r.refused)
            errors.update(r.errors)
        apply_ms = [x for r in done for x in r.apply_ms]
        summary = {
            "annotators": cfg.annotators,
            "edits_requested": cfg.edits,
            "edits_sent": sum(r.sent for r in done),
            "acked": len(acked),
            "acked_by_kind": dict(Counter(a.kind for a in acked)),
            "acked_repeats": sum(1 for a in acked if a.repeat),
            "refused": sum(refused.values()),
            "refused_by_reason": dict(refused.most_common()),
            "errors": sum(errors.values()),
            "errors_by_kind": dict(errors),
            "lost": check["lost"],
            "check": check,
            "edit_latency_ms": _latency(apply_ms),
            "load_latency_ms": _latency([x for r in done for x in r.load_ms]),
            "edits_per_s": round(len(apply_ms) / edit_s, 1) if edit_s else None,
            "edit_window_s": round(edit_s, 1),
            "setup_s": round(setup_s, 1),
            "http_retries": sum(r.http_retries for r in done),
            "reloads_after_conflict": sum(r.reloads for r in done),
            "ambiguous_new_ids": sum(r.ambiguous_ids for r in done),
            "database_is_locked": {
                "answers": sum(r.locked_answers for r in done),
                "log_records": len(counter.locked),
                "job_logs": job_logs.lower().count(LOCKED),
                "examples": counter.locked[:5],
            },
            "busy_retries_logged": counter.busy_retries,
            "log_records_by_level": dict(counter.by_level),
            "log_errors": counter.errors,
            "jobs": jobs,
            "documents": {
                "annotated": len(annotated),
                "shared": len(shared),
                "preannotated_each_job": len(others),
                "done_for_retraining": len(store.list_documents(project, status="done")),
            },
        }
        summary["integrity_check"] = store.integrity_check()
        return summary
    finally:
        if demo is not None:
            demo.close()
        if app is not None:
            app.close()
        store.close()
        root.removeHandler(counter)
