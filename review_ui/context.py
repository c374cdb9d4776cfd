"""Request-scoped accessors shared by the views: the runtime, the signed-in account and its actor."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, request

from ingest.actor import Actor

if TYPE_CHECKING:
    from ingest.runtime import Runtime
    from storage.users import UserInfo

RUNTIME_KEY = "letterdesk.runtime"
API_PREFIX = "/api"


def runtime() -> "Runtime":
    """The :class:`Runtime` the application was created with."""
    return current_app.extensions[RUNTIME_KEY]


def account() -> "UserInfo":
    """The account of the current request (set by the access guard before any protected view runs)."""
    return g.account


def actor() -> Actor:
    """The current account as the services' :class:`Actor`."""
    info = account()
    return Actor(user_id=info.id, username=info.username, role=info.role)


def is_api_request() -> bool:
    """True for every path under ``/api``, routed or not (so even unknown API paths answer in JSON)."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
