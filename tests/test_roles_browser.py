"""Each role's main path at the desk in Debian's Chromium (Playwright), as a user clicks and types.

One runtime, one server and one browser serve the whole module; every user signs in in a browser context of
their own. Paths: a clerk enters an oral intervention whose two attendees confirm it before a reviewer can
file it; a supervisor filters and exports both registers and downloads the quarter's report in every format;
clerks and reviewers are refused what their role does not allow; an admin reaches every page of the desk.
Letters are processed by running the worker's stages in the test (``pipeline.run_inline``), as a worker
beside the server would.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ingest import pipeline
from ingest.deadlines import today
from review_ui.reports import recent_quarters
from storage import users
from tests.fixtures.browser import browser, desk_rt, module_desk_url, signed_in  # noqa: F401  (fixtures)
from tests.test_review_ui import PASSWORD
from tests.test_search_reports import Spec, _file

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.slow

#: username → (role, display name); created once for the module.
ACCOUNTS = {
    "li": ("clerk", "李登记"),
    "zhao": ("clerk", "赵书记员"),
    "wang": ("supervisor", "王庭长"),
    "shen": ("reviewer", "沈审核"),
    "gao": ("supervisor", "高主管"),
    "root": ("admin", "管理员甲"),
}
ORAL_CASE = "（2024）豫0825执1234号"
EXT_CASE = "（2026）豫0825执2468号"
INT_CASES = ("（2026）豫0825刑初135号", "（2026）豫0825民初246号")
NAV = {"external": "外部人员过问专库", "internal": "内部人员过问专库", "reports": "季度汇总"}
REFUSAL = "您的角色没有此项操作的权限"
CONFIRMED_AT = re.compile(r"已于 (\d{4}-\d{2}-\d{2}) \d{2}:\d{2} 确认")


@pytest.fixture(scope="module")
def desk(desk_rt, module_desk_url, browser):  # noqa: F811
    """(runtime, base URL, browser) with the module's accounts created."""
    for username, (role, display) in ACCOUNTS.items():
        users.create_user(desk_rt.db, username, PASSWORD, role, display_name=display)
    return desk_rt, module_desk_url, browser


def _as(desk, username: str) -> AbstractContextManager["Page"]:
    """A signed-in page of ``username`` in a browser context of its own (a context manager)."""
    _, url, launched = desk
    return signed_in(launched, url, username, PASSWORD)


def _nav(page: "Page") -> "Locator":
    """The desk's navigation bar."""
    return page.locator("header nav")


