"""The quarterly report page (汇总分析) and its downloads, for supervisors and admins."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from ingest import reports
from ingest.deadlines import today
from letterdesk.errors import NotFound
from review_ui import responses
from review_ui.access import require
from review_ui.context import runtime

bp = Blueprint("reports", __name__)

QUARTERS_SHOWN = 8


def recent_quarters(on: dt.date, count: int = QUARTERS_SHOWN) -> list[str]:
    """The quarter containing ``on`` and the ``count - 1`` before it, newest first (``"2026Q3"``)."""
    year, q = on.year, (on.month - 1) // 3 + 1
    names = []
    for _ in range(count):
        names.append(f"{year}Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return names


@bp.route("/reports")
@require("reports")
def index() -> str:
    """The chosen quarter's summary per register (default: the current quarter) with download links."""
    quarters = recent_quarters(today())
    summary = reports.quarter_summary(runtime(), request.args.get("quarter") or quarters[0])
    return render_template("reports.html", summary=summary, quarters=quarters, formats=list(reports.EXPORTS),
                           headings=reports.COUNT_HEADINGS, label_of=reports.label_of)


@bp.route("/reports/<quarter>.<fmt>")
@require("reports")
def download(quarter: str, fmt: str) -> Response:
    """The quarter's summary as a CSV, XLSX or PDF download."""
    if fmt not in reports.EXPORTS:
        raise NotFound(f"不支持的报表格式：{fmt}")
    export, mime = reports.EXPORTS[fmt]
    summary = reports.quarter_summary(runtime(), quarter)
    return responses.attachment(export(summary), reports.export_filename(summary, fmt), mime)
