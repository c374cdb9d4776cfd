"""Character error rate exactly as the OCR benchmark's scorer (``score.py``) defines it.

Both texts are normalised (NFKC; dash-like characters to "-"; curly quotes straight; all whitespace
removed); CER is the Levenshtein distance over the number of ground-truth characters. The Chinese-only
variant first keeps only CJK ideographs and 〇.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\ufe58\ufe63"), "-")
_QUOTES = {ord("\u201c"): '"', ord("\u201d"): '"', ord("\u201e"): '"', ord("\u2018"): "'", ord("\u2019"): "'"}
_TABLE = {**_DASHES, **_QUOTES}


def normalise(text: str) -> str:
    """The benchmark's normal form: NFKC, dashes and quotes folded, no whitespace."""
    folded = unicodedata.normalize("NFKC", text).translate(_TABLE)
    return "".join(ch for ch in folded if not ch.isspace())


def is_han(ch: str) -> bool:
    """True for a CJK ideograph (basic, extension A and B+, compatibility) or 〇."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FFFF or o == 0x3007)


def levenshtein(a: str, b: str) -> int:
    """Unit-cost edit distance (bit-parallel, Myers/Hyyrö, on Python integers)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(a)
    if not b:
        return m
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask, high = (1 << m) - 1, 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


@dataclass(frozen=True)
class Score:
    """Edits against ground truth, all characters and Chinese only."""

    gt_chars: int
    edits: int
    gt_han: int
    edits_han: int

    def __add__(self, other: "Score") -> "Score":
        return Score(self.gt_chars + other.gt_chars, self.edits + other.edits,
                     self.gt_han + other.gt_han, self.edits_han + other.edits_han)

    @property
    def cer(self) -> float:
        return self.edits / self.gt_chars if self.gt_chars else 0.0

    @property
    def cer_han(self) -> float:
        return self.edits_han / self.gt_han if self.gt_han else 0.0


ZERO = Score(0, 0, 0, 0)


def score(truth: str, predicted: str) -> Score:
    """Edits of ``predicted`` against ``truth`` after normalisation, overall and Chinese-only."""
    g, p = normalise(truth), normalise(predicted)
    gh, ph = "".join(filter(is_han, g)), "".join(filter(is_han, p))
    return Score(len(g), levenshtein(g, p), len(gh), levenshtein(gh, ph))
