"""Read-side services for the desk, the API and the CLI. They return frozen dataclasses, never ORM rows."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, replace
from typing import ClassVar, Mapping

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
    record_by: dt.date | None = None  # last working day to record it (taxonomy §5); None once filed/rejected
    record_due: str = ""  # a key of DUE_FILTERS ("overdue", "today", "tomorrow") as of today, or ""


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


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _record_deadline(letter: Letter) -> tuple[dt.date | None, str]:
    """The letter's record deadline and how due it is today (Beijing) — ``(None, "")`` once it no longer
    waits to be recorded. Working days as :mod:`ingest.deadlines` counts them."""
    from ingest import deadlines  # imported here: ingest.deadlines imports this module

    if letter.status not in deadlines.PENDING:
        return None, ""
    due, on = deadlines.deadlines(letter.received_at).record_by, deadlines.today()
    if due < on:
        return due, "overdue"
    if due == on:
        return due, "today"
    return due, "tomorrow" if due == deadlines.working_days_after(on, 1) else ""


def summary_of(letter: Letter, threshold: float) -> LetterSummary:
    """The summary of one letter; confirmed values win over predicted ones."""
    labels = letter.confirmed_labels or {}
    fields = letter.confirmed_fields or letter.predicted_fields or {}
    pred = (letter.prediction or {}).get("intervener_type") or {}
    code = labels.get("intervener_type") or pred.get("code")
    probability = None if labels else pred.get("probability")
    received = aware(letter.received_at)
    record_by, record_due = _record_deadline(letter)
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
        record_by=record_by,
        record_due=record_due,
    )


SORTS = {"received": "收到时间（早→晚）", "-received": "收到时间（晚→早）",
         "confidence": "置信度（低→高）", "-confidence": "置信度（高→低）",
         "deadline": "登记期限（先到期在前）"}
#: Deadline filter → label: how due a letter's record deadline is today. "tomorrow" is the next working
#: day (deadlines fall on working days, so on a Friday it is Monday's, after a holiday the first day back).
DUE_FILTERS = {"": "全部", "overdue": "已逾期", "today": "今日到期", "tomorrow": "明日（下一工作日）到期"}


@dataclass(frozen=True)
class QueueFilter:
    """A filtered, sorted view of the letters (the desk's queue). Empty values mean "any"; confidences are
    the predicted type's probability, 0–1. Travels in URLs as the query arguments of :data:`FILTER_KEYS`."""

    status: str = Status.IN_REVIEW.value
    intervener_type: str = ""
    special_report: str = ""
    min_confidence: float | None = None
    max_confidence: float | None = None
    due: str = ""  # a key of DUE_FILTERS
    sort: str = "received"
    due_choices: ClassVar[dict[str, str]] = DUE_FILTERS  # for the filter form

    @classmethod
    def from_args(cls, args) -> "QueueFilter":
        """The filter of query arguments (any mapping with ``.get``); keys other than :data:`FILTER_KEYS` are
        ignored, a known key with a bad value raises :class:`InvalidRequest`. ``status=""`` means any status."""
        status = args.get("status", Status.IN_REVIEW.value).strip()
        code = args.get("intervener_type", "").strip()
        item = args.get("special_report", "").strip()
        due = args.get("due", "").strip()
        sort = args.get("sort", "").strip() or "received"
        if status and status not in STATUS_LABELS:
            raise InvalidRequest(f"未知状态：{status}", allowed=sorted(STATUS_LABELS))
        if code and code not in INTERVENER_TYPES:
            raise InvalidRequest(f"未知的过问人类型：{code}")
        if item and item not in SPECIAL_REPORT:
            raise InvalidRequest(f"未知的特别报告事项：{item}")
        if due not in DUE_FILTERS:
            raise InvalidRequest(f"未知的期限筛选：{due}", allowed=sorted(k for k in DUE_FILTERS if k))
        if sort not in SORTS:
            raise InvalidRequest(f"未知的排序方式：{sort}", allowed=sorted(SORTS))
        return cls(status=status, intervener_type=code, special_report=item,
                   min_confidence=_confidence_arg(args, "min_confidence"),
                   max_confidence=_confidence_arg(args, "max_confidence"), due=due, sort=sort)

    def query_args(self) -> dict[str, str]:
        """The URL query arguments of this filter: only the values that differ from the default."""
        default = QueueFilter()
        return {key: "" if getattr(self, key) is None else str(getattr(self, key))
                for key in FILTER_KEYS if getattr(self, key) != getattr(default, key)}

    @property
    def needs_scan(self) -> bool:
        """Whether the filter looks into labels, confidence or deadlines, or sorts by confidence or deadline
        (done in Python, not by the database)."""
        return (replace(self, status="", sort="received") != QueueFilter(status="")
                or self.sort not in ("received", "-received"))

    def keeps(self, summary: LetterSummary, special_report: set[str]) -> bool:
        """Whether a letter (its summary and its chosen special-report codes) passes the label, confidence
        and deadline criteria (status is filtered by the database)."""
        if self.due and summary.record_due != self.due:
            return False
        if self.intervener_type and summary.intervener_type != self.intervener_type:
            return False
        if self.special_report and self.special_report not in special_report:
            return False
        p = summary.probability
        if self.min_confidence is not None and (p is None or p < self.min_confidence):
            return False
        return self.max_confidence is None or (p is not None and p <= self.max_confidence)


FILTER_KEYS = ("status", "intervener_type", "special_report", "min_confidence", "max_confidence", "due", "sort")


def _confidence_arg(args, name: str) -> float | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidRequest(f"置信度应为 0 到 1 之间的数：{raw}") from exc
    if not 0.0 <= value <= 1.0:
        raise InvalidRequest(f"置信度应为 0 到 1 之间的数：{raw}")
    return value


def chosen_special_report(letter: Letter, threshold: float) -> set[str]:
    """The letter's special-report codes: the confirmed ones, else those predicted at or above ``threshold``."""
    if letter.confirmed_labels:
        return set(letter.confirmed_labels.get("special_report", []))
    return {x["code"] for x in (letter.prediction or {}).get("special_report", []) if x["probability"] >= threshold}


def review_queue(rt: Runtime, limit: int = 200, queue_filter: QueueFilter | None = None) -> list[LetterSummary]:
    """Letters waiting for a reviewer, oldest first unless ``queue_filter`` sorts otherwise; its status is
    ignored (always in review)."""
    chosen = replace(queue_filter or QueueFilter(), status=Status.IN_REVIEW.value)
    return list_letters(rt, limit=limit, queue_filter=chosen)


def _letters_query(status: str | None, case_number: str | None, oldest_first: bool,
                   queue_filter: QueueFilter | None):
    """The SELECT of :func:`list_letters` before any filter that needs each letter's summary: status (the
    filter's, when one is given), case number and order of receipt."""
    if queue_filter is not None:
        status = queue_filter.status or None
        oldest_first = queue_filter.sort in ("received", "deadline")
    if status is not None and status not in STATUS_LABELS:
        raise InvalidRequest(f"未知状态：{status}", allowed=sorted(STATUS_LABELS))
    query = select(Letter)
    if status:
        query = query.where(Letter.status == status)
    if case_number:
        query = query.where(Letter.id.in_(case_letter_ids(case_number)))
    order = Letter.received_at.asc() if oldest_first else Letter.received_at.desc()
    return query.order_by(order, Letter.id)


def list_letters(rt: Runtime, *, status: str | None = None, case_number: str | None = None, limit: int = 200,
                 oldest_first: bool = False, queue_filter: QueueFilter | None = None) -> list[LetterSummary]:
    """Letters (at most ``limit``), newest first unless ``oldest_first``. With ``queue_filter`` its status,
    labels, confidence bounds, deadline and sort apply instead of ``status``/``oldest_first``; sorted by
    deadline, the soonest come first (oldest receipt first among equal ones) and letters no longer waiting to
    be recorded last."""
    query = _letters_query(status, case_number, oldest_first, queue_filter)
    threshold = rt.settings.confidence_threshold
    with rt.db.session() as s:
        if queue_filter is None or not queue_filter.needs_scan:
            return [summary_of(r, threshold) for r in s.scalars(query.limit(limit)).all()]
        kept = [summary for r in s.scalars(query).all()
                if queue_filter.keeps(summary := summary_of(r, threshold), chosen_special_report(r, threshold))]
    if queue_filter.sort.endswith("confidence"):
        missing = 2.0 if queue_filter.sort == "confidence" else -1.0  # letters without a probability go last
        kept.sort(key=lambda x: missing if x.probability is None else x.probability,
                  reverse=queue_filter.sort.startswith("-"))
    elif queue_filter.sort == "deadline":
        kept.sort(key=lambda x: (x.record_by is None, x.record_by or dt.date.max))
    return kept[:limit]


def date_arg(args: Mapping[str, str], key: str) -> dt.date | None:
    """The ISO date in query argument ``key`` (None when absent or blank); InvalidRequest when malformed."""
    value = (args.get(key) or "").strip()
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise InvalidRequest(f"日期格式应为 YYYY-MM-DD：{value}") from exc


def neighbours(rt: Runtime, queue_filter: QueueFilter, letter_id: int) -> tuple[int | None, int | None]:
    """The ids of the letters before and after ``letter_id`` in the filtered queue (None at either end or
    when the letter is not in it). A filter that needs no summaries reads the ids alone."""
    if queue_filter.needs_scan:
        ids = [x.id for x in list_letters(rt, limit=10_000, queue_filter=queue_filter)]
    else:
        query = _letters_query(None, None, False, queue_filter).with_only_columns(Letter.id).limit(10_000)
        with rt.db.session() as s:
            ids = list(s.scalars(query))
    if letter_id not in ids:
        return None, None
    at = ids.index(letter_id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


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
        reviewed_at=aware(letter.reviewed_at) if letter.reviewed_at else None,
        reject_reason=letter.reject_reason,
        archive_prefix=letter.archive_prefix,
        threshold=threshold,
        events=tuple(AuditView(aware(e.at), e.actor, e.action, e.detail or {}) for e in events),
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
    if isinstance(value, dt.date):  # datetimes too
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
