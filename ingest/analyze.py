"""``letterdesk analyze``: OCR → segment → classify one file without storing anything.

The output object is a contract other tools rely on; keep its keys stable::

    {"file", "text", "fields": {"name", "unit", "position", "case_number", "case_name", "date"}, "form",
     "intervener_type": {"code", "probability"}, "scope",
     "special_report": [{"code", "probability"}], "internal_behaviours": [{"code", "probability"}]}
"""
from __future__ import annotations

from pathlib import Path

from classifier.taxonomy import scope_of
from letterdesk.config import Limits
from ocr import inspect_document, read_document


def _score(label) -> dict:
    return {"code": label.code, "probability": round(float(label.probability), 4)}


def analyze_text(text: str, classifier) -> dict:
    fields = classifier.read_fields(text)
    pred = classifier.predict(text)
    return {
        "text": text,
        "fields": fields.record(),
        "form": fields.form,
        "intervener_type": _score(pred.intervener_type),
        "scope": scope_of(pred.intervener_type.code),
        "special_report": [_score(x) for x in pred.special_report],
        "internal_behaviours": [_score(x) for x in pred.internal_behaviours],
    }


def analyze_file(path: Path, engine, classifier, limits: Limits) -> dict:
    """Plain ``.txt`` skips OCR; everything else goes through inspection and OCR first."""
    data = Path(path).read_bytes()
    info = inspect_document(data, limits, allow_text=True)
    result, _ = read_document(data, info, engine)
    return {"file": str(path), **analyze_text(result.text, classifier)}
