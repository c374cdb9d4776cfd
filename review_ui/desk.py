"""The desk's pages: queue, letter review, upload, archive search, downloads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from classifier.taxonomy import FORMS, INTERVENER_TYPES, SPECIAL_REPORT
from ingest import intake, pipeline, queries, review as review_service, search as archive
from ingest.intake import Accepted
from letterdesk.errors import InputRejected, InvalidRequest
from review_ui import decisions, responses
from review_ui.access import can, require
from review_ui.context import actor, runtime
from review_ui.formatting import FIELD_LABELS, SEGMENT_LABELS

bp = Blueprint("desk", __name__)

RECENT_LIMIT = 50


@dataclass(frozen=True)
class UploadResult:
    """What happened to one file of a multi-file upload: accepted (maybe a duplicate) or refused."""

    filename: str
    accepted: Accepted | None = None
    error: str | None = None


def _submit(file: FileStorage) -> UploadResult:
    """Hand one uploaded file to intake; a refusal is reported for this file and does not stop the rest."""
    name = file.filename or "未命名"
    try:
        return UploadResult(name, accepted=intake.submit(runtime(), file.read(), name, "upload", actor()))
    except InputRejected as err:
        return UploadResult(name, error=err.message)


@bp.route("/")
@require("read")
def queue() -> str:
    """Home: letters awaiting review (oldest first) and the most recent letters in every state."""
    rt = runtime()
    return render_template("queue.html", waiting=queries.review_queue(rt),
                           recent=queries.list_letters(rt, limit=RECENT_LIMIT))


@bp.route("/letters/<int:letter_id>")
@require("read")
def letter(letter_id: int) -> str:
    """One letter: page images beside their text, the editable record and the label choices."""
    detail = queries.get_letter(runtime(), letter_id)
    return render_template("letter.html", d=detail, forms=FORMS, field_labels=FIELD_LABELS,
                           segment_labels=SEGMENT_LABELS,
                           can_review=can("review") and detail.summary.status == "in_review")


@bp.route("/letters/<int:letter_id>/review", methods=["POST"])
@require("review")
def review(letter_id: int) -> Response:
    """Confirm (file) or reject the letter with the submitted choices, then return to the queue."""
    result = review_service.review(runtime(), letter_id, decisions.from_form(request.form), actor())
    flash(f"来信 #{result.id}「{result.filename}」：{result.status_label}")
    return redirect(url_for("desk.queue"))


@bp.route("/letters/<int:letter_id>/retry", methods=["POST"])
@require("retry")
def retry(letter_id: int) -> Response:
    """Re-queue a failed letter."""
    pipeline.retry(runtime(), letter_id, actor())
    flash(f"来信 #{letter_id} 已重新排队处理")
    return redirect(url_for("desk.queue"))


@bp.route("/upload", methods=["GET", "POST"])
@require("upload")
def upload() -> str:
    """GET: the form. POST: submit every chosen file and list a result per file."""
    results: list[UploadResult] = []
    if request.method == "POST":
        chosen = [f for f in request.files.getlist("files") if f.filename]
        if not chosen:
            flash("请选择至少一个文件")
        results = [_submit(f) for f in chosen]
    return render_template("upload.html", results=results)


@bp.route("/search")
@require("read")
def search() -> str:
    """Archive search of filed letters: case number (any variant), name, unit, received-date range, labels
    and full text. With no criterion the form is shown alone."""
    query = _search_query(request.args)
    letters = archive.search(runtime(), query) if not query.is_empty else []
    return render_template("search.html", q=query, searched=not query.is_empty, letters=letters,
                           types=INTERVENER_TYPES, special_report=SPECIAL_REPORT)


def _date_arg(args, name: str) -> dt.date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidRequest(f"日期格式应为 YYYY-MM-DD：{raw}") from exc


def _search_query(args) -> archive.SearchQuery:
    """The :class:`SearchQuery` of the search form's arguments; unknown label codes are ignored."""
    code = args.get("intervener_type", "")
    item = args.get("special_report", "")
    return archive.SearchQuery(
        text=args.get("text", "").strip(), case_number=args.get("case_number", "").strip(),
        name=args.get("name", "").strip(), unit=args.get("unit", "").strip(),
        date_from=_date_arg(args, "date_from"), date_to=_date_arg(args, "date_to"),
        intervener_type=code if code in INTERVENER_TYPES else "",
        special_report=item if item in SPECIAL_REPORT else "")


@bp.route("/letters/<int:letter_id>/original")
@require("read")
def original(letter_id: int) -> Response:
    """The original file as received, always as a download."""
    return responses.attachment(*queries.original(runtime(), letter_id))


@bp.route("/letters/<int:letter_id>/pages/<int:index>.jpg")
@require("read")
def page_preview(letter_id: int, index: int) -> Response:
    """A rendered page image for the letter page."""
    return responses.jpeg(queries.page_preview(runtime(), letter_id, index))