def _download(page: "Page", link: "Locator") -> tuple[str, bytes]:
    """Click ``link`` and wait for the browser's download; its suggested file name and content."""
    with page.expect_download() as started:
        link.click()
    download = started.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_clerk_enters_oral_record_attendees_confirm_and_reviewer_files_it(desk):
    from playwright.sync_api import expect

    rt, url, _ = desk
    day = today().isoformat()
    with _as(desk, "li") as clerk:
        clerk.get_by_role("link", name="登记电话/口头/短信过问").click()
        clerk.get_by_role("link", name="当面过问记录").click()
        expect(clerk.get_by_role("heading", name="登记当面过问记录")).to_be_visible()
        clerk.get_by_label("谈话时间").fill("2024-03-12 09:15")
        clerk.get_by_label("过问人姓名").fill("张三")
        clerk.get_by_label("单位", exact=True).fill("某县人民政府")
        clerk.get_by_label("职务").fill("副县长")
        clerk.get_by_label("案号", exact=True).fill(ORAL_CASE)
        clerk.get_by_label("谈话地点").fill("院长办公室")
        clerk.get_by_label("在场人员").fill("zhao、wang")
        clerk.get_by_label("谈话内容").fill(f"张三当面询问{ORAL_CASE}案件，希望尽快执行。")
        clerk.get_by_role("button", name="登记").click()

        expect(clerk.locator(".flash")).to_contain_text("已登记当面过问记录")
        letter_id = int(re.search(r"/letters/(\d+)$", clerk.url).group(1))
        present = clerk.locator("section.attendees li")
        expect(present).to_have_count(2)
        expect(present.nth(0)).to_contain_text("赵书记员（zhao）：")
        expect(present.nth(1)).to_contain_text("王庭长（wang）：")
        for item in (present.nth(0), present.nth(1)):
            expect(item).to_contain_text("待确认")
        expect(clerk.get_by_role("button", name="确认本记录属实")).to_have_count(0)  # not present herself

        with _as(desk, "zhao") as zhao:  # finds it among the recent letters of the queue
            zhao.locator("#recent-letters").get_by_role("link", name=f"#{letter_id}", exact=True).click()
            zhao.get_by_role("button", name="确认本记录属实").click()
            expect(zhao.locator(".flash")).to_contain_text(f"您已确认来信 #{letter_id} 的谈话记录")
            expect(zhao.locator("section.attendees li").nth(0)).to_contain_text("已于")
            expect(zhao.get_by_role("button", name="确认本记录属实")).to_have_count(0)

        assert pipeline.run_inline(rt, letter_id) == "in_review"  # the worker's turn

        with _as(desk, "shen") as reviewer:
            row = reviewer.locator("#review-queue tr",
                                   has=reviewer.get_by_role("link", name=f"#{letter_id}", exact=True))
            expect(row).to_contain_text("待审核")
            row.get_by_role("link", name=f"#{letter_id}").click()
            reviewer.get_by_label("领导干部本人过问").check()
            reviewer.get_by_role("button", name="确认归档", exact=True).click()
            refusal = reviewer.locator("section.problem")  # wang has not confirmed yet
            expect(refusal).to_contain_text("在场人员尚未全部确认记录，不能归档")
            expect(refusal).to_contain_text("wang")
            refusal.get_by_role("link", name=f"返回来信 #{letter_id}").click()
            expect(reviewer.locator("#letter-status")).to_have_text("待审核")

            with _as(desk, "wang") as wang:
                wang.goto(f"{url}/letters/{letter_id}")
                wang.get_by_role("button", name="确认本记录属实").click()
                expect(wang.locator(".flash")).to_contain_text("您已确认")

            reviewer.get_by_label("领导干部本人过问").check()
            reviewer.get_by_role("button", name="确认归档", exact=True).click()
            expect(reviewer.locator(".flash")).to_contain_text("已归档")

        clerk.reload()
        expect(clerk.locator("#letter-status")).to_have_text("已归档")
        expect(clerk.locator("#value-case_number")).to_contain_text("豫0825执1234号")
        for item in (present.nth(0), present.nth(1)):
            expect(item).to_contain_text(CONFIRMED_AT)
        dates = [CONFIRMED_AT.search(text).group(1) for text in present.all_inner_texts()]
        assert set(dates) <= {day, today().isoformat()}, dates
        assert "待确认" not in clerk.locator("section.attendees").inner_text()


