"""OCR-like noise for synthetic letters, so the classifier learns from text that looks scanned.

What Tesseract (chi_sim) does to a printed page, in small doses: confuses look-alike glyphs, drops or
doubles a character, spreads characters apart with spaces, swaps full- and half-width punctuation, breaks
lines at the page width and leaves page numbers and stray marks behind. Spans listed as ``protected``
(the record's field values) keep their characters, so the record's labels still match the text.
"""
from __future__ import annotations

import random

# look-alike glyphs (each key may become its value)
CONFUSIONS = {
    "己": "已", "已": "己", "未": "末", "末": "未", "人": "入", "入": "人", "土": "士", "士": "土", "天": "夭",
    "戊": "戌", "券": "卷", "拨": "拔", "候": "侯", "侯": "候", "贵": "贯", "院": "阮", "执": "轨", "初": "衫", "民": "艮",
    "刑": "邢", "恢": "怀", "保": "堡", "号": "弓", "请": "清", "清": "请", "缓": "援", "暂": "誓", "函": "涵", "冻": "冰",
    "查": "杳", "封": "對", "予": "子", "子": "予", "大": "太", "太": "大", "千": "干", "干": "千", "办": "力", "处": "外",
    "要": "耍", "商": "啇", "审": "宙", "判": "刹", "理": "埋", "县": "具", "具": "县", "问": "间", "间": "问",
}
PUNCTUATION = {"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", "？": "?", "！": "!", "、": ","}
STRAY_LINES = ("- {n} -", "— {n} —", "第{n}页", "第 {n} 页 共 {m} 页", "{n}", "·", "＿＿＿＿＿", "（印）")


def _protected_mask(text: str, protected: tuple[str, ...]) -> list[bool]:
    mask = [False] * len(text)
    for value in protected:
        if not value:
            continue
        start = text.find(value)
        while start != -1:
            mask[start:start + len(value)] = [True] * len(value)
            start = text.find(value, start + len(value))
    return mask


def ocr_noise(rng: random.Random, text: str, protected: tuple[str, ...] = (), level: float | None = None) -> str:
    """``text`` as a mediocre scan might read it; ``level`` (0–1, drawn when None) scales every effect."""
    level = rng.uniform(0.2, 1.0) if level is None else level
    mask = _protected_mask(text, protected)
    p_glyph, p_drop, p_space = 0.02 * level, 0.006 * level, rng.choice((0.0, 0.0, 0.15)) * level
    half_width = rng.random() < 0.4 * level
    out: list[str] = []
    for c, keep in zip(text, mask):
        if not keep and "\u4e00" <= c <= "\u9fff":
            roll = rng.random()
            if roll < p_drop:
                continue
            if roll < p_drop + p_glyph and c in CONFUSIONS:
                c = CONFUSIONS[c]
        elif half_width and c in PUNCTUATION and rng.random() < 0.7:
            c = PUNCTUATION[c]
        out.append(c)
        if p_space and c != "\n" and rng.random() < p_space:
            out.append(" ")
    lines = "".join(out).split("\n")
    if rng.random() < 0.5 * level and len(lines) > 4:  # a page break with its page number
        at = rng.randint(2, len(lines) - 1)
        n = rng.randint(1, 3)
        lines.insert(at, rng.choice(STRAY_LINES).format(n=n, m=n + 1))
    return "\n".join(lines)
