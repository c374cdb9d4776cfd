"""Audit events: one row per thing that happened, hash-chained, written in the same transaction as the change.

:func:`record` only notes the event on the session. When that session commits, its other changes are
flushed first, then the chain head row (:class:`~storage.models.AuditChainHead`) is locked with an UPDATE,
the noted events get the next ids and their hashes, and the head moves on. Taking the head lock last
and holding it only until the commit keeps appends from several processes and threads strictly one
after another, on SQLite (the UPDATE takes the database's write lock) and PostgreSQL (it locks the row),
without lock-order deadlocks against the letter rows a transaction already holds. An event thus
exists exactly when the change it describes was committed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from letterdesk.errors import ConfigurationError, ObjectExists, StorageError
from storage.audit_chain import (GENESIS, ChainEvent, ChainHead, ChainProblem, anchor_bytes, anchored_problems,
                                 event_hash, normalise_detail, parse_anchor, verify_chain)
from storage.models import AuditChainHead, AuditEvent, utcnow

if TYPE_CHECKING:
    from ingest.runtime import Runtime

log = logging.getLogger(__name__)

SYSTEM = "system"
ANCHORS = "audit/anchors/"  # object-store prefix of the chain heads copied to write-once storage
ACTOR_LENGTH = AuditEvent.__table__.c.actor.type.length
HEAD_ID = 1
_PENDING = "letterdesk.audit.pending"  # key in Session.info
_HEAD = AuditChainHead.__table__


@dataclass(frozen=True)
class _Noted:
    actor: str
    action: str
    letter_id: int | None
    detail: dict


@dataclass(frozen=True)
class AuditReport:
    """The result of :func:`verify`: how many events were checked and what is wrong with the chain."""

    events: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def record(session: Session, actor: str, action: str, letter_id: int | None = None, **detail) -> None:
    """Note an event in ``session``'s transaction; it is chained and written when the session commits.

    ``detail`` must be JSON-serialisable (TypeError otherwise); it is stored as it reads back from JSON.
    ``actor`` is cut to the column's 64 characters (a login attempt may name anything).
    """
    noted = _Noted((actor or SYSTEM)[:ACTOR_LENGTH], action, letter_id, normalise_detail(detail))
    session.info.setdefault(_PENDING, []).append(noted)


def record_event(rt: "Runtime", actor: str, action: str, letter_id: int | None = None, **detail) -> None:
    """Record one event in a transaction of its own (for actions that change nothing else: login,
    download, refused permission)."""
    with rt.db.session() as s:
        record(s, actor, action, letter_id, **detail)


def _insert_head_if_absent(session: Session):
    """INSERT of the empty chain head that does nothing when the row exists (a concurrent first append)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise ConfigurationError(f"审计链不支持该数据库：{dialect} (use SQLite or PostgreSQL)")
    return insert(_HEAD).values(id=HEAD_ID, last_id=0, last_hash=GENESIS).on_conflict_do_nothing()


def _lock_head(session: Session, *, create: bool) -> ChainHead | None:
    """Lock the chain head row until the transaction ends and read it; with ``create`` make it first if
    the trail is new. None when there is no head row (and ``create`` is false)."""
    lock = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_id=_HEAD.c.last_id)
    if session.execute(lock).rowcount == 0:
        if not create:
            return None
        session.execute(_insert_head_if_absent(session))
        session.execute(lock)
    last_id, last_hash = session.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash)
                                         .where(_HEAD.c.id == HEAD_ID)).one()
    return ChainHead(last_id, last_hash)


def _append(session: Session, noted: list[_Noted]) -> None:
    """Write ``noted`` as the next events of the chain (see the module docstring)."""
    session.flush()  # the transaction's own changes (and their row locks) come before the head lock
    head = _lock_head(session, create=True)
    assert head is not None
    last_id, prev = head.last_id, head.last_hash
    for item in noted:
        at = utcnow()
        event_id = last_id + 1
        digest = event_hash(event_id, at, item.actor, item.action, item.letter_id, item.detail, prev)
        session.add(AuditEvent(id=event_id, at=at, actor=item.actor, action=item.action, letter_id=item.letter_id,
                               detail=item.detail, prev_hash=prev, hash=digest))
        last_id, prev = event_id, digest
    session.flush()
    session.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_id=last_id, last_hash=prev))


@event.listens_for(Session, "before_commit")
def _write_noted_events(session: Session) -> None:
    noted = session.info.pop(_PENDING, None)
    if noted:
        _append(session, noted)


@event.listens_for(Session, "after_rollback")
def _forget_noted_events(session: Session) -> None:
    session.info.pop(_PENDING, None)


def anchor(rt: "Runtime") -> ChainHead | None:
    """Copy the chain head as committed now to write-once storage (``audit/anchors/<id>.json``, object-locked
    on S3), so that a trail rewritten in the database and hashed again is still found by :func:`verify`.
    Called after every filing. A failed write is logged, not raised: the letter is filed, the next filing
    anchors again. None while the trail is empty."""
    with rt.db.session() as s:
        row = s.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)).first()
    if row is None or row.last_id == 0:
        return None
    head = ChainHead(row.last_id, row.last_hash)
    try:
        rt.objects.put(f"{ANCHORS}{head.last_id:012d}.json", anchor_bytes(head), "application/json", immutable=True)
    except ObjectExists:
        log.error("audit event %s differs from its anchor: the trail was rewritten (run letterdesk audit verify)",
                  head.last_id)
    except StorageError as exc:
        log.warning("audit anchor for event %s not written: %s", head.last_id, exc)
    return head


def verify(rt: "Runtime") -> AuditReport:
    """Check the whole trail of ``rt``'s database against its hashes, the chain head and the anchors.

    The anchors are read first, so each names an event the snapshot must hold; the snapshot is read under the
    head lock, so events appended meanwhile cannot make it look broken.
    """
    anchors = [parse_anchor(rt.objects.get(key)) for key in rt.objects.list(ANCHORS)]
    with rt.db.session() as s:
        head = _lock_head(s, create=False)
        rows = s.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
                                AuditEvent.letter_id, AuditEvent.detail, AuditEvent.prev_hash, AuditEvent.hash)
                         .order_by(AuditEvent.id)).all()
    events = [ChainEvent(*row) for row in rows]
    return AuditReport(len(events), tuple(verify_chain(events, head) + anchored_problems(events, anchors)))
