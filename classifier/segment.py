"""Split an OCR'd letter into its GB/T 9704 parts and read the record fields from them.

Four layouts are recognised, each by general cues rather than per-letter rules:

* **record** — a form written by court staff (电话记录, 来访记录): ``标签：值`` lines such as 来电时间, 来电人,
  职务, 内容, 记录人. The recorder becomes the signature; the caller is the intervener.
* **email** / **chat** — 发件人/主题 headers, or a 微信/短信 transcript of ``说话人：消息`` or
  ``说话人 时间`` lines.
* **instruction** — a 批示 (``王某某书记批示：……`` or ``请……处理。王某某 6月3日``), usually on a forwarded
  petition; the 批示's signer and date are the signature and date, the petition is part of the body.
* **letter** — 公文 and personal letters: 版头 (organ lines, ``…文件``), 发文字号, 标题, 主送 (``…：``),
  正文, 署名 and 成文日期 found backwards from the end, 附注 (联系人) and 版记 (抄送, 印发).

Segment texts are the cleaned lines of each part: page numbers and rules removed, OCR spaces next to
Chinese characters removed.
"""
from __future__ import annotations

import re

from classifier import tokens
from classifier.fields import (
    DATE_RE,
    MONTH_DAY_RE,
    Identity,
    Layout,
    extract_fields,
    is_organ,
    parse_identity,
)
from classifier.types import Fields, Segmentation, Segments

_HSPACE = "[ \t\u3000\xa0]"
_SPACE_NEAR_CJK = re.compile(f"(?<=[^\\x00-\\x7f]){_HSPACE}+|{_HSPACE}+(?=[^\\x00-\\x7f])")
_NOISE = re.compile(
    r"^(?:[—\-－–_~·\s]*(?:第\s*)?\d{1,3}\s*页?(?:\s*[/，,]?\s*共\s*\d+\s*页)?[—\-－–_~·\s]*"
    r"|[—\-－_=＝*★·\s]{3,}|[（(]?(?:印章|公章|盖章|签章|章)[）)]?)$"
)
_PRE_HEADER = re.compile(r"^(?:\d{6}|[绝机秘]密.*|特急|加急|份号.*|签发人.*)$")
DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{1,12}[〔\[【（(［]\s*(?:19|20)\d{2}\s*[〕\]】）)］]\s*第?\s*[A-Za-z]?\d{1,5}\s*号"
)
_TITLE_END = re.compile(
    "(?:函|请示|报告|意见|纪要|批示|批示件|通知|通报|说明|建议|建议书|决定|反映|求助信|申诉信|申诉书|申请书|来信|"
    "感谢信|公开信|意见书|记录|登记表|决议|批复|情况)$"
)
_SENTENCE = re.compile("[。！？；!?;]")
_ADDRESSEE = re.compile("^(?P<addr>(?:尊敬的|敬爱的)?[^，,、。；！？：:\\d]{1,32}?|[^。；！？：:\\d]{1,80}?(?=[：:]$))[：:](?P<rest>.*)$")
_ADDRESSEE_HINT = re.compile(
    "尊敬|敬爱|法院|院长|庭长|法官|同志|领导|先生|女士|书记|县长|市长|主任|局长|检察院|政府|贵院|你院|各位|审判长|执行局|委员会|各"
)
_NOT_ADDRESSEE = re.compile("^(?:抄送|抄报|附件|联系人|联系电话|电话|地址|主题|发件人|收件人|签发人|案号|时间|日期|事由)")
_BRACKETED_NOTE = re.compile("^[（(][^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*[）)]$")
_GREETING = re.compile("^(?:尊敬的|敬爱的|致)|[：:]$")
_CLOSING = re.compile("^(?:此致|敬礼|特此|此复|妥否|请函复|为盼|为荷|致以|顺祝|祝好|谢谢)")
_APPENDIX = re.compile("^[【\\[［][^】\\]］]{0,16}(?:登记|备注|说明|附注|核实|注)[】\\]］]")
_CC = re.compile("^(?:抄送|抄报)[：:]?")
_PRINTED = re.compile("日\\s*印发$|^印发[：:]")  # 版记: …办公室 2023年12月18日印发
_CONTACT = re.compile("^[（(]?(?:联系人|联系电话|电话|附注|此件)|^[（(](?:介质|存储介质|存储|注|备注)[：:]")
_CONTACT_WHO = re.compile("联系人[：:]?(?P<who>[^，,；;：:（）()\\d]+)")

