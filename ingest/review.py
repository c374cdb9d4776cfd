"""Review: a person confirms (and files) or rejects a letter. Nothing is filed unconfirmed.

On confirm the letter is filed: the original, the OCR text and a JSON record (fields, labels, who
confirmed and when, model version, predicted vs confirmed) are written immutably to the object store
under ``archive/<case key>/<letter id>/``, then the letter becomes ``filed``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import update

from classifier import casenumber
from classifier.taxonomy import FORMS, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, SPECIAL_REPORT, scope_of
from classifier.types import FIELD_NAMES
from ingest import alerts, audit, records, search
from ingest.actor import Actor
from ingest.queries import LetterSummary, QueueFilter, review_queue, summary_of
from ingest.runtime import Runtime
from ingest.stages import load_letter, replace_cases
from letterdesk.errors import InvalidRequest, InvalidState, NotFound, PermissionDenied
from storage.models import Letter, Status, utcnow

NO_CASE = "_无案号"


@dataclass(frozen=True)
class ReviewDecision:
    action: str  # "confirm" | "reject"
    intervener_type: str | None = None
    special_report: tuple[str, ...] = ()
    internal_behaviours: tuple[str, ...] = ()
    form: str | None = None
    fields: dict = field(default_factory=dict)
    reason: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "ReviewDecision":
        if not isinstance(data, dict):
            raise InvalidRequest("审核内容必须是 JSON 对象")
        fields = data.get("fields") or {}
        if not isinstance(fields, dict):
            raise InvalidRequest("fields 必须是对象")
        return cls(
            action=str(data.get("action", "")),
            intervener_type=data.get("intervener_type") or None,
            special_report=tuple(data.get("special_report") or ()),
            internal_behaviours=tuple(data.get("internal_behaviours") or ()),
            form=data.get("form") or None,
            fields={k: ("" if v is None else str(v)) for k, v in fields.items()},
            reason=data.get("reason") or None,
        )


def _validate(decision: ReviewDecision) -> None:
    if decision.action not in ("confirm", "reject"):
        raise InvalidRequest("action 必须是 confirm（确认归档）或 reject（退回）")
    if decision.action == "reject":
        if not (decision.reason or "").strip():
            raise InvalidRequest("退回必须填写理由")
        return
    if decision.intervener_type not in INTERVENER_TYPES:
        raise InvalidRequest("请选择过问人类型 (intervener_type)", allowed=sorted(INTERVENER_TYPES))
    bad = [c for c in decision.special_report if c not in SPECIAL_REPORT]
    bad += [c for c in decision.internal_behaviours if c not in INTERNAL_BEHAVIOURS]
    if bad:
        raise InvalidRequest(f"未知的标签代码：{', '.join(map(str, bad))}")
    if decision.form is not None and decision.form not in FORMS:
        raise InvalidRequest(f"未知的过问方式：{decision.form}")
    unknown = set(decision.fields) - set(FIELD_NAMES)
    if unknown:
        raise InvalidRequest(f"未知的字段：{', '.join(sorted(unknown))}")
    date = decision.fields.get("date")
    if date:
        try:
            dt.date.fromisoformat(date)
        except ValueError as exc:
            raise InvalidRequest(f"日期格式应为 YYYY-MM-DD：{date}") from exc


def _confirmed_fields(letter: Letter, decision: ReviewDecision) -> tuple[dict, list[str]]:
    predicted = letter.predicted_fields or {}
    fields = {k: predicted.get(k) for k in FIELD_NAMES}
    for k, v in decision.fields.items():
        fields[k] = v.strip() or None
    numbers = []
    if fields.get("case_number"):
        for part in casenumber.find_all(fields["case_number"]) or []:
            numbers.append(part.normalized)
        if not numbers:
            raise InvalidRequest(f"无法识别的案号：{fields['case_number']}")
        fields["case_number"] = numbers[0]
    return fields, numbers


def _archive_prefix(case_numbers: list[str], letter_id: int) -> str:
    part = casenumber.key_part(case_numbers[0]) if case_numbers else NO_CASE
    return f"archive/{part}/{letter_id}"


def review(rt: Runtime, letter_id: int, decision: ReviewDecision, actor: Actor) -> LetterSummary:
    if not actor.can_review:
        raise PermissionDenied("只有审核人员可以确认或退回来信")
    _validate(decision)
    with rt.db.session() as s:
        letter = load_letter(s, letter_id, Status.IN_REVIEW, "不在待审核状态")
        if decision.action == "reject":
            return _reject(s, letter, decision, actor, rt.settings.confidence_threshold)
        records.ensure_confirmed(s, letter_id)
        fields, numbers = _confirmed_fields(letter, decision)
        labels = {
            "intervener_type": decision.intervener_type,
            "scope": scope_of(decision.intervener_type),
            "special_report": sorted(set(decision.special_report)),
            "internal_behaviours": sorted(set(decision.internal_behaviours)),
            "form": decision.form or (letter.predicted_fields or {}).get("form") or "LETTER",
        }
        snapshot = {"id": letter.id, "sha256": letter.sha256, "filename": letter.filename, "mime": letter.mime,
                    "kind": letter.kind, "original_key": letter.original_key, "text": letter.text or "",
                    "received_at": letter.received_at.isoformat(), "channel": letter.channel,
                    "predicted_fields": letter.predicted_fields, "prediction": letter.prediction,
                    "model_version": letter.model_version}
    now = utcnow()
    prefix = _archive_prefix(numbers, letter_id)
    record = {
        "letter_id": letter_id,
        "case_numbers": numbers,
        "fields": fields,
        "labels": labels,
        "confirmed_by": actor.username,
        "confirmed_at": now.isoformat(),
        "model_version": snapshot["model_version"],
        "predicted": {"fields": snapshot["predicted_fields"], "prediction": snapshot["prediction"]},
        "original": {"filename": snapshot["filename"], "sha256": snapshot["sha256"], "mime": snapshot["mime"],
                     "received_at": snapshot["received_at"], "channel": snapshot["channel"]},
    }
    record_bytes = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True).encode()
    _file_objects(rt, prefix, snapshot, record_bytes)

    with rt.db.session() as s:
        done = s.execute(
            update(Letter)
            .where(Letter.id == letter_id, Letter.status == Status.IN_REVIEW.value)
            .values(status=Status.FILED.value, status_changed_at=now, confirmed_fields=fields,
                    confirmed_labels=labels, reviewed_by=actor.user_id, reviewed_at=now, archive_prefix=prefix,
                    record_sha256=hashlib.sha256(record_bytes).hexdigest())
        ).rowcount
        if not done:
            raise InvalidState(f"来信 {letter_id} 已被他人处理")
        replace_cases(s, letter_id, numbers)
        search.index_letter(s, s.get(Letter, letter_id))
        audit.record(s, actor.username, "confirm", letter_id, archive_prefix=prefix,
                     before={"fields": snapshot["predicted_fields"], "prediction": _brief(snapshot["prediction"])},
                     after={"fields": fields, "labels": labels})
        alerts.raise_confirmed(s, rt, letter_id, labels["special_report"], actor)  # only codes not yet alerted
        summary = summary_of(s.get(Letter, letter_id), rt.settings.confidence_threshold)
    audit.anchor(rt)  # the trail as it stands with this filing, copied where it cannot be changed
    return summary


def _brief(prediction: dict | None) -> dict | None:
    if not prediction:
        return None
    return {"intervener_type": prediction["intervener_type"],
            "special_report": prediction.get("special_report", []),
            "internal_behaviours": prediction.get("internal_behaviours", [])}


def _file_objects(rt: Runtime, prefix: str, snapshot: dict, record_bytes: bytes) -> None:
    original = rt.objects.get(snapshot["original_key"])
    if hashlib.sha256(original).hexdigest() != snapshot["sha256"]:
        raise InvalidState("原件校验失败：对象存储中的文件与登记的 SHA-256 不一致")
    ext = snapshot["original_key"].rsplit(".", 1)[-1]
    rt.objects.put(f"{prefix}/original.{ext}", original, snapshot["mime"], immutable=True)
    rt.objects.put(f"{prefix}/ocr.txt", snapshot["text"].encode(), "text/plain; charset=utf-8", immutable=True)
    rt.objects.put(f"{prefix}/record.json", record_bytes, "application/json", immutable=True)


def _reject(s, letter: Letter, decision: ReviewDecision, actor: Actor, threshold: float) -> LetterSummary:
    now = utcnow()
    letter.status = Status.REJECTED.value
    letter.status_changed_at = now
    letter.reject_reason = decision.reason.strip()
    letter.reviewed_by = actor.user_id
    letter.reviewed_at = now
    audit.record(s, actor.username, "reject", letter.id, reason=letter.reject_reason)
    s.flush()
    return summary_of(letter, threshold)


def confident_decision(prediction: dict | None, predicted_fields: dict | None,
                       threshold: float) -> ReviewDecision | None:
    """The confirm decision that takes the prediction as it is, or None unless the predicted type and every
    predicted special-report and internal-behaviour label reach ``threshold`` and no field is marked unsure."""
    if not prediction or (predicted_fields or {}).get("unsure"):
        return None
    predicted = [prediction["intervener_type"], *prediction.get("special_report", []),
                 *prediction.get("internal_behaviours", [])]
    if any(x["probability"] < threshold for x in predicted):
        return None
    return ReviewDecision(
        action="confirm", intervener_type=prediction["intervener_type"]["code"],
        special_report=tuple(x["code"] for x in prediction.get("special_report", [])),
        internal_behaviours=tuple(x["code"] for x in prediction.get("internal_behaviours", [])),
        form=(predicted_fields or {}).get("form") or None)


def bulk_confirm(rt: Runtime, queue_filter: QueueFilter, actor: Actor) -> list[int]:
    """Confirm (file) every letter in review within ``queue_filter`` whose prediction is confident (see
    :func:`confident_decision`), with the predicted labels and fields, each through :func:`review`.
    Returns the ids confirmed; a letter that cannot be filed as predicted (e.g. an unreadable case number)
    or was handled meanwhile by someone else is left in review."""
    if not actor.can_review:
        raise PermissionDenied("只有审核人员可以确认或退回来信")
    threshold = rt.settings.confidence_threshold
    done = []
    for summary in review_queue(rt, limit=10_000, queue_filter=queue_filter):
        with rt.db.session() as s:
            letter = s.get(Letter, summary.id)
            decision = confident_decision(letter.prediction, letter.predicted_fields, threshold) if letter else None
        if decision is None:
            continue
        try:
            review(rt, summary.id, decision, actor)
        except (InvalidRequest, InvalidState, NotFound):
            continue
        done.append(summary.id)
    return done
