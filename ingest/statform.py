"""The per-letter registration form (登记表 / 统计表) of a filed letter, as a printable A4 PDF.

The form records what 2015-spc-implementation-external 第四条 and 2021-wenxian-court-rules 第三条 prescribe
(taxonomy §4): the intervener's name, unit and position, the case name and number, when the intervention
happened and when it was received, its form and content, the storage medium of an electronic message, the
place and the people present at an oral intervention (each with the time they confirmed the record), who
entered and who confirmed it and when — plus the labels, the deadlines of taxonomy §5 and where the
original is archived.

Only filed letters have a form: it prints confirmed values only. A letter still in review (or rejected,
superseded, …) is refused with :class:`InvalidState` rather than printed with unconfirmed values.
The title follows the register of the confirmed scope; letters in no register get a 来信登记表 stating the
action the rules prescribe.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from sqlalchemy import select

from classifier.taxonomy import EXTERNAL, INTERNAL, NEITHER
from ingest import deadlines as deadline_rules
from ingest.deadlines import Deadlines, local_date, local_minute
from ingest.pdffont import cjk_font
from ingest.queries import aware
from ingest.records import Attendee, attendees
from ingest.registers import RegisterRow, row_of
from ingest.runtime import Runtime
from ingest.stages import load_letter
from storage.models import Record, Status, User

#: Form title of each confirmed scope.
TITLES = {
    EXTERNAL: "外部人员过问情况登记表",
    INTERNAL: "司法机关内部人员过问案件情况登记表",
    NEITHER: "来信登记表",
}
SOURCES = "依据：法发〔2015〕10号《人民法院落实〈领导干部干预司法活动、插手具体案件处理的记录、通报和责任追究" \
          "规定〉的实施办法》第四条；本院实施细则第三条（登记内容）、第六条（二日内登记、三日内抄送）"
EMPTY = "—"


@dataclass(frozen=True)
class RegistrationForm:
    """What a filed letter's form shows (confirmed values only)."""

    letter_id: int
    scope: str  # external | internal | neither: decides the title and who may print it
    title: str
    row: RegisterRow  # the register's view of the letter: fields, labels, summary, reviewer
    intervention_time: str  # as confirmed, or as entered on a desk record (with its time of day)
    storage_medium: str  # SMS_IM records
    place: str  # ORAL records
    attendees: tuple[Attendee, ...]  # ORAL records: people present and when each confirmed
    entered_by: str  # who entered the letter or the record at the desk
    entered_at: dt.datetime
    deadlines: Deadlines
    filed_on: dt.date  # Beijing date of confirmation
    copy_sent_at: dt.datetime | None
    filename: str
    sha256: str  # of the original
    record_sha256: str  # of the archived record.json
    archive_prefix: str


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.display_name}（{user.username}）" if user.display_name else user.username


def form_of(rt: Runtime, letter_id: int) -> RegistrationForm:
    """The registration form of filed letter ``letter_id``: NotFound if there is no such letter,
    InvalidState unless it is filed (its values confirmed)."""
    people = tuple(attendees(rt, letter_id))  # present at an oral intervention, with their confirmations
    with rt.db.session() as s:
        letter = load_letter(s, letter_id, Status.FILED, "尚未确认归档，不能打印登记表（登记表只载明确认后的内容）")
        record = s.get(Record, letter_id)
        reviewer = s.get(User, letter.reviewed_by) if letter.reviewed_by else None
        row = row_of(letter, _person(reviewer))
        when, entry = row.intervention_date, {}
        if record is not None:  # entered at the desk: the clerk who entered it, and its time of day
            entry = record.fields or {}
            entered = _person(s.scalar(select(User).where(User.username == record.recorded_by))) or record.recorded_by
            entered_at = aware(record.recorded_at)
            occurred = entry.get("occurred_at", "")
            when = occurred if occurred.startswith(when) else when
        else:
            entered = _person(s.get(User, letter.submitted_by) if letter.submitted_by else None)
            entered_at = aware(letter.received_at)
        scope = (letter.confirmed_labels or {}).get("scope", NEITHER)
        return RegistrationForm(
            letter_id=letter.id, scope=scope, title=TITLES.get(scope, TITLES[NEITHER]), row=row,
            intervention_time=when, storage_medium=entry.get("storage_medium", ""), place=entry.get("place", ""),
            attendees=people, entered_by=entered or f"系统自动接收（{letter.channel}）", entered_at=entered_at,
            deadlines=deadline_rules.deadlines(letter.received_at),
            filed_on=local_date(letter.reviewed_at or letter.status_changed_at),
            copy_sent_at=aware(letter.copy_sent_at) if letter.copy_sent_at else None, filename=letter.filename,
            sha256=letter.sha256, record_sha256=letter.record_sha256 or "", archive_prefix=letter.archive_prefix or "")


def record_status(form: RegistrationForm) -> str:
    """Whether the letter was recorded (filed) within the 2 working days of taxonomy §5."""
    d = form.deadlines
    if form.filed_on <= d.record_by:
        return f"按期登记：{form.filed_on.isoformat()} 确认登记（期限 {d.record_by.isoformat()}）"
    return f"逾期登记：应于 {d.record_by.isoformat()} 前登记，实际 {form.filed_on.isoformat()} 确认登记"


