"""Intake: the one entry point for every desk channel (web upload, API, CLI, hot folder).

Contract of :func:`submit`:
  * a file that passes inspection is stored in the object store (content-addressed, immutable) and its
    row committed with status ``received`` *before* the caller gets an answer; only then is the
    pipeline queued. If queueing fails the letter is still safe: the reconciler queues it later.
  * a file identical (same SHA-256) to one already accepted is answered as a duplicate and not
    processed again.
  * a refused file raises an :class:`~letterdesk.errors.InputRejected` subclass with a clear Chinese
    message; its bytes are quarantined in the object store and the reason recorded.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ingest import audit
from ingest.actor import SYSTEM_ACTOR, Actor
from ingest.runtime import Runtime
from letterdesk.errors import InputRejected, TooLarge
from ocr import DocumentInfo, inspect_document
from storage.models import Letter, Rejection

log = logging.getLogger(__name__)

CHANNELS = ("upload", "api", "cli", "watch", "form")


@dataclass(frozen=True)
class Accepted:
    id: int
    status: str
    sha256: str
    duplicate: bool
    filename: str


def clean_filename(name: str | None) -> str:
    """The last path component of a client-supplied name, printable, at most 200 characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return (base or "unnamed")[:200]


def original_key(sha256: str, extension: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}.{extension}"


def store_original(rt: Runtime, data: bytes, sha256: str, info: DocumentInfo, filename: str) -> str:
    """Put an inspected original in the object store under its content address (immutable, its file name
    kept as metadata) and return the key; storing the same bytes again is a no-op."""
    key = original_key(sha256, info.extension)
    rt.objects.put(key, data, info.mime, immutable=True, metadata={"filename": filename})
    return key


def submit(rt: Runtime, data: bytes, filename: str, channel: str, actor: Actor | None = None,
           *, enqueue: bool = True, allow_text: bool = False) -> Accepted:
    """Store and register ``data`` (see the module contract); ``allow_text`` also accepts UTF-8 plain text
    (records entered at the desk)."""
    actor = actor or SYSTEM_ACTOR
    filename = clean_filename(filename)
    sha256 = hashlib.sha256(data).hexdigest()

    existing = _find(rt, sha256)
    if existing is not None:
        return existing
    try:
        if len(data) > rt.settings.limits.max_bytes:
            raise TooLarge(f"文件过大（{len(data) // 1024 // 1024} MB），上限为 "
                           f"{rt.settings.limits.max_bytes // 1024 // 1024} MB")
        info = inspect_document(data, rt.settings.limits, allow_text=allow_text)
    except InputRejected as err:
        _quarantine(rt, data, sha256, filename, channel, actor, err)
        raise

    key = store_original(rt, data, sha256, info, filename)
    try:
        with rt.db.session() as s:
            letter = Letter(sha256=sha256, filename=filename, channel=channel, kind=info.kind, mime=info.mime,
                            size=len(data), page_count=info.pages, original_key=key, submitted_by=actor.user_id)
            s.add(letter)
            s.flush()
            audit.record(s, actor.username, "ingest", letter.id, channel=channel, filename=filename,
                         sha256=sha256, kind=info.kind, pages=info.pages)
            accepted = Accepted(letter.id, letter.status, sha256, False, filename)
    except IntegrityError:  # the same file arrived concurrently through another channel
        existing = _find(rt, sha256)
        if existing is None:
            raise
        return existing
    if enqueue:
        queue_safely(rt, accepted.id)
    return accepted


def _find(rt: Runtime, sha256: str) -> Accepted | None:
    with rt.db.session() as s:
        row = s.scalar(select(Letter).where(Letter.sha256 == sha256))
        return None if row is None else Accepted(row.id, row.status, sha256, True, row.filename)


def _quarantine(rt: Runtime, data: bytes, sha256: str, filename: str, channel: str, actor: Actor,
                err: InputRejected) -> None:
    key = f"quarantine/{sha256[:2]}/{sha256}"
    if len(data) <= rt.settings.limits.max_bytes:  # an oversize body stays with its sender; all else is kept
        rt.objects.put(key, data, "application/octet-stream", immutable=True, metadata={"filename": filename})
    with rt.db.session() as s:
        s.add(Rejection(sha256=sha256, filename=filename, channel=channel, size=len(data), object_key=key,
                        code=err.code, reason=err.message))
        audit.record(s, actor.username, "reject_input", None, filename=filename, sha256=sha256, code=err.code,
                     reason=err.message)


def queue_safely(rt: Runtime, letter_id: int) -> None:
    """Queue the letter's next stage; a failure is logged, never raised (the reconciler queues it later)."""
    from ingest.pipeline import enqueue

    try:
        enqueue(rt, letter_id)
    except Exception:  # the letter is durable; the reconciler will queue it
        log.exception("could not queue letter %s; it will be picked up by the reconciler", letter_id)
