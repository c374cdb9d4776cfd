"""Archive search (SQLite FTS5 and PostgreSQL tsvector give the same hits) and the quarterly report.

A small archive is built through the real path: intake → stages (text-layer PDFs) → review with chosen
labels; receipt and filing times are then set in the database to place letters in (or just outside) 2026Q3.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from sqlalchemy import text, update

from classifier.taxonomy import INTERVENER_TYPES
from ingest import pipeline, reports, search
from ingest.actor import Actor
from ingest.intake import submit
from ingest.review import ReviewDecision, review
from ingest.runtime import Runtime
from ingest.search import SearchQuery
from letterdesk.errors import InvalidRequest
from storage.models import Letter
from tests import docs
from tests.fixtures.runtime import make_settings
from tests.fixtures.services import fresh_database
from tests.test_review_ui import app, client, login  # noqa: F401  (fixtures and helper shared with the desk tests)

REVIEWER = Actor(None, "reviewer", "reviewer")
UTC = dt.timezone.utc


@dataclass(frozen=True)
class Spec:
    key: str
    lines: tuple[str, ...]
    received: dt.datetime  # UTC
    filed: dt.datetime | None  # UTC; None: left in review
    intervener_type: str = "EXT_ORG"
    special_report: tuple[str, ...] = ()
    internal_behaviours: tuple[str, ...] = ()
    form: str = "LETTER"
    fields: tuple[tuple[str, str], ...] = ()


def _at(y, mo, d, h=2) -> dt.datetime:
    return dt.datetime(y, mo, d, h, tzinfo=UTC)


SPECS = (
    Spec("gov", ("梅川县人民政府", "关于商请对宏达建材公司案件暂缓执行的函", "梅川县人民法院：",
                 "你院正在执行的（2026）豫0825执1234号案件，如立即查封设备，",
                 "将导致企业停产，恳请暂缓执行三个月。"),
         _at(2026, 7, 10), _at(2026, 7, 14), "EXT_ORG", ("SR07", "SR10"), (), "LETTER",  # Fri → Tue: in time
         (("name", "王建国"), ("unit", "梅川县人民政府"), ("case_number", "（2026）豫0825执1234号"))),
    Spec("npc", ("电话记录", "县人大常委会李明来电，询问（2026）豫0825民初567号", "合同纠纷一案的审理进度，",
                 "希望法院关照原告。"),
         _at(2026, 8, 3), _at(2026, 8, 10), "EXT_LEADER", ("SR01",), (), "PHONE",
         (("name", "=李明"), ("unit", "梅川县人大常委会"), ("case_number", "（2026）豫0825民初567号"))),
    Spec("court", ("情况说明", "本院副院长张华当面询问（2026）豫0825刑初89号", "案件的合议情况。"),
         _at(2026, 9, 29, 20), _at(2026, 10, 1), "INT_COURT_LEADER", (), ("IB03",), "ORAL",  # 9-30 04:00 CST
         (("name", "张华"), ("unit", "梅川县人民法院"), ("case_number", "(2026)豫0825刑初89号"))),
    Spec("q4", ("梅川县人民政府办公室", "关于招商引资企业涉诉案件的批示", "请法院依法妥善处理，维护稳定。"),
         _at(2026, 9, 30, 17), _at(2026, 10, 2), "EXT_ORG", ("SR04",), (), "DOCUMENT",  # 10-01 01:00 CST
         (("name", "赵刚"), ("unit", "梅川县人民政府"))),
    Spec("party", ("法官您好", "我是原告的儿子，恳请尽快开庭审理，", "家里实在等不起了。"),
         _at(2026, 7, 15), _at(2026, 7, 15, 8), "PARTY_RELATED", (), (), "LETTER", (("name", "陈某"),)),
    Spec("upper", ("南阳市中级人民法院", "关于（2014）温民初字第321号案件", "请对被执行人财产解除查封，",
                   "妥善处理。"),
         _at(2026, 7, 20), _at(2026, 7, 25), "INT_UPPER_COURT", ("SR07",), (), "LETTER",
         (("name", "刘强"), ("unit", "南阳市中级人民法院"), ("case_number", "（2014）温民初字第321号"))),
    Spec("waiting", ("梅川县工商联", "商请对某企业案件暂缓执行。"), _at(2026, 7, 12), None),
)


def _file(rt: Runtime, spec: Spec) -> int:
    accepted = submit(rt, docs.text_pdf_bytes([list(spec.lines)]), f"{spec.key}.pdf", "cli", enqueue=False)
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    with rt.db.session() as s:
        s.execute(update(Letter).where(Letter.id == accepted.id).values(received_at=spec.received))
    if spec.filed is not None:
        review(rt, accepted.id, ReviewDecision("confirm", spec.intervener_type, spec.special_report,
                                               spec.internal_behaviours, spec.form, dict(spec.fields)), REVIEWER)
        with rt.db.session() as s:
            s.execute(update(Letter).where(Letter.id == accepted.id).values(reviewed_at=spec.filed))
    return accepted.id


def _archive(rt: Runtime) -> dict[str, int]:
    return {spec.key: _file(rt, spec) for spec in SPECS}


@pytest.fixture
def archive(rt) -> dict[str, int]:
    return _archive(rt)


def _hits(rt: Runtime, ids: dict[str, int], **query) -> set[str]:
    names = {v: k for k, v in ids.items()}
    return {names[s.id] for s in search.search(rt, SearchQuery(**query))}


def _assert_search_behaviour(rt: Runtime, ids: dict[str, int]) -> None:
    """The same expectations on every database."""
    assert _hits(rt, ids, text="暂缓") == {"gov"}  # 2-character query; the waiting letter is not filed
    assert _hits(rt, ids, text="查封") == {"gov", "upper"}
    assert _hits(rt, ids, text="暂缓 查封") == {"gov"}
    assert _hits(rt, ids, text="解除查封") == {"upper"}
    assert _hits(rt, ids, text="关照") == {"npc"}
    assert _hits(rt, ids, text="暂缓\"") == {"gov"}  # query syntax is never interpreted
    assert _hits(rt, ids, text="暂缓 OR 关照") == set()
    assert _hits(rt, ids, text="NEAR(a b) AND *") == set()
    assert _hits(rt, ids, case_number="(2026)豫0825执字第01234号") == {"gov"}
    assert _hits(rt, ids, case_number="(2014)温民初字第0321号") == {"upper"}
    assert _hits(rt, ids, name="王建") == {"gov"}
    assert _hits(rt, ids, unit="人民政府") == {"gov", "q4"}
    assert _hits(rt, ids, unit="人民政府", date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 9, 30)) == {"gov"}
    assert _hits(rt, ids, date_from=dt.date(2026, 9, 30), date_to=dt.date(2026, 9, 30)) == {"court"}  # court time
    assert _hits(rt, ids, intervener_type="EXT_ORG") == {"gov", "q4"}
    assert _hits(rt, ids, special_report="SR07") == {"gov", "upper"}
    assert _hits(rt, ids, special_report="SR01", text="关照", name="李明") == {"npc"}
    assert _hits(rt, ids, special_report="SR01", text="暂缓") == set()
    with pytest.raises(InvalidRequest):
        search.search(rt, SearchQuery(text="！？"))
    with pytest.raises(InvalidRequest):
        search.search(rt, SearchQuery(date_from=dt.date(2026, 9, 2), date_to=dt.date(2026, 9, 1)))


def test_query_terms_are_bigrams_and_plain_words():
    assert search.query_terms("暂缓执行 ＡＢＣ-12") == ["暂缓", "缓执", "执行", "abc", "12"]
    assert search.query_terms("查") == ["查"]
    assert set(search.query_terms("暂缓执行")) <= set(search.document_terms("", "请暂缓执行三个月"))


def test_search_on_sqlite_fts5(rt, archive):
    _assert_search_behaviour(rt, archive)
    with rt.db.session() as s:  # a database filed before the index existed gets it filled on first use
        s.execute(text("DROP TABLE letter_fts"))
    _assert_search_behaviour(rt, archive)
    assert search.reindex(rt) == 6


@pytest.mark.slow
def test_search_on_postgresql_gives_the_same_hits(tmp_path, model_dir, postgres):
    rt = Runtime.from_settings(make_settings(tmp_path / "pg", model_dir,
                                             LETTERDESK_DATABASE_URL=fresh_database(postgres)))
    try:
        ids = _archive(rt)
        _assert_search_behaviour(rt, ids)
        assert search.reindex(rt) == 6
        _assert_search_behaviour(rt, ids)
        assert reports.quarter_summary(rt, "2026Q3").registers[0].total == 2
    finally:
        rt.close()


def test_quarter_summary_counts_each_register(rt, archive):
    summary = reports.quarter_summary(rt, "2026q3")
    assert (summary.quarter, summary.start, summary.end) == ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    external, internal = summary.registers
    assert (external.scope, external.name, external.total) == ("external", "外部人员过问信息专库", 2)
    assert external.by_type == {"EXT_LEADER": 1, "EXT_ORG": 1, "EXT_AIDE_RELATIVE": 0, "EXT_IN_LEADER_NAME": 0}
    assert {k: v for k, v in external.by_special_report.items() if v} == {"SR01": 1, "SR07": 1, "SR10": 1}
    assert {k: v for k, v in external.by_form.items() if v} == {"LETTER": 1, "PHONE": 1}
    assert external.by_case_type == {"执": 1, "民初": 1}
    assert external.by_unit == {"梅川县人民政府": 1, "梅川县人大常委会": 1}
    assert [m.letter_id for m in external.special_matters] == [archive["gov"], archive["npc"]]
    assert [m.letter_id for m in external.overdue] == [archive["npc"]]  # filed 7 days after receipt

    assert (internal.name, internal.total) == ("司法机关内部人员过问案件信息专库", 2)
    assert {k: v for k, v in internal.by_type.items() if v} == {"INT_COURT_LEADER": 1, "INT_UPPER_COURT": 1}
    assert {k: v for k, v in internal.by_special_report.items() if v} == {"SR07": 1}
    assert {k: v for k, v in internal.by_internal_behaviour.items() if v} == {"IB03": 1}
    assert {k: v for k, v in internal.by_form.items() if v} == {"LETTER": 1, "ORAL": 1}
    assert internal.by_case_type == {"刑初": 1, "旧式案号": 1}
    assert [m.letter_id for m in internal.special_matters] == [archive["upper"]]
    assert [m.letter_id for m in internal.overdue] == [archive["upper"]]  # "court": 9-30 → 10-01 CST, in time

    q4_external = reports.quarter_summary(rt, "2026Q4").registers[0]
    assert q4_external.total == 1 and q4_external.by_case_type == {"无案号": 1}
    with pytest.raises(InvalidRequest):
        reports.quarter_summary(rt, "2026Q5")


def test_csv_and_xlsx_exports_carry_the_figures(rt, archive):
    summary = reports.quarter_summary(rt, "2026Q3")
    rows = list(csv.reader(io.StringIO(reports.export_csv(summary).decode("utf-8-sig"))))
    assert ["来信总数", "2"] in rows
    assert ["领导干部本人过问", "1"] in rows and ["本院领导干部过问", "1"] in rows
    assert ["旧式案号", "1"] in rows and ["电话", "1"] in rows
    assert any(r and r[0] == str(archive["npc"]) and "SR01" in r and "'=李明" in r for r in rows)  # no formula

    book = load_workbook(io.BytesIO(reports.export_xlsx(summary)))
    assert book.sheetnames == ["外部人员过问信息专库", "司法机关内部人员过问案件信息专库"]
    for sheet, leading in zip(book.worksheets, ("EXT_LEADER", "INT_COURT_LEADER")):
        values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
        assert ["来信总数", 2] == [v for v in values if v[0] == "来信总数"][0][:2]
        assert [INTERVENER_TYPES[leading].name, 1] == [v for v in values if v[0] == INTERVENER_TYPES[leading].name][0][:2]
        assert len(sheet._charts) == 1
    assert all(c.data_type == "s" for row in book.worksheets[0].iter_rows() for c in row if c.value == "=李明")
    assert any(c.value == "=李明" for row in book.worksheets[0].iter_rows() for c in row)


def test_pdf_export_has_the_figures_and_a_chart_per_register(rt, archive):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(reports.export_pdf(reports.quarter_summary(rt, "2026Q3")))) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        assert "司法机关内部人员过问案件信息专库：按过问人类型" in text and "外部人员过问信息专库：按过问人类型" in text
        assert "来信总数 2" in text and "旧式案号 1" in text and "=李明" in text
        assert sum(len(page.rects) for page in pdf.pages) >= 4  # chart bars (and table grid)


def test_reports_page_is_for_supervisors_and_admins(app, rt, archive):  # noqa: F811
    reviewer = app.test_client()
    login(reviewer, "reviewer")
    assert reviewer.get("/reports?quarter=2026Q3").status_code == 403
    assert reviewer.get("/reports/2026Q3.csv").status_code == 403
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/reports?quarter=2026Q3")
    assert page.status_code == 200 and "外部人员过问信息专库：" in page.text and "2 件" in page.text
    download = client.get("/reports/2026Q3.xlsx")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert load_workbook(io.BytesIO(download.data)).sheetnames[0] == "外部人员过问信息专库"
    pdf = client.get("/reports/2026Q3.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/reports/2026Q3.doc").status_code == 404


def test_desk_archive_search_form(client, rt, archive):  # noqa: F811
    login(client, "clerk")
    page = client.get("/search", query_string={"text": "查封", "unit": "法院"})
    assert page.status_code == 200 and "1 件" in page.text and f"#{archive['upper']}" in page.text
    page = client.get("/search", query_string={"case_number": "(2026)豫0825执字第01234号"})
    assert "1 件" in page.text and "王建国" in page.text
    assert client.get("/search", query_string={"date_from": "2026-13-01"}).status_code == 400


def test_report_command_writes_the_quarter_summary(tmp_path, model_dir):
    import os
    import subprocess
    import sys

    env = {**os.environ, "LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_MODEL_DIR": str(model_dir)}
    out = tmp_path / "q.csv"
    done = subprocess.run([sys.executable, "-m", "letterdesk.cli", "report", "--quarter", "2026Q3", "--format", "csv",
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "外部 0 件" in done.stdout and out.read_bytes()
    bad = subprocess.run([sys.executable, "-m", "letterdesk.cli", "report", "--quarter", "2026Q5"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "季度" in bad.stderr