_RECORD_LABELS = {
    "recorded_at": "记录时间",
    "time": "来电时间|来访时间|过问时间|通话时间|接待时间|谈话时间|接听时间|时间|日期",
    "name": "来电人姓名|来访人姓名|过问人姓名|来访人员|来电人自报|来电人自称|寄件人|送件人|来电人|来访人|来访者|过问人|来电者|发信人自述|发信人|发送人|姓名|来电|来人|被核查人|被谈话人|谈话对象",
    "position": "职务|职位|身份",
    "unit": "工作单位|所在单位|来电单位|来访单位|单位",
    "phone": "联系电话|来电号码|电话号码|发送号码",
    "case": "案号|涉及案件|所涉案件|相关案件|案件名称|案件|事项",
    "content": "来电内容|来访内容|过问内容|谈话内容|反映内容|主要内容|通话要点|通话摘要|通话内容|谈话要点|谈话摘要|内容|事由|情况",
    "recorder": "记录人签名|记录人|记录员|记录|接听|接听人|接待人员|接待人|接电话|接电人|接收人|受话人|报告人|登记人",
    "target": "被过问人",  # the member of staff who was asked: never the intervener
    "handling": "处理|处理情况|答复",
    "place": "谈话地点|接待地点|地点",
    "present": "在场人员|参加人员|在场人签字|在场人|在场",
    "channel": "过问方式|来电方式|方式",
}
_TEXT_KEYS = ("content", "handling", "case")  # labels whose value may run on over several paragraphs
_LABEL_KEY = {label: key for key, labels in _RECORD_LABELS.items() for label in labels.split("|")}
_LABEL_RE = re.compile(
    "(?:^|(?<=[\\s，,。；;]))(?P<label>" + "|".join(sorted(_LABEL_KEY, key=len, reverse=True)) + ")\\s*[：:]"
)
_EMAIL_LABELS = re.compile("^(?P<label>发件人|发送人|收件人|主题|发送时间|时间|日期)[：:](?P<value>.*)$")
_EMAIL_ADDRESS = re.compile(r"[<＜(（][^<>＜＞()（）]*@[^<>＜＞()（）]*[>＞)）]|[\w.+-]+@[\w.*-]+")
# 对方：老王（县委王书记）— the counterpart named at the top of a transcript
_COUNTERPART = re.compile("^(?:对方|联系人|发信人自述|发信人|发送人|来信人|发件人|对话人)[：:](?P<who>.+)$")
# 2024-03-12 09:15 老王：消息 — a stamped message on one line
_MEDIUM_NOTE = r"(?:[【\[]?(?:微信|短信|QQ|钉钉)[^：:\d]{0,16}?[）)】\]]\s*)?"  # 微信（截图附卷）1月22日 …
_STAMPED_LINE = re.compile(
    rf"^{_MEDIUM_NOTE}(?:(?:\d{{4}}[-/.年])?\d{{1,2}}[-/.月]\d{{1,2}}日?\s?)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s*"
    r"(?P<who>[^：:\d（(]{1,16}(?:[（(][^（）()：:]{2,40}[）)])?)[：:](?P<msg>.*)$"
)
# 1月22日 骆小婉（九江市浔阳区人民法院会计）：… — a dated message without a time names its speaker with a note
_DATED_LINE = re.compile(
    rf"^{_MEDIUM_NOTE}(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日\s?(?P<who>[\u4e00-\u9fff·]{{2,12}}[（(][^（）()：:]{{2,40}}[）)])[：:](?P<msg>.*)$"
)
_NOT_SPEAKER = re.compile(
    "存储介质|介质|截图|时间|日期|备注|说明|内容|地点|对方|记录|号码|回复|自述|来自|处理|发信|过问人|原文|附件|主题|案件|案号|登记|单位|情况"
)
_CHAT_TITLE = re.compile("(?:微信|短信|QQ|钉钉|微博).{0,8}(?:记录|截图|内容|登记)|聊天记录|^[【\\[](?:微信|短信|QQ|钉钉)")
_CHAT_STAMP = re.compile(
    r"^(?P<who>[^\d：:]{1,20}?)\s?[（(]?(?P<ts>(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s?)?\d{1,2}:\d{2}(?::\d{2})?)[）)]?$"
)
_CHAT_LINE = re.compile("^(?P<who>[\u4e00-\u9fffA-Za-z·（）()]{1,16})[：:](?P<msg>.+)$")
# 杭月梅（苏州市吴中区人大常委会主任）： — a speaker on a line of its own, the message below
_SPEAKER_LINE = re.compile("^(?P<who>[\u4e00-\u9fffA-Za-z·]{1,12}(?:[（(][^（）()]{2,40}[）)])?)[：:]$")
_SELF = re.compile("^(?:我|本人|自己)$|承办|书记员")
_NAME_DATE = ("(?P<name>[\u4e00-\u9fff]{2,12})(?P<date>(?:(?:19|20)\\d{2}年)?\\d{1,2}月\\d{1,2}[日号]"
              "|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十廿卅]{1,3}日|(?<![\\d.])\\d{1,2}\\.\\d{1,2}(?![\\d.]))")