@pytest.fixture(scope="module")
def filed(desk) -> dict[str, int]:
    """One external and two internal letters filed today (their receipt is in the current quarter)."""
    rt = desk[0]
    now = dt.datetime.now(dt.timezone.utc)
    specs = (
        Spec("ext", ("梅川县人民政府", "关于商请对某公司案件暂缓执行的函", f"你院正在执行的{EXT_CASE}案件，",
                     "恳请暂缓执行。"), now, now, "EXT_ORG", ("SR07",), (), "LETTER",
             (("name", "王建国"), ("unit", "梅川县人民政府"), ("case_number", EXT_CASE))),
        Spec("int-leader", ("情况说明", f"本院副院长张华当面询问{INT_CASES[0]}", "案件的合议情况。"), now, now,
             "INT_COURT_LEADER", (), ("IB03",), "ORAL",
             (("name", "张华"), ("unit", "梅川县人民法院"), ("case_number", INT_CASES[0]))),
        Spec("int-upper", ("南阳市中级人民法院", f"关于{INT_CASES[1]}案件", "请妥善处理。"), now, now,
             "INT_UPPER_COURT", ("SR07",), (), "LETTER",
             (("name", "刘强"), ("unit", "南阳市中级人民法院"), ("case_number", INT_CASES[1]))),
    )
    return {spec.key: _file(rt, spec) for spec in specs}


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def test_supervisor_filters_and_exports_both_registers_and_downloads_the_report(desk, filed):
    from playwright.sync_api import expect

    pdfplumber = pytest.importorskip("pdfplumber")
    with _as(desk, "gao") as sup:
        _nav(sup).get_by_role("link", name=NAV["external"]).click()
        expect(sup.get_by_role("heading", level=1)).to_contain_text("外部人员过问信息专库")
        sup.get_by_label("过问人类型").select_option(label="以组织名义发文发函")
        sup.get_by_label("案号", exact=True).fill("(2026)豫0825执字第02468号")  # another spelling of the same case
        sup.get_by_role("button", name="筛选").click()
        expect(sup.get_by_role("heading", level=1)).to_contain_text("1 件")
        expect(sup.locator("#register-external tbody tr")).to_have_count(1)
        expect(sup.locator("#register-external")).to_contain_text("王建国")

        name, data = _download(sup, sup.get_by_role("link", name="CSV", exact=True))
        rows = _csv_rows(data)
        assert name.startswith("外部人员过问信息专库") and name.endswith(".csv")
        assert rows[0][:2] == ["编号", "过问人姓名"] and len(rows) == 2  # the header and the filtered letter
        assert rows[1][0] == str(filed["ext"]) and EXT_CASE in rows[1] and "王建国" in rows[1]
        name, data = _download(sup, sup.get_by_role("link", name="Excel（XLSX）"))
        sheet = _xlsx_rows(data)
        assert name.endswith(".xlsx") and len(sheet) == 2
        assert sheet[1][0] == str(filed["ext"]) and EXT_CASE in sheet[1]

        _nav(sup).get_by_role("link", name=NAV["internal"]).click()
        expect(sup.get_by_role("heading", level=1)).to_contain_text("司法机关内部人员过问案件信息专库")
        expect(sup.locator("#register-internal tbody tr")).to_have_count(2)
        sup.get_by_label("收到日期 自").fill(today().isoformat())
        sup.get_by_label("特别报告事项").select_option(value="SR07")
        sup.get_by_role("button", name="筛选").click()
        expect(sup.locator("#register-internal tbody tr")).to_have_count(1)
        expect(sup.locator("#register-internal")).to_contain_text("刘强")
        rows = _csv_rows(_download(sup, sup.get_by_role("link", name="CSV", exact=True))[1])
        assert [r[0] for r in rows[1:]] == [str(filed["int-upper"])] and INT_CASES[1] in rows[1]
        assert "违规行为" in rows[0]  # the internal register's own column
        sheet = _xlsx_rows(_download(sup, sup.get_by_role("link", name="Excel（XLSX）"))[1])
        assert [r[0] for r in sheet[1:]] == [str(filed["int-upper"])] and INT_CASES[1] in sheet[1]

        _nav(sup).get_by_role("link", name=NAV["reports"]).click()
        quarter = recent_quarters(today())[0]
        expect(sup.get_by_role("heading", level=1)).to_have_text("季度汇总分析")
        expect(sup.get_by_label("季度")).to_have_value(quarter)
        internal_total = sup.locator("#register-internal .total")
        expect(internal_total).to_have_text("2 件")
        external_total = int(sup.locator("#register-external .total").inner_text().split()[0])
        assert external_total >= 1  # the letter filed above (and any other test's) in this quarter

        name, data = _download(sup, sup.get_by_role("link", name="PDF", exact=True))
        assert name == f"过问登记季度汇总-{quarter}.pdf" and data.startswith(b"%PDF")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert f"{quarter} 季度汇总分析" in text
        totals = re.findall(r"来信总数 (\d+)", text)
        assert totals == [str(external_total), "2"], totals  # external, then internal

        name, data = _download(sup, sup.get_by_role("link", name="XLSX", exact=True))
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        assert name.endswith(".xlsx")
        assert book.sheetnames == ["外部人员过问信息专库", "司法机关内部人员过问案件信息专库"]
        internal = [list(r)[:2] for r in book.worksheets[1].iter_rows(values_only=True)]
        assert ["来信总数", 2] in internal
        assert ["本院领导干部过问", 1] in internal and ["上级法院工作人员过问", 1] in internal

        rows = _csv_rows(_download(sup, sup.get_by_role("link", name="CSV", exact=True))[1])
        assert rows[0][0] == f"{quarter} 季度汇总分析"
        assert [r[:2] for r in rows if r and r[0] == "来信总数"] == [["来信总数", str(external_total)], ["来信总数", "2"]]


