"""Responses that carry stored bytes: originals (always attachments) and page previews."""
from __future__ import annotations

import hashlib
import io

from flask import g, request, send_file
from werkzeug.wrappers import Response

from ingest.audit import record_event
from review_ui.context import runtime

#: Downloads are never rendered by the browser as a page, even if the bytes look like HTML.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def attachment(data: bytes, filename: str, mime: str) -> Response:
    """``data`` as a download named ``filename`` (RFC 6266/5987 encoded), type ``mime``, never inline.

    The download is recorded in the audit trail first: who, the letter the view names, the bytes' SHA-256.
    """
    account = g.get("account")
    record_event(runtime(), account.username if account else "anonymous", "download",
                 (request.view_args or {}).get("letter_id"), filename=filename,
                 sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    response = send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


def jpeg(data: bytes) -> Response:
    """A rendered page preview (our own JPEG), shown inline in the letter page."""
    response = send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
