"""Post-OCR corrections: known confusions fixed where the pattern makes the answer certain, nothing else."""
from __future__ import annotations

import pytest

from ocr.correct import correct_text


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("建立记录丶通报和责任追究制度", "建立记录、通报和责任追究制度"),
        ("温法[2021]33号", "温法〔2021〕33号"),
        ("温法[2020】54号", "温法〔2020〕54号"),
        ("梅政函〔2024]87号", "梅政函〔2024〕87号"),
        ("梅政函（2024） 87号", "梅政函〔2024〕87号"),
        ("二O二一年六月二十三日", "二〇二一年六月二十三日"),
        ("二○二○年九月一日", "二〇二〇年九月一日"),
        ("2O24年6月19日", "2024年6月19日"),
        ("（2O21）豫O825民切123号", "（2021）豫0825民初123号"),
        ("（2024）豫0825执l234号", "（2024）豫0825执1234号"),
        ("焦作市中级人民法阮", "焦作市中级人民法院"),
        ("修武县人民政俯办公室", "修武县人民政府办公室"),
        ("关于落实《领导干部干预司法活动（记录、通报和责任追究规定）的实施细则》",
         "关于落实《领导干部干预司法活动〈记录、通报和责任追究规定〉的实施细则》"),
    ],
)
def test_known_confusions_are_corrected(read, meant):
    assert correct_text(read) == meant


@pytest.mark.parametrize(
    "text",
    [
        "案号为（2024）豫0825执1234号。",  # a correct case number keeps its parentheses
        "人民法官依法独立行使审判权",  # a real word one character away from 人民法院
        "市人民政治协商会议",
        "《中华人民共和国民事诉讼法（试行）》",  # real parentheses inside a title
        "共计2000年度经费，第1000号文件",
        "Room 1O1 and the OOO",  # Latin text is not touched outside dates and case numbers
    ],
)
def test_correct_text_is_left_alone(text):
    assert correct_text(text) == text


def test_corrections_keep_line_breaks_and_are_idempotent():
    text = "关于印发《温县人民法院关于落实（领导干部干预司法活动\n插手具体案件处理的记录丶通报和责任追究规定）的实施细则》\n温法[2021]\n33号"
    once = correct_text(text)
    assert once.count("\n") == text.count("\n")
    assert "〈领导干部" in once and "规定〉" in once
    assert correct_text(once) == once
