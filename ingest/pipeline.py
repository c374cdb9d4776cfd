"""Composition of the stages: which stage follows which status, and how a letter moves on.

``received → ocr → segmented → classified → in_review`` by :mod:`ingest.stages`; then ``filed`` or
``rejected`` by a reviewer (:mod:`ingest.review`). A stage marked ``follows`` runs straight after the
previous one in the same task (the text stages take milliseconds, so queueing them again behind other
letters' OCR would only make reviewers wait); every other stage starts a task of its own. Each stage
still commits its own status, so a crash between two of them resumes where it stopped. The database is the source of truth for where a letter
is: a queued message only says "look at letter N now". A stage that fails leaves the letter ``failed``
with the stage and the reason; :func:`retry` puts it back. :func:`reconcile` re-queues letters whose
message was lost (a worker killed mid-task, a broker restart).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Callable

from sqlalchemy import select, update

from ingest import audit, stages
from ingest.actor import Actor
from ingest.runtime import Runtime
from letterdesk.errors import LetterdeskError, NotFound
from storage.models import Letter, Status, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    name: str
    source: Status
    target: Status
    run: Callable[[Runtime, int], None]
    follows: bool = False  # runs in the same task as the stage before it


STAGES: tuple[Stage, ...] = (
    Stage("ocr", Status.RECEIVED, Status.OCR, stages.ocr),
    Stage("segment", Status.OCR, Status.SEGMENTED, stages.segment, follows=True),
    Stage("classify", Status.SEGMENTED, Status.CLASSIFIED, stages.classify, follows=True),
    Stage("queue", Status.CLASSIFIED, Status.IN_REVIEW, stages.queue_for_review, follows=True),
)
_BY_SOURCE = {s.source.value: s for s in STAGES}
_BY_NAME = {s.name: s for s in STAGES}
PROCESSING = tuple(_BY_SOURCE)


@dataclass(frozen=True)
class StageJob:
    """What travels through the task queue: a letter id and the stage due. Nothing else."""

    letter_id: int
    stage: str


def due_stage(status: str) -> Stage | None:
    return _BY_SOURCE.get(status)


def _status(rt: Runtime, letter_id: int) -> str:
    with rt.db.session() as s:
        status = s.scalar(select(Letter.status).where(Letter.id == letter_id))
    if status is None:
        raise NotFound(f"来信 {letter_id} 不存在")
    return status


def run_stage(rt: Runtime, job: StageJob) -> StageJob | None:
    """Run ``job`` if it is still due; return the next job, or None when the letter needs no more work.

    Never raises for a failure of the stage itself: the letter is marked ``failed`` instead.
    """
    stage = _BY_NAME[job.stage]
    if _status(rt, job.letter_id) != stage.source.value:
        return None  # already done by another worker, or moved on by a person
    try:
        stage.run(rt, job.letter_id)
    except stages.Superseded:
        return None
    except Exception as exc:  # noqa: BLE001 - every failure must end in a visible state
        mark_failed(rt, job.letter_id, stage, exc)
        return None
    following = due_stage(stage.target.value)
    return StageJob(job.letter_id, following.name) if following else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, LetterdeskError):
        return exc.message
    if isinstance(exc, MemoryError):
        return "处理时内存不足 (MemoryError)"
    return f"内部错误：{type(exc).__name__}: {exc}"[:2000]


def mark_failed(rt: Runtime, letter_id: int, stage: Stage, exc: BaseException) -> None:
    reason = _reason(exc)
    log.warning("letter %s failed in %s: %s", letter_id, stage.name, reason, exc_info=exc)
    with rt.db.session() as s:
        done = s.execute(
            update(Letter)
            .where(Letter.id == letter_id, Letter.status == stage.source.value)
            .values(status=Status.FAILED.value, failed_stage=stage.name, failure_reason=reason,
                    status_changed_at=utcnow())
        ).rowcount
        if done:
            audit.record(s, audit.SYSTEM, "failed", letter_id, stage=stage.name, reason=reason)


def run_task(rt: Runtime, job: StageJob) -> StageJob | None:
    """What one task does: ``job`` and every stage that follows it in the same task. Returns the job
    that needs a task of its own next, or None."""
    nxt = run_stage(rt, job)
    while nxt is not None and _BY_NAME[nxt.stage].follows:
        nxt = run_stage(rt, nxt)
    return nxt


def run_inline(rt: Runtime, letter_id: int) -> str:
    """Run every due stage in this process (CLI without a worker, tests). Returns the final status."""
    stage = due_stage(_status(rt, letter_id))
    job = StageJob(letter_id, stage.name) if stage else None
    while job is not None:
        job = run_stage(rt, job)
    return _status(rt, letter_id)


def enqueue(rt: Runtime, letter_id: int) -> StageJob | None:
    """Queue the stage due for the letter's current status (nothing if none is due)."""
    stage = due_stage(_status(rt, letter_id))
    if stage is None:
        return None
    job = StageJob(letter_id, stage.name)
    send(rt, job)
    return job


def send(rt: Runtime, job: StageJob) -> None:
    from ingest.queue import producer

    producer(rt.settings).send_task("letterdesk.stage", kwargs=asdict(job), queue="letterdesk")


def retry(rt: Runtime, letter_id: int, actor: Actor) -> str:
    """Put a ``failed`` letter back to the input of the stage that failed and queue it. Returns its status."""
    with rt.db.session() as s:
        letter = stages.load_letter(s, letter_id, Status.FAILED, "只有处理失败的来信可以重试")
        stage = _BY_NAME.get(letter.failed_stage or "ocr", STAGES[0])
        audit.record(s, actor.username, "retry", letter_id, stage=stage.name, reason=letter.failure_reason)
        letter.status = stage.source.value
        letter.status_changed_at = utcnow()
        letter.attempts += 1
        letter.failure_reason = None
        letter.failed_stage = None
    enqueue(rt, letter_id)
    return stage.source.value


def reconcile(rt: Runtime, older_than: float | None = None) -> list[int]:
    """Re-queue letters that have waited in a processing status longer than ``older_than`` seconds.

    Each requeue first bumps the letter's ``status_changed_at`` with a conditional update, so several
    reconcilers running at once queue a letter only once per period.
    """
    age = rt.settings.stale_after if older_than is None else older_than
    cutoff = utcnow() - dt.timedelta(seconds=age)
    requeued = []
    with rt.db.session() as s:
        stale = s.execute(
            select(Letter.id, Letter.status, Letter.status_changed_at)
            .where(Letter.status.in_(PROCESSING), Letter.status_changed_at <= cutoff)
            .order_by(Letter.id)
        ).all()
    for letter_id, status, changed in stale:
        with rt.db.session() as s:
            bumped = s.execute(
                update(Letter)
                .where(Letter.id == letter_id, Letter.status == status, Letter.status_changed_at == changed)
                .values(status_changed_at=utcnow())
            ).rowcount
        if bumped:
            send(rt, StageJob(letter_id, _BY_SOURCE[status].name))
            requeued.append(letter_id)
    if requeued:
        log.info("re-queued %d stale letters: %s", len(requeued), requeued)
    return requeued
