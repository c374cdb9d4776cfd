"""A reviewer's day at the desk in a real browser (Debian's Chromium driven by Playwright).

Path: log in → the queue shows the letter → open it → fix the name → choose the type → confirm →
search by another spelling of its case number → the filed letter is found with the corrected name.
Screenshots of the queue and the letter page are written to the test's temp dir.
"""
from __future__ import annotations

import pytest

from ingest.queries import get_letter
from storage import users
from tests.fixtures.browser import desk_url, page  # noqa: F401  (fixtures)
from tests.test_review_ui import CASE_VARIANT, PASSWORD, letter_in_review

pytestmark = pytest.mark.slow


def test_reviewer_corrects_confirms_and_finds_the_letter_by_a_case_variant(rt, desk_url, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    letter_id = letter_in_review(rt)
    users.create_user(rt.db, "shen", PASSWORD, "reviewer", display_name="沈审核")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    page.goto(desk_url + "/")
    expect(page).to_have_url(f"{desk_url}/login?next=/")
    page.get_by_label("用户名").fill("shen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    queue = page.locator("#review-queue")
    row = queue.locator("tr", has=page.get_by_role("link", name=f"#{letter_id}", exact=True))
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text(get_letter(rt, letter_id).summary.intervener_type_label)
    expect(page.locator("header")).to_contain_text("沈审核")
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

    row.get_by_role("link", name=f"#{letter_id}").click()
    expect(page.locator("#letter-status")).to_have_text("待审核")
    expect(page.locator(".page-text pre").first).to_contain_text("梅川县")
    preview = page.locator(".page img").first
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")  # the preview really loaded
    page.get_by_label("姓名").fill("王建国")
    page.locator("input[name=intervener_type][value=EXT_ORG]").check()
    page.locator("input[name=special_report][value=SR10]").check()
    page.screenshot(path=str(tmp_path / "letter.png"), full_page=True)
    page.get_by_role("button", name="确认归档").click()

    expect(page.locator(".flash")).to_contain_text("已归档")
    expect(page.locator("#review-queue")).to_have_count(0)  # the queue is empty now

    page.get_by_role("searchbox").fill(CASE_VARIANT)
    page.get_by_role("button", name="检索").first.click()
    result = page.locator("#search-results tr", has=page.get_by_role("link", name=f"#{letter_id}", exact=True))
    expect(result).to_contain_text("王建国")
    expect(result).to_contain_text("已归档")
    with page.expect_download() as download:
        result.get_by_role("link", name="下载原件").click()
    assert download.value.suggested_filename == "县政府函.pdf"

    assert get_letter(rt, letter_id).fields["name"] == "王建国"
    assert (tmp_path / "queue.png").stat().st_size > 10_000 and (tmp_path / "letter.png").stat().st_size > 10_000
    assert not console_errors, console_errors  # e.g. a CSP violation would show here