# a 批示 quoted on one line and signed at its end: “刑庭：请阅。……郝建军 5月9日” / …谢谢！祝宏斌 9.21
_INSTRUCTION_INLINE = re.compile(f"^[“\"]?(?P<instr>.*[。！；，,]){_NAME_DATE}[”\"]?$")
_DOTTED_DATE = re.compile("^(?P<m>\\d{1,2})\\.(?P<d>\\d{1,2})$")


def _written_date(date: str | None) -> str | None:
    """A signer's date as the date parser reads it: ``9.21`` → ``9月21日``; others unchanged."""
    m = _DOTTED_DATE.match(date or "")
    return f"{m['m']}月{m['d']}日" if m else date


_INSTRUCTION_VERB = re.compile("请|阅|处理|办理|酌处|关注|研究|核实|落实|妥处")
_READ_ORDER = re.compile("阅(?:处|研|示|办|知)?[。，,；]|阅$|【批示件】")
_INSTRUCTION_LABEL = re.compile("^(?P<who>[^：:，。]{0,20}?)批示[：:](?P<instr>.*)$")


_SEAL_MARK = re.compile(r"\s*[（(](?:印章|公章|盖章|签章|章|印)[）)]\s*$")


def clean_lines(text: str) -> list[str]:
    """Non-empty lines of ``text`` with page numbers, rules and seal marks (a line of its own or after a
    signature: ``梅川县总工会（章）``) dropped, ends stripped."""
    lines = (_SEAL_MARK.sub("", line).strip() if not _NOISE.match(line.strip()) else "" for line in text.splitlines())
    return [line for line in lines if line]


def squeeze(line: str) -> str:
    """``line`` without the OCR spaces next to Chinese characters (spaces between Latin/digits kept)."""
    return re.sub(f"{_HSPACE}+", " ", _SPACE_NEAR_CJK.sub("", line)).strip()


def _join(lines: list[str]) -> str | None:
    return "\n".join(lines) or None


def _date_text(value: str) -> str:
    m = DATE_RE.search(value) or MONTH_DAY_RE.search(value)
    return m.group(0) if m else value


