"""Records of interventions that arrive without paper: phone calls, oral (face-to-face) interventions,
SMS/WeChat/e-mail messages and leaders' 批示 entered at the desk (taxonomy §3–§4).

:func:`submit_record` renders the form as a readable UTF-8 text document with Chinese labels (so the usual
segmentation reads its fields) and hands it to intake as the letter's original (channel ``form``); the
record then goes through the same OCR → segmentation → classification → review as a scanned letter.
Attachments (screenshots, files) are stored as separate objects. The people present at an oral
intervention each confirm the record (:func:`confirm_attendance`); until all have, review cannot file it
(:func:`ensure_confirmed`).
"""
from __future__ import annotations

import datetime as dt

import hashlib
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest import audit, intake
from ingest.actor import Actor
from ingest.intake import Accepted, clean_filename
from ingest.queries import aware
from ingest.runtime import Runtime
from letterdesk.errors import InputRejected, InvalidRequest, InvalidState, PermissionDenied
from ocr import inspect_document
from storage.models import AttendeeConfirmation, Record, User, utcnow

#: Form code → (title, time label, person label, content label, 过问方式).
FORMS = {
    "PHONE": ("来电记录", "来电时间", "来电人", "来电内容", "电话"),
    "ORAL": ("当面过问记录", "谈话时间", "过问人", "谈话内容", "当面口头"),
    "SMS_IM": ("短信/微信/电子邮件过问记录", "过问时间", "发送人", "过问内容", "短信/微信/电子邮件"),
    "DOCUMENT": ("领导批示记录", "过问时间", "过问人", "过问内容", "批示/文件"),
}


@dataclass(frozen=True)
class RecordForm:
    """What the clerk entered. ``occurred_at`` is the date and time of the intervention as written
    (e.g. ``2024-03-12 09:15``); ``storage_medium`` is required for SMS_IM, ``place`` and ``attendees``
    (user names of the people present) for ORAL."""

    form: str
    name: str
    unit: str
    position: str
    occurred_at: str
    content: str
    case_number: str = ""
    case_name: str = ""
    storage_medium: str = ""
    place: str = ""
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attendee:
    username: str
    display_name: str
    confirmed_at: dt.datetime | None  # None while pending


def validate(form: RecordForm) -> None:
    """Raise :class:`InvalidRequest` naming what is missing or wrong in ``form`` (user names not checked)."""
    if form.form not in FORMS:
        raise InvalidRequest(f"未知的记录类型：{form.form}", allowed=sorted(FORMS))
    required = {"过问人姓名": form.name, "过问时间": form.occurred_at, "过问内容": form.content}
    if form.form == "SMS_IM":
        required["存储介质"] = form.storage_medium
    if form.form == "ORAL":
        required["谈话地点"] = form.place
        required["在场人员"] = "".join(form.attendees)
    missing = [label for label, value in required.items() if not value.strip()]
    if missing:
        raise InvalidRequest(f"请填写：{'、'.join(missing)}")


def render(form: RecordForm, recorder: str, recorded_at: str) -> str:
    """The record as a labelled text document (one ``标签：值`` line per field)."""
    title, time_label, person_label, content_label, channel = FORMS[form.form]
    lines = [title, f"{time_label}：{form.occurred_at}", f"{person_label}：{form.name}",
             f"单位：{form.unit}", f"职务：{form.position}", f"案号：{form.case_number}",
             f"案件名称：{form.case_name}", f"过问方式：{channel}"]
    if form.form == "SMS_IM":
        lines.append(f"存储介质：{form.storage_medium}")
    if form.form == "ORAL":
        lines += [f"谈话地点：{form.place}", f"在场人员：{'、'.join(form.attendees)}"]
    lines += [f"{content_label}：{form.content.strip()}", f"记录人：{recorder}", f"记录时间：{recorded_at}"]
    return "\n".join(lines) + "\n"


def _check_attachment(rt: Runtime, filename: str, data: bytes):
    """The inspected attachment (images and PDF only), else :class:`InputRejected` naming the file."""
    try:
        return inspect_document(data, rt.settings.limits)
    except InputRejected as err:
        raise type(err)(f"附件“{clean_filename(filename)}”未接收：{err.message}") from err


