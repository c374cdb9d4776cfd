"""Splitting a scan that holds several letters by page range, and merging two scans of one letter."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("splitting", __name__)