# --- records -------------------------------------------------------------------------------------
def _labelled(raw_lines: list[str]) -> tuple[list[tuple[str, str, str]], int]:
    """(key, label, value) for every ``标签：值`` in order, and the index of the first labelled line."""
    items: list[tuple[str, str, str]] = []
    first = len(raw_lines)
    paragraph_ended = False
    for i, line in enumerate(raw_lines):
        marks = list(_LABEL_RE.finditer(line))
        if not line.strip():
            # a blank line ends a short value already given (记录人：某 / 在场：某), not a text (内容：…)
            paragraph_ended = bool(items and items[-1][2] and items[-1][0] not in _TEXT_KEYS)
            continue
        if not marks or marks[0].start() > 0:
            if items and not paragraph_ended:  # continuation of the previous value
                key, label, value = items[-1]
                items[-1] = (key, label, f"{value}\n{squeeze(line)}".strip())
            continue
        paragraph_ended = False
        first = min(first, i)
        for j, m in enumerate(marks):
            end = marks[j + 1].start() if j + 1 < len(marks) else len(line)
            label = m["label"]
            items.append((_LABEL_KEY[label], label, squeeze(line[m.end(): end])))
    return items, first


def _record(raw_lines: list[str], lines: list[str]) -> tuple[Segments, Layout] | None:
    items, first = _labelled(raw_lines)
    keys = {key for key, _, _ in items}
    if len(keys & {"time", "name", "position", "unit", "content", "recorder", "case", "target", "place", "present"}) < 3:
        return None
    labels: dict[str, str] = {}
    for key, _, value in items:
        labels.setdefault(key, value)
    labels["case"] = "\n".join(value for key, _, value in items if key == "case")  # 案号： and 案件： lines
    pre = lines[:first]
    header = [line for line in pre if is_organ(line)]
    title = [line for line in pre if line not in header]
    labels["form_hint"] = " ".join([*title, *(label for _, label, _ in items)])
    if "time" not in labels and "recorded_at" in labels:
        labels["time"] = labels["recorded_at"]
    signature = [f"{label}：{value}" for key, label, value in items if key == "recorder"]
    segments = Segments(
        header=_join(header),
        title=_join(title),
        body=labels.get("content") or _join(lines[first:]),
        signature=_join(signature),
        date_text=_date_text(labels["time"]) if "time" in labels else None,
    )
    return segments, Layout("record", labels)


# --- e-mail and chat transcripts -------------------------------------------------------------------
def _email(lines: list[str]) -> tuple[Segments, Layout] | None:
    headers: dict[str, str] = {}
    body_start = 0
    for i, line in enumerate(lines[:8]):
        m = _EMAIL_LABELS.match(line)
        if m:
            headers.setdefault(m["label"], m["value"].strip())
            body_start = i + 1
    sender = headers.get("发件人") or headers.get("发送人")
    if not sender or len(headers) < 2:
        return None
    sender = _EMAIL_ADDRESS.sub("", sender).strip()
    rest = _letter_parts(lines[body_start:])
    time = headers.get("发送时间") or headers.get("时间") or headers.get("日期") or ""
    segments = Segments(
        title=headers.get("主题"),
        addressee=rest.addressee or headers.get("收件人"),
        body=rest.body,
        signature=rest.signature,
        date_text=_date_text(time) if time else rest.date_text,
    )
    return segments, Layout("email", {"name": sender, "time": time} if time else {"name": sender})


