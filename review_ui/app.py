"""The application factory, built in small named steps."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from review_ui import alerts, api, auth, desk, records, registers, reports, splitting, statform, users
from review_ui.access import init_access
from review_ui.context import RUNTIME_KEY
from review_ui.errors import register_error_handlers
from review_ui.formatting import register_filters
from review_ui.security import register_security_headers

if TYPE_CHECKING:
    from ingest.runtime import Runtime


def configure(app: Flask, rt: "Runtime") -> None:
    """Flask settings derived from the runtime's :class:`Settings`; the runtime itself is kept for views."""
    settings = rt.settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.limits.max_bytes + 1024 * 1024,  # one file at the limit plus multipart overhead
        SESSION_COOKIE_NAME="letterdesk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a reviewer may keep one letter open for a long time
    )
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    app.extensions[RUNTIME_KEY] = rt


def init_extensions(app: Flask) -> None:
    """flask-login with the access guard first, then CSRF protection for every form; the token-authenticated
    API is exempt (it accepts no cookies)."""
    init_access(app)
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(auth.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(registers.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(splitting.bp)
    app.register_blueprint(statform.bp)
    app.register_blueprint(users.bp)


def create_app(rt: "Runtime") -> Flask:
    """A Flask application serving the desk and the API for ``rt``."""
    app = Flask(__name__)
    configure(app, rt)
    init_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_filters(app)
    return app
