"""The two registers with their exports, the list of letters kept out of them, and the deadlines.

Deadline dates are those of the State Council holiday notices as the ``chinesecalendar`` package carries
them: National Day 2025 (1–8 Oct off; Sun 28 Sep and Sat 11 Oct worked) and Spring Festival 2026
(15–23 Feb off; Sat 14 Feb and Sat 28 Feb worked).
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from ingest import deadlines as dl, registers
from ingest.registers import RegisterFilters
from ingest.review import ReviewDecision, review
from ingest.runtime import Runtime
from storage import users
from storage.models import AuditEvent, Letter
from tests import docs
from tests.fixtures.runtime import actor
from tests.test_review_ui import (CASE, CASE_VARIANT, _csrf, _text, app, client, letter_in_review,  # noqa: F401
                                  login)

CST = dl.CHINA_TZ


# --- deadline arithmetic -------------------------------------------------------------------------------

def _at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=CST)


def test_deadlines_skip_national_day_and_count_the_make_up_saturday():
    d = dl.deadlines(_at(2025, 9, 30))
    assert (d.received_on, d.record_by, d.copy_by) == (dt.date(2025, 9, 30), dt.date(2025, 10, 10),
                                                       dt.date(2025, 10, 11))  # 11 Oct is a Saturday worked
    assert not d.weekends_only


def test_a_make_up_sunday_counts_as_a_working_day():
    assert dl.working_days_after(dt.date(2025, 9, 26), 1) == dt.date(2025, 9, 28)  # Sunday worked
    assert dl.deadlines(_at(2025, 9, 26)).record_by == dt.date(2025, 9, 29)


def test_spring_festival_2026_and_the_beijing_date_of_receipt():
    assert dl.deadlines(_at(2026, 2, 13)).record_by == dt.date(2026, 2, 24)  # Sat 14 Feb worked, then the holiday
    # 16:30 UTC on the 13th is already Saturday the 14th in Beijing (a working day, not counted itself)
    late = dl.deadlines(dt.datetime(2026, 2, 13, 16, 30, tzinfo=dt.timezone.utc))
    assert (late.received_on, late.record_by, late.copy_by) == (dt.date(2026, 2, 14), dt.date(2026, 2, 25),
                                                                dt.date(2026, 2, 26))


def test_a_year_the_calendar_does_not_cover_counts_weekends_only_and_says_so(caplog):
    d = dl.deadlines(_at(2099, 1, 2))  # a Friday
    assert (d.record_by, d.copy_by) == (dt.date(2099, 1, 6), dt.date(2099, 1, 7))
    assert d.weekends_only and "2099" in caplog.text
    with pytest.raises(ValueError):
        dl.working_days_after(dt.date(2025, 1, 1), 0)


# --- helpers ---------------------------------------------------------------------------------------------

def _pdf(tag: str) -> bytes:
    """A letter whose first line differs by ``tag`` (so every letter is a new file)."""
    pages = [list(page) for page in docs.SAMPLE_LETTER_PAGES]
    pages[0][0] = f"{pages[0][0]}{tag}"
    return docs.text_pdf_bytes(pages)


def _file(rt: Runtime, tag: str, intervener_type: str, by: str = "reviewer", received: dt.datetime | None = None,
          special_report: tuple[str, ...] = (), **fields: str) -> int:
    """A letter filed as ``intervener_type`` by ``by``, received at ``received`` (default: now)."""
    letter_id = letter_in_review(rt, _pdf(tag), f"{tag}.pdf")
    if received is not None:
        _set_received(rt, letter_id, received)
    review(rt, letter_id, ReviewDecision("confirm", intervener_type, special_report=special_report, form="LETTER",
                                         fields={"case_number": "", **fields}), actor(rt, by))
    return letter_id


def _set_received(rt: Runtime, letter_id: int, received: dt.datetime) -> None:
    with rt.db.session() as s:
        s.execute(update(Letter).where(Letter.id == letter_id).values(received_at=received))


def _events(rt: Runtime, action: str) -> list[AuditEvent]:
    with rt.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def filed(app, rt) -> dict[str, int]:  # noqa: F811  (app creates the users)
    """One filed letter of each scope, received on different days."""
    return {
        "external": _file(rt, "外", "EXT_ORG", special_report=("SR04",), received=_at(2025, 9, 30), name="王建国",
                          unit="梅川县人民政府", position="县长", case_number=CASE, case_name="金融借款合同纠纷"),
        "internal": _file(rt, "内", "INT_COURT_LEADER", by="supervisor", received=_at(2025, 10, 20), name="李副院长",
                          unit="梅川县人民法院", case_number="（2025）豫0825民初77号"),
        "party": _file(rt, "当事人", "PARTY_RELATED", received=_at(2025, 10, 21), name="张三"),
    }


# --- registers -------------------------------------------------------------------------------------------

def test_each_scope_lands_in_its_register_and_party_material_in_neither(rt, filed):
    external = registers.records(rt, "external")
    internal = registers.records(rt, "internal")
    assert [r.letter_id for r in external] == [filed["external"]]
    assert [r.letter_id for r in internal] == [filed["internal"]]
    row = external[0]
    assert (row.name, row.unit, row.position, row.case_name) == ("王建国", "梅川县人民政府", "县长", "金融借款合同纠纷")
    assert row.intervener_type_label == "以组织名义发文发函" and row.special_report == (
        "以听取汇报、开协调会、发文件、打电话等形式超越职权对案件处理提出倾向性意见或具体要求",)
    assert row.received_on == dt.date(2025, 9, 30) and row.recorded_by == "reviewer" and row.summary
    assert len(row.summary) <= registers.SUMMARY_LENGTH + 1
    other = registers.records(rt, "neither")
    assert [(r.letter_id, r.action) for r in other] == [(filed["party"], "告知正当渠道；退回或销毁材料，不得转交承办法官")]


def test_register_pages_show_their_records_and_the_unregistered_list_shows_the_action(client, filed):
    login(client, "supervisor")
    external = _text(client.get("/registers/external").text)
    assert "外部人员过问信息专库" in external and "王建国" in external and "李副院长" not in external
    assert "张三" not in external
    internal = _text(client.get("/registers/internal").text)
    assert "司法机关内部人员过问案件信息专库" in internal and "李副院长" in internal and "王建国" not in internal
    other = _text(client.get("/registers/unregistered").text)
    assert "张三" in other and "退回或销毁材料" in other and "王建国" not in other


def test_filters_by_type_case_number_variant_and_date_range(rt, filed):
    extra = _file(rt, "外二", "EXT_LEADER", received=_at(2025, 11, 3), name="赵书记")

    def ids(**args: str) -> list[int]:
        return [r.letter_id for r in registers.records(rt, "external", RegisterFilters.from_args(args))]

    assert ids() == [filed["external"], extra]
    assert ids(intervener_type="EXT_LEADER") == [extra]
    assert ids(case_number=CASE_VARIANT) == [filed["external"]]
    assert ids(received_from="2025-10-01", received_to="2025-11-30") == [extra]
    assert ids(received_to="2025-09-30") == [filed["external"]]
    assert ids(special_report="SR04") == [filed["external"]]
    assert ids(form="PHONE") == []


def test_bad_filters_are_refused_in_chinese(client, filed):
    login(client, "reviewer")
    response = client.get("/registers/external", query_string={"received_from": "2025-13-01"})
    assert response.status_code == 400 and "日期格式" in response.text


def test_csv_and_xlsx_exports_hold_the_rows_and_are_audited(client, rt, filed):
    login(client, "reviewer")
    csv_response = client.get("/registers/external/export.csv", query_string={"intervener_type": "EXT_ORG"})
    assert csv_response.status_code == 200
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert csv_response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    table = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["编号", "过问人姓名", "单位"] and len(table) == 2
    assert table[1][:3] == [str(filed["external"]), "王建国", "梅川县人民政府"]

    xlsx_response = client.get("/registers/external/export.xlsx")
    assert xlsx_response.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx_response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "编号" and values[1][1] == "王建国" and len(values) == 2

    exports = _events(rt, "export")
    assert [(e.actor, e.detail["register"], e.detail["format"], e.detail["rows"]) for e in exports] == [
        ("reviewer", "external", "csv", 1), ("reviewer", "external", "xlsx", 1)]
    assert exports[0].detail["filters"] == {"intervener_type": "EXT_ORG"}


def test_text_from_a_letter_never_becomes_a_spreadsheet_formula(rt, filed):
    row = registers.records(rt, "external")[0]
    hostile = [type(row)(**{**row.__dict__, "name": "=HYPERLINK(\"http://x\",\"点我\")"})]
    assert "'=HYPERLINK" in registers.to_csv(hostile, "external").decode("utf-8-sig")
    cell = load_workbook(io.BytesIO(registers.to_xlsx(hostile, "external"))).active["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_only_supervision_and_admins_read_the_internal_register(client, rt, filed):
    login(client, "reviewer")
    assert "内部人员过问专库" not in client.get("/").text and "外部人员过问专库" in client.get("/").text
    for path in ("/registers/internal", "/registers/internal/export.csv", "/registers/internal/export.xlsx"):
        assert client.get(path).status_code == 403, path
    assert client.get("/registers/external").status_code == 200
    refused = _events(rt, "permission_denied")
    assert {e.detail["permission"] for e in refused} == {"register_internal"}
    assert not _events(rt, "export")

    login(client, "clerk")
    assert client.get("/registers/external").status_code == 403
    assert client.get("/deadlines").status_code == 200

    login(client, "supervisor")
    assert "内部人员过问专库" in client.get("/").text
    assert client.get("/registers/internal").status_code == 200
    export = client.get("/registers/internal/export.xlsx")
    assert export.status_code == 200 and load_workbook(io.BytesIO(export.data)).active["B2"].value == "李副院长"


# --- deadlines page -------------------------------------------------------------------------------------

def test_overdue_letters_appear_on_the_deadlines_page(client, rt):
    overdue = letter_in_review(rt, _pdf("逾期"), "逾期.pdf")
    _set_received(rt, overdue, _at(2025, 9, 30))
    fresh = letter_in_review(rt, _pdf("新到"), "新到.pdf")  # received now: due in two working days
    login(client, "clerk")
    page = client.get("/deadlines").text
    assert f">#{overdue}<" in page and f">#{fresh}<" not in page
    assert 'class="overdue"' in page and "2025-10-10" in page and "已逾期" in page


def test_copy_sent_clears_the_copy_deadline_and_a_supervisor_sees_everyones(client, rt, filed):
    board = dl.board(rt, dt.date(2025, 10, 27))
    due = {item.letter.id: (item.due, item.overdue) for item in board.to_copy}
    assert due == {filed["external"]: (dt.date(2025, 10, 11), True),
                   filed["internal"]: (dt.date(2025, 10, 23), True)}  # the party letter needs no copy

    login(client, "reviewer")  # confirmed the external letter only
    page = client.get("/deadlines").text
    assert f">#{filed['external']}<" in page and f">#{filed['internal']}<" not in page
    assert "已抄送纪检监察和审判管理部门" in page
    done = client.post(f"/letters/{filed['external']}/copy-sent", data={"csrf_token": _csrf(client, "/deadlines")})
    assert done.status_code == 302
    assert f">#{filed['external']}<" not in client.get("/deadlines").text
    assert [(e.actor, e.letter_id) for e in _events(rt, "copy_sent")] == [("reviewer", filed["external"])]
    again = client.post(f"/letters/{filed['external']}/copy-sent", data={"csrf_token": _csrf(client, "/")})
    assert again.status_code == 409 and "已登记抄送" in again.text

    login(client, "supervisor")
    assert f">#{filed['internal']}<" in client.get("/deadlines").text

    login(client, "clerk")
    refused = client.post(f"/letters/{filed['internal']}/copy-sent", data={"csrf_token": _csrf(client, "/")})
    assert refused.status_code == 403 and "已抄送" not in client.get("/deadlines").text
