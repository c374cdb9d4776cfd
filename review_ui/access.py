"""Who may do what: session login for the desk, bearer tokens for the API, and one role decorator.

Protection is the default: :func:`guard` runs before every request and refuses anything that is not in
:data:`PUBLIC_ENDPOINTS` unless the caller is signed in (desk: redirect to the login page) or presents a
valid API token (API: 401 JSON). Views that need more than reading add :func:`require`.
"""
from __future__ import annotations

import hmac
from functools import wraps
from typing import Callable, TypeVar

from flask import Flask, g, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from werkzeug.wrappers import Response

from ingest.audit import record_event
from letterdesk.errors import AuthenticationRequired, PermissionDenied
from review_ui.context import is_api_request, runtime
from storage import users
from storage.users import UserInfo

ALL_ROLES = ("clerk", "reviewer", "supervisor", "admin")

#: Permission → roles holding it. Clerks ingest and read; reviewers also review, read the external register
#: and mark copies sent; supervisors read both registers and review; admins may do everything.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ALL_ROLES),
    "upload": frozenset({"clerk", "reviewer", "admin"}),
    "retry": frozenset({"clerk", "reviewer", "admin"}),
    "review": frozenset({"reviewer", "supervisor", "admin"}),
    "reports": frozenset({"supervisor", "admin"}),
    "register_external": frozenset({"reviewer", "supervisor", "admin"}),
    "register_internal": frozenset({"supervisor", "admin"}),  # only supervision and admins
    "deadlines": frozenset(ALL_ROLES),
    "deadlines_all": frozenset({"supervisor", "admin"}),  # see everyone's copy deadlines, not only one's own
    "copy_sent": frozenset({"reviewer", "supervisor", "admin"}),
    "alerts": frozenset({"supervisor", "admin"}),  # see and acknowledge alerts of special-report/serious letters
    "mark_serious": frozenset({"reviewer", "supervisor", "admin"}),
    "split_merge": frozenset({"reviewer", "supervisor", "admin"}),  # split a scan by pages, merge two scans
    "manage_users": frozenset({"admin"}),  # accounts, roles, passwords, API tokens
}

ROLE_LABELS = {"clerk": "登记员", "reviewer": "审核员", "supervisor": "主管", "admin": "管理员"}

#: Endpoints reachable without signing in. Everything else is refused by :func:`guard`.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})

F = TypeVar("F", bound=Callable)


class DeskUser(UserMixin):
    """flask-login's view of a :class:`UserInfo`."""

    def __init__(self, info: UserInfo) -> None:
        self.info = info

    def get_id(self) -> str:
        """What the session remembers: the account id and its :attr:`UserInfo.session_key`."""
        return f"{self.info.id}:{self.info.session_key}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.info.active)


def _load_user(session_id: str) -> DeskUser | None:
    """flask-login's user loader: the active account a session names (``id:session_key``), or None — the
    session becomes anonymous — when the account is gone, inactive, or its password changed since sign-in."""
    user_id, _, key = session_id.partition(":")
    try:
        info = users.get_user(runtime().db, int(user_id))
    except ValueError:
        return None
    if info is None or not info.active or not hmac.compare_digest(key, info.session_key):
        return None
    return DeskUser(info)


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _api_account() -> UserInfo:
    token = bearer_token()
    info = users.user_for_token(runtime().db, token) if token else None
    if info is None or not info.active:
        raise AuthenticationRequired("需要有效的 API 令牌 (missing or invalid bearer token)")
    return info


def guard() -> Response | None:
    """Before every request: set ``g.account`` or refuse. Public endpoints pass untouched."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if is_api_request():
        g.account = _api_account()
        return None
    if not current_user.is_authenticated:
        target = (request.full_path if request.query_string else request.path) if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    g.account = current_user.info
    return None


def can(permission: str) -> bool:
    """Whether the current account holds ``permission`` (a key of :data:`PERMISSIONS`); False when signed out."""
    info = g.get("account")
    return info is not None and info.role in PERMISSIONS[permission]


def _record_refusal(permission: str) -> None:
    info = g.get("account")
    record_event(runtime(), info.username if info else "anonymous", "permission_denied",
                 (request.view_args or {}).get("letter_id"), permission=permission, endpoint=request.endpoint,
                 method=request.method)


def ensure(permission: str) -> None:
    """Raise :class:`PermissionDenied` (403, audited ``permission_denied``) unless the account holds
    ``permission``: for a view whose permission depends on what it loaded (e.g. the letter's register)."""
    if not can(permission):
        _record_refusal(permission)
        raise PermissionDenied("您的角色没有此项操作的权限 (role not permitted)")


def require(permission: str) -> Callable[[F], F]:
    """View decorator: raise :class:`PermissionDenied` (403) unless the account holds ``permission``;
    a refusal is recorded in the audit trail (``permission_denied``, with the letter the view names)."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            ensure(permission)
            return view(*args, **kwargs)

        wrapped.permission = permission  # read by the test that every route checks a role
        return wrapped  # type: ignore[return-value]

    return decorate


def init_access(app: Flask) -> None:
    """Install flask-login and the guard. Must run before CSRF protection so that anonymous requests are
    redirected to the login page rather than refused for a missing CSRF token."""
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(_load_user)
    manager.init_app(app)
    app.before_request(guard)
    app.context_processor(lambda: {"can": can, "role_labels": ROLE_LABELS, "current_account": g.get("account")})
