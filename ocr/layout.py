"""Reading order: the boxes an engine found on a page, turned into printed lines from top to bottom.

Engines report text in pieces (Tesseract by its own block order, RapidOCR one box per detected run of
text). A letter's signature block and date sit right-aligned at the bottom, so ordering by the top edge
of each box, or by Tesseract's block numbers, can put them before the body. Here every piece is placed
by the vertical centre of its box; pieces whose centres lie within half a line height of each other
are one printed line, read left to right. Given the page's size, each line keeps its box (the union of
its pieces' boxes) as fractions of the page (:data:`~ocr.types.Box`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ocr.types import Box, LineText
from ocr.words import join_words


@dataclass(frozen=True)
class Piece:
    """A run of text an engine read, with its axis-aligned box in page pixels and confidence 0–100."""

    text: str
    confidence: float | None
    left: float
    top: float
    right: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


def reading_order(pieces: list[Piece], size: tuple[int, int] | None = None) -> list[LineText]:
    """The printed lines of a page in reading order, each with the mean confidence of its pieces and, when
    the page's ``size`` (width, height in pixels) is given, its box as fractions of the page.

    Pieces are grouped into rows (a piece joins the current row when its vertical centre is within half
    the smaller height of the row's last piece), rows are read top to bottom and pieces in a row left to
    right, joined by :func:`~ocr.words.join_words`. Empty pieces are dropped. A row's confidence is the
    mean of its pieces' confidences weighted by their length (None if no piece has one).
    """
    rows: list[list[Piece]] = []
    for piece in sorted((p for p in pieces if p.text.strip()), key=lambda p: p.middle):
        if rows and abs(piece.middle - rows[-1][-1].middle) < min(piece.height, rows[-1][-1].height) / 2:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    return [_line(sorted(row, key=lambda p: p.left), size) for row in rows]


def mean_confidence(parts: list[Piece] | list[LineText]) -> float | None:
    """Mean confidence of ``parts`` weighted by their text length (None when none has a confidence)."""
    weighted = [(p.confidence, len(p.text)) for p in parts if p.confidence is not None]
    total = sum(n for _, n in weighted)
    return sum(c * n for c, n in weighted) / total if total else None


def fraction_box(left: float, top: float, right: float, bottom: float, width: float, height: float) -> Box:
    """The box given in pixels (or points) of a ``width`` × ``height`` page as fractions of that page,
    clipped to it and rounded to 4 places (a tenth of a pixel on a 200 dpi A4 page)."""
    def part(value: float, whole: float) -> float:
        return round(min(max(value / whole, 0.0), 1.0), 4)

    return part(left, width), part(top, height), part(right, width), part(bottom, height)


def turned_box(box: Box) -> Box:
    """``box`` on a page turned by 180° (the same box seen on the page the other way up)."""
    left, top, right, bottom = box
    return round(1 - right, 4), round(1 - bottom, 4), round(1 - left, 4), round(1 - top, 4)


def _line(row: list[Piece], size: tuple[int, int] | None) -> LineText:
    box = None
    if size is not None:
        box = fraction_box(min(p.left for p in row), min(p.top for p in row), max(p.right for p in row),
                           max(p.bottom for p in row), *size)
    return LineText(text=join_words([p.text for p in row]), confidence=mean_confidence(row), box=box)
