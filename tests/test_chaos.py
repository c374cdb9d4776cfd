"""Chaos: letters keep arriving while workers are SIGKILLed at random points and the broker restarts empty.

Real PostgreSQL, a real Redis broker and real ``letterdesk worker`` processes. At the end every letter
is in review or failed with a reason, none is missing, none is there twice, no stage ran to completion
twice, and every stored original still matches its SHA-256.
"""
from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from ingest.intake import submit
from ingest.runtime import Runtime
from letterdesk.config import load_settings
from storage.models import AuditEvent, Letter
from tests import docs
from ingest import audit
from tests.fixtures.services import fresh_database, need_binary
from tests.servers import RedisServer

pytestmark = pytest.mark.slow
LETTERS = 200
SCANS_EVERY = 10  # every tenth letter is an image that needs real OCR; the rest carry a text layer


def _letter(n: int) -> tuple[str, bytes]:
    lines = [*docs.SAMPLE_LETTER_PAGES[0][:4], f"来信编号：第{n:04d}号（压力测试）", *docs.SAMPLE_LETTER_PAGES[1]]
    if n % SCANS_EVERY == 0:
        return f"scan-{n:04d}.png", docs.png_bytes(lines)
    return f"letter-{n:04d}.pdf", docs.text_pdf_bytes([lines])


class Workers:
    """Two single-process workers that can be killed and restarted."""

    def __init__(self, env: dict, log_dir):
        self.env, self.log_dir, self.procs = env, log_dir, [None, None]
        for i in range(2):
            self.start(i)

    def start(self, i: int) -> None:
        log = open(self.log_dir / f"worker-{i}.log", "a")
        self.procs[i] = subprocess.Popen(
            [sys.executable, "-m", "letterdesk.cli", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, i: int) -> None:
        try:
            os.killpg(self.procs[i].pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.procs[i].wait(30)

    def stop_all(self) -> None:
        for i in range(2):
            self.kill(i)


def test_letters_survive_killed_workers_and_a_broker_restart(tmp_path, postgres, model_dir):
    need_binary("redis")
    redis = RedisServer().start(tmp_path / "redis")
    env = {**os.environ, "LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_MODEL_DIR": str(model_dir),
           "LETTERDESK_DATABASE_URL": fresh_database(postgres), "LETTERDESK_BROKER_URL": redis.url,
           "LETTERDESK_STALE_AFTER": "6", "LETTERDESK_TASK_TIME_LIMIT": "60"}
    rt = Runtime.from_settings(load_settings(env))
    workers = Workers(env, tmp_path)
    rng = random.Random(20261122)
    kills = {"worker": 0, "broker": 0}
    submitted: dict[int, str] = {}
    done_submitting = threading.Event()

    def hand_in():
        for n in range(LETTERS):
            name, data = _letter(n)
            accepted = submit(rt, data, name, "api")
            submitted[accepted.id] = hashlib.sha256(data).hexdigest()
            time.sleep(rng.uniform(0, 0.05))
        done_submitting.set()

    feeder = threading.Thread(target=hand_in)
    feeder.start()
    try:
        deadline = time.monotonic() + 420
        broker_restarted = False
        while True:
            time.sleep(rng.uniform(2.0, 6.0))  # a worker needs a few seconds to start and take work
            with rt.db.session() as s:
                finished = s.scalar(select(func.count()).select_from(Letter)
                                    .where(Letter.status.in_(("in_review", "failed"))))
            if done_submitting.is_set() and finished == LETTERS:
                break
            assert time.monotonic() < deadline, f"only {finished} of {LETTERS} letters finished"
            if not broker_restarted and len(submitted) > LETTERS // 2:
                redis.restart()  # every queued message is lost
                kills["broker"] += 1
                broker_restarted = True
            elif kills["worker"] < 12 and (len(submitted) < LETTERS or finished < LETTERS * 0.8):
                victim = rng.randrange(2)
                workers.kill(victim)
                kills["worker"] += 1
                workers.start(victim)
        feeder.join()
    finally:
        workers.stop_all()
        redis.stop()

    with rt.db.session() as s:
        rows = s.execute(select(Letter.id, Letter.sha256, Letter.status, Letter.failure_reason,
                                Letter.original_key)).all()
        finishes = dict(s.execute(select(AuditEvent.letter_id, func.count()).where(
            AuditEvent.action == "queue_for_review").group_by(AuditEvent.letter_id)).all())
    statuses = {status: sum(1 for r in rows if r.status == status) for status in {r.status for r in rows}}
    print(f"\nchaos: {len(rows)} letters, {kills['worker']} worker kills, {kills['broker']} broker restart; "
          f"statuses {statuses}")
    assert len(rows) == LETTERS == len(submitted)  # none missing, none twice
    assert {r.id: r.sha256 for r in rows} == submitted
    assert all(r.status in ("in_review", "failed") for r in rows)
    assert all(r.failure_reason for r in rows if r.status == "failed")
    assert all(count == 1 for count in finishes.values())  # no stage transition happened twice
    assert kills["worker"] >= 5 and kills["broker"] == 1
    for r in rows:
        assert hashlib.sha256(rt.objects.get(r.original_key)).hexdigest() == r.sha256
    assert audit.verify(rt).ok  # the hash-chained trail stayed linear under concurrent writers
    rt.close()
