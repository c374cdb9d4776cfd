"""The database schema. ORM objects stay inside services; what leaves a service is a dataclass."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class Status(str, enum.Enum):
    RECEIVED = "received"  # original stored, row committed, waiting for OCR
    OCR = "ocr"  # text read
    SEGMENTED = "segmented"  # parts, tokens and fields extracted
    CLASSIFIED = "classified"  # labels predicted
    IN_REVIEW = "in_review"  # waiting for a reviewer
    FILED = "filed"  # confirmed and written to the archive
    REJECTED = "rejected"  # refused by a reviewer, with a reason
    FAILED = "failed"  # a stage failed; reason kept, can be retried
    SUPERSEDED = "superseded"  # split into several letters or merged into one; see ``derived_from`` of those

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.value]


STATUS_LABELS = {
    "received": "已接收",
    "ocr": "已识别",
    "segmented": "已切分",
    "classified": "已分类",
    "in_review": "待审核",
    "filed": "已归档",
    "rejected": "已退回",
    "failed": "处理失败",
    "superseded": "已拆分/合并",
}

ROLES = ("clerk", "reviewer", "supervisor", "admin")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(128), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    user: Mapped[User] = relationship()


class Letter(Base):
    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))  # upload | api | cli | watch
    kind: Mapped[str] = mapped_column(String(8))  # pdf | jpeg | png | tiff
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    original_key: Mapped[str] = mapped_column(String(255))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value, index=True)
    status_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    failed_stage: Mapped[str | None] = mapped_column(String(16), default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    ocr_engine: Mapped[str | None] = mapped_column(String(32), default=None)
    ocr_confidence: Mapped[float | None] = mapped_column(Float, default=None)
    text: Mapped[str | None] = mapped_column(Text, default=None)
    segments: Mapped[dict | None] = mapped_column(default=None)
    tokens: Mapped[str | None] = mapped_column(Text, default=None)  # space-joined jieba search tokens
    predicted_fields: Mapped[dict | None] = mapped_column(default=None)
    prediction: Mapped[dict | None] = mapped_column(default=None)
    model_version: Mapped[str | None] = mapped_column(String(64), default=None)

    confirmed_fields: Mapped[dict | None] = mapped_column(default=None)
    confirmed_labels: Mapped[dict | None] = mapped_column(default=None)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reject_reason: Mapped[str | None] = mapped_column(Text, default=None)
    archive_prefix: Mapped[str | None] = mapped_column(String(255), default=None)
    record_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    copy_sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)  # record copied to supervision
    serious: Mapped[bool] = mapped_column(default=False)  # marked 情节严重 by a reviewer: alerts supervisors
    derived_from: Mapped[list | None] = mapped_column(default=None)  # ids of the letters this was split/merged from

    pages: Mapped[list["Page"]] = relationship(order_by="Page.index", cascade="all, delete-orphan")
    cases: Mapped[list["LetterCase"]] = relationship(cascade="all, delete-orphan")


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("letter_id", "index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))
    index: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str] = mapped_column(String(16))
    preview_key: Mapped[str | None] = mapped_column(String(255), default=None)
    lines: Mapped[list | None] = mapped_column(default=None)  # [{"text", "confidence"}] in reading order


class LetterCase(Base):
    """Normalised case numbers a letter names (predicted until review, confirmed afterwards)."""

    __tablename__ = "letter_cases"
    __table_args__ = (UniqueConstraint("letter_id", "case_number"), Index("ix_case_number", "case_number"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))
    case_number: Mapped[str] = mapped_column(String(128))


class Rejection(Base):
    """A file refused at intake. Its bytes stay in the object store (quarantine) with this reason."""

    __tablename__ = "rejections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    object_key: Mapped[str] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Append-only trail of what happened to letters and who did it, hash-chained (``storage.audit_chain``).

    Ids are consecutive from 1; ``hash`` covers the event's fields and ``prev_hash``, the previous hash.
    Rows are written only by ``ingest.audit`` while it holds the :class:`AuditChainHead` row.
    """

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system"
    action: Mapped[str] = mapped_column(String(32))
    letter_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    detail: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """The one row (id 1) naming the newest audit event. Appending locks it, so the chain stays linear
    across processes and threads; it also shows when events were deleted from the end of the trail."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class Record(Base):
    """A record entered at the desk for an intervention that came without paper (phone, oral, SMS/IM,
    leader's 批示): the form as entered; its rendered text is the letter's original."""

    __tablename__ = "records"
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), primary_key=True)
    form: Mapped[str] = mapped_column(String(16))  # PHONE | ORAL | SMS_IM | DOCUMENT
    fields: Mapped[dict] = mapped_column(default=dict)  # the form's values as entered
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attachments: Mapped[list] = mapped_column(default=list)  # [{"key", "filename", "mime", "size", "sha256"}]


class AttendeeConfirmation(Base):
    """One person present at an oral intervention; ``confirmed_at`` is set when they confirm the record."""

    __tablename__ = "attendee_confirmations"
    __table_args__ = (UniqueConstraint("letter_id", "username"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Alert(Base):
    """A notice to supervisors that a letter names special-report items or was marked serious.

    Raised at once (when the model predicts special-report items, when a reviewer confirms them, when a letter
    is marked serious), shown in the desk until a supervisor acknowledges it, and delivered to the configured
    webhook / e-mail hook; ``deliveries`` keeps each attempt's outcome.
    """

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # predicted | confirmed | serious
    codes: Mapped[list] = mapped_column(default=list)  # special-report codes named by the alert
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    raised_by: Mapped[str] = mapped_column(String(64), default="system")
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), default=None)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    deliveries: Mapped[list] = mapped_column(default=list)  # [{"channel", "at", "ok", "detail"}]