def _chat(lines: list[str]) -> tuple[Segments, Layout] | None:
    titled = any(_CHAT_TITLE.search(line[:24]) for line in lines[:3])  # a title, not a letter mentioning 微信截图
    stamps = [(i, _CHAT_STAMP.match(line) or _STAMPED_LINE.match(line) or _DATED_LINE.match(line)) for i, line in enumerate(lines)]
    stamps = [(i, m) for i, m in stamps if m and not _NOT_SPEAKER.search(m["who"])]
    if not titled and len(stamps) < 2:
        return None
    speakers: list[str] = []
    first_msg = stamps[0][0] if stamps else len(lines)
    counterpart = next((m["who"].strip() for m in map(_COUNTERPART.match, lines[:6]) if m), None)
    for i, line in enumerate(lines):
        m = (_CHAT_STAMP.match(line) or _STAMPED_LINE.match(line) or _DATED_LINE.match(line)
             or ((_CHAT_LINE.match(line) or _SPEAKER_LINE.match(line)) if titled else None))
        if m and not _NOT_SPEAKER.search(m["who"]):
            first_msg = min(first_msg, i)
            who = m["who"].strip().strip("【】[]“”\"")  # 【宁海涛】： / “山水一程”：
            if who not in speakers and not _SELF.search(who):
                speakers.append(who)
    if counterpart:
        speakers.insert(0, counterpart)
    if not speakers and not titled:
        return None
    if first_msg == len(lines):  # a titled transcript without named speakers (来自 135****0918): all under the title
        first_msg = 1
    dates = [DATE_RE.search(line) for line in lines]
    date = next((d.group(0) for d in dates if d), None)
    segments = Segments(
        title=_join(lines[:first_msg]),
        body=_join(lines[first_msg:]),
        date_text=date,
    )
    return segments, Layout("chat", {}, tuple(speakers))


# --- letters and 公文 ------------------------------------------------------------------------------
def _is_title(line: str) -> bool:
    return (line.startswith("关于") or bool(_TITLE_END.search(line))) and len(line) <= 60 and not _SENTENCE.search(line)


def _addressee(line: str) -> re.Match | None:
    m = _ADDRESSEE.match(line)
    if m and _ADDRESSEE_HINT.search(m["addr"]) and not _NOT_ADDRESSEE.match(m["addr"]):
        return m
    return None


def _signature_like(line: str) -> bool:
    """Whether ``line`` reads as a 署名 line: short, no sentence, not a greeting to the addressee, names someone."""
    if len(line) > 30 or _SENTENCE.search(line) or _CLOSING.match(line) or "，" in line or _GREETING.match(line):
        return False
    return parse_identity(line) != Identity()


def _head(lines: list[str]) -> tuple[list[str], str | None, list[str], int]:
    """Header lines, document number, title lines and the index where the rest starts."""
    i = 0
    while i < len(lines) and _PRE_HEADER.match(lines[i]):
        i += 1
    header: list[str] = []
    while i < len(lines) and len(header) < 3 and len(lines[i]) <= 30 and not lines[i].startswith("关于") and (
        not lines[i].endswith(("：", ":"))) and (
        lines[i].endswith("文件") or is_organ(lines[i])
    ) and not DOC_NUMBER_RE.search(lines[i]):
        header.append(lines[i])
        i += 1
    doc_number = None
    title: list[str] = []
    for j in range(i, min(i + 3, len(lines))):
        m = DOC_NUMBER_RE.match(lines[j])  # on a line of its own, perhaps with 签发人
        if m and re.fullmatch(r"\s*(?:签发人[：:]?.*)?", lines[j][m.end():]):
            if j > i and all(_is_title(line) for line in lines[i:j]):
                title = lines[i:j]  # 标题 above the 发文字号
            doc_number, i = re.sub(r"\s+", "", m.group(0)), j + 1
            break
    if title:
        return header, doc_number, title, i
    if i < len(lines) and _is_title(lines[i]) and not _addressee(lines[i]):
        title.append(lines[i])
        i += 1
        while (i < len(lines) and len(title) < 3 and not _TITLE_END.search(title[-1])
               and not _SENTENCE.search(lines[i]) and not _addressee(lines[i]) and len(lines[i]) <= 40):
            title.append(lines[i])
            i += 1
    return header, doc_number, title, i


def _split_addressee(lines: list[str]) -> tuple[str | None, list[str]]:
    """The 主送 line among the first three lines (``…：``) and the lines after it (text after the colon kept)."""
    for j, line in enumerate(lines[:3]):
        m = _addressee(line)
        if m:
            rest = m["rest"].strip()
            return m["addr"] + line[len(m["addr"])], ([rest] if rest else []) + lines[j + 1:]
    return None, lines


