"""Alerts to supervisors: letters naming special-report items, and letters marked serious (情节严重).

Taxonomy §5: a serious case is reported at once. An alert (:class:`~storage.models.Alert` plus an ``alert``
audit event) is raised

* ``predicted`` — when the classify stage predicts special-report items with a probability at or above the
  confidence threshold (:func:`raise_predicted`, called inside the stage's transaction);
* ``confirmed`` — when a reviewer confirms special-report items that no alert of the letter named yet
  (:func:`raise_confirmed`, called inside the confirmation's transaction; only the new codes);
* ``serious`` — when a reviewer marks the letter serious with a reason (:func:`mark_serious`, once per letter).

An alert is written in the same transaction as the change that caused it, so it exists exactly when that
change was committed. **Delivery is synchronous**: right after that transaction commits (a session
``after_commit`` hook) each alert is sent to the configured webhook (JSON POST) and e-mail hook (SMTP), each
with a short timeout (:data:`ingest.alert_hooks.TIMEOUT` seconds), in the same process and thread. Delivery never raises: every
attempt, good or failed, is appended to ``Alert.deliveries`` and recorded as an ``alert_delivery`` audit
event, and the stage or the review that raised the alert goes on regardless. :func:`redeliver_failed`
tries the failed channels of open alerts again.

Supervisors list the alerts (:func:`list_alerts`, :func:`count_open`, :func:`letter_alerts`) and acknowledge
them (:func:`acknowledge`). Only dataclasses leave this module.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from classifier.taxonomy import SPECIAL_REPORT
from ingest import alert_hooks, audit
from ingest.actor import SYSTEM_ACTOR, Actor
from ingest.queries import chosen_special_report
from letterdesk.errors import InvalidRequest, InvalidState, NotFound, PermissionDenied
from storage.models import Alert, Letter, Status, utcnow

if TYPE_CHECKING:
    from ingest.runtime import Runtime

log = logging.getLogger(__name__)

PREDICTED, CONFIRMED, SERIOUS = "predicted", "confirmed", "serious"
REASON_LABELS = {PREDICTED: "模型预测涉及特别报告事项", CONFIRMED: "审核确认涉及特别报告事项", SERIOUS: "情节严重"}
CHANNEL_LABELS = {"webhook": "Webhook", "mail": "电子邮件"}
REASON_MAX = 500  # characters of the reason given when marking a letter serious
LETTER_PATH = "/letters/{id}"  # where the desk shows a letter (relative to the desk's address)
LIST_LIMIT = 500
_PENDING = "letterdesk.alerts.pending"  # key in Session.info: (runtime, alert id) to deliver after commit


@dataclass(frozen=True)
class CodeName:
    code: str
    name: str


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver an alert on one channel."""

    channel: str  # webhook | mail
    at: dt.datetime
    ok: bool
    detail: str

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)


@dataclass(frozen=True)
class AlertView:
    id: int
    letter_id: int
    filename: str
    reason: str
    codes: tuple[CodeName, ...]
    message: str
    created_at: dt.datetime
    raised_by: str
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    deliveries: tuple[Delivery, ...]

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def letter_path(self) -> str:
        return LETTER_PATH.format(id=self.letter_id)

    def failed_channels(self) -> tuple[str, ...]:
        """Channels whose latest attempt failed."""
        latest = {d.channel: d for d in self.deliveries}
        return tuple(channel for channel, d in latest.items() if not d.ok)


@dataclass(frozen=True)
class LetterAlerts:
    """What the letter page shows: whether the letter is marked serious, and its open alerts."""

    letter_id: int
    serious: bool
    open_alerts: tuple[AlertView, ...]


# --- raising --------------------------------------------------------------------------------------


def _code_names(codes: Iterable[str]) -> str:
    return "；".join(f"{code} {SPECIAL_REPORT.get(code, '')}".strip() for code in codes)


def _alerted_codes(s: Session, letter_id: int) -> set[str]:
    """Every special-report code some alert of the letter already named."""
    return {code for codes in s.scalars(select(Alert.codes).where(Alert.letter_id == letter_id)) for code in codes}


def _letter(s: Session, letter_id: int) -> Letter:
    letter = s.get(Letter, letter_id)
    if letter is None:
        raise NotFound(f"来信 {letter_id} 不存在")
    return letter


def _raise(s: Session, rt: "Runtime", letter_id: int, reason: str, codes: list[str], message: str,
           actor: str) -> int:
    """Add the alert and its ``alert`` event to ``s``'s transaction and schedule its delivery after commit."""
    alert = Alert(letter_id=letter_id, reason=reason, codes=sorted(codes), message=message, raised_by=actor)
    s.add(alert)
    s.flush()
    audit.record(s, actor, "alert", letter_id, alert_id=alert.id, reason=reason, codes=sorted(codes))
    s.info.setdefault(_PENDING, []).append((rt, alert.id))
    return alert.id


