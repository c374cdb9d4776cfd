"""The desk (Chinese web UI) and the REST API through Flask's test client.

Embedded defaults (SQLite + local object store in the test's temp dir); letters reach review through the
real stages run in-process (``pipeline.run_inline``) from text-layer PDFs, the fast OCR path.
"""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from flask import Flask, url_for

from ingest import pipeline
from ingest.intake import submit
from ingest.queries import get_letter
from ingest.runtime import Runtime
from review_ui import create_app
from storage import users
from tests import docs
from tests.fixtures.runtime import make_settings

PASSWORD = "correct-horse-1"
ROLES = ("clerk", "reviewer", "supervisor", "admin")
CASE = "（2024）豫0825执1234号"
CASE_VARIANT = "(2024)豫0825执字第01234号"  # half-width brackets, 字第, zero padding: the same case


@pytest.fixture
def app(rt) -> Flask:
    for role in ROLES:
        users.create_user(rt.db, role, PASSWORD, role, display_name=f"{role}用户")
    return create_app(rt)


@pytest.fixture
def client(app):
    return app.test_client()


def _csrf(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": _csrf(client, "/login")})


def _letter_pdf(pages=docs.SAMPLE_LETTER_PAGES) -> bytes:
    return docs.text_pdf_bytes(pages)


def letter_in_review(rt: Runtime, data: bytes | None = None, filename: str = "县政府函.pdf") -> int:
    accepted = submit(rt, data or _letter_pdf(), filename, "cli", enqueue=False)
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    return accepted.id


def token_for(rt: Runtime, role: str) -> dict:
    return {"Authorization": f"Bearer {users.create_token(rt.db, role, 'test')}"}


def _text(html: str) -> str:
    """Visible text of a page, tags stripped and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- protection ---------------------------------------------------------------------------------------

PUBLIC = {"static", "auth.login"}


def _protected_requests(app: Flask):
    """(method, path) for every method of every route that is not public, with dummy URL arguments."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC:
                continue
            path = url_for(rule.endpoint, **{name: 1 for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def _assert_refused_without_login(client, method: str, path: str) -> None:
    response = client.open(path, method=method)
    if path.startswith("/api/"):
        assert response.status_code == 401, (method, path)
        assert response.get_json()["code"] == "authentication_required"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 302, (method, path, response.status_code)
        assert response.headers["Location"].startswith("/login"), (method, path)


def test_every_route_requires_login(app, client):
    requests = list(_protected_requests(app))
    paths = {p for _, p in requests}
    assert {"/", "/upload", "/search", "/letters/1", "/api/letters", "/api/letters/1/review"} <= paths
    for method, path in requests:
        _assert_refused_without_login(client, method, path)
    # unknown paths give nothing away either
    _assert_refused_without_login(client, "GET", "/api/nothing-here")
    _assert_refused_without_login(client, "GET", "/nothing-here")


def test_every_route_checks_a_role(app):
    """Signing in is not enough: each view names the permission (and so the roles) it needs."""
    unchecked = [rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint not in PUBLIC | {"auth.logout"}
                 and not hasattr(app.view_functions[rule.endpoint], "permission")]
    assert unchecked == []


def test_a_route_added_later_is_protected_by_default(rt):
    app = create_app(rt)
    app.add_url_rule("/new-report", "new_report", lambda: "secret")
    response = app.test_client().get("/new-report")
    assert response.status_code == 302 and "secret" not in response.text


def test_login_logout_and_wrong_password(client):
    assert client.get("/").headers["Location"] == "/login?next=/"
    bad = login(client, "reviewer", "wrong-password")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    assert client.get("/").status_code == 302

    good = login(client, "reviewer")
    assert good.status_code == 302 and good.headers["Location"] == "/"
    assert "待审队列" in client.get("/").text
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_login_never_redirects_off_site(client):
    response = client.post("/login?next=//evil.example/x", data={
        "username": "clerk", "password": PASSWORD, "csrf_token": _csrf(client, "/login")})
    assert response.headers["Location"] == "/"


def test_forms_need_a_csrf_token(client):
    login(client, "reviewer")
    response = client.post("/upload", data={"files": (io.BytesIO(_letter_pdf()), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "表单已过期" in response.text


def test_session_cookie_flags(rt, tmp_path, model_dir):
    client = create_app(rt).test_client()
    for role in ROLES:
        users.create_user(rt.db, role, PASSWORD, role)
    cookie = login(client, "clerk").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    secure_rt = Runtime.from_settings(make_settings(tmp_path / "secure", model_dir, LETTERDESK_SECURE_COOKIES="1"))
    users.create_user(secure_rt.db, "clerk", PASSWORD, "clerk")
    secure_cookie = login(create_app(secure_rt).test_client(), "clerk").headers["Set-Cookie"]
    assert "Secure" in secure_cookie
    secure_rt.close()


def test_security_headers_on_pages_errors_and_api(client, rt):
    login(client, "clerk")
    token = token_for(rt, "clerk")
    for response in (client.get("/login"), client.get("/"), client.get("/letters/999"),
                     client.get("/api/letters", headers=token), client.get("/api/letters")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in client.get("/").text  # no inline scripts to allow


# --- roles --------------------------------------------------------------------------------------------

def test_clerk_cannot_review_on_the_desk_or_the_api(client, rt):
    letter_id = letter_in_review(rt)
    login(client, "clerk")
    page = client.get(f"/letters/{letter_id}")
    assert "确认归档" not in page.text and "只能查看" in page.text
    refused = client.post(f"/letters/{letter_id}/review", data={
        "action": "confirm", "intervener_type": "EXT_ORG", "csrf_token": _csrf(client, "/")})
    assert refused.status_code == 403 and "无权访问" in refused.text and "权限" in refused.text

    api = client.post(f"/api/letters/{letter_id}/review", headers=token_for(rt, "clerk"),
                      json={"action": "confirm", "intervener_type": "EXT_ORG"})
    assert api.status_code == 403 and api.get_json()["code"] == "permission_denied"
    assert get_letter(rt, letter_id).summary.status == "in_review"


def test_supervisor_reviews_but_does_not_upload(client):
    login(client, "supervisor")
    assert client.get("/upload").status_code == 403
    assert "上传来信" not in client.get("/").text


# --- desk pages ---------------------------------------------------------------------------------------

def test_upload_of_several_files_reports_each(client, rt):
    login(client, "clerk")
    pdf = _letter_pdf()
    response = client.post("/upload", content_type="multipart/form-data", data={
        "csrf_token": _csrf(client, "/upload"),
        "files": [(io.BytesIO(pdf), "县政府函.pdf"), (io.BytesIO(docs.HTML_BYTES), "网页.html"),
                  (io.BytesIO(pdf), "再扫一次.pdf")],
    })
    assert response.status_code == 200
    rows = re.findall(r'<tr class="(accepted|rejected|duplicate)">(.*?)</tr>', response.text, re.S)
    assert [kind for kind, _ in rows] == ["accepted", "rejected", "duplicate"]
    accepted, rejected, duplicate = (_text(html) for _, html in rows)
    letter_id = int(re.search(r"#(\d+)", accepted).group(1))
    assert "县政府函.pdf" in accepted and "已接收" in accepted
    assert "网页.html" in rejected and "未接收" in rejected and "不支持" in rejected
    assert f"#{letter_id}" in duplicate and "重复" in duplicate
    assert get_letter(rt, letter_id).summary.filename == "县政府函.pdf"


def test_queue_shows_waiting_letters_with_age_type_and_failed_ones_with_retry(client, rt):
    waiting = letter_in_review(rt)
    broken = submit(rt, docs.png_bytes(["一页扫描件"]), "扫描.png", "upload", enqueue=False).id
    pipeline.mark_failed(rt, broken, pipeline.STAGES[0], RuntimeError("识别引擎崩溃"))
    login(client, "clerk")

    page = client.get("/").text
    queue = _text(re.search(r'<table class="letters" id="review-queue">.*?</table>', page, re.S).group(0))
    summary = get_letter(rt, waiting).summary
    assert f"#{waiting}" in queue and "待审核" in queue and "0分钟" in queue
    assert summary.intervener_type_label in queue and f"{summary.probability * 100:.0f}%" in queue
    assert ("不确定" in queue) == summary.uncertain

    recent = _text(re.search(r'id="recent-letters">.*?</table>', page, re.S).group(0))
    assert f"#{broken}" in recent and "处理失败" in recent and "识别引擎崩溃" in recent and "重试" in recent
    retried = client.post(f"/letters/{broken}/retry", data={"csrf_token": _csrf(client, "/")})
    assert retried.status_code == 302
    assert get_letter(rt, broken).summary.status == "received"
    assert "已重新排队" in client.get("/").text


def test_letter_page_shows_pages_fields_and_label_choices(client, rt):
    letter_id = letter_in_review(rt)
    detail = get_letter(rt, letter_id)
    login(client, "reviewer")
    html = client.get(f"/letters/{letter_id}").text
    text = _text(html)
    assert "第 1 页" in text and "第 2 页" in text and "暂缓执行" in text.replace(" ", "")
    assert f'value="{CASE}"' in html and "案由（案件名称）" in text
    assert len(re.findall(r'type="radio" name="intervener_type"', html)) == 11
    assert len(re.findall(r'name="special_report"', html)) == 15
    assert len(re.findall(r'name="internal_behaviours"', html)) == 3
    checked = re.findall(r'name="intervener_type" value="(\w+)" required checked', html)
    assert checked == [t.code for t in detail.types if t.selected]
    if not checked:  # below the threshold nothing is chosen for the reviewer
        assert "不确定，请选择" in text
    assert "确认归档" in text and "退回理由" in text and "下载原件" in text
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == len(detail.pages) == 2
    image = client.get(sources[1])
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data[:2] == b"\xff\xd8"
    assert client.get(f"/letters/{letter_id}/pages/7.jpg").status_code == 404


def test_below_the_threshold_nothing_is_preselected_and_the_letter_is_marked_uncertain(tmp_path, model_dir):
    strict = Runtime.from_settings(make_settings(tmp_path / "strict", model_dir,
                                                 LETTERDESK_CONFIDENCE_THRESHOLD="0.999"))
    users.create_user(strict.db, "reviewer", PASSWORD, "reviewer")
    letter_id = letter_in_review(strict)
    client = create_app(strict).test_client()
    login(client, "reviewer")
    queue = _text(client.get("/").text)
    assert "不确定" in queue
    html = client.get(f"/letters/{letter_id}").text
    assert "不确定，请选择" in _text(html)
    assert not re.search(r'name="(intervener_type|special_report|internal_behaviours)" value="\w+"( required)? checked', html)
    strict.close()


def test_review_on_the_desk_files_the_corrected_letter_found_by_a_case_variant(client, rt):
    letter_id = letter_in_review(rt)
    login(client, "reviewer")
    response = client.post(f"/letters/{letter_id}/review", data={
        "csrf_token": _csrf(client, f"/letters/{letter_id}"), "action": "confirm",
        "intervener_type": "EXT_ORG", "special_report": ["SR04", "SR10"], "form": "LETTER",
        "name": "王建国", "unit": "梅川县人民政府", "position": "县长", "case_number": CASE,
        "case_name": "金融借款合同纠纷", "date": "2024-06-19"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "已归档" in client.get("/").text

    detail = get_letter(rt, letter_id)
    assert detail.summary.status == "filed" and detail.fields["name"] == "王建国"
    assert {t.code for t in detail.special_report if t.selected} == {"SR04", "SR10"}

    found = _text(client.get("/search", query_string={"case_number": CASE_VARIANT}).text)
    assert f"#{letter_id}" in found and "王建国" in found and "1 件" in found
    assert "0 件" in _text(client.get("/search", query_string={"case_number": "（2024）豫0825执1235号"}).text)


def test_reject_needs_a_reason(client, rt):
    letter_id = letter_in_review(rt)
    login(client, "reviewer")
    token = _csrf(client, f"/letters/{letter_id}")
    missing = client.post(f"/letters/{letter_id}/review", data={"csrf_token": token, "action": "reject"})
    assert missing.status_code == 400 and "退回必须填写理由" in missing.text
    done = client.post(f"/letters/{letter_id}/review",
                       data={"csrf_token": token, "action": "reject", "reason": "扫描不清，请重新扫描"})
    assert done.status_code == 302
    page = _text(client.get(f"/letters/{letter_id}").text)
    assert "已退回" in page and "扫描不清，请重新扫描" in page


def test_unknown_letter_is_a_chinese_404_page(client):
    login(client, "clerk")
    response = client.get("/letters/424242")
    assert response.status_code == 404 and "来信 424242 不存在" in response.text


def test_original_download_is_an_attachment(client, rt):
    data = _letter_pdf()
    letter_id = letter_in_review(rt, data, "县政府函.pdf")
    login(client, "clerk")
    response = client.get(f"/letters/{letter_id}/original")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E5%8E%BF" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


# --- API ----------------------------------------------------------------------------------------------

def test_api_upload_new_duplicate_and_bad_file(client, rt):
    token = token_for(rt, "clerk")
    data = _letter_pdf()
    first = client.post("/api/letters", headers=token, data={"file": (io.BytesIO(data), "函.pdf")})
    assert first.status_code == 201
    body = first.get_json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["status"] == "received"
    assert body["duplicate"] is False

    again = client.post("/api/letters", headers=token, data={"file": (io.BytesIO(data), "again.pdf")})
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["id"] == body["id"]

    bad = client.post("/api/letters", headers=token, data={"file": (io.BytesIO(docs.HTML_BYTES), "x.html")})
    assert bad.status_code == 415 and bad.get_json()["code"] == "unsupported_type" and bad.get_json()["error"]
    empty = client.post("/api/letters", headers=token, data={"file": (io.BytesIO(b""), "empty.pdf")})
    assert empty.status_code == 400 and empty.get_json()["code"] == "empty_file"
    missing = client.post("/api/letters", headers=token, data={})
    assert missing.status_code == 400 and missing.get_json()["code"] == "invalid_request"


def test_api_review_needs_a_token_and_a_reviewer_role(client, rt):
    letter_id = letter_in_review(rt)
    decision = {"action": "confirm", "intervener_type": "EXT_ORG", "special_report": ["SR10"],
                "fields": {"name": "王建国"}}
    assert client.post(f"/api/letters/{letter_id}/review", json=decision).status_code == 401
    bogus = client.post(f"/api/letters/{letter_id}/review", json=decision,
                        headers={"Authorization": "Bearer ld_not-a-token"})
    assert bogus.status_code == 401 and bogus.get_json()["error"]

    reviewer = token_for(rt, "reviewer")
    bad_code = client.post(f"/api/letters/{letter_id}/review", headers=reviewer,
                           json={**decision, "intervener_type": "NOPE"})
    assert bad_code.status_code == 400 and bad_code.get_json()["code"] == "invalid_request"
    not_json = client.post(f"/api/letters/{letter_id}/review", headers=reviewer, data="confirm")
    assert not_json.status_code == 400

    filed = client.post(f"/api/letters/{letter_id}/review", headers=reviewer, json=decision)
    assert filed.status_code == 200
    assert (filed.get_json()["status"], filed.get_json()["name"]) == ("filed", "王建国")
    again = client.post(f"/api/letters/{letter_id}/review", headers=reviewer, json=decision)
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_state"


def test_api_reads_detail_lists_and_case_search(client, rt):
    letter_id = letter_in_review(rt)
    token = token_for(rt, "clerk")
    detail = client.get(f"/api/letters/{letter_id}", headers=token).get_json()
    assert detail["summary"]["id"] == letter_id and len(detail["types"]) == 11
    assert detail["fields"]["case_number"] == CASE

    waiting = client.get("/api/letters?status=in_review", headers=token).get_json()["letters"]
    assert [s["id"] for s in waiting] == [letter_id]
    bad_status = client.get("/api/letters?status=lost", headers=token)
    assert bad_status.status_code == 400

    assert client.get("/api/letters", headers=token, query_string={"case_number": CASE_VARIANT}
                      ).get_json() == {"letters": []}  # not filed yet
    client.post(f"/api/letters/{letter_id}/review", headers=token_for(rt, "admin"),
                json={"action": "confirm", "intervener_type": "EXT_ORG"})
    found = client.get("/api/letters", headers=token, query_string={"case_number": CASE_VARIANT}).get_json()
    assert [s["id"] for s in found["letters"]] == [letter_id]
    assert client.get("/api/letters?case_number=hello", headers=token).status_code == 400

    original = client.get(f"/api/letters/{letter_id}/original", headers=token)
    assert original.headers["Content-Disposition"].startswith("attachment;")


def test_api_errors_from_flask_are_json(client, rt, tmp_path, model_dir):
    token = token_for(rt, "clerk")
    missing = client.get("/api/letters/999", headers=token)
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    no_route = client.get("/api/no-such-thing", headers=token)
    assert no_route.status_code == 404 and no_route.is_json
    wrong_method = client.delete("/api/letters/1", headers=token)
    assert wrong_method.status_code == 405 and wrong_method.get_json()["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]

    small = Runtime.from_settings(make_settings(tmp_path / "small", model_dir, LETTERDESK_MAX_UPLOAD_MB="1"))
    users.create_user(small.db, "clerk", PASSWORD, "clerk")
    big = create_app(small).test_client().post(
        "/api/letters", headers=token_for(small, "clerk"),
        data={"file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)), "big.pdf")})
    assert big.status_code == 413 and big.get_json()["code"] == "too_large" and "1 MB" in big.get_json()["error"]
    small.close()


def test_api_retry_requeues_a_failed_letter(client, rt):
    broken = submit(rt, _letter_pdf(), "a.pdf", "cli", enqueue=False).id
    pipeline.mark_failed(rt, broken, pipeline.STAGES[0], RuntimeError("boom"))
    token = token_for(rt, "clerk")
    response = client.post(f"/api/letters/{broken}/retry", headers=token)
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    again = client.post(f"/api/letters/{broken}/retry", headers=token)
    assert again.status_code == 409
