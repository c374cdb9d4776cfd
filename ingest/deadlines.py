"""Deadlines of taxonomy §5 counted in Chinese working days, and the desk's board of what is due.

Working days come from the ``chinesecalendar`` package (public holidays and make-up working days as the
State Council publishes them each year). For a year the installed calendar does not cover yet, days are
counted with weekends only and the result says so (``weekends_only``), so the desk can warn instead of
failing: update the package once the year's holiday notice is out.

"Recorded" means filed (confirmed by a reviewer); "copy sent" is marked on a filed letter by a reviewer
(:func:`mark_copy_sent`), which stamps ``Letter.copy_sent_at`` and records a ``copy_sent`` audit event.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

import chinese_calendar
from sqlalchemy import select

from classifier.taxonomy import REGISTERS
from ingest import audit
from ingest.actor import Actor
from ingest.queries import LetterSummary, aware, summary_of
from ingest.runtime import Runtime
from ingest.stages import load_letter
from letterdesk.errors import InvalidState, PermissionDenied
from storage.models import Letter, Status, utcnow

log = logging.getLogger(__name__)

#: China Standard Time (no daylight saving): a letter's receipt date is the date in Beijing.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
RECORD_DAYS = 2  # record within 2 working days of receipt
COPY_DAYS = 3  # copy to supervision and trial management within 3 working days
CALENDAR_WARNING = "部分日期超出节假日日历的覆盖年份，期限按仅扣除周末计算，请核对 (holiday calendar does not cover the year)"

#: Statuses in which a letter still waits to be recorded.
PENDING = tuple(s.value for s in Status if s not in (Status.FILED, Status.REJECTED, Status.SUPERSEDED))


def _is_covered(day: dt.date) -> bool:
    """Whether the holiday calendar knows ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    """True for a working day in China: holidays excluded, make-up working days (调休) included.
    Outside the calendar's years: Monday to Friday (logged as a warning)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("chinesecalendar has no data for %s; counting weekends only", day.year)
        return day.weekday() < 5


@functools.lru_cache(maxsize=4096)
def working_days_after(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (``day`` itself not counted); ``n`` must be positive.
    Cached: the queue asks it for every letter on every view, and the answer depends on the two values only."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current, counted = day, 0
    while counted < n:
        current += dt.timedelta(days=1)
        counted += is_working_day(current)
    return current


@dataclass(frozen=True)
class Deadlines:
    received_on: dt.date  # receipt date in Beijing
    record_by: dt.date
    copy_by: dt.date
    weekends_only: bool  # True when some day counted lies outside the holiday calendar's years


def _beijing(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Beijing time; naive values (as SQLite returns them) are taken as UTC, never as the server's
    own zone."""
    return aware(moment).astimezone(CHINA_TZ)


def local_date(moment: dt.datetime) -> dt.date:
    """The date in Beijing of ``moment`` (naive values are taken as UTC)."""
    return _beijing(moment).date()


def local_minute(moment: dt.datetime | None) -> str:
    """``moment`` as registers, forms, mails and the desk show it: ``YYYY-MM-DD HH:MM`` Beijing time ("" for None;
    naive values are taken as UTC)."""
    return _beijing(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def deadlines(received_at: dt.datetime) -> Deadlines:
    """The record and copy deadlines (last allowed day, inclusive) of a letter received at ``received_at``."""
    received_on = local_date(received_at)
    record_by = working_days_after(received_on, RECORD_DAYS)
    copy_by = working_days_after(received_on, COPY_DAYS)
    return Deadlines(received_on, record_by, copy_by,
                     weekends_only=not (_is_covered(received_on) and _is_covered(copy_by)))


def today() -> dt.date:
    """Today's date in Beijing."""
    return local_date(utcnow())


# --- the board -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueItem:
    letter: LetterSummary
    due: dt.date
    overdue: bool  # the deadline has passed
    due_today: bool


@dataclass(frozen=True)
class DeadlineBoard:
    today: dt.date
    to_record: tuple[DueItem, ...]  # not yet filed or rejected, record_by today or past
    to_copy: tuple[DueItem, ...]  # filed register records whose copy has not been marked sent, by due date
    weekends_only: bool  # some deadline shown was counted without the holiday calendar


def _item(summary: LetterSummary, due: dt.date, on: dt.date) -> DueItem:
    return DueItem(summary, due, overdue=due < on, due_today=due == on)


def in_register(letter: Letter) -> bool:
    """Whether a filed letter's confirmed scope puts it in one of the two registers."""
    return (letter.confirmed_labels or {}).get("scope") in REGISTERS


def _soonest(item: DueItem) -> tuple[dt.date, int]:
    return item.due, item.letter.id


def board(rt: Runtime, on: dt.date, reviewer_id: int | None = None) -> DeadlineBoard:
    """What is due on ``on``: letters to record whose deadline is ``on`` or past, and filed register
    records still to be copied (all of them, soonest first). With ``reviewer_id`` the copy list holds only
    the letters that reviewer confirmed; without, everyone's."""
    threshold = rt.settings.confidence_threshold
    copy_query = select(Letter).where(Letter.status == Status.FILED.value, Letter.copy_sent_at.is_(None))
    if reviewer_id is not None:
        copy_query = copy_query.where(Letter.reviewed_by == reviewer_id)
    to_record, to_copy, approximate = [], [], False
    with rt.db.session() as s:
        for letter in s.scalars(select(Letter).where(Letter.status.in_(PENDING))):
            d = deadlines(letter.received_at)
            if d.record_by <= on:
                to_record.append(_item(summary_of(letter, threshold), d.record_by, on))
                approximate |= d.weekends_only
        for letter in s.scalars(copy_query):
            if not in_register(letter):
                continue
            d = deadlines(letter.received_at)
            to_copy.append(_item(summary_of(letter, threshold), d.copy_by, on))
            approximate |= d.weekends_only
    return DeadlineBoard(on, tuple(sorted(to_record, key=_soonest)), tuple(sorted(to_copy, key=_soonest)),
                         approximate)


def mark_copy_sent(rt: Runtime, letter_id: int, actor: Actor) -> dt.datetime:
    """Mark that the record of filed register letter ``letter_id`` was copied to the supervision and
    trial-management departments; returns when. Raises InvalidState if the letter is not a filed register
    record or was already marked, PermissionDenied unless ``actor`` may review."""
    if not actor.can_review:
        raise PermissionDenied("只有审核人员或主管可以登记抄送")
    with rt.db.session() as s:
        letter = load_letter(s, letter_id, Status.FILED, "尚未归档")
        if not in_register(letter):
            raise InvalidState(f"来信 {letter_id} 不属于专库登记范围，无需抄送")
        if letter.copy_sent_at is not None:
            raise InvalidState(f"来信 {letter_id} 已登记抄送")
        letter.copy_sent_at = utcnow()
        audit.record(s, actor.username, "copy_sent", letter_id)
        return letter.copy_sent_at
