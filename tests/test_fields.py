"""Record fields of a letter: who intervened (never the court's own recorder), in which cases, when, how."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.bench import BENCH_FIELDS, field_matches
from classifier.fields import find_case_name, parse_date, parse_identity, Identity
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
    assert parse_identity("陈晓燕（自称系市委常委、宣传部部长赵某的爱人）") == Identity(
        "陈晓燕", None, "市委常委、宣传部部长赵某的爱人")
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