def raise_predicted(s: Session, rt: "Runtime", letter_id: int) -> int | None:
    """Inside the classify stage's transaction, after ``Letter.prediction`` is set: raise a ``predicted``
    alert for the special-report items predicted at or above the confidence threshold that no alert of the
    letter named yet. Returns the alert id, or None when there is nothing to report."""
    letter = _letter(s, letter_id)
    known = _alerted_codes(s, letter_id)
    new = sorted(chosen_special_report(letter, rt.settings.confidence_threshold) - known)
    if not new:
        return None
    message = f"来信 #{letter_id}「{letter.filename}」经模型预测涉及特别报告事项：{_code_names(sorted(new))}。请及时核实。"
    return _raise(s, rt, letter_id, PREDICTED, new, message, audit.SYSTEM)


def raise_confirmed(s: Session, rt: "Runtime", letter_id: int, codes: Iterable[str], actor: Actor) -> int | None:
    """Inside the confirmation's transaction: raise a ``confirmed`` alert for the confirmed special-report
    ``codes`` that no alert of the letter named yet. Returns the alert id, or None when none is new."""
    letter = _letter(s, letter_id)
    known = _alerted_codes(s, letter_id)
    new = sorted({c for c in codes if c not in known})
    if not new:
        return None
    message = (f"{actor.username} 审核确认来信 #{letter_id}「{letter.filename}」涉及特别报告事项："
               f"{_code_names(new)}。")
    return _raise(s, rt, letter_id, CONFIRMED, new, message, actor.username)


def mark_serious(rt: "Runtime", letter_id: int, reason: str, actor: Actor) -> AlertView:
    """Mark the letter serious (情节严重) with ``reason`` and raise a ``serious`` alert naming the letter's
    special-report codes (confirmed ones once filed, else those predicted at or above the threshold).

    Raises :class:`PermissionDenied` unless ``actor`` may review, :class:`InvalidRequest` for an empty or
    too long reason, :class:`NotFound`, and :class:`InvalidState` if the letter is already marked or was
    superseded by a split or merge. Returns the alert after its delivery was attempted."""
    if not actor.can_review:
        raise PermissionDenied("只有审核人员或主管可以标记情节严重")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest("标记情节严重必须填写理由")
    if len(reason) > REASON_MAX:
        raise InvalidRequest(f"理由不得超过 {REASON_MAX} 字")
    with rt.db.session() as s:
        letter = _letter(s, letter_id)
        if letter.status == Status.SUPERSEDED.value:
            raise InvalidState(f"来信 {letter_id} 已拆分或合并，请在新生成的来信上标记")
        marked = s.execute(update(Letter).where(Letter.id == letter_id, Letter.serious.is_(False))
                           .values(serious=True)).rowcount
        if not marked:
            raise InvalidState(f"来信 {letter_id} 已标记为情节严重")
        audit.record(s, actor.username, "mark_serious", letter_id, reason=reason)
        codes = chosen_special_report(letter, rt.settings.confidence_threshold)
        message = f"{actor.username} 将来信 #{letter_id}「{letter.filename}」标记为情节严重，理由：{reason}"
        alert_id = _raise(s, rt, letter_id, SERIOUS, list(codes), message, actor.username)
    return get_alert(rt, alert_id)


@event.listens_for(Session, "after_commit")
def _deliver_raised(session: Session) -> None:
    """After a transaction that raised alerts commits, deliver them (never raises; see the module docstring)."""
    for rt, alert_id in session.info.pop(_PENDING, ()):
        deliver(rt, alert_id)