def _refused(page: "Page", url: str) -> None:
    """Going to ``url`` gives the Chinese refusal page with HTTP 403."""
    from playwright.sync_api import expect

    response = page.goto(url)
    assert response is not None and response.status == 403, (url, response and response.status)
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问")
    expect(page.locator("section.problem")).to_contain_text(REFUSAL)


def test_clerk_and_reviewer_are_refused_what_their_role_does_not_allow(desk):
    from playwright.sync_api import expect

    url = desk[1]
    quarter = recent_quarters(today())[0]
    with _as(desk, "li") as clerk:
        for label in NAV.values():
            expect(_nav(clerk).get_by_role("link", name=label)).to_have_count(0)
        expect(_nav(clerk).get_by_role("link", name="上传来信")).to_be_visible()  # what a clerk does have
        for path in ("/registers/internal", "/registers/internal/export.csv", "/registers/external",
                     "/reports", f"/reports/{quarter}.pdf"):
            _refused(clerk, url + path)
        clerk.get_by_role("link", name="返回待审队列").click()
        expect(clerk.get_by_role("heading", level=1)).to_contain_text("待审队列")

    with _as(desk, "shen") as reviewer:
        expect(_nav(reviewer).get_by_role("link", name=NAV["internal"])).to_have_count(0)
        expect(_nav(reviewer).get_by_role("link", name=NAV["reports"])).to_have_count(0)
        _nav(reviewer).get_by_role("link", name=NAV["external"]).click()
        expect(reviewer.get_by_role("heading", level=1)).to_contain_text("外部人员过问信息专库")
        _refused(reviewer, url + "/registers/internal")
        _refused(reviewer, url + "/registers/internal/export.xlsx")
        _refused(reviewer, url + "/reports")


def test_admin_reaches_every_page_of_the_desk(desk):
    """User management is command-line only (``letterdesk user add``); at the desk an admin holds every
    permission, so every entry of the navigation is there and opens."""
    from playwright.sync_api import expect

    pages = {"上传来信": "上传来信", "登记电话/口头/短信过问": "登记来电记录", "期限": "期限",
             NAV["external"]: "外部人员过问信息专库", NAV["internal"]: "司法机关内部人员过问案件信息专库",
             NAV["reports"]: "季度汇总分析", "档案检索": "档案检索"}
    with _as(desk, "root") as admin:
        expect(admin.locator("header .who")).to_contain_text("管理员甲（管理员）")
        for link, heading in pages.items():
            with admin.expect_response(lambda r: r.request.is_navigation_request()) as answer:
                _nav(admin).get_by_role("link", name=link, exact=True).click()
            assert answer.value.status == 200, link
            expect(admin.get_by_role("heading", level=1)).to_contain_text(heading)
