"""``letterdesk bench load``: a bounded load test of the running service on loopback.

Starts ``letterdesk serve`` (desk + API + worker processes) on a throwaway embedded setup, then for a fixed
time lets ``uploaders`` threads hand letters in over the API while ``reviewers`` threads open letters in
the desk as a logged-in reviewer would and confirm them over the API. Reports letters accepted and
processed per minute, p50/p95 latency of the upload and of the desk's letter page, errors, and the peak
memory of the worker processes. Uploads are the PDFs of a folder, each made unique by a trailing
comment line after ``%%EOF`` (which PDF readers ignore), so nothing is answered as a duplicate.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

PASSWORD = "load-test-password"


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    upload_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    accepted: int = 0
    confirmed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, value) -> None:
        with self.lock:
            getattr(self, name).append(value)


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    uploaders: int
    reviewers: int
    workers: int
    accepted: int
    processed: int
    confirmed: int
    errors: tuple[str, ...]
    upload_ms: tuple[float, float]
    page_ms: tuple[float, float]
    worker_peak_mb: float

    def lines(self) -> list[str]:
        per_min = 60 / self.seconds
        return [
            f"{self.seconds:.0f} s, {self.uploaders} uploaders, {self.reviewers} reviewers, {self.workers} worker processes",
            f"accepted {self.accepted} ({self.accepted * per_min:.1f}/min)  processed to review {self.processed} "
            f"({self.processed * per_min:.1f}/min)  confirmed {self.confirmed}",
            f"upload latency p50 {self.upload_ms[0]:.0f} ms  p95 {self.upload_ms[1]:.0f} ms",
            f"letter page latency p50 {self.page_ms[0]:.0f} ms  p95 {self.page_ms[1]:.0f} ms",
            f"worker peak memory {self.worker_peak_mb:.0f} MB (largest process)",
            *(f"error: {e}" for e in self.errors[:10]),
            f"SUMMARY load: {self.accepted * per_min:.1f} accepted/min, {self.processed * per_min:.1f} processed/min, "
            f"upload p95 {self.upload_ms[1]:.0f} ms, page p95 {self.page_ms[1]:.0f} ms, {len(self.errors)} errors",
        ]


def _p(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _peak_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def _login(base: str) -> requests.Session:
    s = requests.Session()
    form = s.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', form)
    answer = s.post(f"{base}/login", data={"username": "load-reviewer", "password": PASSWORD,
                                           "csrf_token": token.group(1) if token else ""}, timeout=30)
    answer.raise_for_status()
    return s


def _wait_until_ready(serve: subprocess.Popen, base: str, log: Path, workers: int, timeout: float = 300) -> None:
    """Until the desk answers and every pool process has loaded its OCR engine and model (so the clock does not
    time start-up)."""
    from ingest.queue import POOL_PROCESS_READY

    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{base}/login", timeout=2)
            if log.read_text(errors="replace").count(POOL_PROCESS_READY) >= workers:
                return
        except requests.ConnectionError:
            pass
        if serve.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)


def run(corpus: Path, *, seconds: float, uploaders: int, reviewers: int, workers: int, model_dir: Path) -> LoadResult:
    from ingest.runtime import Runtime
    from letterdesk.config import load_settings
    from storage.users import create_token, create_user

    pdfs = sorted(p.read_bytes() for p in corpus.rglob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"no PDF files in {corpus}")
    scratch = Path(tempfile.mkdtemp(prefix="letterdesk-load-"))
    env = {**os.environ, "LETTERDESK_DATA_DIR": str(scratch / "data"), "LETTERDESK_MODEL_DIR": str(model_dir)}
    rt = Runtime.from_settings(load_settings(env))
    rt.classifier  # noqa: B018 - trained or loaded before the clock starts
    create_user(rt.db, "load-clerk", PASSWORD, "clerk")
    create_user(rt.db, "load-reviewer", PASSWORD, "reviewer")
    clerk = {"Authorization": f"Bearer {create_token(rt.db, 'load-clerk')}"}
    reviewer = {"Authorization": f"Bearer {create_token(rt.db, 'load-reviewer')}"}
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([sys.executable, "-m", "letterdesk.cli", "serve", "--port", str(port),
                              "--concurrency", str(workers)], env=env, stdout=(scratch / "serve.log").open("w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    tally = Tally()
    stop = threading.Event()
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def upload_loop():
        while not stop.is_set():
            with counter_lock:
                n = next(counter)
            data = pdfs[n % len(pdfs)] + f"\n%letterdesk-load {n}\n".encode()
            t = time.monotonic()
            try:
                r = requests.post(f"{base}/api/letters", headers=clerk, files={"file": (f"load-{n}.pdf", data)},
                                  timeout=60)
                tally.add("upload_ms", 1000 * (time.monotonic() - t))
                if r.status_code != 201:
                    tally.add("errors", f"upload {r.status_code}: {r.text[:200]}")
                else:
                    with tally.lock:
                        tally.accepted += 1
            except requests.RequestException as exc:
                tally.add("errors", f"upload: {exc}")

    def review_loop():
        session = _login(base)
        while not stop.is_set():
            try:
                queue = requests.get(f"{base}/api/letters", params={"status": "in_review"}, headers=reviewer,
                                     timeout=30).json()["letters"]
                if not queue:
                    stop.wait(0.5)
                    continue
                letter = queue[int(time.monotonic() * 1000) % len(queue)]
                t = time.monotonic()
                page = session.get(f"{base}/letters/{letter['id']}", timeout=30)
                tally.add("page_ms", 1000 * (time.monotonic() - t))
                if page.status_code != 200:
                    tally.add("errors", f"letter page {page.status_code}")
                    continue
                decision = {"action": "confirm", "intervener_type": letter.get("intervener_type") or "NOT_INTERVENTION"}
                r = requests.post(f"{base}/api/letters/{letter['id']}/review", json=decision, headers=reviewer,
                                  timeout=60)
                if r.status_code == 200:
                    with tally.lock:
                        tally.confirmed += 1
                elif r.status_code != 409:  # another reviewer was quicker: expected, not an error
                    tally.add("errors", f"review {r.status_code}: {r.text[:200]}")
            except requests.RequestException as exc:
                tally.add("errors", f"review: {exc}")

    try:
        _wait_until_ready(serve, base, scratch / "serve.log", workers)
        threads = [threading.Thread(target=upload_loop) for _ in range(uploaders)]
        threads += [threading.Thread(target=review_loop) for _ in range(reviewers)]
        started = time.monotonic()
        for t in threads:
            t.start()
        stop.wait(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        peak = _peak_mb(_descendants(serve.pid))
        from sqlalchemy import func, select

        from storage.models import Letter

        with rt.db.session() as s:
            processed = s.scalar(select(func.count()).select_from(Letter)
                                 .where(Letter.status.in_(("in_review", "filed", "rejected"))))
        return LoadResult(elapsed, uploaders, reviewers, workers, tally.accepted, processed, tally.confirmed,
                          tuple(tally.errors), _p(tally.upload_ms), _p(tally.page_ms), peak)
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        rt.close()
        shutil.rmtree(scratch, ignore_errors=True)
