"""Case numbers (案号): find them in free text and bring every variant of one number to one form.

A case number names a case, so retrieval, de-duplication and filing compare normalised numbers only.

Canonical form
--------------
* New style (the 2016 rules, 法〔2015〕137号, amended 法〔2018〕335号)::

      （2024）豫0825执1234号      （2019）最高法知民终1号

  full-width brackets, four Arabic year digits, court code (最高法, a province code such as 豫/内/军/兵,
  optionally followed by 2 (intermediate court) or 4 (basic court) digits), the optional 专门审判代字 知,
  the 类型代字, the sequence number without leading zeros, and 号. No spaces, no 字, no 第.
* Old style (numbers with a year before 2016, and ``…字第…号`` numbers whose code is not a new-style
  court code)::

      （2014）温民初字第321号      （2015）沪一中民保字第7号      （2014）民一终字第174号

  the same year and number rules, the original court/division abbreviation, and always ``字第``, which
  is how these numbers were officially written. A pre-2016 number written without 字 or 第 gets them.

What makes two spellings the same number: bracket style （）()〔〕[]【】 or none; spaces and line breaks
anywhere except inside a run of digits (``12 34`` stays two numbers); 第 before the number; 字 in a
new-style number; zero padding of the sequence number (up to three zeros); Chinese-numeral years (二〇二三); 〇/O/o for 0 in year, court digits and number (B for 8 in court
digits); full-width digits; a missing 号; the OCR glyph confusions 切/衫→初, 轨→执, 艮→民, 邢→刑,
怀→恢, 堡→保, 終→终, 弓→号 inside the type code. A ``之一``/``之二`` suffix marks another document of
the *same case* and is dropped. Lists (``民初30063、30062、30064号``) and ranges (``1022—1047号``, expanded
when they span at most 50 numbers, else the two ends) give one number per case.

Document numbers (温法〔2021〕33号, 长公刑诉字(2009)48号) are never case numbers: there the organ code
comes before the year, while a case number starts with the year followed by a court code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from letterdesk.errors import InvalidRequest

__all__ = ["CaseNumberMatch", "normalize", "find_all", "key_part", "case_type", "parse_year"]

PROVINCES = "京津冀晋辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新内军兵"
SPECIAL_TRIAL_CODES = "知"  # 专门审判代字 defined so far
NEW_RULES_YEAR = 2016
MAX_RANGE = 50
_MIN_YEAR, _MAX_YEAR = 1950, 2099

# 类型代字 seen in real numbers or in the standard; other 民/刑/行/执 + stage codes are accepted generically.
TYPE_CODES = frozenset(
    """民初 民终 民再 民申 民特 民监 民他 民辖 民辖终 民辖监 民撤 民催 民督 民抗 民提
    刑初 刑终 刑再 刑监 刑抗 刑核 刑更 刑更备 刑他 刑一复 刑二复 刑申 刑医 刑没 刑辖 刑提
    行初 行终 行申 行再 行审 行审复 行监 行提 行抗 行辖 行辖终 行赔初 行赔终 行赔申 行赔再 行赔监 行保 行他
    执 执恢 执保 执异 执复 执监 执他 执协 财保 证保 破 破申 破终 破监 强清 强清申 强清终
    司救民 司救刑 司救行 司救赔 司救执 司救访 司惩 司惩复 认台 认港 认澳 协外认
    法赔 委赔 委赔监 委赔提 赔他""".split()
)
_CATEGORY = "民刑行执"
_STAGES = "初终再申监抗特他撤催督辖核更医没审赔提复恢保异协备"
_OLD_CATEGORY = set("民刑行执商知赔破保督催监申再提终初复恢异认请审")

# OCR confusions that are safe inside a type code (never legitimate there).
_GLYPHS = {"切": "初", "衫": "初", "轨": "执", "執": "执", "艮": "民", "邢": "刑", "終": "终", "怀": "恢", "堡": "保"}
_ZERO_LIKE = "Oo〇零"
_CN_DIGITS = {**dict(zip("〇一二三四五六七八九", range(10))), "零": 0, "O": 0, "o": 0, "0": 0}
# 1:1 character folding applied before matching (keeps positions): full-width digits/letters, circles.
_FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｏ": "O", "ｏ": "o", "Ｂ": "B",
                       "○": "〇", "◯": "〇"})


def _variants(chars: str) -> str:
    """``chars`` plus the glyphs OCR confuses with them, for use inside a regex character class."""
    return "".join(c + "".join(k for k, v in _GLYPHS.items() if v == c) for c in chars)


_KNOWN_TYPE_RE = "|".join(
    "".join(f"[{_variants(c)}]" for c in code) for code in sorted(TYPE_CODES, key=len, reverse=True)
)
_GENERIC_TYPE_RE = f"[{_variants(_CATEGORY)}][{_variants(_STAGES)}]{{1,2}}"
_TYPE_RE = f"(?:{_KNOWN_TYPE_RE}|{_GENERIC_TYPE_RE})"
_D = "[0-9OoB〇]"
_OPEN, _CLOSE = "[(（〔\\[【［〈<《]", "[)）〕\\]】］〉>》]"
_YEAR = "(?:[12][0-9Oo〇]{3}|[一二][〇零Oo0一二三四五六七八九]{3})"
_NUM = "(?P<num>[0-9Oo〇]{0,3}[1-9][0-9Oo〇]{0,7})(?![0-9Oo〇])"  # up to 3 padding zeros
_TAIL = f"{_NUM}(?P<hao>[号弓])?(?P<suf>之[一二三四五六七八九十0-9]{{1,3}})?"
_HEAD = f"(?:(?P<open>{_OPEN})|(?<![0-9A-Za-z]))(?P<year>{_YEAR})(?P<close>{_CLOSE})?"
_NEW = re.compile(
    f"{_HEAD}(?P<court>最高法|[{PROVINCES}](?:{_D}{{4}}|{_D}{{2}})?)(?![0-9OoB〇])"
    f"(?P<special>[{SPECIAL_TRIAL_CODES}])?(?P<type>{_TYPE_RE})(?P<zi>字)?(?P<di>第)?{_TAIL}"
)
_OLD = re.compile(f"{_HEAD}(?P<prefix>[\u4e00-\u9fff]{{1,10}}?)(?P<zi>字)?(?P<di>第)?{_TAIL}")
_NEXT = re.compile(
    f"(?P<sep>[、，,及和与]|[-—－–~～至到])(?:(?P<type>{_TYPE_RE})|字)?第?{_TAIL}"
)
_RANGE_SEPS = set("-—－–~～至到")


@dataclass(frozen=True)
class CaseNumberMatch:
    """One case number found in text: ``raw`` is ``text[start:end]`` as written."""

    raw: str
    normalized: str
    start: int
    end: int


@dataclass(frozen=True)
class _Parts:
    year: int
    code: str  # new style: court + special + type; old style: the abbreviation before 字
    type_code: str | None  # None for old style
    old: bool

    def render(self, number: int) -> str:
        return f"（{self.year}）{self.code}{'字第' if self.old else ''}{number}号"


def parse_year(text: str) -> int | None:
    """A four-digit year written in Arabic or Chinese digits (二〇二三, 2O23), or None."""
    folded = text.strip().translate(_FOLD)
    digits = [int(c) if c in "0123456789" else _CN_DIGITS.get(c) for c in folded]
    if len(digits) != 4 or None in digits:
        return None
    year = int("".join(map(str, digits)))
    return year if _MIN_YEAR <= year <= _MAX_YEAR else None


def _digits(text: str) -> str:
    return "".join("0" if c in _ZERO_LIKE else "8" if c == "B" else c for c in text)


def _fix_glyphs(code: str) -> str:
    return "".join(_GLYPHS.get(c, c) for c in code)


def _fix_old_prefix(prefix: str) -> str:
    """Safe glyph fixes in an old-style abbreviation (邢 only before a stage character: 邢台 is real)."""
    out = []
    for i, c in enumerate(prefix):
        nxt = prefix[i + 1] if i + 1 < len(prefix) else ""
        if c == "邢" and (not nxt or nxt not in _STAGES):
            out.append(c)
        else:
            out.append(_GLYPHS.get(c, c))
    return "".join(out)


def _parts_new(m: re.Match) -> _Parts | None:
    """Parts of a new-style match (rendered old-style when the year predates the 2016 rules)."""
    year = parse_year(m["year"])
    if year is None:
        return None
    court = m["court"][0] + _digits(m["court"][1:]) if m["court"] != "最高法" else "最高法"
    type_code = _fix_glyphs(m["type"])
    code = court + (m["special"] or "") + type_code
    if year < NEW_RULES_YEAR:
        return _Parts(year, code, None, True)
    return _Parts(year, code, type_code, False)


def _parts_old(m: re.Match) -> _Parts | None:
    """Parts of an old-style ``…字第…号`` match, or None when it does not read as a case number."""
    year = parse_year(m["year"])
    prefix = _fix_old_prefix(m["prefix"])
    if year is None or not _OLD_CATEGORY & set(prefix):
        return None
    if year >= NEW_RULES_YEAR:
        return None  # courts number cases the new way since 2016: 常仲函〔2025〕保字第44号 is a 发文字号
    weak_ok = m["hao"] and m["open"] and m["close"]
    if not (m["zi"] or weak_ok):
        return None
    return _Parts(year, prefix, None, True)


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` folded, without whitespace (one space kept between two digits), and each char's index."""
    chars: list[str] = []
    index: list[int] = []
    gap = False
    for i, c in enumerate(text.translate(_FOLD)):
        if c.isspace():
            gap = True
            continue
        if gap and chars and chars[-1] in "0123456789" and c in "0123456789":
            chars.append(" ")
            index.append(i - 1)
        chars.append(c)
        index.append(i)
        gap = False
    return "".join(chars), index


