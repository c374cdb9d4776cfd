"""User management for admins: accounts, roles, passwords, API tokens.

Every page and action needs ``manage_users``. Changes go through :mod:`storage.users` and are audited in
their own transaction under the signed-in administrator's name; refused changes show the Chinese reason
on the page they came from.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ingest import audit
from letterdesk.errors import InvalidRequest, InvalidState
from review_ui.access import require
from review_ui.context import account, runtime
from storage import users

bp = Blueprint("users", __name__)

#: Refusals shown on the form's page instead of the error page.
FORM_ERRORS = (InvalidRequest, InvalidState)

Page = tuple[str, int]


def _auditor() -> users.Auditor:
    """Notes each change in its own transaction, as done by the signed-in administrator."""
    name = account().username
    return lambda session, action, detail: audit.record(session, name, action, **detail)


def _field(name: str) -> str:
    return request.form.get(name, "").strip()


def _new_password() -> str:
    """The form's ``password``; :class:`InvalidRequest` when ``password_confirm`` differs (length is
    checked by :func:`storage.users.check_password`)."""
    password = request.form.get("password", "")
    if password != request.form.get("password_confirm", ""):
        raise InvalidRequest("两次输入的密码不一致 (passwords do not match)")
    return password


def _index_page(error: str | None = None, status: int = 200) -> Page:
    return render_template("users.html", accounts=users.list_accounts(runtime().db), error=error,
                           form=request.form if error else {}), status


def _detail_page(user_id: int, error: str | None = None, status: int = 200, new_token: str | None = None) -> Page:
    db = runtime().db
    return render_template("user_detail.html", user=users.get_account(db, user_id),
                           tokens=users.list_tokens(db, user_id), error=error, new_token=new_token,
                           is_self=user_id == account().id), status


def _change(user_id: int, change: Callable[[], object], done: str) -> Response | Page:
    """Run ``change``; on success flash ``done`` and go back to the account's page, on a refusal show
    that page with the reason."""
    try:
        change()
    except FORM_ERRORS as err:
        return _detail_page(user_id, err.message, err.http_status)
    flash(done)
    return redirect(url_for("users.detail", user_id=user_id))


@bp.route("/admin/users")
@require("manage_users")
def index() -> Page:
    """Every account with its role, state, creation time and number of live API tokens; the form to add one."""
    return _index_page()


@bp.route("/admin/users/new", methods=["POST"])
@require("manage_users")
def create() -> Response | Page:
    """Create an account from the list page's form; on a refusal the list shows the reason and the form
    keeps what was typed (never the passwords)."""
    try:
        created = users.add_user(runtime().db, _field("username"), _field("display_name"), _field("role"),
                                 _new_password(), _auditor())
    except FORM_ERRORS as err:
        return _index_page(err.message, err.http_status)
    flash(f"已创建用户 {created.username}")
    return redirect(url_for("users.detail", user_id=created.id))


@bp.route("/admin/users/<int:user_id>")
@require("manage_users")
def detail(user_id: int) -> Page:
    """One account: profile, role, state, password reset and its API tokens."""
    return _detail_page(user_id)


@bp.route("/admin/users/<int:user_id>/profile", methods=["POST"])
@require("manage_users")
def update(user_id: int) -> Response | Page:
    """Change display name and role."""
    return _change(user_id, lambda: users.update_user(runtime().db, user_id, _field("display_name"),
                                                      _field("role"), _auditor()), "已保存显示名称与角色")


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@require("manage_users")
def set_active(user_id: int) -> Response | Page:
    """Deactivate (form ``active=0``) or reactivate (``active=1``) the account."""
    active = request.form.get("active") == "1"
    return _change(user_id, lambda: users.set_active(runtime().db, user_id, active, account().id, _auditor()),
                   "账号已重新启用" if active else "账号已停用：不能再登录，已登录的会话与 API 令牌随即失效")


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@require("manage_users")
def password(user_id: int) -> Response | Page:
    """Set a new password chosen by the administrator."""
    return _change(user_id, lambda: users.set_password(runtime().db, user_id, _new_password(), _auditor()),
                   "密码已重设")


@bp.route("/admin/users/<int:user_id>/tokens", methods=["POST"])
@require("manage_users")
def create_token(user_id: int) -> Page:
    """Issue a named API token and show it on this one response only (never flashed: the session cookie
    is readable by the browser, and the page is not cached)."""
    try:
        token = users.issue_token(runtime().db, user_id, _field("name"), _auditor())[1]
    except FORM_ERRORS as err:
        return _detail_page(user_id, err.message, err.http_status)
    return _detail_page(user_id, new_token=token)


@bp.route("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@require("manage_users")
def revoke_token(user_id: int, token_id: int) -> Response | Page:
    """Revoke one of the account's tokens; it stops working at once."""
    return _change(user_id, lambda: users.revoke_token_by_id(runtime().db, user_id, token_id, _auditor()),
                   f"令牌 #{token_id} 已吊销")
