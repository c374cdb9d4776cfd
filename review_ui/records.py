"""Desk pages for records of interventions without paper: entering one, and attendees confirming it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ingest import records
from letterdesk.errors import InvalidRequest
from review_ui.access import require
from review_ui.context import actor, runtime

bp = Blueprint("records", __name__)


def _form_of(code: str, data) -> records.RecordForm:
    """The :class:`RecordForm` of the submitted fields; attendees are separated by commas, 、 or spaces."""
    people = data.get("attendees", "").replace("，", ",").replace("、", ",").replace(" ", ",")
    return records.RecordForm(
        form=code, name=data.get("name", "").strip(), unit=data.get("unit", "").strip(),
        position=data.get("position", "").strip(), occurred_at=data.get("occurred_at", "").strip(),
        content=data.get("content", "").strip(), case_number=data.get("case_number", "").strip(),
        case_name=data.get("case_name", "").strip(), storage_medium=data.get("storage_medium", "").strip(),
        place=data.get("place", "").strip(), attendees=tuple(p for p in people.split(",") if p))


@bp.route("/records/new", methods=["GET", "POST"])
@require("upload")
def new() -> str | Response:
    """GET: the form for ``?form=PHONE|ORAL|SMS_IM|DOCUMENT``. POST: register the record and its attachments."""
    code = request.args.get("form", "PHONE")
    if code not in records.FORMS:
        raise InvalidRequest(f"未知的记录类型：{code}", allowed=sorted(records.FORMS))
    if request.method == "POST":
        files = [(f.filename or "未命名", f.read()) for f in request.files.getlist("attachments") if f.filename]
        accepted = records.submit_record(runtime(), _form_of(code, request.form), actor(), files)
        flash(f"已登记{records.FORMS[code][0]} #{accepted.id}，正在处理")
        return redirect(url_for("desk.letter", letter_id=accepted.id))
    return render_template("record_form.html", code=code, forms=records.FORMS)


@bp.route("/letters/<int:letter_id>/attend", methods=["POST"])
@require("read")
def attend(letter_id: int) -> Response:
    """A person present at an oral intervention confirms its record."""
    records.confirm_attendance(runtime(), letter_id, actor())
    flash(f"您已确认来信 #{letter_id} 的谈话记录")
    return redirect(url_for("desk.letter", letter_id=letter_id))
