"""Alerts to supervisors: the desk's alert list, acknowledging, marking a letter serious."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("alerts", __name__)
