"""User management on the desk (/admin/users) through Flask's test client: accounts, roles, deactivation,
password resets and API tokens, all admin-only and all audited without secrets."""
from __future__ import annotations

import json
import re

from flask import url_for
from sqlalchemy import select

from review_ui import create_app
from storage import users
from storage.models import ApiToken, AuditEvent
from tests.test_review_ui import PASSWORD, _csrf, _text, app, client, letter_in_review, login  # noqa: F401

NEW_PASSWORD = "zhao-secret-2024"
TOKEN = re.compile(r"ld_[A-Za-z0-9_-]{20,}")


def _id(rt, username: str) -> int:
    return next(a.id for a in users.list_accounts(rt.db) if a.username == username)


def _account(rt, username: str) -> users.Account:
    return users.get_account(rt.db, _id(rt, username))


def _post(client, path: str, **data):
    """POST ``data`` with a CSRF token taken from the queue page (any signed-in user may read it)."""
    return client.post(path, data={**data, "csrf_token": _csrf(client, "/")})


def _as_admin(app):
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    return admin


def _events(rt, *actions: str) -> list[tuple[str, str, dict]]:
    with rt.db.session() as s:
        query = select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
        if actions:
            query = query.where(AuditEvent.action.in_(actions))
        return [tuple(row) for row in s.execute(query)]


def _create(admin, username="zhao", role="reviewer", password=NEW_PASSWORD, confirm=None, display_name="赵审核"):
    return _post(admin, "/admin/users/new", username=username, display_name=display_name, role=role,
                 password=password, password_confirm=password if confirm is None else confirm)


# --- creating accounts ---------------------------------------------------------------------------------

def test_admin_creates_a_reviewer_who_can_then_sign_in(app, rt):
    admin = _as_admin(app)
    created = _create(admin)
    assert created.status_code == 302
    assert created.headers["Location"] == f"/admin/users/{_id(rt, 'zhao')}"

    listing = _text(admin.get("/admin/users").text)
    assert "zhao 赵审核 审核员 在用" in listing

    zhao = app.test_client()
    assert login(zhao, "zhao", NEW_PASSWORD).status_code == 302
    assert "赵审核（审核员）" in _text(zhao.get("/").text)
    assert ("admin", "user_create") in [(actor, action) for actor, action, _ in _events(rt, "user_create")]


def test_creation_refuses_mismatched_short_or_taken_and_keeps_what_was_typed(app, rt):
    admin = _as_admin(app)
    mismatch = _create(admin, confirm=NEW_PASSWORD + "x")
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in mismatch.text
    assert 'value="zhao"' in mismatch.text and NEW_PASSWORD not in mismatch.text

    short = _create(admin, password="short7!")
    assert short.status_code == 400 and "密码须为 8–256 个字符" in short.text
    taken = _create(admin, username="clerk")
    assert taken.status_code == 400 and "用户名「clerk」已被使用" in taken.text
    spaced = _create(admin, username="zhao wei")
    assert spaced.status_code == 400 and "不含空格" in spaced.text

    assert "zhao" not in {a.username for a in users.list_accounts(rt.db)}
    assert _account(rt, "clerk").role == "clerk"  # the taken name was not reset either
    assert _events(rt, "user_create") == []


# --- deactivation and roles ---------------------------------------------------------------------------

