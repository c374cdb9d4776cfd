"""Alerts to supervisors: the desk's alert list, acknowledging, marking a letter serious.

The blueprint also gives every template two lazy helpers: ``open_alert_count()`` (the nav link's count)
and ``letter_alerts(letter_id)`` (the letter page's badge and open alerts); neither queries the database
unless a template calls it.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ingest import alerts as alert_service
from review_ui.access import require
from review_ui.context import actor, runtime

bp = Blueprint("alerts", __name__)


@bp.app_context_processor
def alert_helpers() -> dict:
    """Template helpers for the nav link and the letter page (see the module docstring)."""
    return {
        "open_alert_count": lambda: alert_service.count_open(runtime()),
        "letter_alerts": lambda letter_id: alert_service.letter_alerts(runtime(), letter_id),
        "serious_reason_max": alert_service.REASON_MAX,
    }


@bp.route("/alerts")
@require("alerts")
def index() -> str:
    """Every alert, open ones first; acknowledged ones are shown greyed."""
    return render_template("alerts.html", alerts=alert_service.list_alerts(runtime()))


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
@require("alerts")
def acknowledge(alert_id: int) -> Response:
    """Acknowledge an alert; back to its letter when the form says ``back=letter``, else to the list."""
    alert = alert_service.acknowledge(runtime(), alert_id, actor())
    flash(f"提醒 #{alert.id}（来信 #{alert.letter_id}）已确认")
    if request.form.get("back") == "letter":
        return redirect(url_for("desk.letter", letter_id=alert.letter_id))
    return redirect(url_for("alerts.index"))


@bp.route("/letters/<int:letter_id>/serious", methods=["POST"])
@require("mark_serious")
def mark_serious(letter_id: int) -> Response:
    """Mark the letter 情节严重 with the reason in the form; supervisors are alerted at once."""
    alert = alert_service.mark_serious(runtime(), letter_id, request.form.get("reason", ""), actor())
    failed = "、".join(alert_service.CHANNEL_LABELS[c] for c in alert.failed_channels())
    flash(f"来信 #{letter_id} 已标记为情节严重，已提醒主管" + (f"（{failed}投递失败，已记录）" if failed else ""))
    return redirect(url_for("desk.letter", letter_id=letter_id))
