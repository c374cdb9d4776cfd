"""Reading the pages of one letter in parallel: a small pool of processes, each with its own engine.

The pool is created on first use and kept for the life of the process, so every pool worker loads its
engine's models once. It is never used inside a daemon process such as a Celery prefork child (their
parallelism already comes from one worker process per core, and daemon processes may not have
children), nor for engines that were not loaded by name through :func:`ocr.engines.get_engine`.

The pool is off unless asked for: ``read_document(..., page_workers=N)`` (the service passes the
``LETTERDESK_OCR_PAGE_WORKERS`` setting).
Measured on the benchmark's scanned PDFs on the shared 2-core machine (load 3), a pool of 2 did not
read a 2–3 page letter faster than one process (rasterising, previews and handing pages over stay in
the calling process), and each pool worker holds its own models (~700 MB peak). It pays only for long
letters on an otherwise idle machine; the service gets its parallelism from one worker per core.
"""
from __future__ import annotations

import atexit
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from PIL import Image

from letterdesk.errors import ProcessingFailed
from ocr.engines import OcrEngine, get_engine, is_loaded
from ocr.recognise import recognise_page
from ocr.types import PageText

_pool: ProcessPoolExecutor | None = None
_pool_key: tuple[str, int] | None = None


def inside_daemon_process() -> bool:
    """True in a daemon process (a multiprocessing or Celery/billiard pool worker)."""
    if multiprocessing.current_process().daemon:
        return True
    billiard = sys.modules.get("billiard.process")
    return bool(billiard is not None and billiard.current_process().daemon)


def page_workers(pages: int, engine: OcrEngine, requested: int | None = None) -> int:
    """How many processes should read ``pages`` pages with ``engine``: 1 means "in this process".

    ``requested`` (default 1: no pool), capped at the number of pages;
    always 1 inside a daemon process or for an engine not loaded by :func:`~ocr.engines.get_engine`.
    """
    if pages < 2 or inside_daemon_process() or not is_loaded(engine):
        return 1
    return max(1, min(requested or 1, pages))


def _start_worker(engine_name: str) -> None:
    get_engine(engine_name)  # load the models once, before the first page arrives


def _read_in_worker(engine_name: str, image: Image.Image, index: int, stages: tuple[str, ...] | None,
                    correct: bool) -> PageText:
    return recognise_page(get_engine(engine_name), image, index, stages=stages, correct=correct)


def _pool_for(engine_name: str, workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_key
    if _pool is None or _pool_key != (engine_name, workers):
        shutdown_pool()
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_start_worker, initargs=(engine_name,))
        _pool_key = (engine_name, workers)
    return _pool


def shutdown_pool() -> None:
    """Stop the page pool of this process, if there is one."""
    global _pool, _pool_key
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
    _pool, _pool_key = None, None


atexit.register(shutdown_pool)


def recognise_pages(engine: OcrEngine, images: dict[int, Image.Image], workers: int, *,
                    stages: tuple[str, ...] | None = None, correct: bool = True) -> dict[int, PageText]:
    """The pages ``images`` (by 0-based index) read by ``workers`` pool processes with ``engine``'s name.

    Errors of a page come back as they would in this process (ProcessingFailed naming the page); a pool
    that dies (a worker killed, e.g. out of memory) is a ProcessingFailed too, and is replaced next time.
    """
    pool = _pool_for(engine.name, workers)
    futures = {index: pool.submit(_read_in_worker, engine.name, image, index, stages, correct)
               for index, image in images.items()}
    try:
        return {index: future.result() for index, future in futures.items()}
    except BrokenProcessPool as exc:
        shutdown_pool()
        raise ProcessingFailed(f"文字识别进程意外退出 (OCR page worker died: {exc})") from exc
