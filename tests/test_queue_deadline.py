"""The queue's record deadline (taxonomy §5: 2 working days from receipt): shown per row, filtered and sorted.

"Today" is pinned to Friday 9 October 2026, the second working day after National Day 2026 (1–7 Oct off,
Saturday 10 Oct worked, as the ``chinesecalendar`` package carries the State Council notice).
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from ingest import deadlines, queries
from ingest.deadlines import CHINA_TZ
from ingest.review import ReviewDecision, review
from letterdesk.errors import InvalidRequest
from tests.fixtures.runtime import actor
from tests.test_registers import _pdf, _set_received
from tests.test_review_ui import _csrf, _text, app, client, letter_in_review, login  # noqa: F401

TODAY = dt.date(2026, 10, 9)


@pytest.fixture
def today(monkeypatch) -> dt.date:
    monkeypatch.setattr(deadlines, "today", lambda: TODAY)
    return TODAY


def _letter(rt, tag: str, received: dt.datetime) -> int:
    letter_id = letter_in_review(rt, _pdf(tag), f"{tag}.pdf")
    _set_received(rt, letter_id, received)
    return letter_id


@pytest.fixture
def letters(app, rt, today) -> dict[str, int]:  # noqa: F811 (app creates the users)
    """Letters in review, created out of deadline order, named by how due they are on :data:`TODAY`."""
    return {
        "later": _letter(rt, "后", dt.datetime(2026, 10, 9, 9, tzinfo=CHINA_TZ)),  # due Mon 12 Oct
        "overdue": _letter(rt, "逾", dt.datetime(2026, 9, 29, 15, tzinfo=CHINA_TZ)),  # due Thu 8 Oct
        "tomorrow": _letter(rt, "明", dt.datetime(2026, 10, 8, 11, tzinfo=CHINA_TZ)),  # due Sat 10 Oct (worked)
        # 23:30 UTC on 29 Sep is 30 Sep in Beijing: 8 and 9 Oct are the two working days after the holiday
        "today": _letter(rt, "今", dt.datetime(2026, 9, 29, 23, 30, tzinfo=dt.timezone.utc)),
    }


def _ids(rt, **args: str) -> list[int]:
    return [s.id for s in queries.list_letters(rt, queue_filter=queries.QueueFilter.from_args(args))]


def _row(page: str, letter_id: int) -> str:
    """The visible text of the queue row of ``letter_id``, without spaces."""
    match = re.search(rf'<tr class="[^"]*">\s*<td><a href="/letters/{letter_id}[?"].*?</tr>', page, re.S)
    assert match, letter_id
    return _text(match.group(0)).replace(" ", "")


def test_rows_show_due_dates_counted_across_national_day_with_badges(client, letters):
    login(client, "clerk")
    page = client.get("/").text
    expected = {"overdue": ("2026-10-08", "已逾期"), "today": ("2026-10-09", "今日到期"),
                "tomorrow": ("2026-10-10", "明日到期"), "later": ("2026-10-12", None)}
    for name, (due, badge) in expected.items():
        row = _row(page, letters[name])
        assert f"应登记：{due}" in row, (name, row)
        for other in ("已逾期", "今日到期", "明日到期"):
            assert (other in row) == (other == badge), (name, row)


def test_filters_keep_only_letters_so_due_and_filed_letters_have_no_deadline(client, rt, letters):
    assert _ids(rt, due="overdue") == [letters["overdue"]]
    assert _ids(rt, due="today") == [letters["today"]]
    assert _ids(rt, due="tomorrow") == [letters["tomorrow"]]
    assert sorted(_ids(rt)) == sorted(letters.values())
    review(rt, letters["overdue"], ReviewDecision("confirm", "NOT_INTERVENTION", form="LETTER",
                                                  fields={"case_number": ""}), actor(rt, "reviewer"))
    assert _ids(rt, due="overdue") == [] and _ids(rt, status="", due="overdue") == []  # recorded now
    filed = queries.get_letter(rt, letters["overdue"]).summary
    assert (filed.record_by, filed.record_due) == (None, "")
    login(client, "clerk")
    page = client.get("/?due=today").text
    assert f'href="/letters/{letters["today"]}?due=today"' in page
    assert f'/letters/{letters["later"]}?' not in page
    assert re.search(r'<option value="today" selected>今日到期</option>', page)


def test_sort_by_deadline_puts_the_soonest_first_and_letters_without_one_last(rt, letters):
    assert _ids(rt, sort="deadline") == [letters[n] for n in ("overdue", "today", "tomorrow", "later")]
    review(rt, letters["overdue"], ReviewDecision("confirm", "NOT_INTERVENTION", form="LETTER",
                                                  fields={"case_number": ""}), actor(rt, "reviewer"))
    in_any_state = _ids(rt, status="", sort="deadline")
    assert in_any_state == [letters[n] for n in ("today", "tomorrow", "later", "overdue")]
    assert _ids(rt, status="", sort="received")[0] == letters["overdue"]  # received first, but recorded
    assert queries.summary_dict(queries.get_letter(rt, letters["today"]).summary)["record_by"] == "2026-10-09"


def test_the_deadline_filter_survives_confirm_and_next(client, rt, app, today):  # noqa: F811
    first = _letter(rt, "一", dt.datetime(2026, 9, 21, 9, tzinfo=CHINA_TZ))
    second = _letter(rt, "二", dt.datetime(2026, 9, 22, 9, tzinfo=CHINA_TZ))
    _letter(rt, "不急", dt.datetime(2026, 10, 9, 9, tzinfo=CHINA_TZ))
    chosen = queries.QueueFilter(due="overdue", sort="deadline")
    assert chosen.query_args() == {"due": "overdue", "sort": "deadline"}
    assert queries.QueueFilter.from_args(chosen.query_args()) == chosen
    assert queries.neighbours(rt, chosen, first) == (None, second)
    login(client, "reviewer")
    page = client.get(f"/letters/{first}?due=overdue&sort=deadline").text
    assert f'href="/letters/{second}?due=overdue&amp;sort=deadline"' in page  # 下一封 keeps the filter
    response = client.post(f"/letters/{first}/review?then=next", data={
        "csrf_token": _csrf(client, f"/letters/{first}"), "action": "confirm", "intervener_type": "NOT_INTERVENTION",
        "next_filter": "due=overdue&sort=deadline"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/letters/{second}?due=overdue&sort=deadline"


@pytest.mark.parametrize("query", ["due=soon", "due=OVERDUE", "sort=due", "sort=-deadline"])
def test_bad_deadline_arguments_are_refused(client, query):
    login(client, "clerk")
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    with pytest.raises(InvalidRequest):
        queries.QueueFilter.from_args(dict([query.split("=")]))


def test_times_are_shown_in_beijing_whatever_the_servers_zone(monkeypatch):
    """Registers, forms, mails and the desk print one time format; a naive value (as SQLite returns it) is UTC,
    not the server's local zone."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert deadlines.local_minute(dt.datetime(2026, 10, 8, 16, 30)) == "2026-10-09 00:30"
        assert deadlines.local_minute(dt.datetime(2026, 10, 8, 16, 30, tzinfo=dt.timezone.utc)) == "2026-10-09 00:30"
        assert deadlines.local_minute(None) == ""
    finally:
        monkeypatch.undo()
        time.tzset()
