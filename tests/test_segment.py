"""Letter segmentation and field extraction on realistic letters of every form."""
from __future__ import annotations

import pytest

from classifier.fields import find_case_name, parse_date, parse_identity, parse_month_day, Identity
from classifier.segment import record_fields, segment

RED_HEADER_HAN = """梅川县人民政府
梅政函〔2023〕87号
关于商请暂缓执行梅川县宏达机械有限公司与梅川农村
商业银行借款合同纠纷一案的函
梅川县人民法院：
    贵院正在执行的（2023）豫0825执1234号梅川县宏达机械有限公司与梅川农村商业银行借款合同纠纷一案，
被执行人系我县重点招商引资企业，现正处于转型关键期。为优化营商环境、维护社会稳定大局，
恳请贵院暂缓对该公司厂房及设备的查封和拍卖，给企业一定的化解期。
    特此函商，请予支持为盼。
梅川县人民政府
2023年12月18日
（联系人：县政府办 刘某某，电话：0391-8812345）
— 1 —
抄送：县委政法委，县工商联。
梅川县人民政府办公室　　　　2023年12月18日印发
"""

PHONE_RECORD = """梅川县人民法院
领导干部过问案件电话记录
来电时间：2024年5月6日上午10时20分
来电人：李某某        职务：某县副县长
联系电话：138 0000 1234
涉及案件：（2024）豫0825民初 567号 张某与王某民间借贷纠纷一案
来电内容：李某某称该案被告王某是其亲戚，希望承办法官在判决时考虑王某的实际困难，能调解尽量调解。
接听人：赵某某（民一庭法官助理）
记录人：赵某某    记录时间：2024年5月6日
"""

WECHAT = """微信聊天记录（承办法官孙某手机截图）
张局长 2024-03-12 09:15
孙法官你好，(2023)豫0825民初字第00891号那个案子，原告是我们局的老同志，麻烦你多关照一下。
我 2024-03-12 09:40
您好，案件正在依法审理中，请通过正当渠道反映。
张局长 2024-03-12 09:42
好的好的，开庭时间能不能往后推一推？
"""

PERSONAL = """尊敬的王院长：
    您好！我是梅川县城关镇居民张三，是（2024）豫0825民初1234号案件的原告。该案已经立案半年多
还没有开庭，我家里生活十分困难，恳请院长督促承办法官尽快开庭审理，早日判决。
    此致
敬礼！
张三
二〇二四年五月三日
"""

INSTRUCTION = """县委书记王某某批示：请县法院依法妥善处理，尽快给群众一个满意答复。
6月3日
尊敬的王书记：
    我是梅川县宏达机械有限公司职工李四，公司与梅川农村商业银行借款合同纠纷一案，法院要查封公司厂房，
几百名职工面临失业，请书记出面协调。
李四
2024年5月20日
"""

PROCURATORATE = """梅川县人民检察院
梅检民函〔2024〕5号
关于调阅（2023）豫0825民初567号案件卷宗的函
梅川县人民法院：
    我院在办理张某某申请民事诉讼监督一案中，需调阅你院审理的（2023）豫0825民初567号张某某与
刘某民间借贷纠纷一案的卷宗材料，请予协助。
    特此函告。
梅川县人民检察院
2024年4月2日
（联系人：检察官 周某某，电话：0391-8867890）
"""

MEETING_NOTICE = """梅川县人民政府办公室
关于召开全县优化营商环境工作推进会的通知
各乡镇人民政府，县直各单位，县人民法院：
    经县政府研究，定于2024年3月8日上午9时在县政府三楼会议室召开全县优化营商环境工作推进会。
请各单位主要负责同志准时参加。
    特此通知。
梅川县人民政府办公室
2024年3月1日
（联系人：刘某某，联系电话：0391-8812346）
"""

