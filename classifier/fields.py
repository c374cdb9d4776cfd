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
    副会长 会长 理事长 校长 村长 组长 调研员 巡视员 人大代表 政协委员
    副司令员 司令员 政治委员 项目经理 法律顾问 工作人员 干警 民警 警官 干部 大队长 副大队长 检察官助理
    科员 办事员 干事 速录员 档案员 财务负责人 负责人 联络员 村委会主任 个体工商户 退休干部 退休教师
    办公室主任 办公室副主任 专职委员 审判委员会委员 党组成员 党委委员 常委委员 执行委员 副主席 副总裁""".split()
)
# organs after which a department and a post follow: 县人民检察院 | 第六检察部检察官, 本院 | 执行局法官
TERMINAL_ORGANS = ("人民法院", "法院", "中院", "高院", "人民检察院", "检察院", "公安局", "司法局", "国家安全局", "监狱", "本院",
                   "派出所")
_DEPARTMENT_TAIL = re.compile(
    "^(?:第[一二三四五六七八九十]+)?[\u4e00-\u9fff]{0,12}?(?:部|庭|局|科|室|处|大队|队|所|中心|办公室|组|委员会)$"
)
# a relative or aide named through their leader: 县委刘书记的秘书, 王县长的爱人
RELATIONS = ("身边工作人员", "秘书", "司机", "驾驶员", "办公室主任", "联络员", "爱人", "妻子", "丈夫", "儿子", "女儿", "弟弟",
             "哥哥", "姐姐", "妹妹", "侄子", "外甥", "表弟", "妹夫", "女婿", "儿媳", "岳父", "父亲", "母亲", "亲戚")
_UNIT_LEAD = re.compile("^(?:自称系|自称是|自称|我是|我系|系|是|任|现任|担任|在|来自|上级法院|上级)")
_POST_NOTE = re.compile("^[（(](?P<note>[^（）()]{1,14})(?:[）)]|$)")  # 原主任（已退休）, 退休法官（原民一庭副庭长）
ORGAN_SUFFIXES = tuple(
    """人民政府 政府 人民法院 法院 人民检察院 检察院 公安局 分局 派出所 常务委员会 常委会 委员会 政协
    办公室 办公厅 县委 市委 区委 省委 党委 党组 纪委 监委 政法委 工商联 联合会 协会 商会 有限公司
    股份公司 公司 集团 银行 信用社 合作社 联合社 联社 事务所 局 厅 委 办 所 院 中心 站 学校 大学 医院 社区 居委会
    村委会 街道办事处 工会 妇联 部 镇""".split()
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝谯仉訾郜冼亓汲芮蔺阙鄢楚富昝禹贲郏逄蓟璩郦雍阎茹宦庾厍晁阚鞠蒯逯缑揭邰储郗酆廉傅"
    "萧湛狄臧嵇荀甄裘缪钮宓钭糜邴隗郁胥濮扈燕冀浦闫亢"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯")

_ONE_POSITION = "(?:常务)?(?:" + "|".join(sorted(POSITIONS, key=len, reverse=True)) + ")(?![会处室厅]|大队|队|事务所|协会|事务)"
# several posts joined by 、 are one position: 党组书记、局长 / 常委、宣传部部长 / 党组成员、副县长
_POSITION_RE = re.compile(f"(?P<pos>原?{_ONE_POSITION}(?:、[\u4e00-\u9fff]{{0,6}}?{_ONE_POSITION})*)")
_ORGAN_RE = re.compile(
    "^[\u4e00-\u9fff（）()·]{1,30}?(?:" + "|".join(sorted(ORGAN_SUFFIXES, key=len, reverse=True)) + ")$"
)
_SURNAME = f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])"
# 县委刘书记的秘书 / 部长赵某的爱人: the leader may be named between the post and the relation
_RELATION_RE = re.compile(
    f"^(?P<boss>{_SURNAME}(?:某某|某|[\u4e00-\u9fff]{{1,2}}?))?的(?P<rel>"
    + "|".join(sorted(RELATIONS, key=len, reverse=True)) + ")"
)
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
_CN_MONTH = f"元|{_CN_DAY}"  # 元月 = January
_CN_YEAR = "[一二][〇零O0一二三四五六七八九]{3}"
DATE_RE = re.compile(
    f"(?P<y>(?:19|20)\\d{{2}}|{_CN_YEAR})\\s*年\\s*(?P<m>\\d{{1,2}}|{_CN_MONTH})\\s*月\\s*(?P<d>\\d{{1,2}}|{_CN_DAY})\\s*[日号]"
    "|(?P<y2>(?:19|20)\\d{2})[-/.](?P<m2>\\d{1,2})[-/.](?P<d2>\\d{1,2})(?!\\d)"
)
MONTH_DAY_RE = re.compile(f"(?<![\\d年])(?P<m>\\d{{1,2}}|{_CN_MONTH})\\s*月\\s*(?P<d>\\d{{1,2}}|{_CN_DAY})\\s*[日号]")

_CASE_END = re.compile("(?P<counter>一案件|一案|案件|系列案件|系列案|等案)(?![件例由号])|(?P<bare>案)(?![件例由号子卷情底发值])")
_CASE_LEAD = re.compile(
    "^(?:关于|就|对|将|把|请|商请|恳请|请求|建议|希望|要求|关注|过问|协调|关照|督促|暂缓|中止|终止|解除|撤销|执行|审理|受理|办理|处理|贵院|你院"
    "|县法院|法院|正在|在|依法|妥善|有关|涉及|在审|审结|一审|二审|的|原告|被告人|被告|申请执行人|申请人|上诉人|我院|我们|我|本院)+"
)
_CASE_HINT = re.compile("与|诉(?!讼)|纠纷|罪|申请执行|执行异议|涉嫌")
# words that end the lead-in before a case name: 说说／想问问／是为／谈到 …，罪犯 and the party's own words stay
_CASE_INTRO = re.compile(
    "(?:说说|问问|说一下|讲一下|了解|打听|谈到|谈及|提到|反映|询问|关注|关心|过问|为|就|对|将|把|的|在|是|称|请|要求|希望"
    "|督促|代表|涉及|有关|居民|村民|职工|员工|企业|侄子|儿子|女儿|弟弟|哥哥|亲戚|朋友|同学|老乡|现将|予)"
)
_CASE_SEPARATOR = re.compile("与|诉(?!讼)|申请执行")
_CASE_BOUNDARY = re.compile("[，,。；;：:、“”\"《》！？]")

# Words naming a form of contact: in a record's 过问方式 value any of them counts; in its title and
# label names (form_hint) only the first, unambiguous ones (a 来访记录 may well have a 联系电话 line).
FORM_WORDS = {
    "PHONE": ("电话记录", "来电", "通话", "电话"),
    "SMS_IM": ("微信", "短信", "聊天", "邮件", "微博", "QQ"),
    "ORAL": ("来访", "接待", "谈话", "当面", "口头", "面谈"),
}
_UNAMBIGUOUS = {"PHONE": 3, "SMS_IM": 6, "ORAL": 6}
_DOCUMENT_TITLES = re.compile("(?:纪要|批示|批示件|批示单|督办单|交办单|批办单|阅批单|通知|通报|决定|意见|决议|批复|指示)$")
_NOTE_TITLES = re.compile("^(?:便条|便签|留言条|纸条|名片)|名片(?:正面|背面)")


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
    text = text.replace("廿", "二十").replace("卅", "三十").replace("元", "一")
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
    text = re.sub("(?<=[\u4e00-\u9fff])同志$", "", text)  # 王卫东同志
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
        organ = re.sub("^(?:我是|我系|系|是)|的$", "", text[: tail.start()]) if tail else ""
        if tail and is_organ(organ):  # 德清县公安局（的）魏某
            return Identity(name=tail.group(0), unit=organ.strip(_EDGE))
        return Identity()
    before, after = text[: pos.start()], text[pos.end():]
    relation = _RELATION_RE.match(after)
    if relation:  # 县委刘书记的秘书张三 / 张三（刘书记的秘书）: the aide's post names the leader
        lead = _NAME_RE.match(before)
        name = lead.group(0) if lead and before[lead.end():lead.end() + 1] in ("，", ",", "（", "(") else None
        boss = before[lead.end():] if name else before
        boss = re.sub("^(?:我是|我系|系|是|自称系|自称是)", "", boss.strip(_EDGE)).strip(_EDGE)
        rest = after[relation.end():].strip(_EDGE)
        name = name or (_NAME_RE.match(rest).group(0) if _NAME_RE.match(rest) else None)
        return Identity(name=name, unit=None, position=f"{boss}{pos.group('pos')}{relation['boss'] or ''}的{relation['rel']}")
    note = _POST_NOTE.match(after)  # a note on the post (已退休) is not part of it; a name may follow
    note = note if note and not _NAME_RE.fullmatch(note["note"]) else None
    position = pos.group("pos")
    after = after[note.end():].strip(_EDGE) if note else after.strip(_EDGE)
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
    unit = _UNIT_LEAD.sub("", before.strip(_EDGE)).strip(_EDGE) or None
    if unit and unit.endswith("的"):
        unit = unit[:-1] or None
    if unit and unit.startswith("原") and not position.startswith("原"):  # 原县委书记: a former 书记 of 县委
        unit, position = unit[1:] or None, "原" + position
    if unit and unit.endswith("退休") and not position.startswith("退休"):  # 本院退休法官
        unit, position = unit[:-2] or None, "退休" + position
    if unit:
        unit, position = _split_department(unit, position)
    return Identity(name=name, unit=unit, position=position)


def _split_department(unit: str, position: str) -> tuple[str, str]:
    """``县人民检察院第六检察部`` + ``检察官`` → ``县人民检察院`` + ``第六检察部检察官``: a department named after a
    court, procuratorate, police or prison belongs to the post, not to the unit."""
    for organ in sorted(TERMINAL_ORGANS, key=len, reverse=True):
        at = unit.find(organ)
        if at == -1:
            continue
        tail = unit[at + len(organ):]
        office = "办公室" if position.startswith(("办公室", "副办公室")) else ""  # 审判管理 | 办公室主任
        if tail and _DEPARTMENT_TAIL.match(tail + office):
            return unit[: at + len(organ)], tail + position
        return unit, position
    return unit, position


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
        dates = list(DATE_RE.finditer(candidate))  # a signer's date line run into the next paragraph
        candidate = _trim_case_lead(_CASE_LEAD.sub("", candidate[dates[-1].end():] if dates else candidate))
        if end["bare"] and not candidate.endswith("纠纷"):
            candidate += "案"  # 罪犯某某减刑案 / 某公司破产清算案: a bare 案 is part of the name, 一案 is not
        if 4 <= len(candidate) <= 60 and _CASE_HINT.search(candidate):
            found.append((bool(numbers), candidate))
    return found


def _trim_case_lead(candidate: str) -> str:
    """``candidate`` from after the last lead-in word before its first party separator (与/诉/申请执行), or — for
    a criminal or enforcement case without one — before its first case word (罪犯/减刑/涉嫌 …)."""
    stop = _CASE_SEPARATOR.search(candidate) or re.search("罪犯|被告人", candidate) or _CASE_HINT.search(candidate)
    head = candidate[: stop.start()] if stop else candidate
    intros = list(_CASE_INTRO.finditer(head))
    return candidate[intros[-1].end():] if intros else candidate


def find_case_name(text: str) -> str | None:
    """The case name in ``text`` (``某某公司与某某银行借款合同纠纷`` from ``…纠纷一案``), or None.

    A name written right after a case number wins; otherwise the first one.
    """
    return _best_case_name(_case_name_candidates(text))


def _best_case_name(candidates: list[tuple[bool, str]]) -> str | None:
    """The first candidate written after a case number, else the first one, else None."""
    return next((c for numbered, c in candidates if numbered), candidates[0][1] if candidates else None)


# --- form and the fields record ---------------------------------------------------------------------
_RECORDER_LINE = re.compile("^(?:报告人|记录人|接听人|承办人|经办人|接待人|书记员|承办法官|说明人|汇报人|登记人)[：:]")
_NARRATIVE = re.compile(
    "^(?:[^，。；]{0,30}?(?:日|时|分|上午|下午|晚上|中午|晚)[，,]?)?(?P<who>[^，。；,]{2,60}?)"
    "(?P<how>给我|向我|来到|到我|在院|在微信|在一次|通过|托人|用手机|打电话|打来电话|找到我|拦住我|让门卫|发来|留了|寄来)"
    "(?P<rest>[^。；]{0,20})"
)
# the form of contact a report's first sentence names (checked in order; in person when none)
NARRATIVE_FORMS = (("SMS_IM", ("短信", "微信", "邮件", "留言", "QQ")), ("PHONE", ("电话", "手机", "座机")),
                   ("OTHER", ("便条", "名片", "纸条")), ("LETTER", ("寄来", "一封信", "来信")))


@dataclass(frozen=True)
class Narrative:
    """A report written by court staff about an intervention: who intervened and how, from its first sentence."""

    who: Identity
    how: str


def find_narrative(segments: Segments, unstructured: bool = False) -> Narrative | None:
    """The intervention a staff report tells of, when the letter is signed by its recorder (报告人/记录人 …)
    or, ``unstructured``, has no signature at all (a note of what happened)."""
    signature = (segments.signature or "").splitlines()
    if not any(_RECORDER_LINE.match(line) for line in signature) and not (unstructured and not signature):
        return None
    for line in (segments.body or "").splitlines()[:3]:
        m = _NARRATIVE.match(line.strip())
        if m:
            who = parse_identity(m["who"])
            if who != Identity():
                return Narrative(who, m["how"] + m["rest"])
    return None


def detect_form(layout: Layout, segments: Segments, narrative: Narrative | None = None) -> str:
    """Taxonomy §3 form of contact from the layout and the letter's parts (or the report's story)."""
    if narrative is not None:
        return next((form for form, words in NARRATIVE_FORMS if any(w in narrative.how for w in words)), "ORAL")
    if layout.kind == "record":
        channel, hint = layout.labels.get("channel", ""), layout.labels.get("form_hint", "")
        for text, broad in ((channel, True), (hint, False)):
            for form, words in FORM_WORDS.items():
                if any(w in text for w in (words if broad else words[: _UNAMBIGUOUS[form]])):
                    return form
        if "place" in layout.labels or "present" in layout.labels:
            return "ORAL"  # a record naming the place and the people present is of a face-to-face request
        return "OTHER"
    if layout.kind in ("email", "chat"):
        return "SMS_IM"
    if layout.kind == "instruction":
        return "DOCUMENT"
    first = (segments.header or segments.title or segments.body or "").splitlines()[:1]
    if first and _NOTE_TITLES.search(first[0]):
        return "OTHER"
    if (segments.header or "").endswith("文件") or _DOCUMENT_TITLES.search(segments.title or segments.header or ""):
        return "DOCUMENT"
    titled = (segments.title or "") + (segments.header or "")
    for form, words in FORM_WORDS.items():  # 电话记录, 微信聊天记录, 来访记录 without labelled lines
        if any(w in titled for w in words[: _UNAMBIGUOUS[form]]):
            return form
    if layout.kind == "unknown" and not any((segments.addressee, segments.signature, segments.title)):
        return "OTHER"
    return "LETTER"


_INTRO = re.compile("(?:我(?:是|叫|系)|本人(?:是|系)?|我们是)(?P<id>[^，,。；！？]{2,40})")
_NICK_NOTE = re.compile("^(?P<nick>[^（(]{1,12})[（(](?P<inner>.+?)[）)]?$")


def _speaker_identity(speaker: str) -> Identity:
    """Who a chat speaker is: ``老王（县委王书记）`` is read from the note, the nickname is the name of last resort."""
    m = _NICK_NOTE.match(speaker)
    if m:
        inner = parse_identity(m["inner"])
        if inner != Identity():
            nick = parse_identity(m["nick"])
            return inner.merged(Identity(name=nick.name or m["nick"].strip()))
    who = parse_identity(speaker)
    return who if who.name else Identity(speaker, who.unit, who.position)


def _intervener(layout: Layout, segments: Segments, narrative: Narrative | None = None) -> Identity:
    """The sender/caller/signer, from the best source that names each part (see module docstring)."""
    labels = layout.labels
    if narrative is not None:
        return narrative.who
    who = Identity()
    if layout.kind in ("record", "email"):
        who = parse_identity(labels.get("name", ""))
        who = Identity(who.name, labels.get("unit") or who.unit, who.position).merged(
            parse_identity(labels.get("position", ""))
        )
    elif layout.kind == "chat":
        if layout.speakers:
            who = _speaker_identity(layout.speakers[0])
    for line in (segments.signature or "").splitlines() if layout.kind != "record" else ():
        if not _RECORDER_LINE.match(line):  # the member of staff who wrote it down is not the intervener
            who = who.merged(parse_identity(line))
    if segments.header:
        header = segments.header.splitlines()[0]
        header = header[:-2] if header.endswith("文件") else header
        if is_organ(header) and who.unit and who.unit != header and header.endswith(who.unit):
            who = Identity(who.name, header, who.position)  # a signature broken across lines: 社会保 / 障局
        who = who.merged(Identity(unit=header if is_organ(header) else None))
    if labels.get("contact"):
        who = who.merged(parse_identity(labels["contact"]))
    intro = _INTRO.search(segments.body or "")
    if intro and layout.kind in ("letter", "email", "unknown", "chat"):  # a 批示's body is someone else's petition
        who = who.merged(parse_identity(intro["id"]))
    return who


def _date(layout: Layout, segments: Segments, text: str) -> str | None:
    """The letter's date: a record's time, else the 成文日期 (a year-less one placed after the text's latest full
    date); without either, the latest full date the text names (a note's 登记 date, a message's time stamp)."""
    written = layout.labels.get("time") or segments.date_text or ""
    latest = latest_date(text)
    return parse_date(written) or parse_month_day(written, latest) or (None if written else latest)


_OWN_COURT = re.compile("^(?:本院|我院|院里|咱们院|咱院)$")
_COURT_NAME = re.compile("[\u4e00-\u9fff]{2,12}?(?:县|区|市|旗)人民法院")


def _own_court(unit: str | None, segments: Segments, text: str) -> str | None:
    """``本院`` (the receiving court itself) as the court's name when the letter names it, else as written."""
    if not unit or not _OWN_COURT.match(unit):
        return unit
    for part in (segments.header, segments.addressee, text):
        m = _COURT_NAME.search(part or "")
        if m:
            return m.group(0)
    return unit


def extract_fields(layout: Layout, segments: Segments, text: str) -> Fields:
    """The taxonomy §4 fields of one letter from its layout, parts and full (cleaned) text."""
    narrative = find_narrative(segments, layout.kind == "unknown") if layout.kind in ("letter", "unknown") else None
    who = _intervener(layout, segments, narrative)
    numbers = tuple(m.normalized for m in casenumber.find_all(text))
    case_name = None
    for part in (layout.labels.get("case"), segments.title, segments.body, layout.labels.get("content"), text):
        case_name = find_case_name(part or "")
        if case_name:
            break
    return Fields(
        name=who.name,
        unit=_own_court(who.unit, segments, text),
        position=who.position,
        case_number=numbers[0] if numbers else None,
        case_name=case_name,
        date=_date(layout, segments, text),
        form=detect_form(layout, segments, narrative),
        case_numbers=numbers,
    )
