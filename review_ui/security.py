"""Headers on every response: a self-only CSP without inline scripts, no framing, no sniffing."""
from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Set :data:`HEADERS` unless a view chose a stricter value (downloads set their own CSP); pages
    other than static files are not stored by caches."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
