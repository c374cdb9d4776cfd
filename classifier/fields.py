"""Record fields (taxonomy §4) read from a segmented letter: who intervened, in which case, when, how.

The intervener is the sender, caller or signer — never the court staff member who recorded a call
nor the addressee court. Sources, best first: labelled record lines (来电人/职务/单位), a staff member's
story of the contact (接到…来电, 对方自称…, …通过微信向…), a 批示's signer (or a note on who wrote it:
某某在…上的批示), signature lines, the issuing organ in the header, registry notes (经查…为…, 写信人…系…,
备注：陈局即…), a 联系人 note, a self-introduction or signature in a message ("我是梅川县发改委主任李某某").
A registry note anywhere in the text (经查，写信人某为… / “昵称”为本院副院长某某 / 1. 某某系本院副院长 / 某某现任…)
names a caller known only by a nickname or a role and completes a named one's organ and post; so does another
place naming the same person with organ and post (…致某某法院副院长某某的信), a mail's signature block, or an
unsigned letter's own 申请人/提交人/发起人 line. The court under whose name a 来电记录 or 登记 was kept is not a named
caller's unit.

Conventions (one for every labelled set): the unit is the organ (a court, procuratorate, police organ with
its 分局/派出所/支队, a party committee — 县委, 镇党委 — or a government's 办公室), the receiving court by its name when
the letter gives it (本院 only when it does not); a department inside a court, procuratorate,
police organ or prison belongs to the post (民三庭庭长, 刑侦大队大队长); joined posts stay whole (党组成员、副院长);
a note on the post is not part of it (原主任（已退休） → 原主任); a province before a city or county is dropped from the
unit (山西省太原市… → 太原市…), and so are words before the organ that only say how the letter names it (自称…,
署名…, 巫国庆（… → …) and a note after it (…管理局（市处置… → …管理局, …信访局（工作人员未报姓名） → …信访局); an aide's post is
their own (秘书, 驾驶员), a relative has none; a section of another organ goes to the post too (某公司 | 财务总监, 某集团 | 党委副书记);
a case name needs its parties (a bare cause such as 民间借贷纠纷 is none); the date is the
contact's, not the later date a staff report was signed. Everything here is regexes over vocabularies;
nothing is per-letter.
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
    副司令员 司令员 政治委员 驾驶员 项目经理 法律顾问 工作人员 干警 民警 警官 干部 大队长 副大队长 检察官助理
    科员 办事员 干事 速录员 档案员 财务负责人 负责人 联络员 村委会主任 个体工商户 退休干部 退休教师
    办公室主任 办公室副主任 专职委员 审判委员会委员 党组成员 党委委员 常委委员 执行委员 副主席 副总裁
    代理律师 辩护律师 辩护人 诉讼代理人 司法警察 教导员 教师 讲师 教授 记者 会计 出纳 工程师 管理员 经营者 业主 老板
    一级主任科员 二级主任科员 三级主任科员 四级主任科员 主任科员 副主任科员 一级科员 二级科员 员额法官
    一级高级法官 二级高级法官 三级高级法官 四级高级法官 一级法官 二级法官 三级法官 四级法官 五级法官 一级检察官 二级检察官
    三级检察官 四级检察官 五级检察官 纪检组长 纪检监察组组长 副行长 行长 总编辑 副总编辑 主编 指导员 副指导员 导诉员
    安保人员 辅警 协警 管教民警 法务总监 法务经理 总监 副总监 总会计师 研究员 副研究员 档案管理员 网格员
    合伙人 高级合伙人 顾问 高级顾问 理事 监事长 副监狱长 监狱长 副州长 州长 副专员 专员 区长助理 总经理助理 经办人 公务员
    编辑 接线员 内勤 厨师 收发员 保洁员 警卫员 技术员 探长 主任医师 副主任医师 估价师 委托代理人 执委 调解员 特邀调解员
    工勤人员 聘用人员""".split()
)
# organs after which a department and a post follow: 县人民检察院 | 第六检察部检察官, 本院 | 执行局法官
TERMINAL_ORGANS = ("人民法院", "法院", "中院", "高院", "人民检察院", "检察院", "公安局", "公安分局", "司法局", "国家安全局", "监狱", "本院",
                   "派出所", "看守所", "戒毒所", "拘留所")
# departments named after a post: the post inside them is not the person's
_POSTED_DEPARTMENT = re.compile("司法警察(?:大队|支队)|法警(?:大队|队)|审判委员会办公室")
# what follows such an organ before the post is the post's department (民二庭四级高级 | 法官, 执行局聘用制 | 书记员)
_DEPARTMENT_TAIL = re.compile("^[\u4e00-\u9fff]{1,16}$")
_SUB_ORGAN = re.compile(
    "(?:(?!某)[\u4e00-\u9fff]){1,8}?(?:(?:分局|派出所|巡回法庭|司法所)(?:(?:(?!某)[\u4e00-\u9fff]){1,8}?派出所)?"
    "|支队(?:(?:(?!某)[\u4e00-\u9fff]){1,8}?大队)?)"
)
# a department of the court itself: 民三庭庭长 / 执行局局长 name the receiving court's own staff
_COURT_DEPARTMENT = re.compile(
    "^(?:[\u4e00-\u9fff]{1,8}庭|执行局|执行[一二三四五六七八九十\d]+[庭组]|审判管理办公室|审管办|研究室|政治部|司法警察大队"
    "|法警大队|诉讼服务中心|立案庭|执行指挥中心|[\u4e00-\u9fff]{0,4}监察室|[\u4e00-\u9fff]{0,6}审判团队|审判委员会|院办)$"
)
# a relative or aide named through their leader: 县委刘书记的秘书, 王县长的爱人. An aide's post is their own
# (秘书, unit the leader's organ); a relation by kin is no post at all (职务 records the intervener's own post).
AIDES = ("身边工作人员", "秘书", "司机", "驾驶员", "办公室主任", "联络员")
RELATIONS = ("身边工作人员", "秘书", "司机", "驾驶员", "办公室主任", "联络员", "爱人", "妻子", "丈夫", "儿子", "女儿", "弟弟",
             "哥哥", "姐姐", "妹妹", "侄子", "外甥", "表弟", "妹夫", "女婿", "儿媳", "岳父", "父亲", "母亲", "亲戚")