@event.listens_for(Session, "after_rollback")
def _forget_raised(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- reading --------------------------------------------------------------------------------------


def _view(alert: Alert, filename: str) -> AlertView:
    return AlertView(
        id=alert.id, letter_id=alert.letter_id, filename=filename, reason=alert.reason,
        codes=tuple(CodeName(c, SPECIAL_REPORT.get(c, c)) for c in alert.codes or ()), message=alert.message,
        created_at=alert.created_at, raised_by=alert.raised_by, acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        deliveries=tuple(Delivery(d["channel"], dt.datetime.fromisoformat(d["at"]), bool(d["ok"]), d["detail"])
                         for d in alert.deliveries or ()))


def _select_views():
    return select(Alert, Letter.filename).join(Letter, Letter.id == Alert.letter_id)


def get_alert(rt: "Runtime", alert_id: int) -> AlertView:
    """One alert; :class:`NotFound` if there is none with this id."""
    with rt.db.session() as s:
        row = s.execute(_select_views().where(Alert.id == alert_id)).first()
    if row is None:
        raise NotFound(f"提醒 {alert_id} 不存在")
    return _view(*row)


def list_alerts(rt: "Runtime", limit: int | None = LIST_LIMIT, open_only: bool = False) -> list[AlertView]:
    """Up to ``limit`` alerts (None: all), only unacknowledged ones with ``open_only``: open ones first,
    newest first within each group."""
    query = _select_views().order_by(Alert.acknowledged_at.is_not(None), Alert.created_at.desc(), Alert.id.desc())
    if open_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    with rt.db.session() as s:
        rows = s.execute(query.limit(limit)).all()
    return [_view(*row) for row in rows]


def count_open(rt: "Runtime") -> int:
    """How many alerts no supervisor has acknowledged yet."""
    with rt.db.session() as s:
        return s.scalar(select(func.count()).select_from(Alert).where(Alert.acknowledged_at.is_(None))) or 0


def letter_alerts(rt: "Runtime", letter_id: int) -> LetterAlerts:
    """Whether ``letter_id`` is marked serious and its open alerts, newest first (a missing letter: none)."""
    with rt.db.session() as s:
        serious = bool(s.scalar(select(Letter.serious).where(Letter.id == letter_id)))
        rows = s.execute(_select_views().where(Alert.letter_id == letter_id, Alert.acknowledged_at.is_(None))
                         .order_by(Alert.created_at.desc(), Alert.id.desc())).all()
    return LetterAlerts(letter_id, serious, tuple(_view(*row) for row in rows))


def acknowledge(rt: "Runtime", alert_id: int, actor: Actor) -> AlertView:
    """Mark the alert as seen by ``actor`` (callers check the ``alerts`` permission) and record ``alert_ack``.
    :class:`NotFound` if absent, :class:`InvalidState` if already acknowledged."""
    with rt.db.session() as s:
        letter_id = s.scalar(select(Alert.letter_id).where(Alert.id == alert_id))
        if letter_id is None:
            raise NotFound(f"提醒 {alert_id} 不存在")
        done = s.execute(update(Alert).where(Alert.id == alert_id, Alert.acknowledged_at.is_(None))
                         .values(acknowledged_by=actor.username, acknowledged_at=utcnow())).rowcount
        if not done:
            raise InvalidState(f"提醒 {alert_id} 已被确认")
        audit.record(s, actor.username, "alert_ack", letter_id, alert_id=alert_id)
    return get_alert(rt, alert_id)


# --- delivery -------------------------------------------------------------------------------------


def _record(rt: "Runtime", alert_id: int, delivery: Delivery, actor: str) -> None:
    with rt.db.session() as s:
        alert = s.execute(select(Alert).where(Alert.id == alert_id).with_for_update()).scalar_one()
        alert.deliveries = [*(alert.deliveries or []), {"channel": delivery.channel, "at": delivery.at.isoformat(),
                                                        "ok": delivery.ok, "detail": delivery.detail}]
        audit.record(s, actor, "alert_delivery", alert.letter_id, alert_id=alert_id, channel=delivery.channel,
                     ok=delivery.ok, detail=delivery.detail)


def _attempt(rt: "Runtime", alert: AlertView, channel: str, actor: str) -> Delivery:
    url, send = alert_hooks.channels(rt.settings)[channel]
    try:
        delivery = Delivery(channel, utcnow(), True, send(url, alert))
    except Exception as exc:  # noqa: BLE001 - a failed delivery is recorded, never raised
        log.warning("alert %s: %s delivery failed: %s", alert.id, channel, alert_hooks.describe(exc))
        delivery = Delivery(channel, utcnow(), False, alert_hooks.describe(exc))
    _record(rt, alert.id, delivery, actor)
    return delivery


def deliver(rt: "Runtime", alert_id: int, channels: Iterable[str] | None = None,
            actor: Actor = SYSTEM_ACTOR) -> tuple[Delivery, ...]:
    """Send the alert on ``channels`` (default: every configured one) and record each attempt. Never raises:
    a failure of delivery or of recording it is logged and the attempts made so far are returned."""
    done: list[Delivery] = []
    try:
        alert = get_alert(rt, alert_id)
        configured = alert_hooks.channels(rt.settings)
        for channel in (configured if channels is None else [c for c in channels if c in configured]):
            done.append(_attempt(rt, alert, channel, actor.username))
    except Exception:  # noqa: BLE001 - delivery must never fail the stage or review that raised the alert
        log.exception("alert %s: delivery could not be completed", alert_id)
    return tuple(done)


def redeliver_failed(rt: "Runtime", actor: Actor = SYSTEM_ACTOR) -> dict[int, tuple[Delivery, ...]]:
    """Try again, on each configured channel whose latest attempt failed, every open alert.
    Returns alert id → the new attempts."""
    configured = alert_hooks.channels(rt.settings)
    retried = {}
    for alert in list_alerts(rt, limit=None, open_only=True):
        channels = [c for c in alert.failed_channels() if c in configured]
        if channels:
            retried[alert.id] = deliver(rt, alert.id, channels, actor)
    return retried