def test_deactivated_user_loses_the_session_and_cannot_sign_in_until_reactivated(app, rt):
    clerk = app.test_client()
    login(clerk, "clerk")
    assert clerk.get("/").status_code == 200

    admin = _as_admin(app)
    clerk_id = _id(rt, "clerk")
    done = _post(admin, f"/admin/users/{clerk_id}/active", active="0")
    assert done.status_code == 302 and "账号已停用" in admin.get(done.headers["Location"]).text
    assert "clerk clerk用户 登记员 已停用" in _text(admin.get("/admin/users").text)

    refused = clerk.get("/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    again = app.test_client()
    assert login(again, "clerk").status_code == 401

    assert _post(admin, f"/admin/users/{clerk_id}/active", active="1").status_code == 302
    assert login(again, "clerk").status_code == 302
    assert [action for _, action, _ in _events(rt, "user_deactivate", "user_reactivate")] == \
        ["user_deactivate", "user_reactivate"]


def test_a_clerk_made_reviewer_can_open_the_review_form_in_the_same_session(app, rt):
    letter_id = letter_in_review(rt)
    clerk = app.test_client()
    login(clerk, "clerk")
    assert 'id="review-form"' not in clerk.get(f"/letters/{letter_id}").text

    admin = _as_admin(app)
    changed = _post(admin, f"/admin/users/{_id(rt, 'clerk')}/profile", display_name="钱审核", role="reviewer")
    assert changed.status_code == 302

    page = clerk.get(f"/letters/{letter_id}")
    assert 'id="review-form"' in page.text and "钱审核（审核员）" in _text(page.text)
    detail = {action: d for _, action, d in _events(rt, "user_role", "user_rename")}
    assert detail["user_role"]["from"] == "clerk" and detail["user_role"]["to"] == "reviewer"
    assert detail["user_rename"]["to"] == "钱审核"


def test_admin_cannot_deactivate_themself_nor_take_away_the_last_active_admin(app, rt):
    admin = _as_admin(app)
    me = _id(rt, "admin")
    myself = _post(admin, f"/admin/users/{me}/active", active="0")
    assert myself.status_code == 400 and "不能停用自己的账号" in myself.text

    demote = _post(admin, f"/admin/users/{me}/profile", display_name="admin用户", role="supervisor")
    assert demote.status_code == 409 and "最后一位在用管理员" in demote.text
    assert _account(rt, "admin").role == "admin" and _account(rt, "admin").active

    # a second admin who is deactivated does not count
    _create(admin, username="sun", role="admin")
    sun = _id(rt, "sun")
    assert _post(admin, f"/admin/users/{sun}/active", active="0").status_code == 302
    assert _post(admin, f"/admin/users/{me}/profile", display_name="", role="clerk").status_code == 409
    # once reactivated, the first admin may step down
    assert _post(admin, f"/admin/users/{sun}/active", active="1").status_code == 302
    assert _post(admin, f"/admin/users/{me}/profile", display_name="", role="clerk").status_code == 302
    assert _account(rt, "admin").role == "clerk"
    assert admin.get("/admin/users").status_code == 403  # the demotion took effect at once
    assert [e[2]["to"] for e in _events(rt, "user_role")] == ["clerk"]  # refusals left no trace


# --- passwords ----------------------------------------------------------------------------------------

def test_password_reset_replaces_the_old_password_and_ends_open_sessions(app, rt):
    signed_in = app.test_client()
    login(signed_in, "reviewer")
    assert signed_in.get("/").status_code == 200
    admin = _as_admin(app)
    path = f"/admin/users/{_id(rt, 'reviewer')}/password"
    assert _post(admin, path, password="short", password_confirm="short").status_code == 400
    assert _post(admin, path, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD).status_code == 302

    ended = signed_in.get("/")  # the session opened with the old password no longer counts
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    reviewer = app.test_client()
    assert login(reviewer, "reviewer", PASSWORD).status_code == 401
    assert login(reviewer, "reviewer", NEW_PASSWORD).status_code == 302
    assert admin.get("/admin/users").status_code == 200  # other people's sessions are untouched


def test_passwords_and_tokens_never_appear_in_the_audit_trail(app, rt):
    admin = _as_admin(app)
    _create(admin, username="zhou", password="first-password-1")
    _create(admin, username="wu", password="mismatch-password", confirm="mismatch-password-2")
    zhou = _id(rt, "zhou")
    _post(admin, f"/admin/users/{zhou}/password", password="second-password-2", password_confirm="second-password-2")
    token = TOKEN.search(_post(admin, f"/admin/users/{zhou}/tokens", name="扫描仪").text).group(0)

    trail = json.dumps(_events(rt), ensure_ascii=False)
    assert {"user_create", "user_password", "token_create"} <= {action for _, action, _ in _events(rt)}
    for secret in ("first-password-1", "second-password-2", "mismatch-password", token, token[3:]):
        assert secret not in trail
    with rt.db.session() as s:  # only a digest of the token is kept
        assert token not in json.dumps([list(row) for row in s.execute(select(ApiToken.name, ApiToken.token_hash))])


# --- API tokens ---------------------------------------------------------------------------------------

def test_a_token_issued_on_the_desk_is_shown_once_works_on_the_api_and_dies_when_revoked(app, rt):
    admin = _as_admin(app)
    clerk = _id(rt, "clerk")
    issued = _post(admin, f"/admin/users/{clerk}/tokens", name="扫描仪上传")
    assert issued.status_code == 200 and "只显示这一次" in issued.text
    assert issued.headers["Cache-Control"] == "no-store"
    token = TOKEN.search(issued.text).group(0)
    bearer = {"Authorization": f"Bearer {token}"}

    api = app.test_client()
    assert api.get("/api/letters", headers=bearer).status_code == 200
    page = admin.get(f"/admin/users/{clerk}")
    assert token not in page.text and TOKEN.search(page.text) is None
    assert "扫描仪上传" in page.text and "有效" in _text(page.text)
    assert token not in admin.get("/admin/users").text
    assert "clerk clerk用户 登记员 在用" in _text(admin.get("/admin/users").text)

    token_id = users.list_tokens(rt.db, clerk)[0].id
    revoked = _post(admin, f"/admin/users/{clerk}/tokens/{token_id}/revoke")
    assert revoked.status_code == 302
    assert api.get("/api/letters", headers=bearer).status_code == 401
    assert "吊销" in _text(admin.get(f"/admin/users/{clerk}").text)
    assert _account(rt, "clerk").live_tokens == 0
    assert _post(admin, f"/admin/users/{clerk}/tokens/{token_id}/revoke").status_code == 409
    assert [(actor, action, d["token_id"]) for actor, action, d in _events(rt, "token_create", "token_revoke")] == \
        [("admin", "token_create", token_id), ("admin", "token_revoke", token_id)]


def test_tokens_stop_with_a_deactivated_account_and_belong_to_their_account(app, rt):
    admin = _as_admin(app)
    reviewer, clerk = _id(rt, "reviewer"), _id(rt, "clerk")
    token = TOKEN.search(_post(admin, f"/admin/users/{reviewer}/tokens", name="批量审核").text).group(0)
    token_id = users.list_tokens(rt.db, reviewer)[0].id
    assert _post(admin, f"/admin/users/{reviewer}/tokens", name="").status_code == 400

    # a token cannot be revoked through another account's page
    assert _post(admin, f"/admin/users/{clerk}/tokens/{token_id}/revoke").status_code == 404
    api = app.test_client()
    assert api.get("/api/letters", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    _post(admin, f"/admin/users/{reviewer}/active", active="0")
    assert api.get("/api/letters", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = _post(admin, f"/admin/users/{reviewer}/tokens", name="再来一个")
    assert refused.status_code == 409 and "账号已停用" in refused.text

    _post(admin, f"/admin/users/{reviewer}/active", active="1")  # back at work: the old token stays revoked
    assert api.get("/api/letters", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert users.list_tokens(rt.db, reviewer)[0].revoked_at is not None


# --- protection ---------------------------------------------------------------------------------------

def test_non_admins_get_403_on_every_admin_route_and_change_nothing(app, rt):
    admin_id = _id(rt, "admin")
    users.issue_token(rt.db, admin_id, "运维", lambda *_: None)
    token_id = users.list_tokens(rt.db, admin_id)[0].id
    with app.test_request_context():
        routes = [(method, url_for(rule.endpoint, **{name: token_id if name == "token_id" else admin_id
                                                     for name in rule.arguments}))
                  for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) == 8

    form = {"username": "mallory", "role": "admin", "display_name": "x", "active": "0", "name": "x",
            "password": "owned-password-1", "password_confirm": "owned-password-1"}
    for role in ("clerk", "reviewer", "supervisor"):
        someone = app.test_client()
        login(someone, role)
        assert "用户管理" not in someone.get("/").text
        for method, path in routes:
            response = someone.open(path, method=method, data={**form, "csrf_token": _csrf(someone, "/")})
            assert response.status_code == 403, (role, method, path)

    after = _account(rt, "admin")
    assert (after.role, after.active, after.live_tokens) == ("admin", True, 1)
    assert "mallory" not in {a.username for a in users.list_accounts(rt.db)}
    assert login(app.test_client(), "admin").status_code == 302  # password unchanged
    refusals = _events(rt, "permission_denied")
    assert len(refusals) == 3 * len(routes) and {d["permission"] for _, _, d in refusals} == {"manage_users"}


def test_every_admin_route_is_registered_under_manage_users(rt):
    app = create_app(rt)
    admin_views = {rule.endpoint: app.view_functions[rule.endpoint]
                   for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")}
    assert "users.index" in admin_views
    assert {view.permission for view in admin_views.values()} == {"manage_users"}