def _split_footer(lines: list[str]) -> tuple[list[str], str | None]:
    """Lines before the 版记 (抄送 / 印发) or a registry heading (【收件登记】) without 附注 lines (联系人, 电话, a bracketed note closing the letter such as
    ``（由门卫转交，2024年3月11日登记）``), and the 抄送 text."""
    end, cc = len(lines), None
    for j, line in enumerate(lines):
        if j > 0 and _APPENDIX.match(line):  # 【执行局登记】: what follows is the registry's note, not the letter
            end = j
            break
        if _CC.match(line) or _PRINTED.search(line):
            end = j
            cc = _join([x for x in lines[j:] if not _PRINTED.search(x)]) if _CC.match(line) else None
            break
    while end > 1 and _BRACKETED_NOTE.match(lines[end - 1]):
        end -= 1
    return [line for line in lines[:end] if not (_CONTACT.match(line) and len(line) < 60)], cc


def _split_tail(main: list[str]) -> tuple[int, list[str], str | None]:
    """Where the 署名 starts, its lines and the 成文日期 as written, searched backwards from the end."""
    date_text, sig_start, inline = None, len(main), []
    for j in range(len(main) - 1, max(-1, len(main) - 5), -1):
        m = DATE_RE.search(main[j]) or MONTH_DAY_RE.search(main[j])
        if (m and len(main[j]) - len(m.group(0)) <= 20 and not _SENTENCE.search(main[j])
                and not main[j][m.end():].strip()):
            date_text, sig_start = m.group(0), j
            inline = [main[j][: m.start()].strip()] if main[j][: m.start()].strip() else []  # 张三 2024年5月3日
            break
    k = sig_start
    while k > 0 and sig_start - k < 3 and _signature_like(main[k - 1]) and not (k >= 2 and main[k - 2] == "此致"):
        k -= 1
    signature = main[k:sig_start] + inline
    undated_after_prose = date_text is None and k > 0 and not (
        _CLOSING.match(main[k - 1]) or _SENTENCE.search(main[k - 1][-1:])
    )
    if signature and undated_after_prose:
        return sig_start, [], None  # short trailing lines of a paragraph, not a signature
    return k, signature, date_text


def _letter_parts(lines: list[str]) -> Segments:
    """Addressee, body, signature, date and 抄送 of a letter's lines after its header and title."""
    addressee, rest = _split_addressee(list(lines))
    main, cc = _split_footer(rest)
    k, signature, date_text = _split_tail(main)
    return Segments(addressee=addressee, body=_join(main[:k]), signature=_join(signature), date_text=date_text, cc=cc)


def _contact(lines: list[str]) -> dict[str, str]:
    """``{"contact": who}`` from the last 联系人 note (附注), or nothing."""
    for line in lines[::-1]:
        m = _CONTACT_WHO.search(line)
        if m:
            return {"contact": m["who"]}
    return {}


def _signed_below(lines: list[str], i: int) -> tuple[set[int], str | None, str | None]:
    """The signer and date written on the lines under a 批示 at ``i`` (``副县长　张某`` / ``2024.6.3``)."""
    used, signer, date = set(), None, None
    for j in range(i + 1, min(i + 3, len(lines))):
        d = DATE_RE.fullmatch(lines[j]) or MONTH_DAY_RE.fullmatch(lines[j])
        dated = DATE_RE.search(lines[j]) or MONTH_DAY_RE.search(lines[j])
        if d and date is None:
            used, date = used | {j}, d.group(0)
        elif signer is None and date is None and dated and not lines[j][dated.end():].strip() \
                and _signature_like(lines[j][: dated.start()].strip()):  # 刘建设　二〇二四年五月六日
            used, signer, date = used | {j}, lines[j][: dated.start()].strip(), dated.group(0)
        elif signer is None and date is None and _signature_like(lines[j]):
            used, signer = used | {j}, lines[j]
        else:
            break
    return used, signer, date