OCR_NOISE = """梅 川 县 人 民 代 表 大 会 常 务 委 员 会

梅人 大 函 〔 2024 〕 12 号

关 于 梅 川 县 鑫 源 房 地 产 开 发 有 限 公 司 与 某 某 建 筑
公 司 建 设 工 程 施 工 合 同 纠 纷 一 案 的 函

梅 川 县 人 民 法 院 ：

    据 县 人 大 代 表 反 映 ， 你 院 审 理 的 〔 2024 〕 豫 O825 民 切 第 0345 号 案 件 久 拖 未 决 ，
请 你 院 关 注 该 案 ， 尽 快 审 结 ， 并 将 处 理 结 果 函 告 我 委 。

— 2 —

梅 川 县 人 大 常 委 会
主 任   陈 某 某
二〇二四年七月十六日
"""

EMAIL = """发件人：李某某 <lmm@meichuan.gov.cn>
收件人：执行局 <zxj@mcfy.gov.cn>
发送时间：2024年8月2日 星期五 16:05
主题：关于宏达公司执行案件的情况说明
执行局各位领导：
    （2024）豫0825执恢88号案件的被执行人宏达公司目前资金紧张，请暂缓冻结其基本账户，县发改委将协调各方。
李某某
梅川县发展和改革委员会主任
"""

ORAL_RECORD = """来访记录
来访时间：二〇二四年九月二日下午3时
来访人：吴某某   工作单位：梅川县住建局   职务：副局长
联系电话：0391-8856789
地点：本院立案庭接待室   在场人员：刘某（立案庭庭长）、陈某（书记员）
来访内容：吴某某当面提出，希望法院对梅川县鑫源房地产开发有限公司诉梅川县住建局行政协议纠纷一案暂缓立案。
记录人：陈某
"""

INLINE_INSTRUCTION = """请县法院依法妥善处理。王某某 1月5日
梅川县委书记：
  我叫赵六，在（2023）豫0825执888号案件中是申请执行人，执行款两年了还没拿到。
赵六
2023年12月28日
"""


def _check(result, segments: dict, fields: dict) -> None:
    got_segments = result.to_dict()["segments"]
    for key, expected in segments.items():
        assert got_segments[key] == expected, key
    for key, expected in fields.items():
        assert getattr(result.fields, key) == expected, key


def test_red_header_han_with_document_number_contact_and_cc() -> None:
    result = segment(RED_HEADER_HAN)
    _check(result, {
        "header": "梅川县人民政府",
        "doc_number": "梅政函〔2023〕87号",
        "title": "关于商请暂缓执行梅川县宏达机械有限公司与梅川农村商业银行借款合同纠纷一案的函",
        "addressee": "梅川县人民法院：",
        "signature": "梅川县人民政府",
        "date_text": "2023年12月18日",
        "cc": "抄送：县委政法委，县工商联。",
    }, {
        "name": "刘某某", "unit": "梅川县人民政府", "position": None,
        "case_number": "（2023）豫0825执1234号",
        "case_name": "梅川县宏达机械有限公司与梅川农村商业银行借款合同纠纷",
        "date": "2023-12-18", "form": "LETTER",
    })
    body = result.segments.body
    assert body.startswith("贵院正在执行的") and body.endswith("特此函商，请予支持为盼。")
    assert "联系人" not in body and "— 1 —" not in body and "印发" not in body


def test_phone_record_names_the_caller_not_the_clerk() -> None:
    result = segment(PHONE_RECORD)
    _check(result, {
        "header": "梅川县人民法院",
        "title": "领导干部过问案件电话记录",
        "addressee": None,
        "body": "李某某称该案被告王某是其亲戚，希望承办法官在判决时考虑王某的实际困难，能调解尽量调解。",
        "signature": "接听人：赵某某（民一庭法官助理）\n记录人：赵某某",
        "date_text": "2024年5月6日",
    }, {
        "name": "李某某", "unit": "某县", "position": "副县长",
        "case_number": "（2024）豫0825民初567号", "case_name": "张某与王某民间借贷纠纷",
        "date": "2024-05-06", "form": "PHONE",
    })