_UNIT_LEAD = re.compile("^(?:自称系|自称是|自称|自报|我是|我系|系|是|任|现任|担任|在|来自|上级法院|上级|由|经)")
_POST_NOTE = re.compile("^[（(](?P<note>[^（）()]{1,14})(?:[）)]|$)")  # 原主任（已退休）, 退休法官（原民一庭副庭长）
ORGAN_SUFFIXES = tuple(
    """人民政府 政府 人民法院 法院 人民检察院 检察院 公安局 分局 派出所 常务委员会 常委会 委员会 政协
    办公室 办公厅 县委 市委 区委 省委 党委 党组 纪委 监委 政法委 工商联 联合会 协会 商会 有限公司
    股份公司 公司 集团 银行 信用社 合作社 联合社 联社 事务所 局 厅 委 办 所 院 中心 站 学校 大学 医院 社区 居委会 监狱
    村委会 街道办事处 工会 妇联 部 镇 管委会""".split()
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝谯仉訾郜冼亓汲芮蔺阙鄢楚富昝禹贲郏逄蓟璩郦雍阎茹宦庾厍晁阚鞠蒯逯缑揭邰储郗酆廉傅"
    "萧湛狄臧嵇荀甄裘缪钮宓钭糜邴隗郁胥濮扈燕冀浦闫亢过粟戈綦言诸练乜皮"
    "丰修凤厉杭洪谌贝赖郇鄂荆庹危羊仝奚屠弘暨桓殳羿莘郈韶笪佴况匡"
)
# surnames that are also common words (和解, 计划, 权利): a name only when written alone as surname + two characters
WORDLIKE_SURNAMES = "和计幸晋权班乌井习仰伯充养利别劳勾印却双咸哈堵墨夔宰容寿封居帅归惠慎於步毋沃满益盖督禄终赏闻须鱼松贡竺红宣宿束暴扶怀祖籍索薄衡隆阴钦琴汝滑牧慕戎巴弓伊苍蓬蔚"
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "申屠", "司徒",
                     "端木", "宇文", "长孙", "呼延", "南宫", "澹台", "钟离", "鲜于", "闻人", "万俟", "赫连", "轩辕", "太史",
                     "公冶", "百里", "东郭", "左丘", "梁丘", "西门", "拓跋", "独孤", "第五", "公羊", "濮阳", "单于", "段干")