def copy_status(form: RegistrationForm, on: dt.date) -> str:
    """Whether the record was copied to the supervision and trial-management departments within the
    3 working days of taxonomy §5, as of ``on`` (Beijing date); not applicable outside the registers."""
    if form.scope not in (EXTERNAL, INTERNAL):
        return "不适用（不入专库）"
    due = form.deadlines.copy_by
    if form.copy_sent_at is not None:
        sent = local_date(form.copy_sent_at)
        return f"{'逾期' if sent > due else '按期'}抄送：{sent.isoformat()} 已抄送（期限 {due.isoformat()}）"
    if on > due:
        return f"未抄送，已逾期（期限 {due.isoformat()}）"
    return f"未抄送（期限 {due.isoformat()}）"


def _attendee_lines(form: RegistrationForm) -> list[str]:
    return [f"{a.display_name}（{a.username}）：" + (f"{local_minute(a.confirmed_at)} 签字确认" if a.confirmed_at else "未确认")
            for a in form.attendees]


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def content(form: RegistrationForm, on: dt.date) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    """The form's content as plain text (a newline separates lines of one value): pairs of short fields
    (label, value, label, value), then full-width rows (label, value). Deadlines are judged as of ``on``."""
    r = form.row
    pairs = [
        ("过问人姓名", r.name, "过问人类型", r.intervener_type_label),
        ("单位", r.unit, "职务", r.position),
        ("案件名称", r.case_name, "案号", _lines(*r.case_numbers)),
        ("过问时间", form.intervention_time, "过问方式", r.form_label),
        ("收到日期", r.received_on.isoformat(), "来信编号", f"#{form.letter_id}"),
    ]
    approximate = "（节假日日历未覆盖该年份，仅扣除周末计算）" if form.deadlines.weekends_only else ""
    rows = [
        ("过问内容摘要", r.summary),
        ("特别报告事项", _lines(*r.special_report) or "无"),
        ("内部违规行为", _lines(*r.internal_behaviours) or "无"),
        ("存储介质", form.storage_medium),
        ("地点及在场人员", _lines(f"地点：{form.place}" if form.place else "", *_attendee_lines(form))),
        ("处理方式", r.action),
        ("录入人及时间", f"{form.entered_by}，{local_minute(form.entered_at)}"),
        ("登记人（审核确认）及时间", f"{r.recorded_by}，{local_minute(r.recorded_at)}"),
        ("记录期限（收到后2个工作日）", record_status(form) + approximate),
        ("抄送期限（收到后3个工作日）", copy_status(form, on) + approximate),
        ("原件", form.filename),
        ("原件 SHA-256", form.sha256),
        ("登记记录 SHA-256", form.record_sha256),
        ("归档位置", form.archive_prefix),
    ]
    return pairs, rows


WIDTHS = (34, 56, 34, 56)  # mm: label, value, label, value (180 mm between 15 mm margins)


def render(form: RegistrationForm, on: dt.date) -> bytes:
    """``form`` as a one- or two-page A4 PDF: title, a ruled table of every field, signature lines and
    the rules it follows. Needs a CJK TrueType font (:func:`ingest.pdffont.cjk_font`)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    label = ParagraphStyle("label", parent=body, alignment=TA_CENTER)
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4)
    note = ParagraphStyle("note", fontName=font, fontSize=8, leading=11, textColor=colors.dimgrey)

    def cell(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text or EMPTY).replace("\n", "<br/>"), style)

    pairs, rows = content(form, on)
    cells = [[cell(a, label), cell(b), cell(c, label), cell(d)] for a, b, c, d in pairs]
    cells += [[cell(name, label), cell(value), "", ""] for name, value in rows]
    table = Table(cells, colWidths=[w * mm for w in WIDTHS])
    style = [("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]
    style += [("BACKGROUND", (2, 0), (2, len(pairs) - 1), colors.whitesmoke)]
    style += [("SPAN", (1, i), (3, i)) for i in range(len(pairs), len(cells))]
    table.setStyle(TableStyle(style))
    story = [Paragraph(escape(form.title), title),
             Paragraph(escape(f"来信编号 #{form.letter_id}　　打印日期 {on.isoformat()}"), note)]
    if form.scope not in (EXTERNAL, INTERNAL):
        story.append(Paragraph(escape(f"本件不入专库。处理方式：{form.row.action}"), body))
    story += [Spacer(1, 3 * mm), table, Spacer(1, 8 * mm),
             Paragraph("登记人（签字）：＿＿＿＿＿＿　　审核人（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿", body),
             Spacer(1, 4 * mm), Paragraph(escape(SOURCES), note)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{form.title} #{form.letter_id}", leftMargin=15 * mm,
                      rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return out.getvalue()


def registration_form(rt: Runtime, letter_id: int) -> bytes:
    """The registration form of filed letter ``letter_id`` as PDF bytes, deadlines judged as of today
    (Beijing). NotFound / InvalidState as :func:`form_of`."""
    return render(form_of(rt, letter_id), deadline_rules.today())


def filename(form: RegistrationForm) -> str:
    """The download name, e.g. ``外部人员过问情况登记表-12.pdf``."""
    return f"{form.title}-{form.letter_id}.pdf"
