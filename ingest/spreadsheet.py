"""Cells written to CSV and XLSX exports never run as spreadsheet formulas."""
from __future__ import annotations

#: A text cell starting so would run as a formula in Excel or LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(cell):
    """``cell`` as a spreadsheet shows it as text: a string that would start a formula gets a leading apostrophe."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_START) else cell
