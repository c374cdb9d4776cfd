"""Intake and the pipeline on the embedded defaults (SQLite, local object store), stages run in-process."""
from __future__ import annotations

import hashlib
import os
import stat

import pytest
from sqlalchemy import select

from ingest import pipeline
from ingest.actor import Actor
from ingest.intake import submit
from ingest.queries import find_by_case_number, get_letter, original, review_queue
from ingest.review import ReviewDecision, review
from letterdesk.errors import (CorruptFile, EmptyFile, EncryptedFile, InvalidRequest, InvalidState,
                               PermissionDenied, TooLarge, UnsupportedType)
from storage.models import Letter, Rejection
from tests import docs

REVIEWER = Actor(None, "审核员", "reviewer")
CLERK = Actor(None, "登记员", "clerk")
CASE = "（2024）豫0825执1234号"


def _letter_pdf() -> bytes:
    return docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)


def test_accepted_file_is_stored_before_processing_and_duplicates_are_recognised(rt):
    data = _letter_pdf()
    first = submit(rt, data, "函.pdf", "cli", enqueue=False)
    assert (first.status, first.duplicate) == ("received", False)
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert original(rt, first.id)[0] == data  # retrievable before any stage ran

    again = submit(rt, data, "另一个名字.pdf", "api", enqueue=False)
    assert (again.id, again.duplicate) == (first.id, True)
    with rt.db.session() as s:
        assert s.scalar(select(Letter).where(Letter.sha256 == first.sha256)).filename == "函.pdf"
        assert len(s.scalars(select(Letter)).all()) == 1


@pytest.mark.parametrize("data, error", [
    (b"", EmptyFile),
    (docs.docx_bytes(), UnsupportedType),
    (docs.HTML_BYTES, UnsupportedType),
    (docs.corrupt_pdf_bytes(), CorruptFile),
    (docs.encrypted_pdf_bytes(), EncryptedFile),
    (docs.bomb_png_bytes(), TooLarge),
], ids=["empty", "docx", "html", "truncated-pdf", "encrypted-pdf", "png-bomb"])
def test_bad_input_is_refused_with_its_reason_and_quarantined(rt, data, error):
    with pytest.raises(error) as caught:
        submit(rt, data, "bad.pdf", "upload", enqueue=False)
    assert caught.value.message  # a clear message for the desk
    with rt.db.session() as s:
        rejection = s.scalar(select(Rejection))
        assert (rejection.code, rejection.filename) == (error.code, "bad.pdf")
        key = rejection.object_key
        assert not s.scalars(select(Letter)).all()
    assert rt.objects.get(key) == data


def test_letter_moves_through_every_stage_to_review_then_filed_and_found_by_variant(rt):
    pdf = _letter_pdf()
    accepted = submit(rt, pdf, "函.pdf", "cli", enqueue=False)
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    detail = get_letter(rt, accepted.id)
    assert [p.source for p in detail.pages] == ["text-layer", "text-layer"]
    assert detail.fields["case_number"] == CASE
    assert detail.summary.intervener_type is not None and 0.0 <= detail.summary.probability <= 1.0
    assert {e.action for e in detail.events} >= {"ingest", "ocr", "segment", "classify", "queue_for_review"}
    assert [s.id for s in review_queue(rt)] == [accepted.id]

    with pytest.raises(PermissionDenied):
        review(rt, accepted.id, ReviewDecision("confirm", intervener_type="EXT_ORG"), CLERK)
    with pytest.raises(InvalidRequest):
        review(rt, accepted.id, ReviewDecision("confirm", intervener_type="NO_SUCH_TYPE"), REVIEWER)

    decision = ReviewDecision("confirm", intervener_type="EXT_ORG", special_report=("SR10",),
                              fields={"unit": "梅川县人民政府", "name": "张县长"})
    filed = review(rt, accepted.id, decision, REVIEWER)
    assert filed.status == "filed" and filed.name == "张县长"
    with pytest.raises(InvalidState):
        review(rt, accepted.id, decision, REVIEWER)

    prefix = get_letter(rt, accepted.id).archive_prefix
    keys = set(rt.objects.list(prefix))
    assert keys == {f"{prefix}/original.pdf", f"{prefix}/ocr.txt", f"{prefix}/record.json"}
    assert rt.objects.get(f"{prefix}/original.pdf") == pdf
    assert [s.id for s in find_by_case_number(rt, "(2024)豫0825执字第1234号")] == [accepted.id]
    assert find_by_case_number(rt, "（2024）豫0825执1235号") == []


