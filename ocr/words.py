"""Joining the words an engine read into a line of Chinese text."""
from __future__ import annotations

import re

# Ideographs, CJK symbols and punctuation (。、〔〕《》…), full-width forms (，：（）２) and the like.
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002ffff"
)
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")


def join_words(words: list[str]) -> str:
    """Join the words of one line with spaces, except next to CJK characters or punctuation.

    Tesseract's Chinese model reports every ideograph as a word; Chinese text has no spaces, so only a
    space between two non-CJK runs (e.g. "Room 1234") is kept: "（ 2024 ） 豫 0825" -> "（2024）豫0825".
    """
    return _SPACE_NEXT_TO_CJK.sub("", " ".join(w.strip() for w in words if w.strip()))
