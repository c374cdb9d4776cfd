"""The per-letter registration form (统计表) as a printable PDF."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("statform", __name__)
