"""Celery tasks: thin wrappers that run one pipeline stage and queue the next.

The worker builds its :class:`~ingest.runtime.Runtime` once per process from the environment. A
reconciler thread in every worker re-queues letters whose messages were lost.
"""
from __future__ import annotations

import logging
import os
import threading

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from ingest import pipeline
from ingest.queue import POOL_PROCESS_READY, configure
from ingest.runtime import Runtime
from letterdesk.config import load_settings

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
log = logging.getLogger(__name__)

settings = load_settings()
app = configure(Celery("letterdesk"), settings)
_runtime: Runtime | None = None


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime.from_settings(settings)
    return _runtime


@worker_process_init.connect
def _fresh_runtime(**_):
    """A forked pool process gets its own runtime (never its parent's database connections) and loads
    the OCR engine and the classifier once, before its first letter."""
    global _runtime
    _runtime = None
    rt = runtime()
    rt.ocr_engine  # noqa: B018 - load now, not on the first page
    log.info("%s model %s", POOL_PROCESS_READY, rt.classifier.info.version)


@app.task(name="letterdesk.stage", acks_late=True, reject_on_worker_lost=True)
def stage(letter_id: int, stage: str) -> None:
    nxt = pipeline.run_task(runtime(), pipeline.StageJob(letter_id, stage))
    if nxt is not None:
        pipeline.send(runtime(), nxt)


def _reconcile_forever(stop: threading.Event) -> None:
    interval = max(5.0, min(60.0, settings.stale_after / 3))
    while not stop.wait(interval):
        try:
            pipeline.reconcile(runtime())
        except Exception:  # noqa: BLE001 - the reconciler must survive a database hiccup
            log.exception("reconciler pass failed")


@worker_ready.connect
def _start_reconciler(**_):
    threading.Thread(target=_reconcile_forever, args=(threading.Event(),), name="reconciler", daemon=True).start()
