"""Record fields (taxonomy §4) read from a segmented letter: who intervened, in which case, when, how.

The intervener is the sender, caller or signer — never the court staff member who recorded a call
nor the addressee court. Sources, best first: labelled record lines (来电人/职务/单位), a 批示's signer,
signature lines, the issuing organ in the header, a 联系人 note, a self-introduction in the body
("我是梅川县发改委主任李某某"). Everything here is regexes over vocabularies; nothing is per-letter.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Mapping

from classifier import casenumber
from classifier.types import Fields, Segments

# --- vocabularies ---------------------------------------------------------------------------------
POSITIONS = tuple(
    """常务副县长 副县长 县长 常务副市长 副市长 市长 副省长 省长 副区长 区长 副乡长 乡长 副镇长 镇长
    党支部书记 支部书记 党委书记 党组书记 纪委书记 政法委书记 副书记 书记员 书记
    常务副主任 副主任委员 主任委员 副主任 主任 副秘书长 秘书长 秘书 司机
    副局长 局长 副处长 处长 副科长 科长 股长 副厅长 厅长 副部长 部长
    常务副院长 副院长 院长 副庭长 庭长 审判长 审判员 法官助理 执行员 法官 法警 人民陪审员
    副检察长 检察长 检察官 副所长 所长 副队长 队长 政委 副主席 主席 常委 委员
    副董事长 董事长 副总经理 总经理 经理 总裁 董事 监事 法定代表人 律师
    副会长 会长 理事长 校长 村长 组长 调研员 巡视员 人大代表 政协委员""".split()
)
ORGAN_SUFFIXES = tuple(
    """人民政府 政府 人民法院 法院 人民检察院 检察院 公安局 分局 派出所 常务委员会 常委会 委员会 政协
    办公室 办公厅 县委 市委 区委 省委 党委 党组 纪委 监委 政法委 工商联 联合会 协会 商会 有限公司
    股份公司 公司 集团 银行 信用社 合作社 事务所 局 厅 委 办 所 院 中心 站 学校 大学 医院 社区 居委会
    村委会 街道办事处""".split()
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯")

_POSITION_RE = re.compile(
    "(?P<pos>原?(?:" + "|".join(sorted(POSITIONS, key=len, reverse=True)) + "))(?![会处室厅])"
)
_ORGAN_RE = re.compile(
    "^[\u4e00-\u9fff（）()·]{1,30}?(?:" + "|".join(sorted(ORGAN_SUFFIXES, key=len, reverse=True)) + ")$"
)
_SURNAME = f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])"
_ANON = "(?:某某|某|××|XX|xx|＊＊|\\*\\*|ＸＸ)"
# Given names stop before characters that usually start the next word after a name.
_NAME_STOP = "同的在于称说打来向对和与及等先女电表要请让是"
_NAME_RE = re.compile(f"{_SURNAME}(?:{_ANON}|[\u4e00-\u9fff](?:(?![{_NAME_STOP}])[\u4e00-\u9fff])?)")
_TRAILING_NAME_RE = re.compile(f"{_SURNAME}(?:{_ANON}|[\u4e00-\u9fff]{{1,2}})$")
_FULL_NAME_RE = re.compile(f"^{_SURNAME}(?:{_ANON}|[\u4e00-\u9fff]{{1,2}})$")
_LABEL_PREFIX = re.compile(
    "^(?:具信人|来信人|写信人|反映人|签名|落款|署名|申请人|联系人|发件人|发送人|来电人|来访人|过问人|当事人)[：:]?"
)
_EDGE = " 　\t，,。.；;：:、（）()【】[]“”\"'"

_CN_NUM = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_CN_DAY = "[〇零一二三四五六七八九十廿卅]{1,3}"
_CN_YEAR = "[一二][〇零O0一二三四五六七八九]{3}"
DATE_RE = re.compile(
    f"(?P<y>(?:19|20)\\d{{2}}|{_CN_YEAR})\\s*年\\s*(?P<m>\\d{{1,2}}|{_CN_DAY})\\s*月\\s*(?P<d>\\d{{1,2}}|{_CN_DAY})\\s*[日号]"
    "|(?P<y2>(?:19|20)\\d{2})[-/.](?P<m2>\\d{1,2})[-/.](?P<d2>\\d{1,2})(?!\\d)"
)
MONTH_DAY_RE = re.compile(f"(?<![\\d年])(?P<m>\\d{{1,2}}|{_CN_DAY})\\s*月\\s*(?P<d>\\d{{1,2}}|{_CN_DAY})\\s*[日号]")

_CASE_END = re.compile("(?:一案|案件|一案件|案)(?![件例由号])")
_CASE_LEAD = re.compile(
    "^(?:关于|就|对|将|把|请|商请|恳请|请求|建议|希望|要求|关注|过问|协调|关照|督促|暂缓|中止|终止|解除|撤销|执行|审理|受理|办理|处理|贵院|你院"
    "|县法院|法院|正在|在|依法|妥善|有关|涉及|在审|审结|一审|二审|的|原告|被告|申请执行人|申请人|上诉人|我院|我们|我|本院)+"
)
_CASE_HINT = re.compile("与|诉(?!讼)|纠纷|罪|申请执行|执行异议|涉嫌")
_CASE_BOUNDARY = re.compile("[，,。；;：:、“”\"《》！？]")

# Words naming a form of contact: in a record's 过问方式 value any of them counts; in its title and
# label names (form_hint) only the first, unambiguous ones (a 来访记录 may well have a 联系电话 line).
FORM_WORDS = {
    "PHONE": ("电话记录", "来电", "通话", "电话"),
    "SMS_IM": ("微信", "短信", "聊天", "邮件", "微博", "QQ"),
    "ORAL": ("来访", "接待", "谈话", "当面", "口头", "面谈"),
}
_UNAMBIGUOUS = {"PHONE": 3, "SMS_IM": 6, "ORAL": 6}
_DOCUMENT_TITLES = re.compile("(?:纪要|批示|批示件|通知|通报|决定|意见|决议|批复|指示)$")


@dataclass(frozen=True)
class Identity:
    """Who someone is, as far as one phrase tells: each part None when the phrase does not say."""

    name: str | None = None
    unit: str | None = None
    position: str | None = None

    def merged(self, other: "Identity") -> "Identity":
        """This identity with gaps filled from ``other``."""
        return Identity(self.name or other.name, self.unit or other.unit, self.position or other.position)


@dataclass(frozen=True)
class Layout:
    """What the segmenter learnt beyond the GB/T 9704 parts.

    ``kind``: ``letter`` | ``record`` | ``email`` | ``chat`` | ``instruction`` (a 批示) | ``unknown``.
    ``labels``: canonical label → value as written (name, unit, position, time, content, recorder,
    contact, channel = 过问方式, form_hint = a record's title and label names); ``speakers``: chat speakers in order of first message.
    """

    kind: str
    labels: Mapping[str, str] = field(default_factory=dict)
    speakers: tuple[str, ...] = ()


# --- dates ----------------------------------------------------------------------------------------
def _cn_int(text: str) -> int | None:
    """1–31 written with Arabic digits or Chinese numerals (十九, 二十三, 廿三, 卅一)."""
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_NUM.get(tens, -100) if tens else 1) * 10 + (_CN_NUM.get(ones, -100) if ones else 0)
    else:
        value = _CN_NUM.get(text, -100) if len(text) == 1 else -1
    return value if value > 0 else None


def _iso(year: int | None, month: str, day: str) -> str | None:
    m, d = _cn_int(month), _cn_int(day)
    if year is None or m is None or d is None:
        return None
    try:
        return dt.date(year, m, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The first full date in ``text`` (2024年6月19日, 二〇二四年六月十九日, 2024-06-19) as ISO, else None."""
    for m in DATE_RE.finditer(text):
        iso = (_iso(casenumber.parse_year(m["y"]), m["m"], m["d"]) if m["y"]
               else _iso(int(m["y2"]), m["m2"], m["d2"]))
        if iso:
            return iso
    return None


def parse_month_day(text: str, reference: str | None) -> str | None:
    """A date without a year (6月3日) placed on or after ``reference`` (ISO), or None without one."""
    m = MONTH_DAY_RE.search(text)
    if not m or not reference:
        return None
    ref = dt.date.fromisoformat(reference)
    for year in (ref.year, ref.year + 1):
        iso = _iso(year, m["m"], m["d"])
        if iso and iso >= reference:
            return iso
    return None


def latest_date(text: str) -> str | None:
    """The latest full date mentioned anywhere in ``text`` (ISO), the reference for year-less dates."""
    dates = [parse_date(m.group(0)) for m in DATE_RE.finditer(text)]
    return max((d for d in dates if d), default=None)


# --- people and organs ----------------------------------------------------------------------------
def is_organ(text: str) -> bool:
    """True when ``text`` reads as an organisation's name (ends with an organ suffix)."""
    return bool(_ORGAN_RE.match(text.strip(_EDGE)))


def is_person_name(text: str) -> bool:
    """True when ``text`` is a Chinese personal name (surname + 1–2 characters, or 王某某-style)."""
    return bool(_FULL_NAME_RE.match(text.strip(_EDGE)))


def find_position(text: str) -> re.Match | None:
    """The first job title from :data:`POSITIONS` in ``text`` (原 kept: retired people count)."""
    return _POSITION_RE.search(text)


def parse_identity(text: str) -> Identity:
    """Name, unit and position from one phrase.

    Handles ``梅川县人民政府副县长张某某``, ``县长 张某某``, ``李某某（县发改委主任）``, ``张某某，某县副县长``,
    ``梅川县人民检察院``, ``张三`` and label prefixes such as ``具信人：``.
    """
    text = _LABEL_PREFIX.sub("", re.sub(r"\s+", "", text).strip(_EDGE)).strip(_EDGE)
    if not text:
        return Identity()
    pos = find_position(text)
    if pos is None:
        if is_person_name(text):
            return Identity(name=text)
        if is_organ(text):
            return Identity(unit=text)
        lead = _NAME_RE.match(text)
        if lead and is_organ(text[lead.end():]):
            return Identity(name=lead.group(0), unit=text[lead.end():].strip(_EDGE))
        tail = _TRAILING_NAME_RE.search(text)
        if tail and is_organ(text[: tail.start()]):
            return Identity(name=tail.group(0), unit=text[: tail.start()].strip(_EDGE))
        return Identity()
    before, after = text[: pos.start()], text[pos.end():].strip(_EDGE)
    if re.fullmatch(_SURNAME, before) and not _NAME_RE.match(after):
        return Identity(name=text[: pos.end()], position=pos.group("pos"))  # 张局长: how the speaker is called
    name = None
    after_name = _NAME_RE.match(after)
    if after_name:
        name = after_name.group(0)
    else:
        lead = _NAME_RE.match(before)
        if lead and (len(before) == lead.end() or before[lead.end()] in _EDGE):
            name, before = lead.group(0), before[lead.end():]
    unit = re.sub("^(?:我是|我系|系|是|任|现任|担任)", "", before.strip(_EDGE)).strip(_EDGE) or None
    if unit and unit.endswith("的"):
        unit = unit[:-1] or None
    position = pos.group("pos")
    if unit and unit.startswith("原") and not position.startswith("原"):  # 原县委书记: a former 书记 of 县委
        unit, position = unit[1:] or None, "原" + position
    return Identity(name=name, unit=unit, position=position)


# --- case names -----------------------------------------------------------------------------------
def _case_name_candidates(text: str) -> list[tuple[bool, str]]:
    """(follows a case number, name) for every ``…一案/案件`` phrase that reads as a case name."""
    text = re.sub(r"\s+", "", text)
    found = []
    for end in _CASE_END.finditer(text):
        window = text[max(0, end.start() - 80): end.start()]
        candidate = _CASE_BOUNDARY.split(window)[-1]
        numbers = casenumber.find_all(candidate)
        if numbers:
            candidate = candidate[numbers[-1].end:]
        candidate = _CASE_LEAD.sub("", candidate)
        if 4 <= len(candidate) <= 60 and _CASE_HINT.search(candidate):
            found.append((bool(numbers), candidate))
    return found


def find_case_name(text: str) -> str | None:
    """The case name in ``text`` (``某某公司与某某银行借款合同纠纷`` from ``…纠纷一案``), or None.

    A name written right after a case number wins; otherwise the first one.
    """
    candidates = _case_name_candidates(text)
    return next((c for numbered, c in candidates if numbered), candidates[0][1] if candidates else None)


# --- form and the fields record ---------------------------------------------------------------------
def detect_form(layout: Layout, segments: Segments) -> str:
    """Taxonomy §3 form of contact from the layout and the letter's parts."""
    if layout.kind == "record":
        channel, hint = layout.labels.get("channel", ""), layout.labels.get("form_hint", "")
        for text, broad in ((channel, True), (hint, False)):
            for form, words in FORM_WORDS.items():
                if any(w in text for w in (words if broad else words[: _UNAMBIGUOUS[form]])):
                    return form
        return "OTHER"
    if layout.kind in ("email", "chat"):
        return "SMS_IM"
    if layout.kind == "instruction":
        return "DOCUMENT"
    if (segments.header or "").endswith("文件") or _DOCUMENT_TITLES.search(segments.title or ""):
        return "DOCUMENT"
    if layout.kind == "unknown" and not any((segments.addressee, segments.signature, segments.title)):
        return "OTHER"
    return "LETTER"


def _intervener(layout: Layout, segments: Segments) -> Identity:
    """The sender/caller/signer, from the best source that names each part (see module docstring)."""
    labels = layout.labels
    who = Identity()
    if layout.kind in ("record", "email"):
        who = parse_identity(labels.get("name", ""))
        who = Identity(who.name, labels.get("unit") or who.unit, who.position).merged(
            parse_identity(labels.get("position", ""))
        )
    elif layout.kind == "chat":
        if layout.speakers:
            who = parse_identity(layout.speakers[0])
            who = who if who.name else Identity(layout.speakers[0], who.unit, who.position)
    for line in (segments.signature or "").splitlines() if layout.kind != "record" else ():
        who = who.merged(parse_identity(line))
    if segments.header:
        header = segments.header.splitlines()[0]
        header = header[:-2] if header.endswith("文件") else header
        who = who.merged(Identity(unit=header if is_organ(header) else None))
    if labels.get("contact"):
        who = who.merged(parse_identity(labels["contact"]))
    intro = re.search("我(?:是|叫|系)(?P<id>[^，,。；！？]{2,40})", segments.body or "")
    if intro and layout.kind in ("letter", "email", "unknown"):  # a 批示's body is someone else's petition
        who = who.merged(parse_identity(intro["id"]))
    return who


def _date(layout: Layout, segments: Segments, text: str) -> str | None:
    """The letter's date: a record's time, else the 成文日期; a year-less date takes the text's latest year."""
    written = layout.labels.get("time") or segments.date_text or ""
    return parse_date(written) or parse_month_day(written, latest_date(text))


def extract_fields(layout: Layout, segments: Segments, text: str) -> Fields:
    """The taxonomy §4 fields of one letter from its layout, parts and full (cleaned) text."""
    who = _intervener(layout, segments)
    numbers = tuple(m.normalized for m in casenumber.find_all(text))
    case_name = None
    for part in (layout.labels.get("case"), segments.title, segments.body, layout.labels.get("content"), text):
        case_name = find_case_name(part or "")
        if case_name:
            break
    return Fields(
        name=who.name,
        unit=who.unit,
        position=who.position,
        case_number=numbers[0] if numbers else None,
        case_name=case_name,
        date=_date(layout, segments, text),
        form=detect_form(layout, segments),
        case_numbers=numbers,
    )
