"""Splitting a scan that holds several letters by page range, and merging two scans of one letter."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from ingest import splitting
from letterdesk.errors import InvalidRequest
from review_ui.access import require
from review_ui.context import actor, runtime

bp = Blueprint("splitting", __name__)


@bp.app_context_processor
def _lineage_helper() -> dict:
    """``split_lineage(letter_id)`` for templates: the letter's sources and the letters derived from it."""
    return {"split_lineage": lambda letter_id: splitting.lineage(runtime(), letter_id)}


def _ids(ids: list[int]) -> str:
    return "、".join(f"#{i}" for i in ids)


@bp.route("/letters/<int:letter_id>/split", methods=["POST"])
@require("split_merge")
def split(letter_id: int) -> Response:
    """Split the letter by the page ranges of form field ``ranges`` (e.g. "1-2, 3") and open the first part."""
    ranges = splitting.parse_ranges(request.form.get("ranges", ""))
    new_ids = splitting.split(runtime(), letter_id, ranges, actor())
    flash(f"来信 #{letter_id} 已拆分为 {len(new_ids)} 封：{_ids(new_ids)}；原件保留不变。"
          f"新来信正在重新切分、分类，稍后进入待审核队列。")
    return redirect(url_for("desk.letter", letter_id=new_ids[0]))


@bp.route("/letters/<int:letter_id>/merge", methods=["POST"])
@require("split_merge")
def merge(letter_id: int) -> Response:
    """Merge the letter (its pages first) with the letter numbered in form field ``other_id``; open the result."""
    raw = request.form.get("other_id", "").strip().lstrip("#＃")
    if not raw.isascii() or not raw.isdigit():
        raise InvalidRequest("请填写要合并的另一封来信的编号（数字，如 12）(other_id must be a letter id)")
    other_id = int(raw)
    merged_id = splitting.merge(runtime(), letter_id, other_id, actor())
    flash(f"来信 #{letter_id} 与 #{other_id} 已合并为来信 #{merged_id}；两份原件均保留不变。"
          f"新来信正在重新切分、分类，稍后进入待审核队列。")
    return redirect(url_for("desk.letter", letter_id=merged_id))