def test_oral_visit_record_with_a_phone_number_stays_oral() -> None:
    result = segment(ORAL_RECORD)
    _check(result, {"title": "来访记录", "signature": "记录人：陈某", "date_text": "二〇二四年九月二日"}, {
        "name": "吴某某", "unit": "梅川县住建局", "position": "副局长", "case_number": None,
        "case_name": "梅川县鑫源房地产开发有限公司诉梅川县住建局行政协议纠纷",
        "date": "2024-09-02", "form": "ORAL",
    })


def test_wechat_transcript_takes_the_other_speaker() -> None:
    result = segment(WECHAT)
    _check(result, {"title": "微信聊天记录（承办法官孙某手机截图）", "addressee": None, "signature": None,
                    "date_text": "2024-03-12"}, {
        "name": "张局长", "unit": None, "position": "局长",
        "case_number": "（2023）豫0825民初891号",  # 2023 number written old-style
        "date": "2024-03-12", "form": "SMS_IM",
    })
    assert result.segments.body.startswith("张局长2024-03-12 09:15\n孙法官你好")


def test_email_is_sms_im_with_sender_identity() -> None:
    result = segment(EMAIL)
    _check(result, {"title": "关于宏达公司执行案件的情况说明", "addressee": "执行局各位领导：",
                    "signature": "李某某\n梅川县发展和改革委员会主任", "date_text": "2024年8月2日"}, {
        "name": "李某某", "unit": "梅川县发展和改革委员会", "position": "主任",
        "case_number": "（2024）豫0825执恢88号", "date": "2024-08-02", "form": "SMS_IM",
    })


def test_personal_letter_from_a_party() -> None:
    result = segment(PERSONAL)
    _check(result, {"header": None, "title": None, "addressee": "尊敬的王院长：", "signature": "张三",
                    "date_text": "二〇二四年五月三日"}, {
        "name": "张三", "unit": None, "position": None, "case_number": "（2024）豫0825民初1234号",
        "date": "2024-05-03", "form": "LETTER",
    })
    assert result.segments.body.endswith("此致\n敬礼！")


def test_instruction_on_a_forwarded_petition() -> None:
    result = segment(INSTRUCTION)
    _check(result, {"addressee": "尊敬的王书记：", "signature": "县委书记王某某", "date_text": "6月3日"}, {
        "name": "王某某", "unit": "县委", "position": "书记",
        "case_name": "公司与梅川农村商业银行借款合同纠纷",
        "date": "2024-06-03", "form": "DOCUMENT",
    })
    assert result.segments.body.startswith("请县法院依法妥善处理，尽快给群众一个满意答复。\n我是梅川县宏达机械")


def test_inline_instruction_year_comes_from_the_petition() -> None:
    result = segment(INLINE_INSTRUCTION)
    _check(result, {"signature": "王某某", "date_text": "1月5日", "addressee": "梅川县委书记："}, {
        "name": "王某某", "unit": None, "position": None,  # never the petitioner 赵六
        "case_number": "（2023）豫0825执888号", "date": "2024-01-05", "form": "DOCUMENT",
    })


def test_procuratorate_letter() -> None:
    result = segment(PROCURATORATE)
    _check(result, {
        "header": "梅川县人民检察院", "doc_number": "梅检民函〔2024〕5号",
        "title": "关于调阅（2023）豫0825民初567号案件卷宗的函", "addressee": "梅川县人民法院：",
        "signature": "梅川县人民检察院", "date_text": "2024年4月2日", "cc": None,
    }, {
        "name": "周某某", "unit": "梅川县人民检察院", "position": "检察官",
        "case_number": "（2023）豫0825民初567号", "case_name": "张某某与刘某民间借贷纠纷",
        "date": "2024-04-02", "form": "LETTER",
    })