def _items(compact: str, head: re.Match, parts: _Parts) -> list[tuple[int, int, int]]:
    """(number, start, end) in compact coordinates for the head match and any list/range continuing it."""
    items = [(int(_digits(head["num"])), head.start(), head.end(), bool(head["hao"]))]
    ranges: list[int] = []  # indices of items that close a range
    pos = head.end()
    while True:
        m = _NEXT.match(compact, pos)
        if not m or (parts.old and m["type"]) or (items[-1][3] and not m["hao"]):
            break
        if m["type"] and _fix_glyphs(m["type"]) != parts.type_code:
            break  # a list that switches type code (民初1号、民终2号) ends here
        if m["sep"] in _RANGE_SEPS:
            ranges.append(len(items))
        items.append((int(_digits(m["num"])), m.start("num"), m.end(), bool(m["hao"])))
        pos = m.end()
    last_closed = max((i for i, it in enumerate(items) if it[3]), default=0)
    items = items[: last_closed + 1]
    out: list[tuple[int, int, int]] = []
    for i, (number, start, end, _) in enumerate(items):
        if i in ranges and out:
            first = items[i - 1][0]
            span = range(first + 1, number) if 0 < number - first <= MAX_RANGE else ()
            out.extend((n, start, end) for n in span)
        out.append((number, start, end))
    return out


