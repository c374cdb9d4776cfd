"""Audit events: one row per thing that happened, written in the same transaction as the change."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import AuditEvent

SYSTEM = "system"


def record(session: Session, actor: str, action: str, letter_id: int | None = None, **detail) -> None:
    session.add(AuditEvent(actor=actor or SYSTEM, action=action, letter_id=letter_id, detail=detail))
