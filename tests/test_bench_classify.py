"""``classifier.bench``: the figures ``letterdesk bench classify FILE.jsonl`` prints for a labelled file."""
from __future__ import annotations

import json

import pytest

from classifier import bench, model
from classifier.types import Fields
from letterdesk.errors import ConfigurationError, InvalidRequest
from tests.test_classifier_model import COUNTY_LETTER, MEETING_NOTICE, PARTY_LETTER, SECRETARY_CALL

EMPTY_FIELDS = dict.fromkeys(("name", "unit", "position", "case_number", "case_name", "date"))


def _record(rid: str, text: str, itype: str, sr=(), form="LETTER", **fields) -> dict:
    return {"id": rid, "form": form, "text": text, "intervener_type": itype, "special_report": list(sr),
            "internal_behaviours": [], "fields": {**EMPTY_FIELDS, **fields}}


@pytest.fixture(scope="module")
def clf(model_dir) -> model.LetterClassifier:
    return model.load(model_dir)


@pytest.fixture
def labelled(tmp_path):
    records = [
        _record("a", COUNTY_LETTER, "EXT_ORG", ("SR07", "SR10"), unit="桃江县人民政府",
                case_number="(2024)湘0922执字第818号", date="2024-05-08"),
        _record("b", MEETING_NOTICE, "NOT_INTERVENTION", unit="中共桃江县委政法委员会", date="2024-03-05"),
        _record("c", PARTY_LETTER, "PARTY_RELATED", name="张国强", date="2024-03-20",
                case_number="（2023）湘0922民初1520号"),
        # deliberately labelled wrong: the model cannot agree, so accuracy must fall below 1
        _record("d", SECRETARY_CALL, "INT_COURT_STAFF", ("SR03",), form="PHONE", name="赵磊"),
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "\n", encoding="utf-8")
    return path


def test_bench_reports_types_codes_fields_confidence_and_calibration(clf, labelled):
    result = bench.run(labelled, clf, threshold=0.6)
    predictions = [clf.predict(t) for t in (COUNTY_LETTER, MEETING_NOTICE, PARTY_LETTER, SECRETARY_CALL)]
    truth = ["EXT_ORG", "NOT_INTERVENTION", "PARTY_RELATED", "INT_COURT_STAFF"]
    agree = [p.intervener_type.code == t for p, t in zip(predictions, truth)]
    assert result.n == 4 and result.type_accuracy == pytest.approx(sum(agree) / 4)
    assert not agree[3] and result.type_accuracy < 1.0  # letter d is mislabelled on purpose
    assert sum(map(sum, result.confusion)) == 4
    staff = result.type_codes.index("INT_COURT_STAFF")
    assert sum(result.confusion[staff]) == 1 and result.confusion[staff][staff] == 0
    assert {s.code: s.support for s in result.per_type}["EXT_ORG"] == 1
    assert {s.code: s.support for s in result.per_code}["SR10"] == 1

    assert sum(b.n for b in result.reliability) == 4
    assert sum(b.n for b in result.sr_reliability) == 4 * 15
    confident = [p for p in predictions if p.intervener_type.probability >= 0.6]
    assert result.confident_share == pytest.approx(len(confident) / 4)

    # fields: the case number written 字第 and half-width matches once normalised; dates compare as dates
    assert result.field_filled == {"name": 2, "unit": 2, "position": 0, "case_number": 2, "case_name": 0,
                                   "date": 3, "form": 4}
    assert 0.0 <= min(result.field_accuracy.values()) and max(result.field_accuracy.values()) <= 1.0

    lines = result.lines()
    assert lines[-1].startswith("SUMMARY classify: n=4 ") and "type_macro_f1=" in lines[-1]
    text = "\n".join(lines)
    for heading in ("混淆矩阵", "特别报告事项：微F1", "字段完全一致率", "可靠性", "模型有把握"):
        assert heading in text


@pytest.mark.parametrize(("name", "truth", "fields", "expected"), [
    ("case_number", "(2024)湘0922执字第0818号", Fields(case_number="（2024）湘0922执818号"), True),
    ("case_number", "（2024）湘0922执818号", Fields(case_number="（2024）湘0922执819号"), False),
    ("case_number", "（2021）粤0111民初30063、30062号",
     Fields(case_number="（2021）粤0111民初30062号", case_numbers=("（2021）粤0111民初30062号", "（2021）粤0111民初30063号")), True),
    ("case_number", "（2021）粤0111民初30063、30062号", Fields(case_number="（2021）粤0111民初30063号",
                                                          case_numbers=("（2021）粤0111民初30063号",)), False),
    ("case_number", None, Fields(), True),
    ("case_number", None, Fields(case_number="（2024）湘0922执818号"), False),
    ("date", "2024-05-08", Fields(date="2024-05-08"), True),
    ("date", "二〇二四年五月八日", Fields(date="2024-05-08"), True),
    ("date", "2024-05-08", Fields(date="2024-05-09"), False),
    ("name", "张 国强", Fields(name="张国强"), True),
    ("unit", "桃江县人民政府", Fields(unit="桃江县人民法院"), False),
    ("form", "PHONE", Fields(form="PHONE"), True),
])
def test_field_comparison(name, truth, fields, expected):
    assert bench.field_matches(name, truth, fields) is expected


def test_bad_files_are_refused_with_a_reason(tmp_path):
    with pytest.raises(ConfigurationError):
        bench.load_labelled(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "intervener_type": "NO_SUCH"}\n', encoding="utf-8")
    with pytest.raises(InvalidRequest):
        bench.load_labelled(bad)
