"""Reading order: the boxes an engine found on a page, turned into printed lines from top to bottom.

Engines report text in pieces (Tesseract by its own block order, RapidOCR one box per detected run of
text). A letter's signature block and date sit right-aligned at the bottom, so ordering by the top edge
of each box, or by Tesseract's block numbers, can put them before the body. Here every piece is placed
by the vertical centre of its box; pieces whose centres lie within half a line height of each other
are one printed line, read left to right.
"""
from __future__ import annotations

from dataclasses import dataclass

from ocr.types import LineText
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


def reading_order(pieces: list[Piece]) -> list[LineText]:
    """The printed lines of a page in reading order, each with the mean confidence of its pieces.

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
    return [_line(sorted(row, key=lambda p: p.left)) for row in rows]


def mean_confidence(parts: list[Piece] | list[LineText]) -> float | None:
    """Mean confidence of ``parts`` weighted by their text length (None when none has a confidence)."""
    weighted = [(p.confidence, len(p.text)) for p in parts if p.confidence is not None]
    total = sum(n for _, n in weighted)
    return sum(c * n for c, n in weighted) / total if total else None


def _line(row: list[Piece]) -> LineText:
    return LineText(text=join_words([p.text for p in row]), confidence=mean_confidence(row))
