"""The two registers (专库) of filed intervention records, their filters and their CSV/XLSX exports.

A filed letter's confirmed scope decides where it is listed (taxonomy §1): ``external`` →
外部人员过问信息专库, ``internal`` → 司法机关内部人员过问案件信息专库. Letters of scope ``neither``
(PARTY_RELATED, EXEMPT_ENTRUSTED, NOT_INTERVENTION) are in no register; :func:`records` lists them
separately with the action the rules prescribe.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from openpyxl import Workbook
from sqlalchemy import select

from classifier.taxonomy import (EXTERNAL, FORMS, INTERNAL, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, NEITHER, REGISTERS,
                                 SPECIAL_REPORT)
from ingest.deadlines import local_date, local_minute
from ingest.queries import aware, case_letter_ids, date_arg
from ingest.runtime import Runtime
from ingest.spreadsheet import inert
from letterdesk.errors import InvalidRequest
from storage.models import Letter, Status, User

#: Page titles of the lists :func:`records` serves.
TITLES = {**REGISTERS, NEITHER: "不入专库的来信"}
SUMMARY_LENGTH = 80  # characters of the body (or the text) kept as the content summary


@dataclass(frozen=True)
class RegisterFilters:
    """Filters of a register list; empty values filter nothing. Dates are receipt dates in Beijing."""

    received_from: dt.date | None = None
    received_to: dt.date | None = None
    intervener_type: str | None = None
    special_report: str | None = None
    form: str | None = None
    case_number: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "RegisterFilters":
        """Filters from query arguments of the same names; InvalidRequest for a bad date or code."""
        def text(key: str) -> str | None:
            return (args.get(key) or "").strip() or None

        filters = cls(date_arg(args, "received_from"), date_arg(args, "received_to"), text("intervener_type"), text("special_report"),
                      text("form"), text("case_number"))
        for value, table, what in ((filters.intervener_type, INTERVENER_TYPES, "过问人类型"),
                                   (filters.special_report, SPECIAL_REPORT, "特别报告事项"),
                                   (filters.form, FORMS, "过问方式")):
            if value is not None and value not in table:
                raise InvalidRequest(f"未知的{what}：{value}")
        return filters

    def as_dict(self) -> dict:
        """The filters set, JSON-ready (for the audit trail and for links)."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class RegisterRow:
    """One filed record as the registers show it (taxonomy §4 fields plus labels)."""

    letter_id: int
    intervener_type: str
    intervener_type_label: str
    action: str  # what the rules prescribe for this type
    special_report: tuple[str, ...]  # Chinese names
    internal_behaviours: tuple[str, ...]  # Chinese names
    name: str
    unit: str
    position: str
    case_name: str
    case_numbers: tuple[str, ...]
    received_on: dt.date
    intervention_date: str
    form: str
    form_label: str
    summary: str
    recorded_by: str
    recorded_at: dt.datetime | None


def _summary(letter: Letter) -> str:
    body = ((letter.segments or {}).get("body") or letter.text or "").strip()
    body = " ".join(body.split())
    return body if len(body) <= SUMMARY_LENGTH else body[:SUMMARY_LENGTH] + "…"


def row_of(letter: Letter, recorder: str) -> RegisterRow:
    labels = letter.confirmed_labels or {}
    fields = letter.confirmed_fields or {}
    code = labels["intervener_type"]
    form = labels.get("form") if labels.get("form") in FORMS else "OTHER"
    recorded_at = aware(letter.reviewed_at) if letter.reviewed_at is not None else None
    return RegisterRow(
        letter_id=letter.id,
        intervener_type=code,
        intervener_type_label=INTERVENER_TYPES[code].name,
        action=INTERVENER_TYPES[code].action,
        special_report=tuple(SPECIAL_REPORT[c] for c in labels.get("special_report", ()) if c in SPECIAL_REPORT),
        internal_behaviours=tuple(INTERNAL_BEHAVIOURS[c] for c in labels.get("internal_behaviours", ())
                                  if c in INTERNAL_BEHAVIOURS),
        name=fields.get("name") or "",
        unit=fields.get("unit") or "",
        position=fields.get("position") or "",
        case_name=fields.get("case_name") or "",
        case_numbers=tuple(sorted(c.case_number for c in letter.cases)),
        received_on=local_date(letter.received_at),
        intervention_date=fields.get("date") or "",
        form=form,
        form_label=FORMS[form],
        summary=_summary(letter),
        recorded_by=recorder,
        recorded_at=recorded_at,
    )


