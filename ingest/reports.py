"""The quarterly summary (汇总分析) of each register, and its CSV, XLSX and PDF exports (taxonomy §1–§5).

A register's quarter holds the letters filed with confirmed labels of its scope (external → 外部人员过问信息
专库, internal → 司法机关内部人员过问案件信息专库) whose receipt falls in the quarter (Beijing dates). Counts are per
letter: by intervener type, special-report item, internal behaviour, form of contact, case type (the 类型代字
of each case number it names, once per letter) and unit.

Overdue: taxonomy §5 asks for a record within 2 days of receipt, counted in working days by
:func:`ingest.deadlines.deadlines`; a letter is overdue when it was confirmed (filed) on a Beijing date after
its ``record_by`` date.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from sqlalchemy import select

from classifier import casenumber
from classifier.taxonomy import EXTERNAL, FORMS, INTERNAL, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, REGISTERS, \
    SPECIAL_REPORT
from ingest.deadlines import deadlines, local_date
from ingest.pdffont import cjk_font
from ingest.runtime import Runtime
from ingest.spreadsheet import FORMULA_START, inert
from ingest.search import day_start
from letterdesk.errors import InvalidRequest
from storage.models import Letter, Status

NO_CASE = "无案号"
OLD_STYLE = "旧式案号"
NO_UNIT = "未填写单位"
_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")

#: Count tables of a register: attribute name → Chinese heading.
COUNT_HEADINGS = {
    "by_type": "过问人类型",
    "by_special_report": "特别报告事项",
    "by_internal_behaviour": "内部人员违规行为",
    "by_form": "过问方式",
    "by_case_type": "案件类型（类型代字）",
    "by_unit": "单位",
}


@dataclass(frozen=True)
class Matter:
    """One filed letter as listed in the report (special-report matters, overdue records)."""

    letter_id: int
    received_on: dt.date  # Beijing dates
    record_by: dt.date  # last day to record it (working days)
    filed_on: dt.date
    name: str
    unit: str
    case_numbers: tuple[str, ...]
    intervener_type: str
    special_report: tuple[str, ...]


@dataclass(frozen=True)
class RegisterSummary:
    scope: str  # external | internal
    name: str  # the register's Chinese name
    total: int
    by_type: dict[str, int]  # every intervener type of the scope, zeros included
    by_special_report: dict[str, int]  # every SR code, zeros included
    by_internal_behaviour: dict[str, int]  # every IB code, zeros included
    by_form: dict[str, int]  # every form, zeros included
    by_case_type: dict[str, int]  # 类型代字 seen, plus 无案号 / 旧式案号
    by_unit: dict[str, int]  # units seen, most letters first
    special_matters: tuple[Matter, ...]
    overdue: tuple[Matter, ...]


@dataclass(frozen=True)
class QuarterSummary:
    quarter: str  # "2026Q3"
    start: dt.date  # first day (Beijing)
    end: dt.date  # last day (Beijing)
    registers: tuple[RegisterSummary, ...]  # external, internal


def parse_quarter(quarter: str) -> tuple[str, dt.date, dt.date]:
    """``"2026Q3"`` → (canonical name, first day, last day); :class:`InvalidRequest` if malformed."""
    m = _QUARTER.match(quarter.strip())
    if not m:
        raise InvalidRequest(f"季度格式应为 YYYYQn，如 2026Q3：{quarter}")
    year, q = int(m[1]), int(m[2])
    start = dt.date(year, 3 * q - 2, 1)
    after = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return f"{year}Q{q}", start, after - dt.timedelta(days=1)


def _case_types(numbers: tuple[str, ...]) -> set[str]:
    if not numbers:
        return {NO_CASE}
    return {casenumber.case_type(n) or OLD_STYLE for n in numbers}


def _matter(letter: Letter) -> Matter:
    fields, labels = letter.confirmed_fields or {}, letter.confirmed_labels or {}
    return Matter(letter_id=letter.id, received_on=local_date(letter.received_at),
                  record_by=deadlines(letter.received_at).record_by,
                  filed_on=local_date(letter.reviewed_at or letter.status_changed_at),
                  name=fields.get("name") or "", unit=fields.get("unit") or "",
                  case_numbers=tuple(c.case_number for c in letter.cases),
                  intervener_type=labels["intervener_type"],
                  special_report=tuple(labels.get("special_report") or ()))


def _register(scope: str, letters: list[Letter]) -> RegisterSummary:
    matters = [_matter(letter) for letter in letters]
    labels = [letter.confirmed_labels for letter in letters]
    types, srs, ibs, forms, cases, units = Counter(), Counter(), Counter(), Counter(), Counter(), Counter()
    for lab, matter in zip(labels, matters):
        types[lab["intervener_type"]] += 1
        srs.update(lab.get("special_report") or ())
        ibs.update(lab.get("internal_behaviours") or ())
        forms[lab.get("form") or "OTHER"] += 1
        cases.update(_case_types(matter.case_numbers))
        units[matter.unit or NO_UNIT] += 1
    return RegisterSummary(
        scope=scope, name=REGISTERS[scope], total=len(letters),
        by_type={code: types[code] for code, t in INTERVENER_TYPES.items() if t.scope == scope},
        by_special_report={code: srs[code] for code in SPECIAL_REPORT},
        by_internal_behaviour={code: ibs[code] for code in INTERNAL_BEHAVIOURS},
        by_form={code: forms[code] for code in FORMS},
        by_case_type=dict(sorted(cases.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_unit=dict(sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))),
        special_matters=tuple(m for m in matters if m.special_report),
        overdue=tuple(m for m in matters if m.filed_on > m.record_by),
    )


def quarter_summary(rt: Runtime, quarter: str) -> QuarterSummary:
    """The summary of both registers for ``quarter`` (``"2026Q3"``), from filed letters' confirmed labels."""
    name, start, end = parse_quarter(quarter)
    with rt.db.session() as s:
        letters = s.scalars(select(Letter).where(
            Letter.status == Status.FILED.value,
            Letter.received_at >= day_start(start),
            Letter.received_at < day_start(end + dt.timedelta(days=1)),
        ).order_by(Letter.received_at, Letter.id)).all()
        by_scope: dict[str, list[Letter]] = {EXTERNAL: [], INTERNAL: []}
        for letter in letters:
            scope = (letter.confirmed_labels or {}).get("scope")
            if scope in by_scope:
                by_scope[scope].append(letter)
        registers = tuple(_register(scope, members) for scope, members in by_scope.items())
    return QuarterSummary(quarter=name, start=start, end=end, registers=registers)


