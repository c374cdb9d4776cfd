"""The REST API under ``/api``: bearer-token authentication, JSON in and out.

Errors answer ``{"error": <Chinese message>, "code": <stable code>}`` with the error's HTTP status
(see :mod:`review_ui.errors`).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from ingest import intake, pipeline, queries, review as review_service
from ingest.review import ReviewDecision
from letterdesk.errors import InvalidRequest
from review_ui import responses
from review_ui.access import require
from review_ui.context import API_PREFIX, actor, runtime

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

MAX_LIST = 500


@bp.route("/letters", methods=["POST"])
@require("upload")
def submit() -> tuple[Response, int]:
    """Multipart field ``file`` → 201 ``{id, status, sha256, duplicate: false}``; 200 with
    ``duplicate: true`` when the same bytes were submitted before."""
    file = request.files.get("file")
    if file is None:
        raise InvalidRequest("缺少上传文件 (multipart field 'file' is required)")
    accepted = intake.submit(runtime(), file.read(), file.filename or "upload", "api", actor())
    body = {"id": accepted.id, "status": accepted.status, "sha256": accepted.sha256,
            "filename": accepted.filename, "duplicate": accepted.duplicate}
    return jsonify(body), (200 if accepted.duplicate else 201)


@bp.route("/letters", methods=["GET"])
@require("read")
def list_letters() -> Response:
    """``?case_number=`` → filed letters of that case (any variant); otherwise the most recent letters,
    optionally ``?status=``; ``?limit=`` (1–500, default 200)."""
    rt = runtime()
    case_number = request.args.get("case_number", "").strip()
    if case_number:
        letters = queries.find_by_case_number(rt, case_number)
    else:
        limit = min(max(request.args.get("limit", 200, type=int), 1), MAX_LIST)
        letters = queries.list_letters(rt, status=request.args.get("status") or None, limit=limit)
    return jsonify({"letters": [queries.summary_dict(s) for s in letters]})


@bp.route("/letters/<int:letter_id>", methods=["GET"])
@require("read")
def letter(letter_id: int) -> Response:
    """The full detail of one letter."""
    return jsonify(queries.detail_dict(queries.get_letter(runtime(), letter_id)))


@bp.route("/letters/<int:letter_id>/review", methods=["POST"])
@require("review")
def review(letter_id: int) -> Response:
    """JSON ``{action, intervener_type, special_report, internal_behaviours, form, fields, reason}`` →
    the letter's summary after filing or rejection."""
    decision = ReviewDecision.from_dict(request.get_json(silent=True))
    return jsonify(queries.summary_dict(review_service.review(runtime(), letter_id, decision, actor())))


@bp.route("/letters/<int:letter_id>/retry", methods=["POST"])
@require("retry")
def retry(letter_id: int) -> Response:
    """Re-queue a failed letter; answers its summary."""
    rt = runtime()
    pipeline.retry(rt, letter_id, actor())
    return jsonify(queries.summary_dict(queries.get_letter(rt, letter_id).summary))


@bp.route("/letters/<int:letter_id>/original", methods=["GET"])
@require("read")
def original(letter_id: int) -> Response:
    """The original file as an attachment."""
    return responses.attachment(*queries.original(runtime(), letter_id))
