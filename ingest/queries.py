"""Read-side services for the desk, the API and the CLI. They return frozen dataclasses, never ORM rows."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier import casenumber
from classifier.taxonomy import FORMS, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, SPECIAL_REPORT
from classifier.types import FIELD_NAMES
from ingest.runtime import Runtime
from letterdesk.errors import InvalidRequest, NotFound, StorageError
from storage.models import STATUS_LABELS, AuditEvent, Letter, LetterCase, Status, User, utcnow


@dataclass(frozen=True)
class LetterSummary:
    id: int
    filename: str
    status: str
    status_label: str
    sha256: str
    received_at: dt.datetime
    age_hours: float
    intervener_type: str | None
    intervener_type_label: str | None
    probability: float | None
    uncertain: bool
    name: str | None
    unit: str | None
    case_numbers: tuple[str, ...]
    failure_reason: str | None
    model_version: str | None


@dataclass(frozen=True)
class PageView:
    index: int
    text: str
    confidence: float | None
    source: str
    has_preview: bool
    doubtful: tuple[str, ...] = ()  # lines the engine read with confidence below DOUBTFUL_LINE


DOUBTFUL_LINE = 80.0  # per-line OCR confidence (0-100) under which the desk asks the reviewer to check the line


@dataclass(frozen=True)
class LabelView:
    code: str
    label: str
    probability: float | None
    selected: bool
    uncertain: bool
    phrases: tuple[str, ...] = ()  # phrases of the letter that drove the model towards this label


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    actor: str
    action: str
    detail: dict


@dataclass(frozen=True)
class LetterDetail:
    summary: LetterSummary
    pages: tuple[PageView, ...]
    segments: dict
    fields: dict
    predicted_fields: dict
    form: str
    types: tuple[LabelView, ...]
    special_report: tuple[LabelView, ...]
    internal_behaviours: tuple[LabelView, ...]
    reviewer: str | None
    reviewed_at: dt.datetime | None
    reject_reason: str | None
    archive_prefix: str | None
    threshold: float
    events: tuple[AuditView, ...]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def summary_of(letter: Letter, threshold: float) -> LetterSummary:
    """The summary of one letter; confirmed values win over predicted ones."""
    labels = letter.confirmed_labels or {}
    fields = letter.confirmed_fields or letter.predicted_fields or {}
    pred = (letter.prediction or {}).get("intervener_type") or {}
    code = labels.get("intervener_type") or pred.get("code")
    probability = None if labels else pred.get("probability")
    received = _aware(letter.received_at)
    return LetterSummary(
        id=letter.id,
        filename=letter.filename,
        status=letter.status,
        status_label=STATUS_LABELS.get(letter.status, letter.status),
        sha256=letter.sha256,
        received_at=received,
        age_hours=(utcnow() - received).total_seconds() / 3600,
        intervener_type=code,
        intervener_type_label=INTERVENER_TYPES[code].name if code in INTERVENER_TYPES else None,
        probability=probability,
        uncertain=probability is not None and probability < threshold,
        name=fields.get("name"),
        unit=fields.get("unit"),
        case_numbers=tuple(c.case_number for c in letter.cases),
        failure_reason=letter.failure_reason,
        model_version=letter.model_version,
    )


def review_queue(rt: Runtime, limit: int = 200) -> list[LetterSummary]:
    """Letters waiting for a reviewer, oldest first."""
    return list_letters(rt, status=Status.IN_REVIEW.value, limit=limit, oldest_first=True)


def list_letters(rt: Runtime, *, status: str | None = None, case_number: str | None = None, limit: int = 200,
                 oldest_first: bool = False) -> list[LetterSummary]:
    if status is not None and status not in STATUS_LABELS:
        raise InvalidRequest(f"未知状态：{status}", allowed=sorted(STATUS_LABELS))
    query = select(Letter)
    if status:
        query = query.where(Letter.status == status)
    if case_number:
        query = query.where(Letter.id.in_(case_letter_ids(case_number)))
    order = Letter.received_at.asc() if oldest_first else Letter.received_at.desc()
    with rt.db.session() as s:
        rows = s.scalars(query.order_by(order, Letter.id).limit(limit)).all()
        return [summary_of(r, rt.settings.confidence_threshold) for r in rows]


def case_letter_ids(text: str):
    """A subquery of the ids of letters that name the case(s) ``text`` names, in any variant."""
    numbers = [m.normalized for m in casenumber.find_all(text)] or (
        [casenumber.normalize(text)] if casenumber.normalize(text) else [])
    if not numbers:
        raise InvalidRequest(f"无法识别的案号：{text}")
    return select(LetterCase.letter_id).where(LetterCase.case_number.in_(numbers))


def find_by_case_number(rt: Runtime, text: str) -> list[LetterSummary]:
    """Every filed letter of the case ``text`` names, whatever variant of the number is typed."""
    return list_letters(rt, status=Status.FILED.value, case_number=text, limit=10_000, oldest_first=True)


def _labels(table: dict, probabilities: dict, selected: set[str], threshold: float, confirmed: bool,
            explanations: dict) -> tuple[LabelView, ...]:
    views = []
    for code, meta in table.items():
        name = meta.name if hasattr(meta, "name") else meta
        p = probabilities.get(code)
        views.append(LabelView(code, name, p, code in selected,
                               uncertain=(not confirmed and p is not None and code in selected and p < threshold),
                               phrases=tuple(explanations.get(code) or ())))
    return tuple(sorted(views, key=lambda v: -(v.probability or 0.0)))


def _detail(s: Session, letter: Letter, threshold: float) -> LetterDetail:
    summary = summary_of(letter, threshold)
    pred = letter.prediction or {}
    confirmed = letter.confirmed_labels
    if confirmed:
        type_sel = {confirmed["intervener_type"]}
        sr_sel = set(confirmed.get("special_report", []))
        ib_sel = set(confirmed.get("internal_behaviours", []))
    else:
        top = pred.get("intervener_type") or {}
        type_sel = {top["code"]} if top and top.get("probability", 0) >= threshold else set()
        sr_sel = {x["code"] for x in pred.get("special_report", []) if x["probability"] >= threshold}
        ib_sel = {x["code"] for x in pred.get("internal_behaviours", []) if x["probability"] >= threshold}
    explanations = pred.get("explanations") or {}
    predicted_fields = letter.predicted_fields or {}
    fields = {k: (letter.confirmed_fields or predicted_fields).get(k) for k in FIELD_NAMES}
    reviewer = s.get(User, letter.reviewed_by).username if letter.reviewed_by else None
    events = s.scalars(select(AuditEvent).where(AuditEvent.letter_id == letter.id).order_by(AuditEvent.id)).all()
    form = (confirmed or {}).get("form") or predicted_fields.get("form") or "LETTER"
    return LetterDetail(
        summary=summary,
        pages=tuple(PageView(p.index, p.text, p.confidence, p.source, bool(p.preview_key),
                             tuple(line["text"] for line in p.lines or ()
                                   if line.get("confidence") is not None and line["confidence"] < DOUBTFUL_LINE))
                    for p in letter.pages),
        segments=letter.segments or {},
        fields=fields,
        predicted_fields=predicted_fields,
        form=form if form in FORMS else "OTHER",
        types=_labels(INTERVENER_TYPES, pred.get("type_probabilities", {}), type_sel, threshold, bool(confirmed),
                      explanations),
        special_report=_labels(SPECIAL_REPORT, pred.get("sr_probabilities", {}), sr_sel, threshold, bool(confirmed),
                               explanations),
        internal_behaviours=_labels(INTERNAL_BEHAVIOURS, pred.get("ib_probabilities", {}), ib_sel, threshold,
                                    bool(confirmed), explanations),
        reviewer=reviewer,
        reviewed_at=_aware(letter.reviewed_at) if letter.reviewed_at else None,
        reject_reason=letter.reject_reason,
        archive_prefix=letter.archive_prefix,
        threshold=threshold,
        events=tuple(AuditView(_aware(e.at), e.actor, e.action, e.detail or {}) for e in events),
    )


def get_letter(rt: Runtime, letter_id: int) -> LetterDetail:
    with rt.db.session() as s:
        letter = s.get(Letter, letter_id)
        if letter is None:
            raise NotFound(f"来信 {letter_id} 不存在")
        return _detail(s, letter, rt.settings.confidence_threshold)


def page_preview(rt: Runtime, letter_id: int, index: int) -> bytes:
    with rt.db.session() as s:
        letter = s.get(Letter, letter_id)
        page = next((p for p in (letter.pages if letter else []) if p.index == index and p.preview_key), None)
        if page is None:
            raise NotFound(f"来信 {letter_id} 没有第 {index + 1} 页的图像")
        key = page.preview_key
    return rt.objects.get(key)


def original(rt: Runtime, letter_id: int) -> tuple[bytes, str, str]:
    """The original as received (its SHA-256 checked): data, filename, mime type."""
    with rt.db.session() as s:
        letter = s.get(Letter, letter_id)
        if letter is None:
            raise NotFound(f"来信 {letter_id} 不存在")
        key, name, mime, sha = letter.original_key, letter.filename, letter.mime, letter.sha256
    data = rt.objects.get(key)
    if hashlib.sha256(data).hexdigest() != sha:
        raise StorageError(f"来信 {letter_id} 的原件校验失败（SHA-256 不一致）")
    return data, name, mime


def _jsonable(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def summary_dict(summary: LetterSummary) -> dict:
    return _jsonable(asdict(summary))


def detail_dict(detail: LetterDetail) -> dict:
    return _jsonable(asdict(detail))