def _instruction_signer(label: str, signed: str | None) -> str:
    """Who wrote a 批示 from its label (``县长批示`` / ``刘局长批示`` / ``县委书记王某某批示``) and the name signed
    under or after it: a label without a full name takes the signed name (``县长`` + ``赵立新``)."""
    if not signed:
        return label
    said = parse_identity(label)
    if said.name and not said.name.endswith(said.position or "\0"):  # a full name, not 刘局长
        return label
    return f"{said.unit or ''}{said.position or ''}{signed}"


def _instruction(lines: list[str]) -> tuple[set[int], str, str | None, str] | None:
    """(indices of the 批示's lines, signer as written, date as written, instruction text), if any.

    A 批示 is a ``…批示：`` line, a line ending in its signer and date (``请……处理。王某某 6月3日``), or, among the
    first lines, a line asking someone to read (``请县法院阅处。`` / ``何院长阅，……``) signed and dated below.
    """
    for i, line in enumerate(lines):
        m = _INSTRUCTION_LABEL.match(line)
        if m:
            instr, end = m["instr"].strip("“”\"「」"), i  # 批示："请…阅。蒙家骏 3月5日"
            while not instr.strip() and end + 1 < min(i + 4, len(lines)) and not _signature_like(lines[end + 1]):
                end += 1  # 批示： with the instruction on the lines below it
                instr = lines[end]
            tail = re.search(f"(?<=[。！；，,]){_NAME_DATE}$", instr)
            instr = instr[: tail.start()] if tail else instr
            below, signed, date = _signed_below(lines, end)
            below |= set(range(i + 1, end + 1))
            date = _written_date(tail["date"]) if tail else date
            signer = _instruction_signer(m["who"], tail["name"] if tail else signed)
            return {i} | below, signer, date, instr
        m = _INSTRUCTION_INLINE.match(line)
        if m and _INSTRUCTION_VERB.search(m["instr"]) and parse_identity(m["name"]).name:
            return {i}, m["name"], _written_date(m["date"]), m["instr"].lstrip("“\"")
        if i < 4 and _READ_ORDER.search(line):
            below, signer, date = _signed_below(lines, i)
            if signer and date:
                return {i} | below, signer, date, re.sub("^【批示件】", "", line)
    return None


def _letter(lines: list[str]) -> tuple[Segments, Layout]:
    header, doc_number, title, start = _head(lines)
    parts = _letter_parts(lines[start:])
    found = _instruction(lines)
    labels = _contact(lines)
    if found:
        used, signer, date, instr = found
        material = [line for j, line in enumerate(lines[start:], start) if j not in used]
        forwarded = _letter_parts(material)
        body = [line for line in material if line != forwarded.addressee]
        segments = Segments(
            header=_join(header), doc_number=doc_number, title="".join(title) or None,
            addressee=forwarded.addressee, body=_join([instr, *body]), signature=signer or None, date_text=date,
        )
        return segments, Layout("instruction", labels)
    segments = Segments(
        header=_join(header), doc_number=doc_number, title="".join(title) or None, addressee=parts.addressee,
        body=parts.body, signature=parts.signature, date_text=parts.date_text, cc=parts.cc,
    )
    structured = any((header, doc_number, title, parts.addressee, parts.signature, parts.date_text))
    return segments, Layout("letter" if structured else "unknown", labels)


def _parts(text: str) -> tuple[Segments, Fields, str]:
    """Parts, record fields and the cleaned text of one letter."""
    raw_lines = clean_lines(text)
    lines = [squeeze(line) for line in raw_lines]
    clean = "\n".join(lines)
    segments, layout = _record(raw_lines, lines) or _email(lines) or _chat(lines) or _letter(lines)
    return segments, extract_fields(layout, segments, clean), clean


def segment(text: str) -> Segmentation:
    """Parts, record fields and jieba tokens of one letter's text (OCR output or plain text)."""
    segments, fields, clean = _parts(text)
    return Segmentation(segments=segments, fields=fields, tokens=tuple(tokens.tokenize(clean)))


def record_fields(text: str) -> Fields:
    """The record fields of :func:`segment` without its jieba tokens (which cost most of its time): for
    readers that want the fields only."""
    return _parts(text)[1]
