"""Turn the desk's review form into the service's :class:`ReviewDecision`.

The form is mapped onto the same JSON shape the API accepts and parsed by
:meth:`ReviewDecision.from_dict`, so both channels share one parser. Whether codes exist, a type was
chosen or a reason given is checked by :func:`ingest.review.review` (:class:`InvalidRequest`).
"""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from classifier.types import FIELD_NAMES
from ingest.review import ReviewDecision


def from_form(form: MultiDict) -> ReviewDecision:
    """Fields of the review form: ``action`` (the button pressed), ``intervener_type`` (radio),
    ``special_report`` and ``internal_behaviours`` (checkboxes), ``form`` (select), the record fields
    named as in :data:`FIELD_NAMES` and ``reason`` (reject)."""
    return ReviewDecision.from_dict({
        "action": form.get("action", ""),
        "intervener_type": form.get("intervener_type", "").strip(),
        "special_report": form.getlist("special_report"),
        "internal_behaviours": form.getlist("internal_behaviours"),
        "form": form.get("form", "").strip(),
        "fields": {name: form.get(name, "").strip() for name in FIELD_NAMES if name in form},
        "reason": form.get("reason", "").strip(),
    })
