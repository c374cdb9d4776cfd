"""WSGI entry point for production servers: ``waitress-serve --call review_ui.wsgi:make_app``."""
from __future__ import annotations

from flask import Flask

from ingest.runtime import Runtime
from letterdesk.config import load_settings
from review_ui.app import create_app


def make_app() -> Flask:
    """The desk and API for the settings in the process environment."""
    return create_app(Runtime.from_settings(load_settings()))
