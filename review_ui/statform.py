"""The per-letter registration form (统计表) as a printable PDF, and who may print it.

A filed letter's form may be printed by whoever may read its register: internal-scope letters by
``register_internal``, external-scope ones by ``register_external``, letters in no register by anyone
who may ``read``. Printing is audited (``print_form``) besides the download itself.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, g
from werkzeug.wrappers import Response

from classifier.taxonomy import EXTERNAL, INTERNAL, scope_of
from ingest import statform
from ingest.audit import record_event
from ingest.deadlines import today
from ingest.queries import LetterDetail
from review_ui import responses
from review_ui.access import can, ensure, require
from review_ui.context import runtime
from storage.models import Status

bp = Blueprint("statform", __name__)

#: Confirmed scope → the permission needed to print its form (anything else: ``read``).
SCOPE_PERMISSIONS = {EXTERNAL: "register_external", INTERNAL: "register_internal"}


def form_permission(scope: str) -> str:
    """The permission that lets one print the form of a letter of ``scope``."""
    return SCOPE_PERMISSIONS.get(scope, "read")


def may_print_form(detail: LetterDetail) -> bool:
    """Whether the current account may print ``detail``'s form: it is filed and its register is readable."""
    chosen = [t.code for t in detail.types if t.selected]
    return (detail.summary.status == Status.FILED.value and len(chosen) == 1
            and can(form_permission(scope_of(chosen[0]))))


@bp.app_context_processor
def _template_helpers() -> dict:
    return {"may_print_form": may_print_form}


def _download(form: statform.RegistrationForm) -> Response:
    rt = runtime()
    data = statform.render(form, today())
    record_event(rt, g.account.username, "print_form", form.letter_id, title=form.title, scope=form.scope,
                 sha256=hashlib.sha256(data).hexdigest())
    return responses.attachment(data, statform.filename(form), "application/pdf")


@bp.route("/letters/<int:letter_id>/form.pdf")
@require("read")
def form_pdf(letter_id: int) -> Response:
    """The filed letter's registration form as a PDF download: 404 for an unknown letter, 409 for one not
    filed, 403 (audited ``permission_denied``) unless the account may read the letter's register."""
    form = statform.form_of(runtime(), letter_id)
    ensure(form_permission(form.scope))
    return _download(form)
