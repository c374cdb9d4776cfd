"""The registers (专库) with their exports, the list of filed letters kept out of them, and the deadlines page."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from classifier.taxonomy import EXTERNAL, FORMS, INTERNAL, INTERVENER_TYPES, NEITHER, SPECIAL_REPORT
from ingest import deadlines as deadline_service, registers as register_service
from ingest.audit import record_event
from ingest.registers import RegisterFilters
from review_ui import responses
from review_ui.access import can, require
from review_ui.context import actor, runtime

bp = Blueprint("registers", __name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = {"csv": (register_service.to_csv, "text/csv; charset=utf-8"), "xlsx": (register_service.to_xlsx, XLSX_MIME)}


def _page(scope: str) -> str:
    """A list of ``scope`` filtered by the query arguments, with export links carrying the same filters."""
    filters = RegisterFilters.from_args(request.args)
    rows = register_service.records(runtime(), scope, filters)
    return render_template("register.html", scope=scope, title=register_service.TITLES[scope], rows=rows,
                           columns=register_service.columns(scope), filters=filters, query=filters.as_dict(),
                           types={c: t.name for c, t in INTERVENER_TYPES.items() if t.scope == scope},
                           special_report=SPECIAL_REPORT, forms=FORMS)


def _export(scope: str, extension: str) -> Response:
    """The filtered list of ``scope`` as a download; the export (filters, row count) is audited."""
    filters = RegisterFilters.from_args(request.args)
    rt = runtime()
    rows = register_service.records(rt, scope, filters)
    write, mime = EXPORTS[extension]
    record_event(rt, g.account.username, "export", None, register=scope, format=extension,
                 filters=filters.as_dict(), rows=len(rows))
    name = register_service.export_name(scope, extension, deadline_service.today())
    return responses.attachment(write(rows, scope), name, mime)


@bp.route("/registers/external")
@require("register_external")
def external() -> str:
    """外部人员过问信息专库."""
    return _page(EXTERNAL)


@bp.route("/registers/external/export.csv")
@require("register_external")
def external_csv() -> Response:
    return _export(EXTERNAL, "csv")


@bp.route("/registers/external/export.xlsx")
@require("register_external")
def external_xlsx() -> Response:
    return _export(EXTERNAL, "xlsx")


@bp.route("/registers/internal")
@require("register_internal")
def internal() -> str:
    """司法机关内部人员过问案件信息专库 (supervision and admins only)."""
    return _page(INTERNAL)


@bp.route("/registers/internal/export.csv")
@require("register_internal")
def internal_csv() -> Response:
    return _export(INTERNAL, "csv")


@bp.route("/registers/internal/export.xlsx")
@require("register_internal")
def internal_xlsx() -> Response:
    return _export(INTERNAL, "xlsx")


@bp.route("/registers/unregistered")
@require("read")
def unregistered() -> str:
    """Filed letters in no register, each with the action the rules prescribe."""
    return _page(NEITHER)


@bp.route("/deadlines")
@require("deadlines")
def deadlines() -> str:
    """Letters to record that are due today or overdue, and register records still to be copied: a
    reviewer's own, or everyone's for supervisors and admins."""
    mine = None if can("deadlines_all") else g.account.id
    board = deadline_service.board(runtime(), deadline_service.today(), reviewer_id=mine)
    return render_template("deadlines.html", board=board, everyone=mine is None,
                           warning=deadline_service.CALENDAR_WARNING if board.weekends_only else None)


@bp.route("/letters/<int:letter_id>/copy-sent", methods=["POST"])
@require("copy_sent")
def copy_sent(letter_id: int) -> Response:
    """Mark the letter's record as copied to the supervision and trial-management departments."""
    deadline_service.mark_copy_sent(runtime(), letter_id, actor())
    flash(f"来信 #{letter_id} 已登记抄送纪检监察和审判管理部门")
    return redirect(url_for("registers.deadlines"))
