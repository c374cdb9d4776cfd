"""Records of interventions without paper (phone, oral, SMS/IM, 批示) entered at the desk, end to end."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from ingest import pipeline
from ingest.queries import get_letter
from ingest.records import attendees
from storage import users
from storage.models import Letter, Record
from tests.test_review_ui import PASSWORD, _csrf, login

CASE = "（2024）豫0825执1234号"


@pytest.fixture
def client(rt):
    from review_ui import create_app

    for name, role in (("clerk", "clerk"), ("reviewer", "reviewer"), ("supervisor", "supervisor"),
                       ("alice", "clerk"), ("bob", "reviewer"), ("carol", "clerk")):
        users.create_user(rt.db, name, PASSWORD, role, display_name=f"{name}用户")
    return create_app(rt).test_client()


def _enter(client, form: str, data: dict, files=()):
    token = _csrf(client, f"/records/new?form={form}")
    body = {"csrf_token": token, "name": "张三", "unit": "某县人民政府", "position": "副县长",
            "occurred_at": "2024-03-12 09:15", "case_number": CASE, "content": f"关于{CASE}案件，希望尽快执行。",
            **data}
    if files:
        body["attachments"] = list(files)
    return client.post(f"/records/new?form={form}", data=body, content_type="multipart/form-data")


def _letter_id(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def test_phone_record_becomes_a_letter_with_its_fields(rt, client):
    login(client, "clerk")
    letter_id = _letter_id(_enter(client, "PHONE", {}))
    assert pipeline.run_inline(rt, letter_id) == "in_review"
    with rt.db.session() as s:
        letter = s.get(Letter, letter_id)
        fields, channel = letter.predicted_fields, letter.channel
    assert channel == "form"
    assert (fields["name"], fields["unit"], fields["position"], fields["date"], fields["form"]) == \
        ("张三", "某县人民政府", "副县长", "2024-03-12", "PHONE")


def test_sms_record_stores_screenshot_and_refuses_executable(rt, client):
    login(client, "clerk")
    refused = _enter(client, "SMS_IM", {"storage_medium": "手机"}, [(io.BytesIO(b"MZ\x90\x00" + b"\0" * 64), "a.exe")])
    assert refused.status_code in (400, 415), refused.status_code
    assert "a.exe" in refused.text
    letter_id = _letter_id(_enter(client, "SMS_IM", {"storage_medium": "手机"}, [(io.BytesIO(_png()), "截图.png")]))
    with rt.db.session() as s:
        stored = s.get(Record, letter_id).attachments
    assert [a["filename"] for a in stored] == ["截图.png"]
    assert rt.objects.get(stored[0]["key"]) == _png()
    assert stored[0]["key"].startswith(f"attachments/{letter_id}/1-")


def test_oral_record_is_filed_only_after_every_attendee_confirmed(rt, client):
    login(client, "clerk")
    assert _enter(client, "ORAL", {"place": "院长办公室", "attendees": "alice、nobody"}).status_code == 400
    letter_id = _letter_id(_enter(client, "ORAL", {"place": "院长办公室", "attendees": "alice,bob"}))
    assert pipeline.run_inline(rt, letter_id) == "in_review"

    def confirm(user):
        client.post("/logout", data={"csrf_token": _csrf(client, "/")})
        login(client, user)
        return client.post(f"/letters/{letter_id}/attend", data={"csrf_token": _csrf(client, f"/letters/{letter_id}")})

    def file_it():
        client.post("/logout", data={"csrf_token": _csrf(client, "/")})
        login(client, "reviewer")
        return client.post(f"/letters/{letter_id}/review",
                           data={"csrf_token": _csrf(client, f"/letters/{letter_id}"), "action": "confirm",
                                 "intervener_type": "EXT_LEADER"})

    assert confirm("carol").status_code in (403, 409)
    page = client.get(f"/letters/{letter_id}").text  # carol is signed in now: she sees the list, no button
    assert "在场人员确认" in page and "待确认" in page and "确认本记录属实" not in page
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    login(client, "alice")
    assert "确认本记录属实" in client.get(f"/letters/{letter_id}").text  # an attendee gets the button
    assert confirm("alice").status_code == 302
    assert "已于" in client.get(f"/letters/{letter_id}").text
    assert confirm("alice").status_code == 409  # once only
    blocked = file_it()
    assert blocked.status_code == 409 and "bob" in blocked.text
    assert confirm("bob").status_code == 302
    state = {a.username: a.confirmed_at for a in attendees(rt, letter_id)}
    assert set(state) == {"alice", "bob"} and all(state.values())
    assert file_it().status_code == 302
    assert get_letter(rt, letter_id).summary.status == "filed"


def test_clerk_may_enter_records_and_supervisor_may_not(client):
    login(client, "clerk")
    assert client.get("/records/new?form=ORAL").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    login(client, "supervisor")
    assert client.get("/records/new?form=PHONE").status_code == 403
