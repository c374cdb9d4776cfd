"""``letterdesk bench pipeline``: letters through the real pipeline on this machine, with figures.

Every file of a folder is handed in through intake on a throwaway embedded setup (SQLite, local object
store, filesystem broker) while ``letterdesk worker`` processes run the stages, exactly as ``serve`` does.
The clock runs from the first submission until every letter is in review (or failed). Stage timings come
from the ``seconds`` each stage records in its audit event.
"""
from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from ingest.intake import submit
from ingest.runtime import Runtime
from letterdesk.config import load_settings
from letterdesk.errors import InputRejected
from storage.models import AuditEvent, Letter, Status

DONE = (Status.IN_REVIEW.value, Status.FAILED.value)
SKIP_SUFFIXES = (".txt", ".json", ".jsonl", ".py", ".md")


@dataclass(frozen=True)
class PipelineBench:
    letters: int
    pages: int
    refused: int
    failed: int
    workers: int
    wall_seconds: float
    submit_ms_p50: float
    letter_seconds_p50: float
    letter_seconds_p95: float
    ocr_seconds_per_page_p50: float
    ocr_seconds_per_page_p95: float
    stage_seconds_mean: dict

    @property
    def letters_per_minute(self) -> float:
        return 60 * self.letters / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def pages_per_minute(self) -> float:
        return 60 * self.pages / self.wall_seconds if self.wall_seconds else 0.0

    def lines(self) -> list[str]:
        stages = "  ".join(f"{k} {v:.3f}s" for k, v in self.stage_seconds_mean.items())
        return [
            f"letters {self.letters}  pages {self.pages}  refused at intake {self.refused}  failed {self.failed}",
            f"workers {self.workers}  wall {self.wall_seconds:.1f}s  intake answer p50 {self.submit_ms_p50:.0f} ms",
            f"per letter, received → in_review: p50 {self.letter_seconds_p50:.1f}s  p95 {self.letter_seconds_p95:.1f}s",
            f"OCR seconds per page: p50 {self.ocr_seconds_per_page_p50:.2f}  p95 {self.ocr_seconds_per_page_p95:.2f}",
            f"mean work per stage: {stages}",
            f"SUMMARY pipeline: {self.letters_per_minute:.1f} letters/min, {self.pages_per_minute:.1f} pages/min "
            f"with {self.workers} worker processes ({self.letters} letters, {self.failed} failed)",
        ]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _inputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES)


def _start_worker(env: dict, workers: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "letterdesk.cli", "worker", "--concurrency", str(workers)],
                            env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return proc


def _stop(worker: subprocess.Popen) -> None:
    """Warm shutdown of the worker; its whole process group is killed if it has not ended within 30 s."""
    worker.terminate()
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)


def run(folder: Path, *, workers: int, model_dir: Path, timeout: float = 3600) -> PipelineBench:
    files = _inputs(folder)
    if not files:
        raise InputRejected(f"{folder} 中没有可处理的文件")
    scratch = Path(tempfile.mkdtemp(prefix="letterdesk-bench-"))
    env = {**os.environ, "LETTERDESK_DATA_DIR": str(scratch / "data"), "LETTERDESK_MODEL_DIR": str(model_dir),
           "OMP_THREAD_LIMIT": "1"}
    rt = Runtime.from_settings(load_settings(env))
    rt.classifier  # trained or loaded before the clock starts  # noqa: B018
    worker = _start_worker(env, workers, scratch / "worker.log")
    try:
        refused, submit_ms = 0, []
        started = time.monotonic()
        for path in files:
            t = time.monotonic()
            try:
                submit(rt, path.read_bytes(), path.name, "cli")
            except InputRejected:
                refused += 1
            submit_ms.append(1000 * (time.monotonic() - t))
        with rt.db.session() as s:
            total = s.scalar(select(func.count()).select_from(Letter))
        while True:
            with rt.db.session() as s:
                done = s.scalar(select(func.count()).select_from(Letter).where(Letter.status.in_(DONE)))
            if done == total:
                break
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"only {done} of {total} letters finished within {timeout:.0f}s")
            time.sleep(0.2)
        wall = time.monotonic() - started
        return _figures(rt, workers, wall, refused, submit_ms)
    finally:
        _stop(worker)
        rt.close()
        if not os.environ.get("LETTERDESK_BENCH_KEEP"):
            shutil.rmtree(scratch, ignore_errors=True)


def _figures(rt: Runtime, workers: int, wall: float, refused: int, submit_ms: list[float]) -> PipelineBench:
    with rt.db.session() as s:
        letters = s.execute(select(Letter.id, Letter.status, Letter.page_count, Letter.received_at)).all()
        events = s.execute(select(AuditEvent.letter_id, AuditEvent.action, AuditEvent.at, AuditEvent.detail)
                           .where(AuditEvent.letter_id.is_not(None))).all()
    last_at: dict[int, object] = {}
    per_stage: dict[str, list[float]] = {}
    ocr_per_page = []
    for letter_id, action, at, detail in events:
        last_at[letter_id] = max(at, last_at.get(letter_id, at))
        if "seconds" in (detail or {}):
            per_stage.setdefault(action, []).append(detail["seconds"])
            if action == "ocr" and detail.get("pages"):
                ocr_per_page.append(detail["seconds"] / detail["pages"])
    latency = [(last_at[i] - received).total_seconds() for i, _, _, received in letters if i in last_at]
    return PipelineBench(
        letters=len(letters),
        pages=sum(p or 0 for _, _, p, _ in letters),
        refused=refused,
        failed=sum(1 for _, status, _, _ in letters if status == Status.FAILED.value),
        workers=workers,
        wall_seconds=wall,
        submit_ms_p50=_percentile(submit_ms, 50),
        letter_seconds_p50=_percentile(latency, 50),
        letter_seconds_p95=_percentile(latency, 95),
        ocr_seconds_per_page_p50=_percentile(ocr_per_page, 50),
        ocr_seconds_per_page_p95=_percentile(ocr_per_page, 95),
        stage_seconds_mean={k: statistics.fmean(v) for k, v in per_stage.items()},
    )
