"""Record fields of a letter: who intervened (never the court's own recorder), in which cases, when, how."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.bench import BENCH_FIELDS, field_matches
from classifier.fields import Identity, find_case_name, parse_date, parse_identity, tidy_unit
from classifier.segment import segment

TUNE_SET = Path(__file__).resolve().parents[1] / "classifier" / "data" / "tune_fields.jsonl"


def _who(text: str) -> tuple[str | None, str | None, str | None]:
    fields = segment(text).fields
    return fields.name, fields.unit, fields.position


def test_phone_record_names_the_caller_and_never_the_recorder() -> None:
    record = ("电话记录\n来电时间：2024年7月8日\n来电人：县政协副主席 邓丽华\n来电号码：139****2201\n"
              "内容：邓丽华询问梅川县百货大楼与梅川县供销社租赁合同纠纷一案的进展。\n记录人：苏敏（书记员）")
    fields = segment(record).fields
    assert (fields.name, fields.unit, fields.position) == ("邓丽华", "县政协", "副主席")
    assert fields.form == "PHONE" and fields.date == "2024-07-08"
    assert fields.case_name == "梅川县百货大楼与梅川县供销社租赁合同纠纷"


def test_staff_report_names_the_visitor_not_the_clerk_who_wrote_it() -> None:
    report = ("情况说明\n院监察室：\n　　2024年6月17日下午，本院立案庭法官助理齐某来到我办公室，为梅川县光明眼镜店"
              "与孙某某合同纠纷一案的被告说情。\n　　特此说明。\n说明人：黄婷（书记员）\n2024年6月17日")
    fields = segment(report).fields
    assert (fields.name, fields.unit, fields.position) == ("齐某", "本院", "立案庭法官助理")
    assert fields.form == "ORAL"
    assert fields.case_name == "梅川县光明眼镜店与孙某某合同纠纷"


def test_instruction_is_a_document_signed_by_its_writer_not_the_petitioner() -> None:
    text = ("县长批示：请县法院加大执行力度，依法保障群众权益。\n赵立新\n2024年6月30日\n"
            "尊敬的县长：\n    我叫刘大山，（2024）豫0826民初221号案件判决后一直没有执行。\n刘大山\n2024年6月1日")
    fields = segment(text).fields
    assert fields.form == "DOCUMENT"
    assert (fields.name, fields.position, fields.date) == ("赵立新", "县长", "2024-06-30")


def test_instruction_by_a_leader_called_by_surname_and_title() -> None:
    text = ("刘局长批示：转法院研究。\n刘建设　二〇二四年五月六日\n尊敬的刘局长：\n"
            "    梅川县顺达劳务公司与梅川县金桥建设公司建设工程分包合同纠纷一案至今未判。\n梅川县顺达劳务公司\n2024年4月20日")
    fields = segment(text).fields
    assert (fields.name, fields.position, fields.form, fields.date) == ("刘建设", "局长", "DOCUMENT", "2024-05-06")
    assert fields.case_name == "梅川县顺达劳务公司与梅川县金桥建设公司建设工程分包合同纠纷"


def test_unit_named_only_in_the_header_or_the_seal_line() -> None:
    header_only = ("梅川县住房和城乡建设局\n关于锦绣家园项目相关诉讼的函\n梅川县人民法院：\n"
                   "    购房户诉讼系列案件请中止审理。\n                （印章）\n          2024年4月3日")
    assert _who(header_only) == (None, "梅川县住房和城乡建设局", None)
    seal_line = ("梅川县人民法院：\n    农民工李某等十二人追索劳动报酬纠纷一案，请优先审理。\n梅川县总工会（章）\n2023年9月5日")
    assert _who(seal_line) == (None, "梅川县总工会", None)


def test_joined_posts_titles_after_names_and_relatives() -> None:
    assert parse_identity("梅川县农业农村局党组书记、局长　蒋文斌") == Identity("蒋文斌", "梅川县农业农村局", "党组书记、局长")
    assert parse_identity("张明副书记") == Identity("张明", None, "副书记")
    assert parse_identity("安平县民政局办公室主任董海燕") == Identity("董海燕", "安平县民政局", "办公室主任")
    assert parse_identity("湖阳市中级人民法院审判管理办公室主任周某") == Identity(
        "周某", "湖阳市中级人民法院", "审判管理办公室主任")
    # a relative holds no post through the leader; an aide's own post is 秘书/驾驶员 in the leader's organ
    assert parse_identity("陈晓燕（自称系市委常委、宣传部部长赵某的爱人）") == Identity("陈晓燕", None, None)
    assert parse_identity("梅川县委副书记陈某的驾驶员冯涛") == Identity("冯涛", "梅川县委", "驾驶员")
    assert parse_identity("王卫东同志") == Identity("王卫东", None, None)


def test_chinese_numeral_dates_including_yuanyue() -> None:
    assert parse_date("二〇二四年元月十八日") == "2024-01-18"
    letter = "梅川县人民法院：\n    请依法妥善处理。\n梅川县地方金融监督管理局\n局长　汪洋\n二〇二四年元月十八日"
    fields = segment(letter).fields
    assert (fields.name, fields.unit, fields.position, fields.date) == (
        "汪洋", "梅川县地方金融监督管理局", "局长", "2024-01-18")


def test_several_case_numbers_are_all_kept() -> None:
    text = ("致梅川县人民法院：\n    （2024）豫0825民初901号、902号、903号三案均涉及阳光小区业主，请合并审理。\n"
            "梅川县城关镇人民政府\n镇长　陶明\n2024年6月25日")
    fields = segment(text).fields
    assert fields.case_numbers == ("（2024）豫0825民初901号", "（2024）豫0825民初902号", "（2024）豫0825民初903号")
    assert (fields.name, fields.unit, fields.position) == ("陶明", "梅川县城关镇人民政府", "镇长")


@pytest.mark.parametrize("text,name", [
    ("请关注被告人张三涉嫌诈骗罪一案", "张三涉嫌诈骗罪"),
    ("是为南浔区农村商业银行股份有限公司申请执行南浔鑫源置业有限公司承揽合同纠纷一案",
     "南浔区农村商业银行股份有限公司申请执行南浔鑫源置业有限公司承揽合同纠纷"),
    ("邓丽华询问梅川县百货大楼与梅川县供销社租赁合同纠纷一案的进展", "梅川县百货大楼与梅川县供销社租赁合同纠纷"),
    ("我弟弟李强在你院有个交通事故责任纠纷的案子", None),
])
def test_case_names_start_at_the_parties(text: str, name: str | None) -> None:
    assert find_case_name(text) == name


def test_tune_set_scores_at_least_090_per_field() -> None:
    if not TUNE_SET.is_file():
        pytest.skip("tune set absent")
    records = [json.loads(line) for line in TUNE_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(records) >= 80
    extracted = [segment(r["text"]).fields for r in records]
    scores = {}
    for name in BENCH_FIELDS:
        truths = [r.get("form") if name == "form" else r["fields"].get(name) for r in records]
        scores[name] = sum(field_matches(name, t, f) for t, f in zip(truths, extracted)) / len(records)
    assert all(score >= 0.9 for score in scores.values()), scores


def test_free_form_record_labels_name_the_caller_not_the_clerk() -> None:
    record = ("电话过问记录\n时间：2025年5月8日 17:32\n来电：巩德全，自称永年区临洺关镇人民政府镇长\n接电话：刑庭审判员 邸颖\n"
              "事项：（2025）冀0408刑初152号被告人巫某寻衅滋事案\n内容：巩镇长请法院给他办个取保候审。\n记录人：邸颖")
    fields = segment(record).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == (
        "巩德全", "永年区临洺关镇人民政府", "镇长", "PHONE")


def test_record_post_value_is_kept_whole() -> None:
    record = ("过问案件情况登记表\n过问方式：电话\n过问时间：2024年5月21日\n过问人：唐宏伟\n"
              "单位：梅川县公安局    职务：刑侦大队大队长\n过问内容：唐宏伟来电要求变更强制措施。\n记录人：韩雪")
    assert _who(record) == ("唐宏伟", "梅川县公安局", "刑侦大队大队长")


def test_sms_label_words_are_not_speakers_and_the_signed_message_names_the_sender() -> None:
    sms = ("手机短信记录（接收手机：执行员工作手机，已截图存档）\n发送号码：139****6627\n发送时间：2024年12月28日 08:52\n"
           "短信内容：“贝法官你好，我是住建局阮国栋。那笔执行款请先发给华建劳务。谢谢！武宣县住房和城乡建设局局长阮国栋”\n"
           "2024年12月28日 09:10 同号码：“麻烦尽快。”")
    fields = segment(sms).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == (
        "阮国栋", "武宣县住房和城乡建设局", "局长", "SMS_IM")


def test_chat_nickname_is_resolved_from_a_note() -> None:
    chat = ("微信聊天记录（法官助理手机截图转录）\n陈局 2024-10-11 08:50\n小刘，那个案子原告是我亲戚，开庭时多照顾下。\n"
            "我 2024-10-11 09:02\n陈局，案件会依法审理。\n备注：陈局即梅川县林业局副局长陈光明")
    assert _who(chat) == ("陈光明", "梅川县林业局", "副局长")


def test_instruction_signer_described_in_a_note() -> None:
    text = ("关于陈某某等人故意伤害案的批示\n市中院党组：\n　　请中院抓紧审理，依法从严判处。\n戚鸿\n2025年2月14日\n"
            "（中共宝鸡市委政法委员会书记戚鸿在市政法委《舆情专报》第7期上的批示）")
    fields = segment(text).fields
    assert (fields.name, fields.unit, fields.position, fields.date) == (
        "戚鸿", "中共宝鸡市委政法委员会", "书记", "2025-02-14")


def test_instruction_written_under_its_label_is_signed_below() -> None:
    text = ("【领导批示件】\n批示：\n　　请市中院认真研究专家意见，慎重把握。\n　　中共盐城市委副书记　郎晓晖\n　　2024年10月30日\n"
            "（市委办公室转送，案号：（2024）苏09民申588号）")
    fields = segment(text).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == ("郎晓晖", "中共盐城市委", "副书记", "DOCUMENT")


def test_staff_story_of_a_call_names_who_the_caller_said_they_were() -> None:
    report = ("电话记录\n2025年3月14日14时05分，本院刑事审判庭审判员庹光明接到来电，对方自称是宜宾市叙州区人民检察院"
              "第二检察部副主任谯文斌。\n谯文斌称被告人是他表弟，请给办个取保。\n记录人：庹光明\n2025年3月14日")
    fields = segment(report).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == (
        "谯文斌", "宜宾市叙州区人民检察院", "第二检察部副主任", "PHONE")


def test_court_department_and_free_form_posts() -> None:
    assert parse_identity("晏洪亮，江西省赣州监狱五监区教导员") == Identity("晏洪亮", "江西省赣州监狱", "五监区教导员")
    assert parse_identity("南宁市公安局青秀分局刑侦大队民警") == Identity(None, "南宁市公安局青秀分局", "刑侦大队民警")
    record = ("佛山市禅城区人民法院\n当面过问记录\n时间：2024年8月6日上午\n过问人：伍家豪（民三庭庭长）\n"
              "被过问人：民三庭法官 詹晓彤\n伍家豪要求更换鉴定机构。\n记录人：詹晓彤")
    assert _who(record) == ("伍家豪", "佛山市禅城区人民法院", "民三庭庭长")


def test_a_name_followed_by_what_the_person_claims_keeps_the_name() -> None:
    assert parse_identity("闵浩然，自称（2025）鄂0106民初9012号原告闵某之子") == Identity("闵浩然", None, None)
    assert parse_identity("苟玉芬（手印）") == Identity("苟玉芬", None, None)
    assert parse_identity("杭立德，常州市人民政府副市长") == Identity("杭立德", "常州市人民政府", "副市长")
    assert parse_identity("荣晓辉（贵州省高级人民法院研究室干部，单位邮箱）") == Identity(
        "荣晓辉", "贵州省高级人民法院", "研究室干部")


def test_police_detachments_and_judicial_offices_are_units() -> None:
    assert parse_identity("商丘市公安局经济犯罪侦查支队副支队长") == Identity(
        None, "商丘市公安局经济犯罪侦查支队", "副支队长")
    assert parse_identity("确山县司法局竹沟司法所所长") == Identity(None, "确山县司法局竹沟司法所", "所长")


def test_a_letter_signed_with_a_nickname_is_identified_by_the_registry_note() -> None:
    letter = ("小姜：\n我退下来快三年了，本家侄子的案子在你手上，请多照顾。\n老牛　二〇二五年三月二日\n"
              "（写信人牛振邦系大连市甘井子区人民法院原副院长，2022年退休。）")
    assert _who(letter) == ("牛振邦", "大连市甘井子区人民法院", "原副院长")


def test_a_court_post_without_a_unit_belongs_to_the_receiving_court() -> None:
    report = ("南宁市青秀区人民法院\n情况报告\n院纪检组：\n2025年3月6日下午，院长田光辉打电话给民一庭庭长覃勇，"
              "称该案原告那边对承办法官有意见，要求换人。\n报告人：覃勇\n2025年3月7日")
    fields = segment(report).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == ("田光辉", "南宁市青秀区人民法院", "院长", "PHONE")


def test_a_sms_register_names_the_sender_line() -> None:
    text = ("短信过问登记（存储介质：执行员手机，截屏存档）\n发送人：羊海峰，三亚市城郊人民法院执行局局长\n"
            "2025年8月4日 07:48 \"小符，那家公司的账户先别冻。\"\n登记人：符晓东")
    fields = segment(text).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == (
        "羊海峰", "三亚市城郊人民法院", "执行局局长", "SMS_IM")


@pytest.mark.parametrize("text,name", [
    ("该起诉已于6月12日依法登记立案", None),
    ("请关注一下那起民间借贷纠纷一案", None),  # a cause alone names no case
    ("（2024）鲁0782民初3316号诸城市鸿泰建材有限公司与韩立新民间借贷纠纷一案", "诸城市鸿泰建材有限公司与韩立新民间借贷纠纷"),
])
def test_case_names_need_their_parties(text: str, name: str | None) -> None:
    assert find_case_name(text) == name


def test_record_case_line_gives_the_case_name() -> None:
    record = ("电话记录\n来电时间：2024年9月12日\n来电人：孟宪彬（本院副院长）\n案号：（2024）鲁0782民初3316号\n"
              "案件：诸城市鸿泰建材有限公司与韩立新民间借贷纠纷\n内容：询问审理进度。\n记录人：蒋丽华")
    assert segment(record).fields.case_name == "诸城市鸿泰建材有限公司与韩立新民间借贷纠纷"


def test_posts_inside_department_names_and_anonymised_departments() -> None:
    assert parse_identity("晋中市榆次区人民法院司法警察大队民警柴宏伟") == Identity(
        "柴宏伟", "晋中市榆次区人民法院", "司法警察大队民警")
    assert parse_identity("鄂尔多斯市公安局东胜区分局某派出所民警包国庆") == Identity(
        "包国庆", "鄂尔多斯市公安局东胜区分局", "民警")


def test_a_leaders_post_mentioned_by_someone_else_is_not_theirs() -> None:
    assert parse_identity("宫一鸣，自称其姑父为省里副省长") == Identity("宫一鸣", None, None)
    assert parse_identity("邝晓梅，称是帮区里一位局长问问") == Identity("邝晓梅", None, None)


def test_oral_record_without_a_visitor_label_reads_the_paragraph() -> None:
    record = ("东营市东营区人民法院\n内部人员过问案件当面记录\n时间：2025年9月10日下午3时许\n地点：执行局二楼办公室\n"
              "在场人员：执行法官 牛晓峰、书记员 甄浩\n记录人：宫雪\n"
              "本院刑事审判庭庭长单国梁进入办公室，将一个档案袋放在牛晓峰桌上，称袋内是被执行人的还款计划。")
    fields = segment(record).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == (
        "单国梁", "东营市东营区人民法院", "刑事审判庭庭长", "ORAL")


def test_registry_finding_names_a_caller_who_gave_a_nickname() -> None:
    record = ("电话记录（立案庭）\n2025年3月3日上午9:05，立案庭庭长办公室座机接到来电。接听人：立案庭副庭长 熊佩。\n"
              "来电人先自报“小邵，宏图商务咨询的”，称市委政法委刘书记让他转告。\n"
              "补记：经查，来电人为宏图商务咨询有限公司总经理邵家骏，系起诉人的堂弟。\n记录人：熊佩")
    assert _who(record) == ("邵家骏", "宏图商务咨询有限公司", "总经理")


def test_group_chat_speaker_with_a_department_prefix() -> None:
    chat = ("洛阳市洛龙区人民法院\n微信群聊天记录（截图）\n2025年6月3日 09:12 审管办-詹慧：这个案子下周前务必结案。\n"
            "2025年6月3日 09:20 民一庭-王磊：收到。\n备注：詹慧为洛阳市洛龙区人民法院审判管理办公室主任。")
    assert _who(chat) == ("詹慧", "洛阳市洛龙区人民法院", "审判管理办公室主任")


def test_a_staff_report_is_dated_by_the_contact_not_by_its_signature() -> None:
    report = ("电话过问记录\n2024年10月29日下午4时许，执行实施二庭法官麻建军接到黑龙江省高级人民法院执行局干部仉国华的电话。\n"
              "仉国华要求尽快终结本次执行。\n记录人：麻建军\n2024年10月30日")
    fields = segment(report).fields
    assert (fields.name, fields.unit, fields.position, fields.date, fields.form) == (
        "仉国华", "黑龙江省高级人民法院", "执行局干部", "2024-10-29", "PHONE")


def test_a_chat_nickname_is_resolved_by_a_quoted_note_far_below() -> None:
    chat = ("【微信截屏整理】存储介质：承办人手机\n3月2日 20:01 “青山不老”：小何，那个上诉案合议了吗？\n"
            "3月2日 20:05 何静（承办法官）：还没有。\n承办人注：“青山不老”为本院副院长邝明达微信昵称。\n"
            "记录人：何静\n梧州市中级人民法院")
    assert _who(chat) == ("邝明达", "梧州市中级人民法院", "副院长")


def test_a_registry_note_on_the_writer_completes_an_unsigned_post() -> None:
    letter = ("樊法官：\n您承办的那个案子，被告的父亲是我的老同事，请您多关照。\n钟离文博\n2025年3月1日\n"
              "（经查，写信人钟离文博为长沙市天心区人民检察院第二检察部检察官助理。）")
    assert _who(letter) == ("钟离文博", "长沙市天心区人民检察院", "第二检察部检察官助理")


def test_a_caller_identified_by_a_later_finding_not_by_what_they_called_themselves() -> None:
    record = ("电话记录\n来电时间：2025年6月1日\n接听人：民一庭 法官 祁悦\n\n来电人称“省院的小晏”，询问开庭时间。\n\n"
              "核实：经向政治部查询，来电人晏子豪系江苏省高级人民法院民事审判第一庭法官助理。\n记录人：祁悦")
    assert _who(record) == ("晏子豪", "江苏省高级人民法院", "民事审判第一庭法官助理")


def test_a_note_on_someone_else_does_not_replace_a_named_signer() -> None:
    letter = ("姚法官：\n我侄子的案子请多费心。\n市政协副主席 贝建平\n2025年5月2日\n备注：原告系贝建平的侄子。")
    assert _who(letter) == ("贝建平", "市政协", "副主席")


def test_a_paragraph_after_a_record_label_is_the_story_not_the_recorders_name() -> None:
    record = ("口头过问记录\n时间：2025年4月2日 15:00\n地点：执行局局长办公室\n在场人员：执行局局长 管某\n记录人：罗翠\n\n"
              "来人喻思远，自称中共宁乡市委办公室秘书，拿来一份材料请执行局参考。")
    fields = segment(record).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == ("喻思远", "中共宁乡市委办公室", "秘书", "ORAL")


def test_a_caller_named_after_the_role_word_inside_the_story() -> None:
    note = ("电话记录　2024年8月22日 20:10\n来电人甘宝成自称县委书记的岳父，打至家事庭法官手机，要求私下调解。")
    assert segment(note).fields.name == "甘宝成"


@pytest.mark.parametrize("name", ["欧阳建", "司马强", "钟离文博", "鲜于斌", "和建勇", "谌立平", "庹德明", "买买提·艾力"])
def test_rarer_surnames_compound_surnames_and_minority_names_are_names(name: str) -> None:
    assert parse_identity(f"{name}（签名）").name == name or parse_identity(name).name == name


def test_a_word_that_starts_with_a_rare_surname_is_not_a_name() -> None:
    assert parse_identity("宣教科").name is None
    assert parse_identity("和解").name is None


def test_posts_outside_the_fixed_list_and_a_companys_party_committee() -> None:
    assert parse_identity("安徽省高级人民法院审判管理处二级主任科员闵晓东") == Identity(
        "闵晓东", "安徽省高级人民法院", "审判管理处二级主任科员")
    assert parse_identity("威海市水务集团有限公司党委副书记、总经理宦永刚") == Identity(
        "宦永刚", "威海市水务集团有限公司", "党委副书记、总经理")
    assert parse_identity("厦门嘉禾供应链管理有限公司财务总监祁梦瑶") == Identity(
        "祁梦瑶", "厦门嘉禾供应链管理有限公司", "财务总监")


def test_an_unsigned_application_names_the_lawyer_or_the_organisation_that_applies() -> None:
    lawyer = "案号：(2025)浙0324民初2231号\n申请人：浙江瓯正律师事务所 律师 凤嘉怡（被告的委托诉讼代理人）\n申请事项：延期开庭"
    assert _who(lawyer) == ("凤嘉怡", "浙江瓯正律师事务所", "律师")
    party = "诉讼材料提交记录\n提交人：天水市第一人民医院（被告），委托诉讼代理人 宋志鹏\n材料：答辩状"
    assert _who(party) == (None, "天水市第一人民医院", None)


def test_a_numbered_registry_note_below_a_heading_identifies_the_signer() -> None:
    note = ("执行局 吴局长：\n那个案子分配的时候，麻烦照顾一下我叔伯兄弟。\n\n单于明\n1月17日\n\n【执行局登记】\n"
            "1. 单于明系本院副院长，不分管执行；\n2. 便条原件存档。\n登记人：执行局综合科 于丹　2025年1月20日\n"
            "（便条写在营口市站前区人民法院信笺上）")
    assert _who(note) == ("单于明", "营口市站前区人民法院", "副院长")


def test_the_court_that_kept_a_call_record_is_not_the_callers_unit() -> None:
    record = ("珠海市香洲区人民法院\n来电记录\n\n时间：2025年3月6日 17:45\n\n"
              "来电人称：“陈法官您好，我叫莫可欣，我爸爸是莫副市长。”请求私下见面。\n\n"
              "核实情况：来电人莫可欣系珠海市某副市长之女。\n记录人：刘沛")
    assert _who(record) == ("莫可欣", None, None)


def test_a_mail_signature_block_gives_the_senders_organ_and_post() -> None:
    mail = ("发件人：柯文斌 <kewb@example.cn>\n收件人：舒楠 <sn@example.cn>\n日期：2025年10月14日 17:58\n主题：材料\n\n"
            "舒法官：\n附件是朋友转给我的几份材料，你参考一下。\n——\n柯文斌\n安庆市中级人民法院研究室\n副主任　电话 0556-55*****")
    assert _who(mail) == ("柯文斌", "安庆市中级人民法院", "研究室副主任")


def test_a_signer_is_completed_from_where_the_letter_names_them_with_organ_and_post() -> None:
    text = ("【来信首页页眉手写批示】\n请执行局郑局长阅。能否考虑分期履行。\n单明远　6月3日\n"
            "【附：某机械制造有限公司致邹城市人民法院副院长单明远的信，共4页】")
    assert _who(text) == ("单明远", "邹城市人民法院", "副院长")


def test_a_quoted_instruction_signed_with_a_dotted_date() -> None:
    text = ("门卫转交物品登记\n名片背面手写：\n“项法官：持片人是我的老同学，他的官司在您手上，请您多关心，早点判下来。谢谢！祝宏斌 9.21”\n"
            "经核对，祝宏斌现任衢州市交通运输局局长。\n登记人：洪晓静　2025年9月22日")
    fields = segment(text).fields
    assert (fields.name, fields.unit, fields.position) == ("祝宏斌", "衢州市交通运输局", "局长")
    assert fields.date == "2025-09-21"


def test_the_whole_name_after_a_post_even_with_a_stop_character_or_a_wordlike_surname() -> None:
    assert parse_identity("宁远区政协副主席　苏景和") == Identity("苏景和", "宁远区政协", "副主席")
    assert parse_identity("邕北区教育局局长 计志鸿，由一名工作人员陪同") == Identity("计志鸿", "邕北区教育局", "局长")


def test_a_township_party_committee_is_the_unit_and_its_secretary_the_post() -> None:
    assert parse_identity("牛田镇党委书记巫海平") == Identity("巫海平", "牛田镇党委", "书记")
    assert parse_identity("城关街道党工委副书记 阮明") == Identity("阮明", "城关街道党工委", "副书记")


def test_a_one_paragraph_call_record_names_who_rang_not_who_took_the_call() -> None:
    rang = ("电话记录：2025年2月11日下午，漳州市中级人民法院立案庭法官助理苏振邦致电龙海区人民法院立案庭，称材料递过来先别急着立。"
            "记录人：立案庭 陈燕飞")
    fields = segment(rang).fields
    assert (fields.name, fields.unit, fields.position, fields.form) == (
        "苏振邦", "漳州市中级人民法院", "立案庭法官助理", "PHONE")
    took = ("来电记录\n\n2025年1月8日晚，执行法官 孟泽宇 个人手机接到来电。\n来电人称：“孟法官，我是仲凯。”\n"
            "说明：来电人仲凯为被执行人之子。\n记录人：孟泽宇")
    assert segment(took).fields.name == "仲凯"


def test_a_chat_speaker_written_with_a_note_on_who_they_are() -> None:
    chat = ("企业微信消息（存储介质：承办人工作电脑，已截图）\n"
            "3月31日 16:48 蒲海燕（重庆市第一中级人民法院审判管理处一级主任科员）：陈法官，那个案子能不能快点结？\n"
            "3月31日 17:02 陈立：按程序办理。")
    assert _who(chat) == ("蒲海燕", "重庆市第一中级人民法院", "审判管理处一级主任科员")


def test_a_dated_chat_message_without_a_time_names_its_speaker() -> None:
    text = ("【微信，存储介质：承办人手机，截图附卷】\n"
            "3月9日 石文涛（梅川县人民法院民二庭庭长）：小李，那个借款案子先别排期，等我跟分管院长说一下。\n"
            "承办人当即回复：排期按程序进行。")
    fields = segment(text).fields
    assert (fields.name, fields.unit, fields.position) == ("石文涛", "梅川县人民法院", "民二庭庭长")
    assert fields.form == "SMS_IM"


def test_a_medium_note_before_a_dated_message_on_the_same_line() -> None:
    text = ("短信（工作手机截图附卷）5月2日 尹红梅（梅川县人民法院档案员）：“王哥，那个执行案的款帮我表哥先发一下。”"
            "执行员王平回复：按方案发放。")
    assert _who(text) == ("尹红梅", "梅川县人民法院", "档案员")


def test_an_applicants_opening_line_gives_the_organ_and_post_of_the_signer() -> None:
    text = ("延期开庭申请书\n申请人：柯雨桐，安徽某某律师事务所律师，系本案被告的委托诉讼代理人。\n"
            "申请事项：请求将开庭延期。\n此致\n合肥市蜀山区人民法院\n申请人：柯雨桐\n2025年5月12日")
    assert _who(text) == ("柯雨桐", "安徽某某律师事务所", "律师")


def test_a_company_that_answers_a_claim_is_the_unit_not_a_name() -> None:
    text = ("答辩状\n答辩人：台州某塑料制品有限公司，住所地台州市黄岩区，法定代表人葛某某，总经理。\n"
            "答辩人就承揽合同纠纷一案提出答辩意见如下：请求驳回。\n此致\n临海市人民法院\n"
            "答辩人：台州某塑料制品有限公司（盖章）\n2025年3月28日")
    assert _who(text) == (None, "台州某塑料制品有限公司", None)


def test_a_note_cut_short_after_the_organ_is_not_part_of_the_unit() -> None:
    text = ("关于协助核查涉案资金的函\n梅川县人民法院：\n　　请贵院协助提供相关账户的冻结情况，以便开展处置工作。\n"
            "淮安市地方金融监督管理局（市处置非法集资工作领导小组办公室\n2025年3月3日")
    assert segment(text).fields.unit == "淮安市地方金融监督管理局"


def test_words_that_say_how_the_letter_names_the_organ_are_not_part_of_the_unit() -> None:
    phone = ("电话记录\n时间：2025年5月6日 9:30\n来电人：贝志勇（自述宁波甬江船舶修造有限公司办公室主任）\n"
             "接听人：北仑区人民法院民二庭 审判员 奚一鸣\n内容：贝志勇称区里张主任的意思，这个案子你们关照一下。\n记录人：奚一鸣")
    sms = ("天津市滨海新区人民法院\n短信过问登记\n发信人：邢国梁，署名天津滨海新区港湾物流协会秘书长\n"
           "时间：2025年3月31日 17:02\n内容：闫法官，判决书签发前先把稿子发给协会。\n登记人：闫晓娜")
    assert _who(phone)[1:] == ("宁波甬江船舶修造有限公司", "办公室主任")
    assert _who(sms)[1] == "天津滨海新区港湾物流协会"


@pytest.mark.parametrize(("written", "unit"), [
    ("自称海口市秀英区委", "海口市秀英区委"),
    ("巫国庆（韶关市人民政府", "韶关市人民政府"),
    ("伏明（自称中共当涂县委", "中共当涂县委"),
    ("邮件签名：四川省人民政府国有资产监督管理委员会", "四川省人民政府国有资产监督管理委员会"),
    ("退休前任宝丰县人大常委会", "宝丰县人大常委会"),
    ("新蔡县信访局（工作人员未报姓名）", "新蔡县信访局"),
    ("宁夏回族自治区沙湖县人民法院", "沙湖县人民法院"),
    ("湖北省荆南县人民法院", "荆南县人民法院"),
    ("贵阳市观山湖区投资（集团）有限公司", "贵阳市观山湖区投资（集团）有限公司"),
    ("宁夏回族自治区人大常委会", "宁夏回族自治区人大常委会"),
])
def test_a_unit_is_tidied_to_the_organs_name(written: str, unit: str) -> None:
    assert tidy_unit(written) == unit


def test_a_province_before_a_city_is_dropped_from_the_unit() -> None:
    text = ("关于调取卷宗材料的函\n梅川县人民法院：\n　　因办案需要，请协助调取有关卷宗材料复印件。\n"
            "山西省太原市小店区人民检察院\n2025年4月8日")
    assert segment(text).fields.unit == "太原市小店区人民检察院"


def test_a_registry_note_on_a_quoted_signature_names_the_whole_person() -> None:
    text = ("江院长：\n这份材料是一家企业送到我这儿的，请你们执行时注意方式方法，能缓则缓。\n明涛　6月5日\n\n"
            "登记备注：经核实，“明涛”为绵阳市中级人民法院副院长侯明涛。")
    assert _who(text) == ("侯明涛", "绵阳市中级人民法院", "副院长")
