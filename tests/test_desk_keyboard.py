"""Keyboard-first review at the desk: queue filters and sort in the URL, previous/next within the filter,
"confirm and next" keeping the filter, bulk confirmation of confident letters, and (slow, in Debian's
Chromium) reviewing two letters with the keyboard only.

Letters reach review through the real stages; their stored predictions are then overwritten so each test
controls types, labels and probabilities (the threshold is the settings' default, 0.6).
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from classifier.types import LabelScore, Prediction
from ingest.queries import get_letter
from ingest.runtime import Runtime
from storage.models import Letter
from tests.fixtures.browser import desk_url, page  # noqa: F401  (fixtures)
from tests.test_registers import _pdf
from tests.test_review_ui import PASSWORD, _csrf, app, client, letter_in_review, login  # noqa: F401

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def _letter(rt: Runtime, tag: str, hours: int, itype: str, p: float, sr: dict[str, float] | None = None,
            unsure: tuple[str, ...] = ()) -> int:
    """A letter in review received ``hours`` after :data:`T0`, predicted as ``itype`` with probability ``p``
    and the special-report codes ``sr`` (code → probability) predicted, its fields ``unsure`` marked unsure."""
    letter_id = letter_in_review(rt, _pdf(tag), f"{tag}.pdf")
    sr = sr or {}
    prediction = Prediction(LabelScore(itype, p), {itype: p}, tuple(LabelScore(c, q) for c, q in sr.items()), (),
                            "test", sr_probabilities=dict(sr))
    with rt.db.session() as s:
        letter = s.get(Letter, letter_id)
        s.execute(update(Letter).where(Letter.id == letter_id).values(
            prediction=prediction.to_dict(), received_at=T0 + dt.timedelta(hours=hours),
            predicted_fields={**(letter.predicted_fields or {}), "unsure": list(unsure)}))
    return letter_id


@pytest.fixture
def three(rt) -> tuple[int, int, int]:
    """a: EXT_ORG 95 % with SR10 90 %; b: EXT_ORG 40 %; c: EXT_LEADER 70 % — received in that order."""
    return (_letter(rt, "甲", 0, "EXT_ORG", 0.95, {"SR10": 0.9}), _letter(rt, "乙", 1, "EXT_ORG", 0.4),
            _letter(rt, "丙", 2, "EXT_LEADER", 0.7))


def _queue_ids(html: str) -> list[int]:
    """The letter ids of the queue table, in page order (empty when the table is absent)."""
    if 'id="review-queue"' not in html:
        return []
    table = html.split('id="review-queue"', 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'href="/letters/(\d+)[?"]', table)]


def _status(rt: Runtime, letter_id: int) -> str:
    return get_letter(rt, letter_id).summary.status


def test_queue_filters_and_sorts_from_the_query_string(client, rt, three):
    a, b, c = three
    login(client, "reviewer")
    assert _queue_ids(client.get("/").text) == [a, b, c]  # default: in review, oldest first
    cases = {
        "sort=-received": [c, b, a],
        "sort=confidence": [b, c, a],
        "sort=-confidence": [a, c, b],
        "intervener_type=EXT_ORG": [a, b],
        "special_report=SR10": [a],
        "min_confidence=0.6": [a, c],
        "max_confidence=0.6": [b],
        "intervener_type=EXT_ORG&sort=-received": [b, a],
        "status=filed": [],
        "status=": [a, b, c],
    }
    for query, expected in cases.items():
        page = client.get(f"/?{query}")
        assert page.status_code == 200, query
        assert _queue_ids(page.text) == expected, query
    kept = client.get("/?intervener_type=EXT_ORG&sort=-confidence").text  # the form shows the filter it applied
    assert re.search(r'<option value="EXT_ORG"\s+selected>', kept)
    assert re.search(r'<option value="-confidence"\s+selected>', kept)
    for bad in ("sort=bogus", "status=lost", "min_confidence=2", "intervener_type=NOPE"):
        assert client.get(f"/?{bad}").status_code == 400, bad


def test_letter_page_links_within_the_filter_and_confirm_and_next_keeps_it(client, rt, three):
    a, b, c = three
    login(client, "reviewer")
    query = "intervener_type=EXT_ORG&sort=-confidence"
    page = client.get(f"/letters/{a}?{query}").text
    in_html = query.replace("&", "&amp;")
    assert f'href="/letters/{b}?{in_html}" id="next-letter"' in page and 'id="prev-letter"' not in page
    assert f'name="next_filter" value="{in_html}"' in page
    assert 'src="/static/review.js" defer' in page and 'id="key-help"' in page
    assert 'id="prev-letter"' in client.get(f"/letters/{b}?{query}").text

    form = {"action": "confirm", "intervener_type": "EXT_ORG", "csrf_token": _csrf(client, f"/letters/{a}"),
            "next_filter": query + "&evil=https://example.org"}  # unknown keys are dropped
    done = client.post(f"/letters/{a}/review?then=next", data=form)
    assert done.status_code == 302 and done.headers["Location"] == f"/letters/{b}?{query}"
    assert _status(rt, a) == "filed"
    last = client.post(f"/letters/{b}/review?then=next", data={**form, "next_filter": query})
    assert last.headers["Location"] == f"/?{query}"  # nothing left in this filter: back to its queue
    assert _status(rt, b) == "filed" and _status(rt, c) == "in_review"

    refused = client.post(f"/letters/{c}/review?then=next", data={**form, "next_filter": "sort=bogus"})
    assert refused.status_code == 400 and _status(rt, c) == "in_review"
    plain = client.post(f"/letters/{c}/review", data={**form, "intervener_type": "EXT_LEADER",
                                                      "next_filter": "sort=-received"})
    assert plain.headers["Location"] == "/?sort=-received" and _status(rt, c) == "filed"


def test_bulk_confirm_files_only_confident_letters_of_the_filter(client, rt, three):
    a, b, c = three
    doubtful = _letter(rt, "丁", 3, "EXT_ORG", 0.9, {"SR10": 0.9, "SR03": 0.55})  # one label below 60 %
    unsure = _letter(rt, "戊", 4, "EXT_ORG", 0.95, {"SR10": 0.9}, unsure=("unit",))  # a field the model doubts
    login(client, "reviewer")
    page = client.get(f"/letters/{unsure}").text
    assert 'id="unsure-unit"' in page and "模型把握不大" in page and 'id="unsure-name"' not in page
    queue = client.get("/?intervener_type=EXT_ORG").text
    assert "确认全部有把握的来信" in queue
    token = _csrf(client, "/")
    done = client.post("/queue/confirm-confident", data={"csrf_token": token,
                                                         "next_filter": "intervener_type=EXT_ORG"})
    assert done.status_code == 302 and done.headers["Location"] == "/?intervener_type=EXT_ORG"
    assert [_status(rt, i) for i in (a, b, c, doubtful, unsure)] == ["filed", "in_review", "in_review", "in_review",
                                                                     "in_review"]
    filed = get_letter(rt, a)
    assert [t.code for t in filed.types if t.selected] == ["EXT_ORG"]
    assert [t.code for t in filed.special_report if t.selected] == ["SR10"]
    assert filed.reviewer == "reviewer"
    assert "已确认归档 1 封有把握的来信" in client.get("/").text

    client.post("/queue/confirm-confident", data={"csrf_token": token, "next_filter": ""})  # whole queue
    assert [_status(rt, i) for i in (b, c, doubtful, unsure)] == ["in_review", "filed", "in_review", "in_review"]


def test_clerk_cannot_bulk_confirm(client, rt, three):
    login(client, "clerk")
    assert "确认全部有把握的来信" not in client.get("/").text
    refused = client.post("/queue/confirm-confident", data={"csrf_token": _csrf(client, "/"), "next_filter": ""})
    assert refused.status_code == 403
    assert [_status(rt, i) for i in three] == ["in_review"] * 3


@pytest.mark.slow
def test_two_letters_reviewed_with_the_keyboard_only(rt, desk_url, page):  # noqa: F811
    from playwright.sync_api import expect

    from storage import users

    first = _letter(rt, "键一", 0, "EXT_ORG", 0.3)  # uncertain: no type preselected
    second = _letter(rt, "键二", 1, "EXT_ORG", 0.3)
    users.create_user(rt.db, "shen", PASSWORD, "reviewer", display_name="沈审核")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(desk_url + "/login")
    page.get_by_label("用户名").fill("shen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    expect(page.locator("#review-queue")).to_be_visible()

    page.goto(f"{desk_url}/letters/{first}")
    radios = page.locator("#intervener-types input[type=radio]")
    expect(page.locator("#intervener-types input:checked")).to_have_count(0)
    page.keyboard.press("1")
    expect(radios.nth(0)).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(f"{desk_url}/letters/{second}")
    expect(page.locator(".flash")).to_contain_text("已归档")

    help_box = page.locator("#key-help")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("确认归档并打开下一封")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()

    page.keyboard.press("f")
    page.keyboard.press("1")
    expect(page.locator("[data-field-key='1']")).to_be_focused()
    page.keyboard.type("王建国3")  # a digit typed in a field stays text, it does not pick a type
    expect(page.locator("#intervener-types input:checked")).to_have_count(0)
    page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    expect(radios.nth(1)).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(f"{desk_url}/")  # the last letter of the queue: back to it
    expect(page.locator("#review-queue")).to_have_count(0)
    assert _status(rt, first) == "filed" and _status(rt, second) == "filed"
    assert get_letter(rt, second).fields["name"] == "王建国"
    assert not console_errors, console_errors


def test_queue_rows_open_letters_within_the_current_filter(client, rt, three):
    login(client, "reviewer")
    page = client.get("/?intervener_type=EXT_ORG&sort=-received").text
    assert re.search(r'href="/letters/\d+\?[^"]*intervener_type=EXT_ORG', page)
