"""``letterdesk verify``: re-read every kept object and check it against the SHA-256 the database recorded.

Checked: the original of every letter (``originals/…``); for filed letters also the archive copy of the
original, ``record.json`` (against ``record_sha256``) and ``ocr.txt`` (against the letter's text); and the
quarantined bytes of every refused file (against the rejection's SHA-256; files above the size limit
were never kept). Each of these must also still be stored immutably. Nothing found is fixed; every
finding is reported, and a damaged or unreadable object never stops the check of the others.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from ingest.runtime import Runtime
from letterdesk.errors import NotFound, StorageError
from storage.models import Letter, Rejection, Status


@dataclass(frozen=True)
class ObjectProblem:
    """One finding. ``kind``: ``missing``, ``mismatch`` (bytes differ from the recorded SHA-256, or the store
    itself found them corrupted) or ``mutable`` (no longer protected against change)."""

    kind: str
    key: str
    letter_id: int | None
    rejection_id: int | None
    message: str


@dataclass(frozen=True)
class VerifyReport:
    letters: int
    rejections: int
    objects: int  # objects checked
    problems: tuple[ObjectProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Expected:
    key: str
    sha256: str
    letter_id: int | None = None
    rejection_id: int | None = None

    @property
    def owner(self) -> str:
        return f"来信 {self.letter_id}" if self.letter_id is not None else f"拒收记录 {self.rejection_id}"


def _problem(expected: _Expected, kind: str, message: str) -> ObjectProblem:
    return ObjectProblem(kind, expected.key, expected.letter_id, expected.rejection_id, message)


def _check(rt: Runtime, expected: _Expected) -> ObjectProblem | None:
    """Read ``expected.key`` back and compare; None when the object is intact and immutable."""
    missing = _problem(expected, "missing", f"{expected.owner} 的对象缺失：{expected.key} (object missing)")
    try:
        info = rt.objects.stat(expected.key)
        if info is None:
            return missing
        data = rt.objects.get(expected.key)
    except NotFound:  # removed between stat and get
        return missing
    except StorageError as err:  # includes the store's own check against the hash it kept
        return _problem(expected, "mismatch", f"{expected.owner} 的对象无法通过校验：{err.message}")
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected.sha256:
        return _problem(expected, "mismatch",
                        f"{expected.owner} 的对象内容已改变：{expected.key} "
                        f"(sha256 {actual} differs from the recorded {expected.sha256})")
    if not info.immutable:
        return _problem(expected, "mutable", f"{expected.owner} 的对象未受保护，可被修改：{expected.key} "
                                             f"(object is not stored as immutable)")
    return None


def _letter_objects(rt: Runtime) -> tuple[int, list[_Expected]]:
    """How many letters there are and the objects they must have."""
    with rt.db.session() as s:
        letters = s.execute(select(Letter.id, Letter.status, Letter.sha256, Letter.original_key,
                                   Letter.archive_prefix, Letter.record_sha256).order_by(Letter.id)).all()
    expected: list[_Expected] = []
    for letter_id, status, sha256, original_key, prefix, record_sha256 in letters:
        expected.append(_Expected(original_key, sha256, letter_id=letter_id))
        if status != Status.FILED.value:
            continue
        with rt.db.session() as s:
            text = s.scalar(select(Letter.text).where(Letter.id == letter_id)) or ""
        extension = original_key.rsplit(".", 1)[-1]  # as ingest.review files it
        expected += [
            _Expected(f"{prefix}/original.{extension}", sha256, letter_id=letter_id),
            _Expected(f"{prefix}/ocr.txt", hashlib.sha256(text.encode()).hexdigest(), letter_id=letter_id),
            _Expected(f"{prefix}/record.json", record_sha256 or "", letter_id=letter_id),
        ]
    return len(letters), expected


def _quarantined_objects(rt: Runtime) -> tuple[int, list[_Expected]]:
    """How many rejections there are and the quarantined objects kept for them."""
    with rt.db.session() as s:
        rejections = s.execute(select(Rejection.id, Rejection.sha256, Rejection.object_key, Rejection.size)
                               .order_by(Rejection.id)).all()
    kept = [_Expected(key, sha256, rejection_id=rejection_id) for rejection_id, sha256, key, size in rejections
            if size <= rt.settings.limits.max_bytes]  # larger files were refused without keeping them
    return len(rejections), kept


def verify_archive(rt: Runtime) -> VerifyReport:
    """Check every object the database says is kept (see the module docstring)."""
    letters, expected = _letter_objects(rt)
    rejections, quarantined = _quarantined_objects(rt)
    expected += quarantined
    problems = tuple(p for p in (_check(rt, e) for e in expected) if p is not None)
    return VerifyReport(letters, rejections, len(expected), problems)