def test_meeting_notice_is_a_document_with_many_addressees() -> None:
    result = segment(MEETING_NOTICE)
    _check(result, {
        "header": "梅川县人民政府办公室", "title": "关于召开全县优化营商环境工作推进会的通知",
        "addressee": "各乡镇人民政府，县直各单位，县人民法院：", "signature": "梅川县人民政府办公室",
        "date_text": "2024年3月1日",
    }, {
        "name": "刘某某", "unit": "梅川县人民政府办公室", "case_number": None, "case_name": None,
        "date": "2024-03-01", "form": "DOCUMENT",
    })


def test_ocr_noise_spaces_page_numbers_and_glyph_errors() -> None:
    result = segment(OCR_NOISE)
    _check(result, {
        "header": "梅川县人民代表大会常务委员会", "doc_number": "梅人大函〔2024〕12号",
        "title": "关于梅川县鑫源房地产开发有限公司与某某建筑公司建设工程施工合同纠纷一案的函",
        "addressee": "梅川县人民法院：", "signature": "梅川县人大常委会\n主任陈某某",
        "date_text": "二〇二四年七月十六日",
    }, {
        "name": "陈某某", "unit": "梅川县人大常委会", "position": "主任",
        "case_number": "（2024）豫0825民初345号",
        "case_name": "梅川县鑫源房地产开发有限公司与某某建筑公司建设工程施工合同纠纷",
        "date": "2024-07-16", "form": "LETTER",
    })
    assert "— 2 —" not in result.segments.body


def test_tokens_use_the_court_dictionary() -> None:
    words = segment(RED_HEADER_HAN).tokens
    assert "暂缓执行" in words and "人民政府" in words and "借款合同纠纷" in words
    assert " " not in words


def test_empty_and_shapeless_text() -> None:
    assert segment("").fields.form == "OTHER"
    shapeless = segment("执行款至今没有到位，生活困难")
    assert shapeless.fields.form == "OTHER" and shapeless.segments.body == "执行款至今没有到位，生活困难"


@pytest.mark.parametrize("text,iso", [
    ("2024年6月19日", "2024-06-19"), ("二〇二四年六月十九日", "2024-06-19"), ("二零二三年十二月三十一日", "2023-12-31"),
    ("二〇二四年十月二十三日", "2024-10-23"), ("2024-03-12 09:15", "2024-03-12"), ("2024年 2月 30日", None),
    ("二〇二四年十三月一日", None), ("6月3日", None),
])
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_year_less_dates_take_the_year_nearest_the_reference() -> None:
    assert parse_month_day("6月3日", "2024-05-20") == "2024-06-03"
    assert parse_month_day("一月五日", "2023-12-28") == "2024-01-05"
    assert parse_month_day("5月8日", "2025-05-09") == "2025-05-08"  # a note registered the next day
    assert parse_month_day("6月3日", None) is None


@pytest.mark.parametrize("text,identity", [
    ("梅川县人民政府副县长张某某", Identity("张某某", "梅川县人民政府", "副县长")),
    ("县长 张某某", Identity("张某某", None, "县长")),
    ("李某某（县发改委主任）", Identity("李某某", "县发改委", "主任")),
    ("具信人：张三", Identity("张三", None, None)),
    ("梅川县人民检察院", Identity(None, "梅川县人民检察院", None)),
    ("县政府办 刘某某", Identity("刘某某", "县政府办", None)),
    ("原县委书记王某", Identity("王某", "县委", "原书记")),
    ("梅川县人民代表大会常务委员会", Identity(None, "梅川县人民代表大会常务委员会", None)),
])
def test_parse_identity(text: str, identity: Identity) -> None:
    assert parse_identity(text) == identity


def test_case_name_prefers_the_one_after_a_case_number() -> None:
    text = "我院在办理王某申请监督一案中，需调阅（2023）豫0825民初5号甲公司与乙银行借款合同纠纷一案卷宗"
    assert find_case_name(text) == "甲公司与乙银行借款合同纠纷"
    assert find_case_name("请关注张三涉嫌诈骗罪一案") == "张三涉嫌诈骗罪"
    assert find_case_name("本案正在审理中") is None


