"""The per-letter registration form (登记表) as a PDF: filed through the real pipeline and review, downloaded
through the desk, its text read back with pdfplumber."""
from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest
from sqlalchemy import select

from ingest import pipeline
from ingest.deadlines import CHINA_TZ
from ingest.records import attendees
from ingest.review import ReviewDecision, review
from ingest.runtime import Runtime
from storage import users
from storage.models import AuditEvent
from tests.test_registers import _pdf, _set_received
from tests.fixtures.runtime import actor
from tests.test_review_ui import CASE, PASSWORD, _csrf, app, client, letter_in_review, login  # noqa: F401


def _file(rt: Runtime, tag: str, intervener_type: str, by: str = "reviewer", received: dt.datetime | None = None,
          special_report: tuple[str, ...] = (), internal_behaviours: tuple[str, ...] = (), **fields: str) -> int:
    """A letter through the pipeline, then confirmed as ``intervener_type`` with ``fields`` by ``by``."""
    letter_id = letter_in_review(rt, _pdf(tag), f"{tag}.pdf")
    if received is not None:
        _set_received(rt, letter_id, received)
    review(rt, letter_id, ReviewDecision("confirm", intervener_type, special_report=special_report,
                                         internal_behaviours=internal_behaviours, form="LETTER",
                                         fields={"case_number": "", **fields}), actor(rt, by))
    return letter_id


def _pdf_text(data: bytes) -> str:
    """The PDF's text with all whitespace removed (table cells wrap anywhere)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert 1 <= len(pdf.pages) <= 2
        return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in pdf.pages))


def _switch(client, username: str) -> None:
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    login(client, username)


def _download(client, letter_id: int):
    return client.get(f"/letters/{letter_id}/form.pdf")


def _events(rt: Runtime, action: str) -> list[AuditEvent]:
    with rt.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def external(app, rt) -> int:  # noqa: F811 (app creates the users)
    """An external letter received before National Day 2025 and filed today (so recorded late)."""
    return _file(rt, "外", "EXT_ORG", special_report=("SR04", "SR10"),
                 received=dt.datetime(2025, 9, 30, 10, tzinfo=CHINA_TZ), name="王建国", unit="梅川县人民政府",
                 position="县长", case_number=CASE, case_name="金融借款合同纠纷")


@pytest.fixture
def internal(app, rt) -> int:  # noqa: F811
    return _file(rt, "内", "INT_COURT_LEADER", by="supervisor", internal_behaviours=("IB01",), name="李明远",
                 unit="梅川县人民法院", position="副院长", case_number="（2025）豫0825民初77号")


def test_external_form_carries_the_confirmed_record(client, rt, external):
    login(client, "reviewer")
    response = _download(client, external)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = _pdf_text(response.data)
    assert "外部人员过问情况登记表" in text and "司法机关内部人员" not in text
    for value in ("王建国", "梅川县人民政府", "县长", "金融借款合同纠纷", CASE, "以组织名义发文发函",
                  "超越职权对案件处理提出倾向性意见或具体要求", "要求拖延执行或者中止执行、终结执行",
                  "2025-09-30", "2025-10-10", "逾期登记", "reviewer用户（reviewer）"):
        assert value in text, value
    with rt.db.session() as s:
        from storage.models import Letter
        letter = s.get(Letter, external)
        sha, prefix = letter.sha256, letter.archive_prefix
    assert sha in text and prefix in text
    printed = _events(rt, "print_form")
    assert [(e.actor, e.letter_id) for e in printed] == [("reviewer", external)]


def test_internal_form_has_its_title_and_only_the_internal_register_may_print_it(client, rt, internal):
    login(client, "supervisor")
    response = _download(client, internal)
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert "司法机关内部人员过问案件情况登记表" in text and "外部人员过问情况登记表" not in text
    for value in ("李明远", "梅川县人民法院", "副院长", "（2025）豫0825民初77号", "本院领导干部过问", "打探案情、通风报信",
                  "按期登记"):
        assert value in text, value
    assert "打印登记表（PDF）" in client.get(f"/letters/{internal}").text
    for who in ("clerk", "reviewer"):  # neither may read the internal register
        _switch(client, who)
        assert _download(client, internal).status_code == 403
        assert "打印登记表（PDF）" not in client.get(f"/letters/{internal}").text
    refused = _events(rt, "permission_denied")
    assert [(e.actor, e.letter_id, e.detail["permission"]) for e in refused] == \
        [("clerk", internal, "register_internal"), ("reviewer", internal, "register_internal")]
    assert [e.actor for e in _events(rt, "print_form")] == ["supervisor"]


def test_clerk_cannot_print_external_but_may_print_a_letter_in_no_register(client, rt, external):
    party = _file(rt, "当事人", "PARTY_RELATED", name="张三")
    login(client, "clerk")
    assert _download(client, external).status_code == 403
    response = _download(client, party)
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert "来信登记表" in text and "张三" in text
    assert "告知正当渠道；退回或销毁材料，不得转交承办法官" in text  # the prescribed action
    assert "不适用（不入专库）" in text  # no copy deadline outside the registers


def test_a_letter_not_filed_is_refused_and_has_no_print_link(client, rt, app):  # noqa: F811
    letter_id = letter_in_review(rt, _pdf("待审"), "待审.pdf")
    login(client, "admin")
    response = _download(client, letter_id)
    assert response.status_code == 409 and "尚未确认归档" in response.text
    assert "打印登记表（PDF）" not in client.get(f"/letters/{letter_id}").text
    assert _download(client, 99999).status_code == 404
    assert not _events(rt, "print_form")


def test_oral_record_form_lists_the_place_and_each_attendee_confirmation(rt, app):  # noqa: F811
    for name, role in (("alice", "clerk"), ("bob", "reviewer")):
        users.create_user(rt.db, name, PASSWORD, role, display_name=f"{name}用户")
    client = app.test_client()
    login(client, "clerk")
    token = _csrf(client, "/records/new?form=ORAL")
    entered = client.post("/records/new?form=ORAL", data={
        "csrf_token": token, "name": "赵德华", "unit": "梅川县人大常委会", "position": "副主任",
        "occurred_at": "2024-03-12 09:15", "case_number": CASE, "content": f"关于{CASE}案件，希望暂缓执行。",
        "place": "院长办公室", "attendees": "alice,bob"}, content_type="multipart/form-data")
    letter_id = int(entered.headers["Location"].rsplit("/", 1)[-1])
    assert pipeline.run_inline(rt, letter_id) == "in_review"
    for who in ("alice", "bob"):
        _switch(client, who)
        assert client.post(f"/letters/{letter_id}/attend",
                           data={"csrf_token": _csrf(client, f"/letters/{letter_id}")}).status_code == 302
    review(rt, letter_id, ReviewDecision("confirm", "EXT_LEADER", special_report=("SR01",), form="ORAL",
                                         fields={"name": "赵德华", "unit": "梅川县人大常委会", "position": "副主任",
                                                 "case_number": CASE, "date": "2024-03-12"}), actor(rt, "reviewer"))
    _switch(client, "reviewer")
    assert "打印登记表（PDF）" in client.get(f"/letters/{letter_id}").text
    text = _pdf_text(_download(client, letter_id).data)
    assert "外部人员过问情况登记表" in text and "当面口头" in text and "2024-03-1209:15" in text
    assert "地点：院长办公室" in text and "clerk用户（clerk）" in text  # who entered the record
    for person in attendees(rt, letter_id):
        confirmed = person.confirmed_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d%H:%M")
        assert f"{person.display_name}（{person.username}）：{confirmed}签字确认" in text