def _check_users(rt: Runtime, usernames: tuple[str, ...]) -> tuple[str, ...]:
    """``usernames`` without duplicates; :class:`InvalidRequest` if any is not an active user."""
    names = tuple(dict.fromkeys(n.strip() for n in usernames if n.strip()))
    with rt.db.session() as s:
        known = set(s.scalars(select(User.username).where(User.username.in_(names), User.active.is_(True))))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidRequest(f"在场人员必须是本系统的用户：{'、'.join(unknown)} 不存在")
    return names


def submit_record(rt: Runtime, form: RecordForm, actor: Actor,
                  attachments: list[tuple[str, bytes]] | tuple = ()) -> Accepted:
    """Register ``form`` (recorded by ``actor``) as a letter and queue it for processing.

    Raises InvalidRequest for a missing field or an unknown attendee and an InputRejected subclass for an
    attachment that is not an image or PDF — in both cases nothing is stored.
    """
    validate(form)
    attendees = _check_users(rt, form.attendees) if form.form == "ORAL" else ()
    checked = [(clean_filename(name), data, _check_attachment(rt, name, data)) for name, data in attachments]
    now = utcnow()
    text = render(form, actor.username, now.strftime("%Y-%m-%d %H:%M:%S"))
    title = FORMS[form.form][0].replace("/", "、")
    accepted = intake.submit(rt, text.encode("utf-8"), f"{title}-{form.name}.txt", "form", actor,
                             enqueue=False, allow_text=True)
    stored = []
    for n, (name, data, info) in enumerate(checked, start=1):
        key = f"attachments/{accepted.id}/{n}-{name}"
        rt.objects.put(key, data, info.mime, immutable=True, metadata={"filename": name})
        stored.append({"key": key, "filename": name, "mime": info.mime, "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()})
    with rt.db.session() as s:
        s.add(Record(letter_id=accepted.id, form=form.form, fields=asdict(form), recorded_by=actor.username,
                     recorded_at=now, attachments=stored))
        s.add_all(AttendeeConfirmation(letter_id=accepted.id, username=name) for name in attendees)
        audit.record(s, actor.username, "record_entered", accepted.id, form=form.form,
                     attachments=[a["key"] for a in stored], attendees=list(attendees))
    intake.queue_safely(rt, accepted.id)
    return accepted


def attendees(rt: Runtime, letter_id: int) -> list[Attendee]:
    """The people present at an oral intervention, in the order entered, with their confirmation time."""
    with rt.db.session() as s:
        rows = s.execute(select(AttendeeConfirmation, User.display_name)
                         .join(User, User.username == AttendeeConfirmation.username)
                         .where(AttendeeConfirmation.letter_id == letter_id)
                         .order_by(AttendeeConfirmation.id)).all()
        return [Attendee(row.username, display or row.username, aware(row.confirmed_at) if row.confirmed_at else None)
                for row, display in rows]


def confirm_attendance(rt: Runtime, letter_id: int, actor: Actor) -> Attendee:
    """``actor`` confirms the record of an oral intervention they attended (audited ``attendee_confirm``).

    PermissionDenied if ``actor`` is not listed as present; InvalidState if they already confirmed.
    """
    with rt.db.session() as s:
        row = s.scalar(select(AttendeeConfirmation).where(AttendeeConfirmation.letter_id == letter_id,
                                                          AttendeeConfirmation.username == actor.username))
        if row is None:
            raise PermissionDenied(f"您不是来信 {letter_id} 记录的在场人员，不能确认 (not an attendee)")
        if row.confirmed_at is not None:
            raise InvalidState(f"您已于 {row.confirmed_at:%Y-%m-%d %H:%M} 确认过该记录")
        row.confirmed_at = utcnow()
        audit.record(s, actor.username, "attendee_confirm", letter_id, confirmed_at=row.confirmed_at.isoformat())
        return Attendee(actor.username, actor.username, row.confirmed_at)


def ensure_confirmed(s: Session, letter_id: int) -> None:
    """Raise :class:`InvalidState` naming the attendees who have not yet confirmed the record, if any."""
    pending = list(s.scalars(select(AttendeeConfirmation.username)
                             .where(AttendeeConfirmation.letter_id == letter_id,
                                    AttendeeConfirmation.confirmed_at.is_(None))
                             .order_by(AttendeeConfirmation.id)))
    if pending:
        raise InvalidState(f"在场人员尚未全部确认记录，不能归档；待确认：{'、'.join(pending)}")

