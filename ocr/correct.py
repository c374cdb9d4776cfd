"""Post-OCR correction of the text shown to the desk and stored: only rules that cannot hurt correct text.

Each rule fixes one known OCR confusion *inside a pattern where the right answer is certain*:

* ``丶`` (a radical, never used on its own in prose) is the enumeration comma ``、``;
* a document number (发文字号) such as ``温法〔2021〕33号`` always has 〔〕 around its year;
* a Chinese-numeral year (``二〇二一年``) writes zero as ``〇``, never O, 0 or ○;
* an Arabic year or a case number's digits hold no letter O/o (read for 0) or l/I (read for 1);
* a case number's type is ``初`` (first instance), never ``切``: ``（2021）豫0825民切123号``;
* a title quoted inside a title is marked 〈〉, not （）: ``《关于落实〈…规定〉的实施细则》``;
* court, procuratorate and government names (:data:`ORGAN_NAMES`) with one character read as a known
  look-alike (:data:`CONFUSABLE`, e.g. 人民法阮 → 人民法院); a look-alike that forms a real word in
  that place (人民法官) is never listed.

:func:`correct_text` applies them all; it is idempotent, never adds or removes a line break (so a page
can be corrected as a whole and split back into its lines) and leaves text without such patterns alone.
"""
from __future__ import annotations

import re

_CN_DIGITS = "一二三四五六七八九十"
_ZERO_LOOKALIKES = "O○◯0oОо"
# A year of four Chinese numerals in which OCR read some 〇 as a look-alike.
_CN_YEAR = re.compile(rf"[{_CN_DIGITS}〇{_ZERO_LOOKALIKES}]{{4}}(?=年)")
# An Arabic year like 2O24年 (at least two real digits among the four characters).
_ARABIC_YEAR = re.compile(r"(?<![0-9A-Za-z])[0-9OolI]{4}(?=[ \u3000]*年)")
_OPEN = r"[〔\[(（【［〈「<{｛]"
_CLOSE = r"[〕\])）】］〉」>}｝]"
# 发文字号: organ abbreviation, year in some bracket, serial number, 号.
_DOC_NUMBER = re.compile(rf"(?<=[\u4e00-\u9fff]){_OPEN}[ \u3000]*((?:19|20)\d\d)[ \u3000]*{_CLOSE}[ \u3000]*(?=\d{{1,5}}[ \u3000]*号)")
# 案号: (year) + court code + case type + serial + 号, e.g. （2021）豫0825民初123号.
_CASE_NUMBER = re.compile(
    r"([（(][ \u3000]*)([0-9OolI]{4})([ \u3000]*[）)][ \u3000]*[\u4e00-\u9fff]{1,2})([0-9OolI]{1,6})"
    r"([\u4e00-\u9fff]{1,3}?)([0-9OolI]{1,7})([ \u3000]*号)"
)
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "О": "0", "о": "0", "l": "1", "I": "1"})

ORGAN_NAMES = (
    "中级人民法院", "高级人民法院", "人民法院", "人民检察院", "人民政府", "常务委员会",
    "政法委员会", "纪律检查委员会", "监察委员会", "公安局", "司法局",
)
# Characters the recognisers were seen to put in place of the characters of ORGAN_NAMES (shape look-alikes).
CONFUSABLE = {
    "院": "阮晥浣皖沅完", "法": "汰泫怯", "检": "捡俭验硷", "察": "祭蔡擦", "政": "玫攻致", "府": "俯腑附",
    "民": "艮氏", "级": "极圾汲", "委": "萎季", "员": "贝圆", "监": "盐蓝", "纪": "记屺", "律": "津", "局": "扃",
}


def _fix_cn_year(match: re.Match[str]) -> str:
    year = match.group(0)
    if not any(ch in _CN_DIGITS for ch in year):
        return year  # four Arabic digits or letters: not a Chinese-numeral year
    return "".join("〇" if ch in _ZERO_LOOKALIKES else ch for ch in year)


def _fix_arabic_year(match: re.Match[str]) -> str:
    year = match.group(0)
    return year.translate(_DIGIT_FIX) if sum(ch.isdigit() for ch in year) >= 2 else year


def _fix_case_number(match: re.Match[str]) -> str:
    opening, year, court, code, kind, serial, end = match.groups()
    fixed = (year.translate(_DIGIT_FIX), code.translate(_DIGIT_FIX), kind.replace("切", "初"), serial.translate(_DIGIT_FIX))
    return opening + fixed[0] + court + fixed[1] + fixed[2] + fixed[3] + end


def _organ_pattern(name: str) -> re.Pattern[str]:
    """Matches ``name`` with exactly one character replaced by one of its :data:`CONFUSABLE` look-alikes."""
    variants = [
        re.escape(name[:i]) + f"[{CONFUSABLE[ch]}]" + re.escape(name[i + 1:])
        for i, ch in enumerate(name) if ch in CONFUSABLE
    ]
    return re.compile("|".join(variants))


_ORGANS = [(name, _organ_pattern(name)) for name in sorted(ORGAN_NAMES, key=len, reverse=True)]


def _fix_organs(text: str) -> str:
    for name, pattern in _ORGANS:
        text = pattern.sub(name, text)
    return text


# A title quoted inside 《…》 is marked 〈…〉 (GB/T 9704); OCR reads those as （…）. Only long titles ending
# in a document-type word qualify, so real parentheses in a title (《…（试行）》) stay.
_INNER_TITLE = re.compile(r"(《[^《》]*?)[（(]([^（）()《》]{6,}?(?:规定|办法|条例|细则|意见|通知|决定|解释|法))[）)]")


def _fix_inner_titles(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _INNER_TITLE.sub(r"\1〈\2〉", text)
    return text


def correct_text(text: str) -> str:
    """``text`` with the safe corrections of this module applied (see the module docstring)."""
    text = text.replace("丶", "、")
    text = _DOC_NUMBER.sub(lambda m: f"〔{m.group(1)}〕", text)
    text = _CN_YEAR.sub(_fix_cn_year, text)
    text = _ARABIC_YEAR.sub(_fix_arabic_year, text)
    text = _CASE_NUMBER.sub(_fix_case_number, text)
    text = _fix_inner_titles(text)
    return _fix_organs(text)