_ONE_POSITION = "(?:常务)?(?:" + "|".join(sorted(POSITIONS, key=len, reverse=True)) + ")(?![会处室厅]|大队|队|事务所|协会|事务)"
# several posts joined by 、 are one position: 党组书记、局长 / 常委、宣传部部长 / 党组成员、副县长
POSITION_RE = re.compile(f"(?P<pos>原?{_ONE_POSITION}(?:、[\u4e00-\u9fff]{{0,6}}?{_ONE_POSITION})*)")
_ORGAN_RE = re.compile(
    "^[\u4e00-\u9fff（）()·]{1,30}?(?:" + "|".join(sorted(ORGAN_SUFFIXES, key=len, reverse=True)) + ")$"
)
SURNAME = f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])"
# 县委刘书记的秘书 / 部长赵某的爱人: the leader may be named between the post and the relation
_RELATION_RE = re.compile(
    f"^(?P<boss>{SURNAME}(?:某某|某|[\u4e00-\u9fff]{{1,2}}?))?的(?P<rel>"
    + "|".join(sorted(RELATIONS, key=len, reverse=True)) + ")"
)
ANONYMISED = "(?:某某|某|××|XX|xx|＊＊|\\*\\*|ＸＸ)"
# Given names stop before characters that usually start the next word after a name.
_NAME_STOP = "同的在于称说打来向对和与及等先女电表要请让是"
_NAME_RE = re.compile(f"{SURNAME}(?:{ANONYMISED}|[\u4e00-\u9fff](?:(?![{_NAME_STOP}])[\u4e00-\u9fff])?)")
_TRAILING_NAME_RE = re.compile(f"{SURNAME}(?:{ANONYMISED}|[\u4e00-\u9fff]{{1,2}})$")
_POSTED_NAME = re.compile(f"[{WORDLIKE_SURNAMES}元][\u4e00-\u9fff]{{1,2}}(?=[，,（(；;]|$)")
_FULL_NAME_RE = re.compile(
    f"^(?:{SURNAME}(?:{ANONYMISED}|[\u4e00-\u9fff]{{1,2}})|[{WORDLIKE_SURNAMES}][\u4e00-\u9fff]{{2}}"
    "|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8})(?<![科庭局处室部队组院委办])$"  # 和建勇 / 买买提·艾力; not 宣教科
)
_LABEL_PREFIX = re.compile(
    "^(?:具信人|来信人|写信人|反映人|签名|落款|署名|申请人|联系人|发件人|发送人|来电人|来访人|过问人|当事人|名片正面|名片背面|名片)[：:]?"
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

_CASE_END = re.compile(
    "(?P<counter>一案件|一案|案件|系列案件|系列案|等案)(?![件例由号])"
    "|(?<![立结办报备本该此个方草提议档申翻定专全原要答预法图文])(?P<bare>案)(?![件例由号子卷情底发值])"
)
_DOC_NUMBER_TAIL = re.compile("[〔\\[［]\\d{4}[〕\\]］]\\d+号")
# a cause alone (民间借贷纠纷) names no case: a case name has its parties (与/诉/申请执行) or a party in it
_CASE_PARTY = re.compile("与|诉(?!讼)|申请|罪犯|被告人|涉嫌|某|公司|厂|社|局|村|集团|银行|中心|医院|学校|政府|委员会|系列|[\u4e00-\u9fff]罪")
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
# 文件 rather than 函/信: 批示, 纪要, 通知, and 文书 titled …书/…状/报告/审批单/回执 (an 意见 addressed like a letter is a 函)
_DOCUMENT_TITLES = re.compile(
    "(?:纪要|批示|批示件|批示单|督办单|交办单|批办单|阅批单|审批单|通知|通报|决定|决议|批复|指示|[\u4e00-\u9fff]书|[\u4e00-\u9fff]状"
    "|报告|回执)[）)]?$"
)
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
    """A date without a year (6月3日) placed in the year that brings it nearest to ``reference`` (ISO): a 批示 a
    few days after the petition it is written on, a note a day before its registration. None without a reference."""
    m = MONTH_DAY_RE.search(text)
    if not m or not reference:
        return None
    ref = dt.date.fromisoformat(reference)
    found = [iso for iso in (_iso(year, m["m"], m["d"]) for year in (ref.year - 1, ref.year, ref.year + 1)) if iso]
    return min(found, key=lambda iso: abs((dt.date.fromisoformat(iso) - ref).days), default=None)


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
    """The first job title from :data:`POSITIONS` in ``text`` (原 kept: retired people count), not counting the
    posts inside a department's name (司法警察大队民警 → 民警)."""
    return POSITION_RE.search(_POSTED_DEPARTMENT.sub(lambda m: "＿" * len(m.group(0)), text))


def parse_identity(text: str) -> Identity:
    """Name, unit and position from one phrase.

    Handles ``梅川县人民政府副县长张某某``, ``县长 张某某``, ``李某某（县发改委主任）``, ``张某某，某县副县长``,
    ``梅川县人民检察院``, ``张三`` and label prefixes such as ``具信人：``.
    """
    text = _LABEL_PREFIX.sub("", re.sub(r"\s+", "", text).strip(_EDGE)).strip(_EDGE)
    text = re.sub("(?<=[\u4e00-\u9fff])同志$", "", text)  # 王卫东同志
    if not text:
        return Identity()
    noted = _NAME_NOTE.match(text)
    if noted:  # 荣晓辉（贵州省高级人民法院研究室干部，单位邮箱）: the note's first clause says who the person is
        said = _phrase_identity(re.split("[，,；;]", noted["note"])[0])
        if not said.name and (said.unit or said.position):
            return Identity(noted["name"], said.unit, said.position)
    who = _phrase_identity(text)
    if who.name:
        return who
    lead = _NAMED_FIRST.match(text) or _NAMED_SELF.search(text)
    if lead:
        said = _phrase_identity(text[lead.end():].strip(_EDGE))  # 冉秀芝，自称区里某位领导的爱人 / 苟玉芬（手印）
        return Identity(lead["name"], said.unit, said.position) if not said.name else Identity(lead["name"])
    lead = _ANY_NAME_FIRST.match(text)  # 杭立德，常州市人民政府副市长 / 贡嘎次仁，四川省高级人民法院: a rarer surname
    said = _phrase_identity(text[lead.end():]) if lead and not is_organ(lead["name"]) else Identity()
    if said.unit and not said.name and not find_position(lead["name"]):
        return Identity(lead["name"], said.unit, said.position)
    return who


_NAME_NOTE = re.compile(f"^(?P<name>{SURNAME}[\u4e00-\u9fff]{{1,2}})[（(](?P<note>[^（）()]+)[）)]?$")
# a phrase that opens with a name and goes on about that person: 闵浩然，自称…原告之子 / 苟玉芬（手印）
_NAMED_FIRST = re.compile(
    f"^(?P<name>{SURNAME}[\u4e00-\u9fff]{{1,2}})(?:[，,]\s*(?:自称(?:是|系)?|系|是)?|自称(?:是|系)?|系|(?=[（(]))"
)
_ANY_NAME_FIRST = re.compile("^(?P<name>[\u4e00-\u9fff·]{2,5})[，,]\\s*(?:自称(?:是|系)?|系|是)?")
# a registry note on who someone is: 经查，写信人何晓东为…检察官助理 / “山水一程”为本院副院长沈玉堂微信昵称 /
# 备注：“鲍老”即本院退休干部鲍庆丰 / 核实：来电人为岳阳市人大常委会原副主任葛振声（已退休）
_NOTE_VERB = re.compile("(?<![联关体认作行因成改更分称以视派确])(?:即|系(?![统列数])|为(?![了止主由此何准])|就是|现任|担任)")
_NOTE_ROLE = re.compile(
    "^(?:经查|经核实|经核对|经了解|核实|发现|其中)*(?:写信人|来信人|寄信人|便条书写人|留条人|来电人|来访人|来人|发信人|发件人|发送人"
    "|发布者|批示人|持片人|对方|该人|该男子|该女子|过问人|当事人)?"
)
_NOTE_SUBJECT_EDGE = re.compile("[：:，,。；;\\s（(、【】.．\\d]")
# a line the registry added: 备注：… / 核实：… / 登记说明：… / （收件登记：…） / 经查，…
_NOTE_LINE = re.compile("^[（(【]?[^：:，,。]{0,10}(?:备注|核实|说明|注|登记|附注|经查|核查|核对|了解)")


def registry_notes(text: str) -> list[tuple[str, Identity, bool, bool]]:
    """Every note in ``text`` saying who someone is, in order: (subject — a name, a nickname without its quotes,
    or ``""`` for a role such as 来电人/写信人 —, the identity the note gives, whether the line is a registry note,
    whether the subject is a quoted nickname)."""
    notes = []
    for line in text.splitlines():
        registry = bool(_NOTE_LINE.match(line.strip()))
        for verb in _NOTE_VERB.finditer(line):
            head = _NOTE_SUBJECT_EDGE.split(line[max(0, verb.start() - 24): verb.start()])[-1]
            quoted = head.strip("“”\"「」‘’'")
            role = _NOTE_ROLE.match(quoted).end()
            subject = quoted[role:]
            said_text = re.match("[^，,。；;\n]{2,60}", line[verb.end():])
            if not said_text or not quoted or not (len(subject) <= 12 and (head != quoted or is_person_name(subject)
                                                                           or not subject)):
                continue  # a nickname is quoted; an unquoted subject is a name or a role
            said = parse_identity(said_text.group(0))
            if said.unit and (said.unit[0] in "该其此" or not (is_organ(said.unit) or _terminal_organ_end(said.unit) is not None)):
                said = Identity(said.name, None, said.position)  # 该局在职干部: no organ named
            if said != Identity() or is_person_name(subject):  # 经查，桑国平系该案原告之父: a name, no post
                notes.append((subject, said, registry or role > 0, head != quoted))
    return notes


# where the words naming someone's organ and post before their name begin: 致|给|向… 邹城市人民法院副院长单明远
_MENTION_START = re.compile("[，,。；;：:\n（(、“”\"【】]|致|给|向|对|找|让|请|经|由|与|和|及|在|是|系|为|即|称|将|把|被|接到|收到")


def _mentioned(who: Identity, text: str) -> Identity:
    """``who`` (named) completed from another place in ``text`` that names the same person with their organ and post
    (``…致邹城市人民法院副院长单明远的信``, ``单明远副院长办公室``)."""
    if not is_person_name(who.name or "") or (who.unit and who.position):
        return who
    for m in re.finditer(re.escape(who.name), text):
        before = _MENTION_START.split(text[max(0, m.start() - 30): m.start()])[-1]
        said = parse_identity(before + who.name) if before else Identity()
        after = find_position(text[m.end(): m.end() + 8])
        if not (said.unit or said.position) and after is not None and after.start() == 0:
            said = Identity(who.name, None, after.group(0))  # 单明远副院长办公室
        if said.unit and not (is_organ(said.unit) or _terminal_organ_end(said.unit) is not None):
            said = Identity(said.name, None, said.position)  # 我接到院长曾国良: no organ named
        if said.name == who.name and (said.unit or said.position):
            return who.merged(said)
    return who


def _noted(who: Identity, text: str) -> Identity:
    """``who`` completed by the registry's notes in ``text``: a note on the same name gives the unit and post it
    lacks; when ``who`` has no proper name (none, a nickname, a role), a note on that nickname or on the
    writer/caller names the person, and so does a registry note on a named person."""
    named = is_person_name(who.name or "")
    for subject, said, registry, quoted in registry_notes(text):
        if named:
            if who.unit and who.position:
                return who
            if subject == who.name and not said.name and (said.unit or said.position):
                return Identity(who.name, said.unit, said.position).merged(who)
            if said.name == who.name and subject in ("", who.name):
                return said.merged(who)
            if quoted and subject == who.name and said.name:  # signed 明涛; “明涛”为…副院长侯明涛
                return said.merged(Identity(None, who.unit, who.position))
        elif said.name and (subject in ("", who.name) or quoted):  # “栾警官”为本院司法警察栾家豪
            return said.merged(Identity(None, who.unit, who.position))
        elif not said.name and registry and is_person_name(subject):
            return Identity(subject, said.unit, said.position).merged(Identity(None, who.unit, who.position))
    return who
_NAMED_SELF = re.compile(f"自称(?:是|系|叫)?(?P<name>{SURNAME}[\u4e00-\u9fff]{{1,2}})(?=[，,。；]|$)")


def _phrase_identity(text: str) -> Identity:
    """:func:`parse_identity` of a phrase already stripped of labels and spaces."""
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
        if tail and (is_organ(organ) or _terminal_organ_end(organ) == 0):  # 德清县公安局（的）魏某
            return Identity(name=tail.group(0), unit=organ.strip(_EDGE))
        return _free_post(text)
    before, after = text[: pos.start()], text[pos.end():]
    relation = _RELATION_RE.match(after)
    if relation:  # 县委刘书记的秘书张三 / 张三（王县长的爱人）: named through the leader
        lead = _NAME_RE.match(before)
        name = lead.group(0) if lead and before[lead.end():lead.end() + 1] in ("，", ",", "（", "(") else None
        boss = before[lead.end():] if name else before
        boss = re.sub("^(?:我是|我系|系|是|自称系|自称是)", "", boss.strip(_EDGE)).strip(_EDGE)
        rest = after[relation.end():].strip(_EDGE)
        name = name or (_NAME_RE.match(rest).group(0) if _NAME_RE.match(rest) else None)
        if relation["rel"] not in AIDES:
            return Identity(name=name)
        organ = re.sub(f"{SURNAME}(?:某某|某)?$", "", boss)
        return Identity(name=name, unit=organ if is_organ(organ) else None, position=relation["rel"])
    note = _POST_NOTE.match(after)  # a note on the post (已退休) is not part of it; a name may follow
    note = note if note and not _NAME_RE.fullmatch(note["note"]) else None
    position = pos.group("pos")
    after = after[note.end():].strip(_EDGE) if note else after.strip(_EDGE)
    if re.fullmatch(SURNAME, before) and not _NAME_RE.match(after):
        return Identity(name=text[: pos.end()], position=pos.group("pos"))  # 张局长: how the speaker is called
    name = None
    # the name after a post: 苏景和 whole when it is all that follows; 计志鸿，由… with a surname that is also a word
    after_name = _FULL_NAME_RE.match(after) or _NAME_RE.match(after) or _POSTED_NAME.match(after)
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
    if unit and unit[:2] in ("同院", "我院", "该院") and len(unit) > 2:  # 同院商事审判团队 | 法官
        unit = "本院" + unit[2:]
    if unit and _BARE_DEPARTMENT.fullmatch(unit) and _terminal_organ_end(unit) is None and not is_organ(unit):
        unit, position = None, unit + position
    if unit and re.fullmatch("本[庭局组室科]", unit):  # 本庭副庭长: the writer's own department of the court
        unit = "本院"
    if unit and _COURT_DEPARTMENT.match(unit) and _terminal_organ_end(unit) is None:  # 民三庭庭长: the receiving court's
        unit, position = "本院", unit + position
    if unit:
        unit, position = _split_department(unit, position)
    position = re.sub("^某[\u4e00-\u9fff]{0,3}?(?:派出所|处|科|庭|局|队|所)(?=[\u4e00-\u9fff])", "", position)  # 某派出所民警
    if unit and position.startswith(("办公室", "副办公室")) and len(position) > 3 and re.search(_OFFICE_ORGAN, unit):
        unit, position = unit + "办公室", position.replace("办公室", "", 1)  # 区委办公室 | 副主任: an organ of its own
    if unit and _SOMEONE_ELSE.search(unit):  # 其姑父为省里 | 副省长, 帮区里一位 | 局长: another person's post
        return Identity(name=name)
    party = re.match("党(?:工)?委(?=.)", position) if unit and re.search("(?:镇|乡|街道)$", unit) else None
    if party:  # 牛田镇党委书记: a township's party committee is the organ, 书记 the post
        unit, position = unit + party.group(0), position[party.end():]
    return Identity(name=name, unit=unit, position=position)


# a party committee's or government's 办公室 is an organ in its own right (中共某区委办公室, 某县人民政府办公室)
_OFFICE_ORGAN = "(?:委|政府|常委会|政协|委员会)$"
# words showing that the post which follows belongs to someone the phrase only refers to
_SOMEONE_ELSE = re.compile("[\u4e00-\u9fff]{2}某[\u4e00-\u9fff]{0,2}$|某$|里|其|一位|一个|帮|给|替|为|[，,]|^称")


_BARE_DEPARTMENT = re.compile("[\u4e00-\u9fff]{1,6}(?:大队|中队|支队|科|股|组|监区|室)")
_POST_END = re.compile("(?:员|长|官|师|警|理|问|干部|任|计|记|人员)$")
_LEAD_NAME = re.compile(f"^(?P<name>{SURNAME}[\u4e00-\u9fff]{{1,2}})[，,]\s*(?:自称(?:是|系)?|系|是)?")


def _free_post(text: str) -> Identity:
    """A post missing from :data:`POSITIONS` between a court, procuratorate, police or prison and a name:
    ``江西省赣州监狱五监区教导员``, ``晏洪亮，…监狱五监区教导员``, ``本院聘用驾驶员龚家乐``; else an empty identity."""
    name = None
    lead = _LEAD_NAME.match(text)
    if lead:
        name, text = lead["name"], text[lead.end():]
    else:
        tail = _TRAILING_NAME_RE.search(text)
        if tail:
            name, text = tail.group(0), text[: tail.start()]
    text = _UNIT_LEAD.sub("", text.strip(_EDGE)).strip(_EDGE)
    end = _terminal_organ_end(text)
    post = text[end:] if end is not None else ""
    if not (2 <= len(post) <= 16 and re.fullmatch("[\u4e00-\u9fff]+", post) and _POST_END.search(post)):
        return Identity()
    return Identity(name=name, unit=text[:end], position=post)


def _split_department(unit: str, position: str) -> tuple[str, str]:
    """``县人民检察院第六检察部`` + ``检察官`` → ``县人民检察院`` + ``第六检察部检察官``: a department named after a
    court, procuratorate, police or prison belongs to the post, not to the unit."""
    end = _terminal_organ_end(unit)
    if end is None:
        return _split_function(unit, position)
    tail = unit[end:]
    if tail and _DEPARTMENT_TAIL.match(tail):
        return unit[:end], tail + position
    return unit, position


# a company's or school's party committee is part of the post (威海市水务集团有限公司 | 党委副书记)
_INNER_PARTY = re.compile("(?<=公司|集团|大学|学院|医院|学校|银行|协会|商会|报社)(?:党委|党组|党总支|党支部)$")


def _split_function(unit: str, position: str) -> tuple[str, str]:
    """``某公司财务`` + ``总监`` → ``某公司`` + ``财务总监``: a unit that is no organ but begins with one keeps the
    organ; the rest (a function or section of it), like a company's 党委, goes to the post."""
    party = _INNER_PARTY.search(unit)
    if party:
        return unit[: party.start()], unit[party.start():] + position
    if is_organ(unit):
        return unit, position
    for cut in range(len(unit) - 2, max(len(unit) - 9, 1), -1):
        if is_organ(unit[:cut]) and re.fullmatch("(?:(?!某)[\u4e00-\u9fff]){2,}", unit[cut:]):
            return unit[:cut], unit[cut:] + position
    return unit, position


def _terminal_organ_end(text: str) -> int | None:
    """Where the court, procuratorate, police or prison named at the start of ``text`` ends (a 分局 or 派出所
    under it included: ``南宁市公安局青秀分局`` is one unit), or None when ``text`` names none."""
    found = [(text.find(organ), organ) for organ in sorted(TERMINAL_ORGANS, key=len, reverse=True)]
    found = [(at, organ) for at, organ in found if at != -1]
    if not found:
        return None
    at, organ = min(found, key=lambda f: (f[0], -len(f[1])))
    end = at + len(organ)
    sub = _SUB_ORGAN.match(text, end)
    return sub.end() if sub else end


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
        candidate = _DOC_NUMBER_TAIL.split(candidate)[-1]  # …文旅函〔2024〕77号关于…纠纷: after a 文号
        dates = list(DATE_RE.finditer(candidate))  # a signer's date line run into the next paragraph
        candidate = _trim_case_lead(_CASE_LEAD.sub("", candidate[dates[-1].end():] if dates else candidate))
        if end["bare"] and not candidate.endswith("纠纷"):
            candidate += "案"  # 罪犯某某减刑案 / 某公司破产清算案: a bare 案 is part of the name, 一案 is not
        if 4 <= len(candidate) <= 60 and _CASE_HINT.search(candidate) and _CASE_PARTY.search(candidate):
            found.append((bool(numbers), candidate))
    return found


def _trim_case_lead(candidate: str) -> str:
    """``candidate`` from after the last lead-in word before its first party separator (与/诉/申请执行), or — for
    a criminal or enforcement case without one — before its first case word (罪犯/减刑/涉嫌 …)."""
    stop = _CASE_SEPARATOR.search(candidate) or re.search("罪犯|被告人", candidate) or _CASE_HINT.search(candidate)
    head = candidate[: stop.start()] if stop else candidate
    intros = list(_CASE_INTRO.finditer(head))
    return candidate[intros[-1].end():] if intros else candidate


def _labelled_case_name(value: str) -> str | None:
    """The case name a record's 案号/案件 lines give, without a trailing 一案 (``案件：（2024）…号 甲公司与乙某借款合同纠纷``)."""
    for line in value.splitlines():
        line = re.sub(r"\s+", "", line)
        numbers = casenumber.find_all(line)
        line = line[numbers[-1].end:] if numbers else line
        if re.search("(?:纠纷|罪|案)$", line) and _CASE_HINT.search(line) and _CASE_PARTY.search(line) and len(line) <= 60:
            return find_case_name(line) or line
    return None


def find_case_name(text: str) -> str | None:
    """The case name in ``text`` (``某某公司与某某银行借款合同纠纷`` from ``…纠纷一案``), or None.

    A name written right after a case number wins; otherwise the first one.
    """
    return _best_case_name(_case_name_candidates(text))


def _best_case_name(candidates: list[tuple[bool, str]]) -> str | None:
    """The first candidate written after a case number, else the first one, else None."""
    return next((c for numbered, c in candidates if numbered), candidates[0][1] if candidates else None)


# --- form and the fields record ---------------------------------------------------------------------
_RECORDER_LINE = re.compile("^(?:报告人|记录人|接听人|承办人|经办人|接待人|书记员|承办法官|说明人|汇报人|登记人|登记说明)[：:]")
_NARRATIVE = re.compile(
    "^(?:[^。；]{0,40}?(?:日|时|分|\\d|左右|许|上午|下午|晚上|中午|晚|会后|结束后|门口)[，,]"
    "|[\\d〇一二三四五六七八九十年月日时分上下午晚中许左右:：\\s]{2,20})?(?P<who>[^，。；,]{2,60}?)"
    "(?P<how>给我|向我|来到|到我|在院|在我院|在本院|在微信|在一次|通过|托人|用手机|打电话|打来电话|(?<!接到)(?<!接听)(?<!收到)(?<!的)来电|致电|打到|打至|找到我|拦住我|让门卫|发来|留了|寄来"
    "|叫住|找到|拦住|转来|另附|批转|签批|向[^，。；]{1,30}?(?:询问|打听|了解|说情|提出|表示|要求|递交|转交|发送)"
    "|将[^，。；]{1,30}?(?:交给|递给|塞给|转给)|进入|来我院|来院|来庭|到[^，。；]{0,8}?(?:办公室|组|庭|局|室|中心))"
    "(?P<rest>[^。；]{0,20})"
)
# 接到本院聘用驾驶员龚家乐来电 / 收到微信好友"雷所"的消息 — the staff member received the contact
_RECEIVED = re.compile(
    "(?:接到|接听|收到)(?P<who>[^，。；,]{2,60}?)(?:打来|发来)?的?(?P<how>来电|电话|短信|微信|消息|邮件|信息|便条|名片|转来|转交|送来)"
)
# 对方自称是某检察院…谯文斌 / 经核实为某派出所所长雷志坚 — who the caller or sender really is
_CLAIMED = re.compile("(?:经核实(?:，[^，。；]{0,12})?为|对方(?:自)?称(?:是|系)?|自称(?:是|系)?)(?P<who>[^，,。；！？“”\"]{2,50})")
# 来人喻思远，自称… / 来电人蔺骁: a story opening with the visitor's or caller's role and name
_ROLE_NAMED = re.compile(f"(?:^|[，,。；])(?:来人|来电人|来访人|来信人|过问人|发信人)(?P<name>{_NAME_RE.pattern})")
_LABEL_LINE = re.compile("^[^：:，。；]{1,8}[：:]")
# a staff member's record of a contact, told as a story: 过问记录, 情况说明, 工作日志
_REPORT_TITLE = re.compile("记录|登记|情况说明|情况报告|日志|过问")
# the form of contact a report's first sentence names (checked in order; in person when none)
NARRATIVE_FORMS = (("SMS_IM", ("短信", "微信", "邮件", "留言", "QQ")), ("PHONE", ("电话", "来电", "致电", "手机", "座机")),
                   ("OTHER", ("便条", "名片", "纸条")), ("DOCUMENT", ("转来", "转交", "批转", "签批", "另附")),
                   ("LETTER", ("寄来", "一封信", "来信")))


@dataclass(frozen=True)
class Narrative:
    """A report written by court staff about an intervention: who intervened and how, from its first sentence."""

    who: Identity
    how: str


def find_narrative(segments: Segments, unstructured: bool = False) -> Narrative | None:
    """The intervention a staff report tells of, when the letter is signed by its recorder (报告人/记录人 …)
    or, ``unstructured``, has no signature at all (a note of what happened)."""
    signature = (segments.signature or "").splitlines()
    closing = signature + (segments.body or "").splitlines()[-3:]  # 记录人：某 under the text, signed or not
    titled = _REPORT_TITLE.search((segments.header or "") + (segments.title or "")
                                  + "".join((segments.body or "").splitlines()[:1]))
    if not any(_RECORDER_LINE.match(line) for line in closing) and not (unstructured and not signature) and not titled:
        return None
    for line in (segments.body or "").splitlines()[:3]:
        received, claimed = _RECEIVED.search(line), _CLAIMED.search(line)
        told = parse_identity(claimed["who"]) if claimed else Identity()
        role = _ROLE_NAMED.search(line.strip())
        if role and told.name in (None, role["name"]):
            return Narrative(Identity(role["name"]).merged(told), line)
        if received:
            who = parse_identity(received["who"])
            if told.name or who.name:
                return Narrative(told if told.name else who.merged(told), received["how"])
        elif told.name:  # 接到来电，对方自称是…: the line tells how
            return Narrative(told, line[: claimed.start()])
        m = _NARRATIVE.match(line.strip())
        if m:
            who = parse_identity(m["who"])
            if who != Identity():
                return Narrative(who.merged(told), m["how"] + m["rest"])
    return None


def detect_form(layout: Layout, segments: Segments, narrative: Narrative | None = None, first_line: str = "") -> str:
    """Taxonomy §3 form of contact from the layout and the letter's parts (or the report's story); ``first_line`` is
    the text's first line, which names a note (便条, 名片) even when it is no part of the letter."""
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
    if any(_NOTE_TITLES.search(line) for line in [*first, first_line]):
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
    parts = [part for part in re.split("[-－—|｜/]", speaker.strip("（）()【】[] ")) if part]
    named = [part for part in parts if is_person_name(part)]
    if len(parts) > 1 and named:  # 审管办-詹慧 / 祝鹏程-市政协: a name beside a unit or a department
        others = "".join(part for part in parts if part != named[0])
        return Identity(named[0]).merged(Identity(unit=others if is_organ(others) else None))
    m = _NICK_NOTE.match(speaker)
    if m:
        inner = parse_identity(m["inner"])
        if inner != Identity():
            nick = parse_identity(m["nick"])
            return inner.merged(Identity(name=nick.name or m["nick"].strip()))
    who = parse_identity(speaker)
    return who if who.name else Identity(speaker, who.unit, who.position)


# 县长庞立新在…《…报告》上批示 / （中共宝鸡市委政法委员会书记戚鸿在…上的批示）: who wrote the 批示 or spoke
_DESCRIBED_INSTRUCTION = re.compile(
    "(?:^|[（(，。：:\n])(?P<who>[^，。；：:“”\"（）()\n]{2,40}?)(?:同志)?在[^，。；\n]{0,60}?上(?:的|作出|所作的)?(?:批示|讲话)"
)
# 备注：陈局即梅川县林业局副局长陈光明 — who a chat nickname is
_ALIAS = re.compile("(?:^|[：:，,\s])(?P<nick>[^：:，,。\s]{1,8})(?:即|就是|系|为)(?P<who>[^，,。；\n]{2,40})")
_SIGNED_MESSAGE = re.compile("[。！？!?…](?P<sig>[^。！？!?…“”\"，,]{4,40}?)[”\"]?$")


def _message_signature(body: str, who: Identity) -> Identity:
    """``who`` completed from a message signed at its end (``…谢谢！武宣县住房和城乡建设局局长阮国栋”``): a
    signature naming the same person (or anyone, when ``who`` has no name) gives the unit and post it spells out."""
    for line in body.splitlines():
        m = _SIGNED_MESSAGE.search(line)
        signed = parse_identity(m["sig"]) if m else Identity()
        if signed.name and (signed.unit or signed.position) and who.name in (None, signed.name):
            return signed.merged(who)
    return who


_CONTACT_TAIL = re.compile("(?:电话|手机|邮箱|传真|地址|Tel|TEL|E-?mail|email)[：:\\s]?.*$")


def _signature_block(body: str, who: Identity) -> Identity:
    """``who`` completed from a mail's signature block: the sender's name alone on a line, then their organ and post
    on the next lines (``柯文斌`` / ``安庆市中级人民法院研究室`` / ``副主任　电话…``)."""
    lines = [line.strip() for line in body.splitlines()]
    if not is_person_name(who.name or "") or who.name not in lines:
        return who
    start = lines.index(who.name) + 1
    block = []
    for line in lines[start: start + 3]:
        line = _CONTACT_TAIL.sub("", line).strip(_EDGE)
        if not line or line.startswith((">", "＞")) or len(line) > 30:
            break
        block.append(line)
    said = parse_identity("".join(block) + who.name) if block else Identity()
    return who.merged(said) if said.name == who.name else who


def _first_person(value: str) -> str:
    """The first of several people a record names (``皮建伟（自称在区委上班）、唐某某（被执行人）``)."""
    depth = 0
    for i, ch in enumerate(value):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
        elif depth == 0 and ch in "、；;":
            return value[:i]
    return value


# a letter's own line naming who applies or submits it (申请人（案外人）：…), read when no one signs
_APPLICANT_LINE = re.compile("^(?:申请人|提交人|具信人|来信人|反映人|发起人|答辩人|异议人)(?:[（(][^（）()]{1,8}[）)])?[：:](?P<who>.+)$", re.M)
_TRAILING_NOTE = re.compile("[（(][^（）()]*[）)]?$")


def _intervener(layout: Layout, segments: Segments, narrative: Narrative | None = None, text: str = "") -> Identity:
    """The sender/caller/signer, from the best source that names each part (see module docstring); ``text`` is the
    whole letter, searched for a note on who wrote a 批示 (``某某在…上的批示``)."""
    labels = layout.labels
    if narrative is not None and layout.kind != "record":
        return _mentioned(_noted(narrative.who, text), text)
    who = Identity()
    if layout.kind in ("record", "email"):
        who = parse_identity(_first_person(labels.get("name", "")))
        who = Identity(who.name, labels.get("unit") or who.unit, who.position).merged(
            parse_identity(labels.get("position", ""))
        ).merged(narrative.who if narrative is not None else Identity())  # a record told as a story
    elif layout.kind == "chat":
        if layout.speakers:
            who = _speaker_identity(layout.speakers[0])
            alias = next((m for m in _ALIAS.finditer(segments.body or "") if m["nick"] == layout.speakers[0]), None)
            who = parse_identity(alias["who"]).merged(who) if alias else who
    if layout.kind in ("chat", "email"):
        who = _message_signature(segments.body or "", who)
    if layout.kind == "email":
        who = _signature_block(segments.body or "", who)
    if layout.kind in ("chat", "email") and not is_person_name(who.name or ""):
        said = _CLAIMED.search(segments.body or "") or _INTRO.search(segments.body or "")
        told = parse_identity(said.group(1)) if said else Identity()
        if told.name:  # 老王 / 周局 / a mail address: the message says who is writing
            who = told.merged(Identity(None, who.unit, who.position))
    for line in (segments.signature or "").splitlines() if layout.kind != "record" else ():
        if not _RECORDER_LINE.match(line):  # the member of staff who wrote it down is not the intervener
            who = who.merged(parse_identity(line))
    kept = None
    if segments.header and layout.kind != "record":  # a record's header is the court that kept it
        header = segments.header.splitlines()[0]
        header = header[:-2] if header.endswith("文件") else header
        if is_organ(header) and who.unit and who.unit != header and header.endswith(who.unit):
            who = Identity(who.name, header, who.position)  # a signature broken across lines: 社会保 / 障局
        kept = header if who.unit is None and _REPORT_TITLE.search("".join(text.splitlines()[:3])) else None
        who = who.merged(Identity(unit=header if is_organ(header) else None))
    described = _DESCRIBED_INSTRUCTION.search(segments.body or "" if layout.kind == "record" else text)
    if described and layout.kind not in ("chat", "email"):
        said = parse_identity(described["who"])
        if said.name and who.name in (None, said.name):
            who = said.merged(who)
    who = _noted(who, text)
    if labels.get("contact"):
        who = who.merged(parse_identity(labels["contact"]))
    applicant = _APPLICANT_LINE.search(text) if layout.kind in ("letter", "unknown") and not who.unit else None
    if applicant:  # 申请人：浙江瓯正律师事务所 律师 凤嘉怡（被告…的委托诉讼代理人）: the lawyer or party who applies
        value = _first_person(applicant["who"])
        first = _TRAILING_NOTE.sub("", re.split("[，,]", value)[0])  # 天水市第一人民医院（被告），委托诉讼代理人 某
        noted = _NAME_NOTE.match(value)  # 邵启明（诸城市人民法院副院长，分管刑事审判）: the note says who
        said = (Identity(unit=first) if is_organ(first)
                else parse_identity(value if noted else _TRAILING_NOTE.sub("", value)))
        if who == Identity():
            who = said if said.name or said.unit else who
        elif said.name == who.name:  # signed 申请人：赖婉清 below; 赖婉清，广东岭越律师事务所律师 above
            who = who.merged(said)
        elif said.unit == first and who.name == first:  # 答辩人：某有限公司（盖章） read as a name
            who = said
    intro = _INTRO.search(segments.body or "")
    if intro and layout.kind in ("letter", "email", "unknown", "chat"):  # a 批示's body is someone else's petition
        who = who.merged(parse_identity(intro["id"]))
    if kept and who.name and who.unit == kept:  # 来电记录 under a court's name: the court kept it, the caller is named
        who = Identity(who.name, None, who.position)
    return _mentioned(who, text)


def _date(layout: Layout, segments: Segments, text: str, told: bool = False) -> str | None:
    """The letter's date: a record's time, else the 成文日期 (a year-less one placed nearest the text's latest full
    date); without either, the latest full date the text names (a note's 登记 date, a message's time stamp).
    ``told``: a member of staff tells of the contact, so the first date of the story is the contact's, not the
    later date the report was signed."""
    event = DATE_RE.search(segments.body or "") if told and "time" not in layout.labels else None
    written = layout.labels.get("time") or (event.group(0) if event else segments.date_text) or ""
    latest = latest_date(text)
    return parse_date(written) or parse_month_day(written, latest) or (None if written else latest)


# posts held only in a court: named without a unit, they are the receiving court's own staff
_COURT_POST = re.compile("院长|庭长|审判长|审判员|法官|执行员|书记员|法警|司法警察|人民陪审员|审判委员会|专职委员|^执行局")
_OWN_COURT = re.compile("^(?:本院|我院|院里|咱们院|咱院|贵院|你院)$")
_COURT_NAME = re.compile(
    "[\u4e00-\u9fff]{2,14}?(?:县|区|市|旗|州)(?:中级|第[一二三四五六七八九十]+)?人民法院|[\u4e00-\u9fff]{2,6}?省高级人民法院"
)
_COURT_LEAD = re.compile("^(?:.*?(?:接到|收到|来到|经查|核实|系|是|为|在|由|致|给))(?=[\u4e00-\u9fff]{2,}?(?:县|区|市|旗|州|省))")


def _own_court(unit: str | None, segments: Segments, text: str) -> str | None:
    """``本院`` / ``贵院`` (the receiving court itself) as the court's name when the letter names it (tidied by
    :func:`tidy_unit`), else as written."""
    if not unit or not _OWN_COURT.match(unit):
        return unit
    for part in (segments.header, segments.addressee, *text.splitlines()):
        m = _COURT_NAME.search(part or "")
        if m:
            return tidy_unit(_COURT_LEAD.sub("", m.group(0)))
    return unit


_OPEN_NOTE = re.compile("[（(](?:[^（）()]*|章|盖章|印章|公章)[）)]?$")  # …管理局（市处置…办公室 / …律师事务所（章
# a province or autonomous region before a city or county: 山西省太原市… / 湖北省荆南县… / 宁夏回族自治区沙湖县…
_PROVINCE_BEFORE_CITY = re.compile(
    "^(?:[\u4e00-\u9fff]{2,3}?省|[\u4e00-\u9fff]{2,6}?自治区)(?=[\u4e00-\u9fff]{2,5}?[市县](?![委长]))")
# words before the organ that say how the letter came to name it: 自称…, 署名…, 名片载明…, 邮件签名：…, 出示工作证：…,
# 退休前任…, 2019年调任…, 本案原告…, 监管人：钮建平（…; and a person's name with an open bracket: 巫国庆（…
_UNIT_LEAD_NOTE = re.compile(
    "^(?:(?:眼下|现在|目前|如今|现)?在(?=[\u4e00-\u9fff])"  # 眼下在市住建局 (干…副局长)
    "|.*?(?:自称(?:是|系)?|自述|自报|署名|载明|签名[：:]|工作证[：:]|退休前任|调任|原告|被告|债权人、|[：:])"
    "|(?:.*?[：:])?[\u4e00-\u9fff]{2,4}[（(])(?=[^（）()]*$)")
_SEAL_NOTES = ("章", "盖章", "印章", "公章")
_CLOSED_NOTE = re.compile("[（(](?P<note>[^（）()]{4,})[）)]$")  # …信访局（工作人员未报姓名）


def tidy_unit(unit: str | None) -> str | None:
    """``unit`` as the labelled sets write it: words before the organ that only say how the letter names it are
    dropped (``自称海口市秀英区委`` → ``海口市秀英区委``, ``巫国庆（韶关市人民政府`` → ``韶关市人民政府``,
    ``眼下在市住建局`` → ``市住建局``), a
    note after it, cut short by the line or the seal or not (``淮安市地方金融监督管理局（市处置…`` →
    ``淮安市地方金融监督管理局``, ``新蔡县信访局（工作人员未报姓名）`` → ``新蔡县信访局``), and so is a
    province before a city or county (``山西省太原市小店区人民检察院`` → ``太原市小店区人民检察院``). Each cut is made only when an organ's name is left."""
    if not unit:
        return unit
    while (lead := _UNIT_LEAD_NOTE.match(unit)) and lead.end() and is_organ(unit[lead.end():]):
        unit = unit[lead.end():]
    note = _OPEN_NOTE.search(unit)
    if note and (not note.group(0).endswith(("）", ")")) or note.group(0)[1:-1] in _SEAL_NOTES):
        unit = unit[: note.start()] if is_organ(unit[: note.start()]) else unit
    note = _CLOSED_NOTE.search(unit)
    if note and not is_organ(note.group("note")) and is_organ(unit[: note.start()]):
        unit = unit[: note.start()]
    return _PROVINCE_BEFORE_CITY.sub("", unit)


def extract_fields(layout: Layout, segments: Segments, text: str) -> Fields:
    """The taxonomy §4 fields of one letter from its layout, parts and full (cleaned) text."""
    narrative = find_narrative(segments, layout.kind == "unknown") if layout.kind in ("letter", "unknown") else None
    if layout.kind == "record" and not layout.labels.get("name"):  # 时间/地点/在场人员 above a paragraph telling it
        told = [line for line in (segments.body or "").splitlines() if not _LABEL_LINE.match(line)]
        narrative = find_narrative(Segments(body="\n".join(told)), unstructured=True)
    if layout.kind == "chat" and not layout.speakers:  # 微信过问记录 told as a story: 某某通过微信向…发送
        narrative = find_narrative(segments)
        narrative = Narrative(narrative.who, "微信") if narrative else None
    who = _intervener(layout, segments, narrative, text)
    if who.unit and who.position:  # 某检察院第一检察部 / 检察官助理 signed on two lines
        who = Identity(who.name, *_split_department(who.unit, who.position))
    if who.unit and _COURT_DEPARTMENT.match(who.unit) and _terminal_organ_end(who.unit) is None:
        who = Identity(who.name, "本院", who.position)  # 审管办-詹慧: a department of the receiving court
    court = _own_court("本院", segments, text) if who.position and not who.unit else None
    if court != "本院" and court and _COURT_POST.search(who.position or ""):  # 副院长钟海鹰: the receiving court's
        who = Identity(who.name, court, who.position)
    numbers = tuple(m.normalized for m in casenumber.find_all(text))
    case_name = _labelled_case_name(layout.labels.get("case", ""))
    for part in (layout.labels.get("case"), segments.title, segments.body, layout.labels.get("content"), text):
        case_name = case_name or find_case_name(part or "")
    return Fields(
        name=who.name,
        unit=_own_court(tidy_unit(who.unit), segments, text),  # 谈书涵（本院 → 本院 → the court's name
        position=who.position,
        case_number=numbers[0] if numbers else None,
        case_name=case_name,
        date=_date(layout, segments, text, narrative is not None or layout.kind == "record"),
        form=detect_form(layout, segments, None if layout.kind == "record" else narrative, text.split("\n", 1)[0]),
        case_numbers=numbers,
    )
