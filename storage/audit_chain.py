"""The audit trail's hash chain: canonical form, hash and verification, as pure functions.

Each event's ``hash`` is the SHA-256 of a canonical JSON of ``(id, at, actor, action, letter_id, detail,
prev_hash)``, and ``prev_hash`` is the hash of the event before it (:data:`GENESIS` for the first). Ids are
consecutive from 1. So editing an event breaks its own hash, deleting one leaves a gap (or, at the end,
a trail shorter than the recorded chain head), and moving one breaks the links around it; each is
reported as a :class:`ChainProblem` naming the event.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Iterable

GENESIS = "0" * 64  # the prev_hash of the first event


@dataclass(frozen=True)
class ChainEvent:
    """One audit event as stored (the hashing needs nothing else)."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    letter_id: int | None
    detail: dict
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainHead:
    """What the chain head recorded last: the id and hash of the newest event."""

    last_id: int
    last_hash: str


@dataclass(frozen=True)
class ChainProblem:
    """One finding: ``kind`` is ``edited``, ``deleted``, ``reordered``, ``broken`` or ``rewritten`` (the trail no
    longer matches an anchor); ``message`` is for people."""

    event_id: int
    kind: str
    message: str


def utc_iso(at: dt.datetime) -> str:
    """``at`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; a naive value is taken as UTC (SQLite keeps no zone)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def normalise_detail(detail: dict) -> dict:
    """``detail`` as it reads back from a JSON column (tuples become lists, keys strings), so that what is
    hashed is exactly what is stored. Raises TypeError for values JSON cannot hold."""
    return json.loads(_json(detail))


def canonical(event_id: int, at: dt.datetime, actor: str, action: str, letter_id: int | None, detail: dict,
              prev_hash: str) -> bytes:
    """The bytes an event's hash is taken over: compact, key-sorted UTF-8 JSON of its fields."""
    return _json({"id": event_id, "at": utc_iso(at), "actor": actor, "action": action, "letter_id": letter_id,
                  "detail": detail, "prev_hash": prev_hash}).encode("utf-8")


def event_hash(event_id: int, at: dt.datetime, actor: str, action: str, letter_id: int | None, detail: dict,
               prev_hash: str) -> str:
    """The SHA-256 (hex) of :func:`canonical`."""
    return hashlib.sha256(canonical(event_id, at, actor, action, letter_id, detail, prev_hash)).hexdigest()


def recomputed_hash(event: ChainEvent) -> str:
    """The hash ``event``'s stored fields call for (equal to ``event.hash`` unless it was edited)."""
    return event_hash(event.id, event.at, event.actor, event.action, event.letter_id, event.detail or {},
                      event.prev_hash)


def _missing(first: int, last: int) -> str:
    return f"#{first}" if first == last else f"#{first}–#{last}"


def verify_chain(events: Iterable[ChainEvent], head: ChainHead | None) -> list[ChainProblem]:
    """Every problem in ``events`` (in id order) measured against ``head``; an empty list means intact.

    Finds edited events (hash does not match the content), deleted events (a gap in the ids, a missing
    first event, or fewer events than the head recorded), reordered events (an event links to one that
    comes after it) and other broken links.
    """
    problems: list[ChainProblem] = []
    events = list(events)
    hashes = {e.hash: e.id for e in events}
    previous: ChainEvent | None = None
    for event in events:
        if recomputed_hash(event) != event.hash:
            problems.append(ChainProblem(event.id, "edited",
                                         f"审计事件 #{event.id} 的内容已被修改，与其哈希不符 "
                                         f"(event {event.id} was edited: its content does not match its hash)"))
        expected_id = previous.id + 1 if previous else 1
        expected_prev = previous.hash if previous else GENESIS
        if event.id > expected_id:
            problems.append(ChainProblem(event.id, "deleted",
                                         f"审计事件 {_missing(expected_id, event.id - 1)} 缺失（已被删除），"
                                         f"位于事件 #{event.id} 之前 (events before {event.id} were deleted)"))
        elif event.prev_hash != expected_prev:
            linked = hashes.get(event.prev_hash)
            if linked is not None and linked >= event.id:
                problems.append(ChainProblem(event.id, "reordered",
                                             f"审计事件 #{event.id} 的顺序被调换：它在链中位于事件 #{linked} 之后 "
                                             f"(event {event.id} is out of order: it follows event {linked})"))
            else:
                problems.append(ChainProblem(event.id, "broken",
                                             f"审计事件 #{event.id} 与前一事件的链接断开 "
                                             f"(event {event.id} does not link to the event before it)"))
        previous = event
    last_id = previous.id if previous else 0
    if head is not None and head.last_id > last_id:
        problems.append(ChainProblem(last_id + 1, "deleted",
                                     f"审计事件 {_missing(last_id + 1, head.last_id)} 缺失（末尾事件已被删除） "
                                     f"(events after {last_id} were deleted; the chain head records {head.last_id})"))
    elif previous is not None and (head is None or head.last_id < last_id or head.last_hash != previous.hash):
        problems.append(ChainProblem(last_id, "broken",
                                     f"审计事件 #{last_id} 与链头记录不符 "
                                     f"(event {last_id} does not match the recorded chain head)"))
    return problems


def anchor_bytes(head: ChainHead) -> bytes:
    """The stored form of an anchor: a chain head copied to write-once storage."""
    return _json({"last_id": head.last_id, "last_hash": head.last_hash}).encode()


def parse_anchor(data: bytes) -> ChainHead:
    """The chain head an anchor recorded (:func:`anchor_bytes`)."""
    value = json.loads(data)
    return ChainHead(int(value["last_id"]), str(value["last_hash"]))


def anchored_problems(events: Iterable[ChainEvent], anchors: Iterable[ChainHead]) -> list[ChainProblem]:
    """Problems of ``events`` measured against ``anchors``: chain heads copied to write-once storage as the
    trail grew. A trail rewritten in the database and hashed again from the start verifies on its own, but no
    longer passes through its anchors: the event an anchor names is gone or has another hash."""
    by_id = {e.id: e for e in events}
    problems = []
    for anchor in sorted(anchors, key=lambda a: a.last_id):
        event = by_id.get(anchor.last_id)
        if event is None:
            problems.append(ChainProblem(anchor.last_id, "deleted",
                                         f"审计事件 #{anchor.last_id} 缺失，而不可更改存储中的锚点记有它 "
                                         f"(event {anchor.last_id}, recorded by an anchor, is missing)"))
        elif event.hash != anchor.last_hash:
            problems.append(ChainProblem(anchor.last_id, "rewritten",
                                         f"截至审计事件 #{anchor.last_id} 的记录被改写并重新计算了哈希，与不可更改存储中的锚点不符 "
                                         f"(the trail up to event {anchor.last_id} was rewritten: it no longer "
                                         f"matches its anchor)"))
    return problems
