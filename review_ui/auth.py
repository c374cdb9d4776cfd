"""Sign-in and sign-out of the desk."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ingest import logins
from ingest.audit import record_event
from review_ui.access import DeskUser
from review_ui.context import runtime
from storage import users

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=256)])


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the queue (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("desk.queue")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """GET: the form. POST: check the password; on success start a fresh session and go to ``next``.
    Both outcomes are recorded in the audit trail (``login`` / ``login_failed`` under the name typed)."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data.strip()
        logins.check_allowed(runtime(), username, request.remote_addr)
        info = users.authenticate(runtime().db, username, form.password.data)
        if info is not None and info.active:
            session.clear()
            login_user(DeskUser(info))
            record_event(runtime(), info.username, "login", remote_addr=request.remote_addr)
            return redirect(_safe_next(request.args.get("next")))
        record_event(runtime(), username, "login_failed", remote_addr=request.remote_addr)
        error = "用户名或密码错误"
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session (POST only, CSRF-protected); recorded in the audit trail."""
    if current_user.is_authenticated:
        record_event(runtime(), current_user.info.username, "logout", remote_addr=request.remote_addr)
    logout_user()
    session.clear()
    flash("您已退出登录")
    return redirect(url_for("auth.login"))