def _scan_compact(compact: str) -> list[tuple[str, int, int, _Parts]]:
    """Every case number in compact text: (normalised, start, end, parts), in order, duplicates kept."""
    found: list[tuple[int, int, re.Match, _Parts]] = []
    for regex, parse in ((_NEW, _parts_new), (_OLD, _parts_old)):
        for m in regex.finditer(compact):
            parts = parse(m)
            if parts is not None:
                found.append((m.start(), 0 if regex is _NEW else 1, m, parts))
    found.sort(key=lambda f: (f[0], f[1]))
    out: list[tuple[str, int, int, _Parts]] = []
    covered = -1
    for start, _, m, parts in found:
        if start < covered:
            continue
        items = _items(compact, m, parts)
        out.extend((parts.render(n), s, e, parts) for n, s, e in items)
        covered = max(e for _, _, e in items)
    return out


def find_all(text: str) -> list[CaseNumberMatch]:
    """Every case number in ``text`` in order of appearance, one per normalised form (first occurrence).

    ``start``/``end`` index ``text``; for the second and later items of a list they cover just that
    item (``30062``), for numbers inside an expanded range the range's closing item.
    """
    compact, index = _compact(text)
    seen: set[str] = set()
    matches = []
    for normalized, s, e, _ in _scan_compact(compact):
        if normalized in seen:
            continue
        seen.add(normalized)
        start, end = index[s], index[e - 1] + 1
        matches.append(CaseNumberMatch(text[start:end], normalized, start, end))
    return matches


_TRIM = " \t\r\n\u3000，。；：、,.;:\"'“”‘’"


def _parse_one(text: str) -> tuple[str, _Parts] | None:
    compact, _ = _compact(text.strip(_TRIM))
    found = _scan_compact(compact)
    if len(found) != 1 or found[0][1] != 0 or found[0][2] != len(compact):
        return None
    return found[0][0], found[0][3]


def normalize(text: str) -> str | None:
    """The canonical form of ``text`` if it is exactly one case number (any variant), else None.

    Surrounding whitespace and punctuation are ignored; a list of several numbers gives None.
    ``normalize(normalize(x)) == normalize(x)``.
    """
    parsed = _parse_one(text)
    return parsed[0] if parsed else None


def _require_normalized(normalized: str) -> _Parts:
    parsed = _parse_one(normalized)
    if parsed is None or parsed[0] != normalized:
        raise InvalidRequest("不是规范的案号 (not a normalised case number)", value=normalized)
    return parsed[1]


def key_part(normalized: str) -> str:
    """An object-store path component for a normalised number: ``（2024）豫0825执1234号`` → ``2024-豫0825执1234号``.

    Raises :class:`InvalidRequest` for anything that is not already normalised.
    """
    parts = _require_normalized(normalized)
    return f"{parts.year}-{normalized[normalized.index('）') + 1:]}"


def case_type(normalized: str) -> str | None:
    """The 类型代字 of a normalised new-style number (民初, 执, 刑终; 知民终 gives 民终).

    None for old-style numbers (their abbreviations predate the standard codes) and for text that is
    not a normalised case number.
    """
    parsed = _parse_one(normalized)
    if parsed is None or parsed[0] != normalized:
        return None
    return parsed[1].type_code
