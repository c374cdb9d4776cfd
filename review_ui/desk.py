"""The desk's pages: queue, letter review, upload, archive search, downloads."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from classifier.taxonomy import FORMS, INTERVENER_TYPES, SPECIAL_REPORT
from ingest import locate, records, intake, pipeline, queries, review as review_service, search as archive
from ingest.intake import Accepted
from letterdesk.errors import InputRejected
from review_ui import decisions, responses
from review_ui.access import can, require
from review_ui.context import actor, runtime
from review_ui.formatting import FIELD_LABELS, SEGMENT_LABELS
from storage.models import STATUS_LABELS

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


def _filter_of_form(raw: str) -> queries.QueueFilter:
    """The queue filter a form carried as a URL query string (hidden ``next_filter``): only the keys of
    :data:`queries.FILTER_KEYS` are read, each value validated; anything else is dropped."""
    return queries.QueueFilter.from_args(dict(parse_qsl(raw, keep_blank_values=True)))


@bp.route("/")
@require("read")
def queue() -> str:
    """Home: the filtered, sorted queue (default: letters awaiting review, oldest first; the filter lives in
    the query string) and the most recent letters in every state."""
    rt = runtime()
    chosen = queries.QueueFilter.from_args(request.args)
    return render_template("queue.html", waiting=queries.list_letters(rt, queue_filter=chosen), f=chosen,
                           filter_args=chosen.query_args(), sorts=queries.SORTS, statuses=STATUS_LABELS,
                           types=INTERVENER_TYPES, special_report=SPECIAL_REPORT,
                           threshold=rt.settings.confidence_threshold,
                           recent=queries.list_letters(rt, limit=RECENT_LIMIT))


@bp.route("/letters/<int:letter_id>")
@require("read")
def letter(letter_id: int) -> str:
    """One letter: page images (zoom, rotate) beside their text line by line (doubtful lines marked), the
    editable record with a link from each field to where it is written on the page, and the label
    choices, with links to the previous and next letter of the queue filter given in the query string."""
    rt = runtime()
    detail = queries.get_letter(rt, letter_id)
    pages = locate.page_lines(rt, letter_id)
    chosen = queries.QueueFilter.from_args(request.args)
    prev_id, next_id = queries.neighbours(rt, chosen, letter_id)
    filter_args = chosen.query_args()
    return render_template("letter.html", d=detail, forms=FORMS, field_labels=FIELD_LABELS,
                           segment_labels=SEGMENT_LABELS, prev_id=prev_id, next_id=next_id,
                           filter_args=filter_args, next_filter=urlencode(filter_args),
                           can_review=can("review") and detail.summary.status == "in_review",
                           attendees=records.attendees(rt, letter_id), letter_id=letter_id,
                           lines={page.index: page for page in pages},
                           locations=locate.find_fields(pages, detail.fields))


@bp.route("/letters/<int:letter_id>/review", methods=["POST"])
@require("review")
def review(letter_id: int) -> Response:
    """Confirm (file) or reject the letter with the submitted choices. With ``?then=next`` go on to the next
    letter of the queue filter in the hidden ``next_filter`` field, else (or when none is left) to that queue."""
    rt = runtime()
    chosen = _filter_of_form(request.form.get("next_filter", ""))
    next_id = queries.neighbours(rt, chosen, letter_id)[1] if request.args.get("then") == "next" else None
    result = review_service.review(rt, letter_id, decisions.from_form(request.form), actor())
    flash(f"来信 #{result.id}「{result.filename}」：{result.status_label}")
    if next_id is not None:
        return redirect(url_for("desk.letter", letter_id=next_id, **chosen.query_args()))
    return redirect(url_for("desk.queue", **chosen.query_args()))


@bp.route("/queue/confirm-confident", methods=["POST"])
@require("review")
def confirm_confident() -> Response:
    """Confirm every letter of the filtered queue (hidden ``next_filter``) whose prediction is confident."""
    chosen = _filter_of_form(request.form.get("next_filter", ""))
    done = review_service.bulk_confirm(runtime(), chosen, actor())
    listed = "、".join(f"#{i}" for i in done)
    flash(f"已确认归档 {len(done)} 封有把握的来信" + (f"：{listed}" if done else ""))
    return redirect(url_for("desk.queue", **chosen.query_args()))


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


def _search_query(args) -> archive.SearchQuery:
    """The :class:`SearchQuery` of the search form's arguments; unknown label codes are ignored."""
    code = args.get("intervener_type", "")
    item = args.get("special_report", "")
    return archive.SearchQuery(
        text=args.get("text", "").strip(), case_number=args.get("case_number", "").strip(),
        name=args.get("name", "").strip(), unit=args.get("unit", "").strip(),
        date_from=queries.date_arg(args, "date_from"), date_to=queries.date_arg(args, "date_to"),
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
