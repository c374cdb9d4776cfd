"""The pipeline's stage functions, one per step. Each has the same contract:

``stage(rt, letter_id) -> None``
  * does its slow work (OCR, model inference) *outside* any database transaction, reading only what
    earlier stages committed;
  * then, in one short transaction, *claims* the transition ``input status → output status`` with a
    conditional UPDATE and writes its results. If another worker already made the transition the claim
    fails with :class:`Superseded` and nothing is written, so running a stage twice is harmless;
  * raises on failure; :mod:`ingest.pipeline` turns the error into status ``failed`` with a reason.

The stages know nothing of Celery; :mod:`ingest.pipeline` composes them and :mod:`ingest.tasks` runs
them on workers.
"""
from __future__ import annotations

import time
from dataclasses import asdict

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from classifier.segment import segment as segment_text
from classifier.tokens import search_tokens
from classifier.types import Fields
from ingest import alerts, audit
from ingest.runtime import Runtime
from letterdesk.errors import InvalidState, NotFound
from ocr import inspect_document, read_document
from storage.models import Letter, LetterCase, Page, Status, utcnow


class Superseded(Exception):
    """Another worker already moved the letter past this stage."""


def claim(s: Session, letter_id: int, source: Status, target: Status) -> None:
    """Move ``letter_id`` from ``source`` to ``target`` inside ``s``, or raise :class:`Superseded`."""
    result = s.execute(
        update(Letter)
        .where(Letter.id == letter_id, Letter.status == source.value)
        .values(status=target.value, status_changed_at=utcnow())
    )
    if result.rowcount != 1:
        raise Superseded(letter_id)


def load_letter(s: Session, letter_id: int, expect: Status | None = None, why: str = "") -> Letter:
    """The letter row; :class:`NotFound` if absent, :class:`InvalidState` (saying ``why``) if ``expect``
    is given and the letter is in another status."""
    letter = s.get(Letter, letter_id)
    if letter is None:
        raise NotFound(f"来信 {letter_id} 不存在")
    if expect is not None and letter.status != expect.value:
        raise InvalidState(f"来信 {letter_id} 当前状态为“{Status(letter.status).label}”，{why}")
    return letter


def _since(started: float) -> float:
    """Seconds of work a stage records in its audit event (read by ``letterdesk bench pipeline``)."""
    return round(time.monotonic() - started, 3)


def preview_key(letter_id: int, index: int) -> str:
    return f"previews/{letter_id}/{index + 1}.jpg"


def replace_cases(s: Session, letter_id: int, numbers) -> None:
    s.execute(delete(LetterCase).where(LetterCase.letter_id == letter_id))
    for number in dict.fromkeys(n for n in numbers if n):
        s.add(LetterCase(letter_id=letter_id, case_number=number))


def ocr(rt: Runtime, letter_id: int) -> None:
    """received → ocr: read every page (text layer or Tesseract), keep per-page text, confidence and a preview."""
    started = time.monotonic()
    with rt.db.session() as s:
        letter = load_letter(s, letter_id)
        key, is_text = letter.original_key, letter.kind == "text"
    data = rt.objects.get(key)
    info = inspect_document(data, rt.settings.limits, allow_text=is_text)
    result, previews = read_document(data, info, rt.ocr_engine, previews=True,
                                     page_workers=rt.settings.ocr_page_workers)
    keys = []
    for index, jpeg in enumerate(previews):
        keys.append(preview_key(letter_id, index))
        rt.objects.put(keys[-1], jpeg, "image/jpeg")
    with rt.db.session() as s:
        claim(s, letter_id, Status.RECEIVED, Status.OCR)
        letter = load_letter(s, letter_id)
        s.execute(delete(Page).where(Page.letter_id == letter_id))
        for page in result.pages:
            s.add(Page(letter_id=letter_id, index=page.index, text=page.text, confidence=page.confidence,
                       source=page.source, preview_key=keys[page.index] if page.index < len(keys) else None,
                       lines=[asdict(line) for line in page.lines]))
        letter.text = result.text
        letter.ocr_engine = result.engine
        letter.ocr_confidence = result.mean_confidence
        letter.page_count = len(result.pages)
        audit.record(s, audit.SYSTEM, "ocr", letter_id, engine=result.engine, pages=len(result.pages),
                     confidence=result.mean_confidence, chars=len(result.text), seconds=_since(started))


def segment(rt: Runtime, letter_id: int) -> None:
    """ocr → segmented: letter parts, record fields, case numbers and search tokens."""
    started = time.monotonic()
    with rt.db.session() as s:
        text = load_letter(s, letter_id).text or ""
    seg = segment_text(text)
    tokens = " ".join(search_tokens(text))
    with rt.db.session() as s:
        claim(s, letter_id, Status.OCR, Status.SEGMENTED)
        letter = load_letter(s, letter_id)
        letter.segments = asdict(seg.segments)
        letter.predicted_fields = asdict(seg.fields)
        letter.tokens = tokens
        replace_cases(s, letter_id, seg.fields.case_numbers)
        audit.record(s, audit.SYSTEM, "segment", letter_id, case_numbers=list(seg.fields.case_numbers),
                     form=seg.fields.form, seconds=_since(started))


def classify(rt: Runtime, letter_id: int) -> None:
    """segmented → classified: intervener type, special-report items and internal behaviours with probabilities;
    the intervener's name, unit and position as the model reads them (the segmenter's rules otherwise)."""
    started = time.monotonic()
    with rt.db.session() as s:
        letter = load_letter(s, letter_id)
        text, ruled = letter.text or "", Fields.from_dict(letter.predicted_fields or {})
    prediction = rt.classifier.predict(text)
    fields = rt.classifier.read_fields(text, ruled)
    with rt.db.session() as s:
        claim(s, letter_id, Status.SEGMENTED, Status.CLASSIFIED)
        letter = load_letter(s, letter_id)
        letter.predicted_fields = asdict(fields)
        letter.prediction = prediction.to_dict()
        letter.model_version = prediction.model_version
        audit.record(s, audit.SYSTEM, "classify", letter_id, model_version=prediction.model_version,
                     intervener_type=prediction.intervener_type.code,
                     probability=round(prediction.intervener_type.probability, 4),
                     special_report=[x.code for x in prediction.special_report], seconds=_since(started))
        alerts.raise_predicted(s, rt, letter_id)  # delivered to supervisors once this commits


def queue_for_review(rt: Runtime, letter_id: int) -> None:
    """classified → in_review: the letter appears in the reviewers' queue."""
    with rt.db.session() as s:
        claim(s, letter_id, Status.CLASSIFIED, Status.IN_REVIEW)
        audit.record(s, audit.SYSTEM, "queue_for_review", letter_id)