def label_of(table: str, key: str) -> str:
    """The Chinese display name of a count key of ``table`` (an attribute in :data:`COUNT_HEADINGS`)."""
    if table == "by_type":
        return INTERVENER_TYPES[key].name
    if table == "by_special_report":
        return f"{key} {SPECIAL_REPORT[key]}"
    if table == "by_internal_behaviour":
        return f"{key} {INTERNAL_BEHAVIOURS[key]}"
    if table == "by_form":
        return FORMS[key]
    return key


MATTER_HEADINGS = ("来信编号", "收到日期", "应登记日期", "归档日期", "姓名", "单位", "案号", "过问人类型", "特别报告事项")


def _matter_row(m: Matter) -> list:
    return [m.letter_id, m.received_on.isoformat(), m.record_by.isoformat(), m.filed_on.isoformat(), m.name, m.unit,
            "、".join(m.case_numbers), INTERVENER_TYPES[m.intervener_type].name, "、".join(m.special_report)]


def _sections(summary: QuarterSummary, register: RegisterSummary) -> list[tuple[str, list[str], list[list]]]:
    """A register's report as (title, header, rows) tables, shared by every export format."""
    head = f"{summary.quarter} {register.name}"
    sections = [(f"{head} 汇总", ["项目", "件数"], [["来信总数", register.total]])]
    for table, heading in COUNT_HEADINGS.items():
        counts = getattr(register, table)
        sections.append((f"{head} 按{heading}", [heading, "件数"], [[label_of(table, k), v] for k, v in counts.items()]))
    sections.append((f"{head} 特别报告事项清单", list(MATTER_HEADINGS), [_matter_row(m) for m in register.special_matters]))
    sections.append((f"{head} 逾期登记（超过收到后2个工作日归档）", list(MATTER_HEADINGS),
                     [_matter_row(m) for m in register.overdue]))
    return sections


