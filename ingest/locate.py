"""Where a letter's record fields were read: the page, line and box of every place a field's value occurs.

The desk shows each page's text one line per element and links every field of the record to the lines
(and, when the OCR kept it, the box on the page image) where its value is written. Text is compared
ignoring white space, full-width/half-width forms (NFKC) and the several ways of writing a zero; case
numbers are compared after normalisation (:mod:`classifier.casenumber`, so 〔2024〕 and (2024) agree);
an ISO date is looked for in the written forms a letter uses (2024年6月19日, 二〇二四年六月十九日,
2024.6.19 …). Pages stored before lines had boxes, and pages without stored lines, still get lines
(from their text) without boxes.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from classifier import casenumber
from classifier.types import FIELD_NAMES
from ingest.queries import DOUBTFUL_LINE
from ingest.runtime import Runtime
from letterdesk.errors import NotFound
from ocr.types import Box
from storage.models import Letter, Page


@dataclass(frozen=True)
class LineView:
    """One line of a page as the desk shows it: 0-based ``index`` on its page, text, OCR confidence 0–100
    (None for text layers and plain text), ``doubtful`` when read below :data:`ingest.queries.DOUBTFUL_LINE`,
    and its box on the page image (None when unknown)."""

    index: int
    text: str
    confidence: float | None
    doubtful: bool
    box: Box | None


@dataclass(frozen=True)
class PageLines:
    """The lines of one page (0-based ``index``), in reading order; joined by "\\n" they are the page's text."""

    index: int
    lines: tuple[LineView, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def doubtful(self) -> tuple[LineView, ...]:
        return tuple(line for line in self.lines if line.doubtful)


@dataclass(frozen=True)
class FieldLocation:
    """One line on which a field's value is written: page and line (0-based), the part of the line that
    is the value (``written``, as the page has it), the line's box (None when unknown) and whether the OCR
    read that line with low confidence (``doubtful``: the value itself may be misread). A value that wraps
    onto the next line has one location per line."""

    field: str
    page: int
    line: int
    written: str
    box: Box | None
    doubtful: bool = False

    @property
    def element_id(self) -> str:
        """The id of the line's element on the letter page."""
        return f"page-{self.page}-line-{self.line}"


def page_lines(rt: Runtime, letter_id: int) -> tuple[PageLines, ...]:
    """The lines of every page of the letter, in page order. Raises NotFound for an unknown letter."""
    return _load(rt, letter_id)[0]


def field_locations(rt: Runtime, letter_id: int) -> dict[str, list[FieldLocation]]:
    """For each record field (:data:`classifier.types.FIELD_NAMES`) the lines where the letter's current
    value (confirmed after review, predicted before) is written, in page and line order; an empty list
    when the value is empty or not found. Raises NotFound for an unknown letter."""
    pages, fields = _load(rt, letter_id)
    return find_fields(pages, fields)


def find_fields(pages: Sequence[PageLines], fields: dict) -> dict[str, list[FieldLocation]]:
    """:func:`field_locations` on given pages and field values (``{name: value or None}``)."""
    return {name: [loc for page in pages for loc in _find(name, str(fields.get(name) or "").strip(), page)]
            for name in FIELD_NAMES}


def _load(rt: Runtime, letter_id: int) -> tuple[tuple[PageLines, ...], dict]:
    with rt.db.session() as s:
        letter = s.get(Letter, letter_id)
        if letter is None:
            raise NotFound(f"来信 {letter_id} 不存在")
        pages = tuple(_page_lines(p) for p in sorted(letter.pages, key=lambda p: p.index))
        return pages, dict(letter.confirmed_fields or letter.predicted_fields or {})


def _page_lines(page: Page) -> PageLines:
    """The page's stored lines when they make up its text, else its text's lines without confidence or box."""
    stored = list(page.lines or ())
    text = page.text or ""
    if not stored or "\n".join(line.get("text", "") for line in stored) != text:
        stored = [{"text": line} for line in text.split("\n")] if text else []
    return PageLines(page.index, tuple(
        LineView(i, line["text"], line.get("confidence"),
                 line.get("confidence") is not None and line["confidence"] < DOUBTFUL_LINE,
                 tuple(line["box"]) if line.get("box") else None)
        for i, line in enumerate(stored)))


# --- matching ----------------------------------------------------------------------------------------------
_ZEROS = str.maketrans({"○": "〇", "零": "〇", "Ｏ": "〇"})
_CN_DIGITS = "〇一二三四五六七八九"


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` without white space, NFKC-folded, zeros made one character; and for every character of
    the result the index in ``text`` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        folded = unicodedata.normalize("NFKC", ch.translate(_ZEROS))
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def _spans(value: str, text: str) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of every non-overlapping occurrence of ``value``, compared compacted."""
    needle = _compact(value)[0]
    haystack, origin = _compact(text)
    spans = []
    at = haystack.find(needle) if needle else -1
    while at != -1:
        spans.append((origin[at], origin[at + len(needle) - 1] + 1))
        at = haystack.find(needle, at + len(needle))
    return spans


def _chinese_number(n: int) -> str:
    """1–31 in Chinese numerals as dates write them: 六, 十, 十九, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")) + (_CN_DIGITS[ones] if ones else "")


def date_forms(iso: str) -> list[str]:
    """The written forms of the ISO date ``iso`` a letter may use (none when it is not a date)."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return []
    y, m, d = day.year, day.month, day.day
    forms = [f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日",
             "".join(_CN_DIGITS[int(c)] for c in str(y)) + f"年{_chinese_number(m)}月{_chinese_number(d)}日"]
    for sep in ".-/":
        forms += [f"{y}{sep}{m}{sep}{d}", f"{y}{sep}{m:02d}{sep}{d:02d}"]
    return list(dict.fromkeys(forms))


def _value_spans(name: str, value: str, text: str) -> list[tuple[int, int]]:
    """Where ``value`` of field ``name`` is written in ``text``."""
    if not value:
        return []
    if name == "case_number":
        wanted = casenumber.normalize(value) or value
        return [(m.start, m.end) for m in casenumber.find_all(text) if m.normalized == wanted]
    if name == "date":
        return sorted({span for form in date_forms(value) for span in _spans(form, text)}) or _spans(value, text)
    return _spans(value, text)


def _find(name: str, value: str, page: PageLines) -> Iterable[FieldLocation]:
    """One location per line each occurrence of the value touches."""
    starts, at = [], 0
    for line in page.lines:
        starts.append(at)
        at += len(line.text) + 1
    for start, end in _value_spans(name, value, page.text):
        for line, line_start in zip(page.lines, starts):
            lo, hi = max(start, line_start), min(end, line_start + len(line.text))
            if lo < hi:
                yield FieldLocation(name, page.index, line.index, line.text[lo - line_start:hi - line_start], line.box,
                                    line.doubtful)