def test_filed_objects_cannot_be_overwritten(rt):
    accepted = submit(rt, _letter_pdf(), "函.pdf", "cli", enqueue=False)
    pipeline.run_inline(rt, accepted.id)
    review(rt, accepted.id, ReviewDecision("confirm", intervener_type="EXT_ORG"), REVIEWER)
    prefix = get_letter(rt, accepted.id).archive_prefix
    record_path = rt.settings.data_dir / "objects" / prefix / "record.json"
    assert not record_path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    from letterdesk.errors import ObjectExists

    with pytest.raises(ObjectExists):
        rt.objects.put(f"{prefix}/record.json", b"{}", "application/json", immutable=True)


def test_reject_needs_a_reason_and_records_it(rt):
    accepted = submit(rt, _letter_pdf(), "函.pdf", "cli", enqueue=False)
    pipeline.run_inline(rt, accepted.id)
    with pytest.raises(InvalidRequest):
        review(rt, accepted.id, ReviewDecision("reject", reason="  "), REVIEWER)
    rejected = review(rt, accepted.id, ReviewDecision("reject", reason="重复扫描，原件已登记"), REVIEWER)
    assert rejected.status == "rejected"
    assert get_letter(rt, accepted.id).reject_reason == "重复扫描，原件已登记"


class CrashEngine:
    name = "crash"

    def recognize(self, image):
        raise RuntimeError("engine exploded")


def test_a_failing_stage_leaves_failed_with_reason_and_retry_recovers(rt):
    accepted = submit(rt, docs.png_bytes(docs.SAMPLE_LETTER_PAGES[0]), "scan.png", "upload", enqueue=False)
    rt.ocr_engine = CrashEngine()
    assert pipeline.run_inline(rt, accepted.id) == "failed"
    summary = get_letter(rt, accepted.id).summary
    assert "engine exploded" in summary.failure_reason
    with pytest.raises(InvalidState):  # a failed letter is not in review
        review(rt, accepted.id, ReviewDecision("reject", reason="x"), REVIEWER)

    del rt.ocr_engine  # back to the configured Tesseract engine
    assert pipeline.retry(rt, accepted.id, REVIEWER) == "received"
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    assert "暂缓执行" in "".join(p.text for p in get_letter(rt, accepted.id).pages).replace(" ", "")


def _queued_messages(rt) -> list[dict]:
    """Messages waiting in the embedded (filesystem) broker, decoded."""
    import base64
    import json

    found = []
    for path in sorted(rt.settings.broker_folder.glob("*.msg")):
        body = json.loads(path.read_text())
        found.append(json.loads(base64.b64decode(body["body"]))[1])  # Celery protocol 2: (args, kwargs, embed)
    return found


def test_reconciler_requeues_only_stale_letters(rt):
    stale = submit(rt, _letter_pdf(), "a.pdf", "cli", enqueue=False)
    assert _queued_messages(rt) == []
    assert pipeline.reconcile(rt, older_than=3600) == []
    assert pipeline.reconcile(rt, older_than=0) == [stale.id]
    assert _queued_messages(rt) == [{"letter_id": stale.id, "stage": "ocr"}]
    pipeline.run_inline(rt, stale.id)
    assert pipeline.reconcile(rt, older_than=0) == []  # in review: nothing to do


def test_lines_read_with_low_confidence_are_listed_for_the_reviewer(rt):
    scan = docs.png_bytes(["梅川县人民政府", "关于商请暂缓执行的函", "（2024）豫0825执1234号"], dpi=200)
    accepted = submit(rt, scan, "scan.png", "upload", enqueue=False)
    pipeline.run_inline(rt, accepted.id)
    with rt.db.session() as s:
        letter = s.get(Letter, accepted.id)
        [page] = letter.pages
        lines = [dict(line) for line in page.lines]
        # make one line doubtful, as a smudged scan would
        lines[0] = {**lines[0], "confidence": 41.0}
        page.lines = list(lines)
    [view] = get_letter(rt, accepted.id).pages
    assert view.doubtful == (lines[0]["text"],)
    assert all(isinstance(line["confidence"], float) for line in lines[1:])