def _inert_xlsx(cells) -> None:
    """Keep text cells of a worksheet row as text (openpyxl stores a string starting with = as a formula)."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
            cell.data_type = "s"


def export_csv(summary: QuarterSummary) -> bytes:
    """The summary as UTF-8 CSV (with BOM, so spreadsheet programs read the Chinese): one block per table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{summary.quarter} 季度汇总分析", summary.start.isoformat(), summary.end.isoformat()])
    for register in summary.registers:
        for title, header, rows in _sections(summary, register):
            writer.writerow([])
            writer.writerow([title])
            writer.writerow(header)
            writer.writerows([inert(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(summary: QuarterSummary) -> bytes:
    """The summary as an XLSX workbook: one sheet per register, with a bar chart of counts by intervener type."""
    book = Workbook()
    book.remove(book.active)
    for register in summary.registers:
        sheet = book.create_sheet(title=register.name[:31])
        sheet.append([f"{summary.quarter} 季度汇总分析（{summary.start.isoformat()} 至 {summary.end.isoformat()}）"])
        type_rows: tuple[int, int] | None = None
        for title, header, rows in _sections(summary, register):
            sheet.append([])
            sheet.append([title])
            sheet.append(header)
            first = sheet.max_row + 1
            for row in rows:
                sheet.append(row)
                _inert_xlsx(sheet[sheet.max_row])
            if header[0] == COUNT_HEADINGS["by_type"]:
                type_rows = (first, sheet.max_row)
        sheet.column_dimensions["A"].width = 40
        if type_rows:
            chart = BarChart()
            chart.title = f"{register.name}：按过问人类型"
            chart.y_axis.title = "件数"
            chart.add_data(Reference(sheet, min_col=2, min_row=type_rows[0] - 1, max_row=type_rows[1]),
                           titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=type_rows[0], max_row=type_rows[1]))
            sheet.add_chart(chart, "E2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


COUNT_WIDTHS = (120, 30)  # mm, columns of a count table
MATTER_WIDTHS = (10, 20, 20, 20, 14, 28, 30, 22, 16)  # mm, columns of a matter list (180 mm in all)


def _type_chart(register: RegisterSummary, font: str):
    """A bar chart of the register's counts by intervener type."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String

    drawing = Drawing(440, 230)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 60, 380, 140
    chart.data = [list(register.by_type.values())]
    chart.categoryAxis.categoryNames = [label_of("by_type", k)[:8] for k in register.by_type]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 20
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = max(1, max(chart.data[0] or [0]) // 5 or 1)
    drawing.add(chart)
    drawing.add(String(40, 215, f"{register.name}：按过问人类型", fontName=font, fontSize=10))
    return drawing


def export_pdf(summary: QuarterSummary) -> bytes:
    """The summary as an A4 PDF: per register the count tables, a bar chart by intervener type and the
    special-report and overdue lists. Needs a CJK TrueType font (:func:`ingest.pdffont.cjk_font`)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=11, wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16, spaceBefore=6, spaceAfter=4)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=8)
    story: list = [Paragraph(f"{summary.quarter} 季度汇总分析（{summary.start.isoformat()} 至 "
                             f"{summary.end.isoformat()}）", title)]
    for number, register in enumerate(summary.registers):
        if number:
            story.append(PageBreak())
        story.append(_type_chart(register, font))
        for caption, header, rows in _sections(summary, register):
            story.append(Paragraph(caption, heading))
            cells = [[Paragraph(str(c), body) for c in row] for row in [header, *rows]]
            widths = [w * mm for w in (COUNT_WIDTHS if len(header) == 2 else MATTER_WIDTHS)]
            table = Table(cells, colWidths=widths, repeatRows=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
            story.append(table)
            story.append(Spacer(1, 4 * mm))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{summary.quarter} 季度汇总分析", leftMargin=15 * mm,
                      rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return out.getvalue()


#: Export format → (exporter, mime type), shared by the desk and the CLI.
EXPORTS = {
    "csv": (export_csv, "text/csv; charset=utf-8"),
    "xlsx": (export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (export_pdf, "application/pdf"),
}


def export_filename(summary: QuarterSummary, fmt: str) -> str:
    """The download / output file name of ``summary`` exported as ``fmt``."""
    return f"过问登记季度汇总-{summary.quarter}.{fmt}"