def test_record_fields_are_the_fields_of_segment() -> None:
    """The model's readers take the fields without the tokens; they must see what the desk shows."""
    for letter in (RED_HEADER_HAN, PHONE_RECORD, WECHAT, PERSONAL, INSTRUCTION, PROCURATORATE, MEETING_NOTICE, OCR_NOISE):
        assert record_fields(letter) == segment(letter).fields


def test_record_channel_label_decides_the_form() -> None:
    record = "过问情况登记\n过问时间：2024年10月8日\n过问人：郑某某\n职务：副主任\n过问方式：微信语音\n内容：询问案件进展。\n记录人：何某"
    fields = segment(record).fields
    assert (fields.form, fields.name, fields.position, fields.date) == ("SMS_IM", "郑某某", "副主任", "2024-10-08")


@pytest.mark.parametrize("text,identity", [
    ("江州市人民检察院第六检察部检察官邹新红", Identity("邹新红", "江州市人民检察院", "第六检察部检察官")),
    ("王强（自称系县委刘书记的秘书）", Identity("王强", "县委", "秘书")),
    ("王芳（自称系县委刘书记的女儿）", Identity("王芳", None, None)),
    ("云阳区人大常委会原主任（已退休）邓建", Identity("邓建", "云阳区人大常委会", "原主任")),
    ("江州市鑫源律师事务所", Identity(None, "江州市鑫源律师事务所", None)),
    ("我是德清县公安局的魏建丽", Identity("魏建丽", "德清县公安局", None)),
])
def test_parse_identity_keeps_posts_departments_and_relations_apart(text: str, identity: Identity) -> None:
    assert parse_identity(text) == identity


def test_a_staff_report_names_the_intervener_not_the_reporting_judge() -> None:
    report = ("情况报告\n院党组：\n　　2024年6月3日下午，梅川县人大常委会副主任陈某某给我打来电话。\n"
              "　　陈某某称（2024）豫0825执88号案件的被执行人是他朋友，要求暂缓执行。\n　　特此报告。\n"
              "　　　　报告人：李某（承办法官）\n　　　　2024年6月3日")
    fields = segment(report).fields
    assert (fields.name, fields.unit, fields.position) == ("陈某某", "梅川县人大常委会", "副主任")
    assert (fields.form, fields.date) == ("PHONE", "2024-06-03")


def test_transcripts_and_message_records_name_the_counterpart() -> None:
    chat = ("微信聊天记录（截图转录）\n存储介质：张法官工作手机微信，截图已刻录光盘存档\n"
            "对方：老郝（湖阳市中级人民法院副院长郝某某）\n2025-04-21 11:09 老郝：说说那个案子。\n"
            "2025-04-21 11:35 张某：收到。")
    fields = segment(chat).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == ("郝某某", "湖阳市中级人民法院", "副院长", "SMS_IM")
    sms = "短信记录\n发信人：郑丽荣（本院办公室科员）\n接收人：万某\n时间：2023-11-26 20:45\n内容：请关照。"
    fields = segment(sms).fields
    assert (fields.name, fields.position, fields.form, fields.date) == ("郑丽荣", "办公室科员", "SMS_IM", "2023-11-26")


def test_own_court_is_named_when_the_letter_names_it() -> None:
    record = ("梅川县人民法院\n当面过问情况记录\n时间：2024年4月2日\n地点：本院审判楼五楼\n"
              "过问人：本院副院长周建平\n在场人员：刘敏、陈晨\n过问内容：让承办法官把握一下。")
    fields = segment(record).fields
    assert (fields.unit, fields.position, fields.form) == ("梅川县人民法院", "副院长", "ORAL")


def test_a_note_without_its_own_date_takes_the_registration_date() -> None:
    note = "名片背面手写：\n王法官，请关照一下宏达公司。\n（由门卫转交，2022年12月19日登记）"
    assert segment(note).fields.date == "2022-12-19"