def _matches(letter: Letter, scope: str, f: RegisterFilters) -> bool:
    labels = letter.confirmed_labels or {}
    received = local_date(letter.received_at)
    return (labels.get("intervener_type") in INTERVENER_TYPES and labels.get("scope") == scope
            and (f.received_from is None or received >= f.received_from)
            and (f.received_to is None or received <= f.received_to)
            and (f.intervener_type is None or labels["intervener_type"] == f.intervener_type)
            and (f.special_report is None or f.special_report in labels.get("special_report", ()))
            and (f.form is None or labels.get("form") == f.form))


def records(rt: Runtime, scope: str, filters: RegisterFilters = RegisterFilters()) -> list[RegisterRow]:
    """Filed letters of ``scope`` (external, internal, or neither) matching ``filters``, oldest receipt first.
    A case number matches in any common variant; InvalidRequest if it cannot be read as one."""
    if scope not in TITLES:
        raise InvalidRequest(f"未知的专库：{scope}", allowed=sorted(TITLES))
    query = select(Letter).where(Letter.status == Status.FILED.value)
    if filters.case_number:
        query = query.where(Letter.id.in_(case_letter_ids(filters.case_number)))
    with rt.db.session() as s:
        names = dict(s.execute(select(User.id, User.username)).all())
        return [row_of(letter, names.get(letter.reviewed_by, ""))
                for letter in s.scalars(query.order_by(Letter.received_at, Letter.id))
                if _matches(letter, scope, filters)]


# --- export ----------------------------------------------------------------------------------------------

Column = tuple[str, Callable[[RegisterRow], str]]

COLUMNS: tuple[Column, ...] = (
    ("编号", lambda r: str(r.letter_id)),
    ("过问人姓名", lambda r: r.name),
    ("单位", lambda r: r.unit),
    ("职务", lambda r: r.position),
    ("案件名称", lambda r: r.case_name),
    ("案号", lambda r: "；".join(r.case_numbers)),
    ("收到日期", lambda r: r.received_on.isoformat()),
    ("过问日期", lambda r: r.intervention_date),
    ("过问方式", lambda r: r.form_label),
    ("过问人类型", lambda r: r.intervener_type_label),
    ("特别报告事项", lambda r: "；".join(r.special_report)),
    ("内容摘要", lambda r: r.summary),
    ("登记人", lambda r: r.recorded_by),
    ("登记时间", lambda r: local_minute(r.recorded_at)),
)
INTERNAL_COLUMNS: tuple[Column, ...] = COLUMNS + (("违规行为", lambda r: "；".join(r.internal_behaviours)),)
NEITHER_COLUMNS: tuple[Column, ...] = COLUMNS + (("处理方式", lambda r: r.action),)


def columns(scope: str) -> tuple[Column, ...]:
    """The columns (header, value of a row) of ``scope``'s list, as the page and the exports show them."""
    return {INTERNAL: INTERNAL_COLUMNS, EXTERNAL: COLUMNS}.get(scope, NEITHER_COLUMNS)


def _table(rows: list[RegisterRow], scope: str) -> list[list[str]]:
    cols = columns(scope)
    return [[header for header, _ in cols]] + [[value(row) for _, value in cols] for row in rows]


def to_csv(rows: list[RegisterRow], scope: str) -> bytes:
    """The rows as CSV, UTF-8 with a BOM (so Excel reads the Chinese), header first, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _table(rows, scope):
        writer.writerow([inert(cell) for cell in line])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[RegisterRow], scope: str) -> bytes:
    """The rows as an XLSX workbook of one sheet named after the list; every cell is a text cell."""
    book = Workbook()
    sheet = book.active
    sheet.title = TITLES[scope][:31]  # Excel's limit for a sheet name
    for line in _table(rows, scope):
        sheet.append(line)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # text from letters never becomes a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(scope: str, extension: str, on: dt.date) -> str:
    """The download name of an export, e.g. ``外部人员过问信息专库_2026-01-05.xlsx``."""
    return f"{TITLES[scope]}_{on.isoformat()}.{extension}"
