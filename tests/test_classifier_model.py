"""The scikit-learn letter classifier and its generated training corpus.

One model is trained per module on 80 % of the committed corpus (a few seconds); the rest is the held-out set.
"""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sklearn.model_selection import train_test_split

from classifier import corpus, explain, features, model
from classifier.taxonomy import FORMS, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, SPECIAL_REPORT, scope_of
from letterdesk.errors import ConfigurationError, InvalidRequest

RECORD_KEYS = {"id", "form", "text", "intervener_type", "special_report", "internal_behaviours", "fields"}
FIELD_KEYS = {"name", "unit", "position", "case_number", "case_name", "date"}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """The generated corpus alone (the hand-written letters are checked with the dev set's rules)."""
    return model.load_corpus(model.DEFAULT_CORPUS)


@pytest.fixture(scope="module")
def split(records):
    return train_test_split(records, test_size=0.2, random_state=0, stratify=[r["intervener_type"] for r in records])


@pytest.fixture(scope="module")
def clf(split) -> model.LetterClassifier:
    return model.train(split[0], seed=0)


# ------------------------------------------------------------------------------------------------ corpus
def test_committed_corpus_is_what_the_generator_makes(records):
    assert 2500 <= len(records) <= 3500
    assert records == corpus.generate(len(records), seed=7), "regenerate: python -m classifier.corpus --n 3000 --seed 7"


def test_generator_is_deterministic_for_a_seed():
    assert corpus.generate(150, seed=3) == corpus.generate(150, seed=3)
    assert corpus.generate(150, seed=3) != corpus.generate(150, seed=4)


def test_corpus_schema_and_labels_follow_the_taxonomy(records):
    for r in records:
        assert set(r) == RECORD_KEYS and set(r["fields"]) == FIELD_KEYS
        assert r["form"] in FORMS and r["intervener_type"] in INTERVENER_TYPES and r["text"].strip()
        assert set(r["special_report"]) <= set(SPECIAL_REPORT) and set(r["internal_behaviours"]) <= set(INTERNAL_BEHAVIOURS)
        scope = scope_of(r["intervener_type"])
        if scope == "neither":
            assert not r["special_report"] and not r["internal_behaviours"], r["id"]
        if scope != "internal":
            assert not r["internal_behaviours"], r["id"]
        date.fromisoformat(r["fields"]["date"])
        if r["fields"]["case_number"]:
            assert re.fullmatch(r"（\d{4}）\S+号(之[一二三])?", r["fields"]["case_number"]), r["fields"]["case_number"]
    assert len({r["id"] for r in records}) == len(records)


def test_corpus_covers_every_code_and_form_many_times(records):
    counts = corpus.coverage(records)
    for group in ("types", "special_report", "internal_behaviours"):
        assert min(counts[group].values()) >= 40, (group, counts[group])
    assert all(counts["forms"][f] > 0 for f in FORMS if f != "OTHER") and counts["forms"]["OTHER"] >= 40
    pairs = {(r["intervener_type"], r["form"]) for r in records}
    assert {t for t, _ in pairs} == set(INTERVENER_TYPES)
    assert all(len({f for t2, f in pairs if t2 == t}) >= 2 for t in INTERVENER_TYPES)


def test_case_number_field_is_canonical_while_the_text_varies(records):
    written_differently = [r for r in records if r["fields"]["case_number"] and r["fields"]["case_number"] not in r["text"]]
    assert len(written_differently) > 100  # half-width brackets, 〔〕, spaces, 第, Chinese-numeral years ...
    assert not any("〔" in (r["fields"]["case_number"] or "") for r in records)


# ------------------------------------------------------------------------------------------------ model
def test_held_out_scores(clf, split):
    scores = model.evaluate(clf, split[1])
    print("held-out:", json.dumps(scores))
    assert scores["type_macro_f1"] >= 0.85
    assert scores["sr_micro_f1"] >= 0.7
    assert scores["ib_micro_f1"] >= 0.7
    # the fields it reads: the learned reader on held-out generated letters, better than the rules alone
    rules_only = model.LetterClassifier(clf.pipeline, clf.sr_heads, clf.ib_heads, clf.thresholds, clf.info,
                                        clf.code_columns)
    assert scores["fields_exact"] > model.evaluate(rules_only, split[1])["fields_exact"]


def test_training_records_its_own_figures(clf, split):
    info = clf.info
    assert info.version == model.UNSAVED and info.n_train == len(split[0]) and info.sha256 == ""
    assert info.metrics["train_seconds"] < 60
    assert set(info.metrics["type_counts"]) == set(INTERVENER_TYPES)


COUNTY_LETTER = """桃江县人民政府
桃政函〔2024〕15号
关于商请对华茂纸业公司案件暂缓执行的函
桃江县人民法院：
　　你院正在执行的桃江县农村商业银行与桃江华茂纸业有限公司金融借款合同纠纷一案（（2024）湘0922执818号），
华茂纸业系我县招商引资重点企业，职工四百余人。如查封其生产线，企业将全面停产。
　　恳请你院从稳定大局出发，暂缓执行，给企业六个月的化解期，暂不查封其厂房设备。
　　特此函告。
　　　　　　　　　　桃江县人民政府
　　　　　　　　　　2024年5月8日
抄送：县委政法委。"""

VICE_PRESIDENT = """当面过问情况记录
时间：2024年4月2日下午3时
地点：本院审判楼五楼副院长办公室
过问人：本院副院长周建平
在场人员：承办法官刘敏、书记员陈晨
过问内容：周建平副院长把承办法官叫到办公室，谈到（2023）湘0922民初1520号案件，说被告是他老战友的公司，
让刘敏“把握一下”，尽量调解结案，判的时候考虑考虑被告的困难。
以上记录经在场人员核对无误。"""

MEETING_NOTICE = """中共桃江县委政法委员会
桃政法发〔2024〕6号
关于召开全县政法工作会议的通知
县法院、县检察院、县公安局、县司法局：
　　经研究，定于2024年3月12日上午9时在县行政中心三楼会议室召开全县政法工作会议，总结2023年工作，部署2024年任务。
请各单位主要负责人参加，并于3月10日前报送参会人员名单。
　　特此通知。
　　　　　　　　　　中共桃江县委政法委员会
　　　　　　　　　　2024年3月5日"""

PARTY_LETTER = """尊敬的刘法官：
　　您好！我是（2023）湘0922民初1520号案件被告桃江宏图建材有限公司的法定代表人张国强。
我公司近年经营十分困难，原告起诉的货款我们确实一时拿不出来。恳请您在判决时考虑我公司的实际困难，
驳回原告的违约金请求，给我们一条生路。随信附上我公司的财务报表，请您私下看看。
此致
敬礼！
　　　　张国强
　　　　2024年3月20日"""

SOLICITED_REPLY = """桃江县自然资源局
桃自然资函〔2024〕21号
关于桃江华茂纸业有限公司用地情况的复函
桃江县人民法院：
　　你院《关于征询涉案土地有关情况的函》（（2024）湘0922民初233号）收悉。经研究，现复函如下：
涉案地块已于2019年办理国有建设用地使用权登记，用途为工业用地，不在征收范围内。
　　以上情况供你院参考。
　　特此函复。
　　　　　　　　　　桃江县自然资源局
　　　　　　　　　　2024年4月15日"""

PROCURATOR_CALL = """来电记录
来电时间：2024年6月3日16时10分
来电人：王海涛
单位：桃江县人民检察院    职务：检察官
来电内容：王海涛称被告人李四是他亲戚的朋友，问合议庭现在是什么意见，希望法院给李四判个缓刑。未出具任何公函或法律文书。
记录人：陈晨"""

SECRETARY_CALL = """电话记录
来电人：赵磊，自称系县委刘书记的秘书
接听人：刘敏（执行法官）
来电内容：赵磊说，刘书记让我跟你们说一下，宏图建材公司的执行案件先放一放，等县里协调好了再说。
记录人：陈晨"""


@pytest.mark.parametrize(("text", "expected_type", "expected_sr"), [
    (COUNTY_LETTER, "EXT_ORG", {"SR10", "SR07"}),
    (VICE_PRESIDENT, "INT_COURT_LEADER", None),
    (MEETING_NOTICE, "NOT_INTERVENTION", set()),
    (PARTY_LETTER, "PARTY_RELATED", set()),
    (SOLICITED_REPLY, "EXEMPT_ENTRUSTED", set()),
    (PROCURATOR_CALL, "INT_OTHER_JUDICIAL", None),
    (SECRETARY_CALL, "EXT_AIDE_RELATIVE", {"SR03"}),
], ids=["county-government-stay", "vice-president", "meeting-notice", "party-letter", "solicited-reply",
        "procurator-call", "secretary-call"])
def test_hand_written_letters(clf, text, expected_type, expected_sr):
    pred = clf.predict(text)
    assert pred.intervener_type.code == expected_type, pred.type_probabilities
    codes = {s.code for s in pred.special_report}
    if expected_sr:  # at least one of the expected items is flagged
        assert codes & expected_sr, pred.sr_probabilities
    elif expected_sr == set():
        assert not codes and not pred.internal_behaviours


def test_prediction_shape(clf):
    pred = clf.predict(COUNTY_LETTER)
    assert set(pred.type_probabilities) == set(INTERVENER_TYPES)
    assert sum(pred.type_probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert pred.intervener_type.probability == max(pred.type_probabilities.values())
    assert set(pred.sr_probabilities) == set(SPECIAL_REPORT) and set(pred.ib_probabilities) == set(INTERNAL_BEHAVIOURS)
    assert all(0.0 <= p <= 1.0 for p in (*pred.sr_probabilities.values(), *pred.ib_probabilities.values()))
    probs = [s.probability for s in pred.special_report]
    assert probs == sorted(probs, reverse=True) and all(p >= 0.5 for p in probs)
    assert {s.code for s in pred.special_report} == {c for c, p in pred.sr_probabilities.items() if p >= 0.5}
    assert pred.model_version == clf.info.version
    batch = clf.predict_many([COUNTY_LETTER, MEETING_NOTICE])[0]  # same answer alone or in a batch (up to rounding)
    assert batch.intervener_type.code == pred.intervener_type.code
    assert batch.sr_probabilities == pytest.approx(pred.sr_probabilities, abs=1e-9)
    assert clf.predict("").intervener_type.code in INTERVENER_TYPES


def test_speaker_text_says_who_intervenes():
    assert "县委刘书记的秘书" in features.speaker_text(SECRETARY_CALL)
    assert "刘敏" not in features.speaker_text(SECRETARY_CALL)  # the judge who took the call is not the speaker
    letter = "县法院：\n我是市委办公室驾驶员小王，跟书记跑车多年。请关照一下。\n王某\n2024年5月8日"
    assert "市委办公室驾驶员小王" in features.speaker_text(letter)
    speaker_cues = features.SpeakerCues().fit([])
    cues = dict(zip(speaker_cues.get_feature_names_out(), speaker_cues.transform([letter]).toarray()[0]))
    assert cues["aide"] == 1.0 and cues["court"] == 0.0 and cues["none"] == 0.0
    assert speaker_cues.transform(["没有署名的一段话"]).toarray()[0][-1] == 1.0


def test_code_heads_read_only_the_content_columns(clf):
    """The type head sees who speaks; the special-report and behaviour heads see only the content features."""
    union = clf.pipeline.named_steps["features"]
    n_all = len(union.get_feature_names_out())
    assert clf.code_columns == features.content_columns(union) < n_all
    sr_weights = explain.linear_weights(clf.sr_heads["SR10"], 1)
    assert len(sr_weights) == clf.code_columns
    assert len(explain.linear_weights(clf.pipeline.named_steps["type"], 0)) == n_all


def test_code_probabilities_are_gated_by_the_type(clf):
    """A special-report code is never likelier than 'this is an intervention', a behaviour never likelier than
    'an internal one'; an ordinary notice gets no codes however its words read."""
    for text in (COUNTY_LETTER, SECRETARY_CALL, MEETING_NOTICE):
        pred = clf.predict(text)
        p_intervention = sum(p for c, p in pred.type_probabilities.items() if scope_of(c) != "neither")
        p_internal = sum(p for c, p in pred.type_probabilities.items() if scope_of(c) == "internal")
        assert max(pred.sr_probabilities.values()) <= p_intervention + 1e-9
        assert max(pred.ib_probabilities.values()) <= p_internal + 1e-9
    notice = clf.predict(MEETING_NOTICE)
    assert notice.intervener_type.code == "NOT_INTERVENTION" and not notice.special_report and not notice.internal_behaviours


def test_thresholds_decide_which_codes_are_reported(clf):
    pred = clf.predict(COUNTY_LETTER)
    top = max(pred.sr_probabilities, key=pred.sr_probabilities.get)
    saved = dict(clf.thresholds)
    try:
        clf.thresholds[top] = 1.01
        assert top not in {s.code for s in clf.predict(COUNTY_LETTER).special_report}
    finally:
        clf.thresholds.clear()
        clf.thresholds.update(saved)


def test_rare_labels_still_train(records):
    """A code with one positive, a code with none and a type with two examples do not stop training."""
    small = [dict(r) for r in records[:120]]
    for r in small:
        r["special_report"] = [c for c in r["special_report"] if c not in ("SR13", "SR11")]
    target = next(r for r in small if r["intervener_type"] == "EXT_ORG")
    target["special_report"] = sorted({*target["special_report"], "SR13"})
    others = [r for r in small if r["intervener_type"] != "INT_UPPER_COURT"]
    upper = [r for r in records if r["intervener_type"] == "INT_UPPER_COURT"][:2]
    fitted = model.train(others + upper, seed=1)
    pred = fitted.predict(COUNTY_LETTER)
    assert set(pred.sr_probabilities) == set(SPECIAL_REPORT)
    assert pred.sr_probabilities["SR11"] == 0.0
    assert {"SR11", "SR13"} <= set(fitted.info.metrics["uncalibrated_heads"])
    assert sum(pred.type_probabilities.values()) == pytest.approx(1.0, abs=1e-6)  # two-example type: uncalibrated head


# ------------------------------------------------------------------------------------------------ files
def test_save_and_load_round_trip(clf, tmp_path):
    info = model.save(clf, tmp_path)
    assert re.fullmatch(r"\d{8}-1", info.version) and len(info.sha256) == 64
    assert json.loads((tmp_path / "active.json").read_text())["version"] == info.version
    assert (tmp_path / f"model-{info.version}.joblib").is_file()
    loaded = model.load(tmp_path)
    assert loaded.info == info and loaded.info.metrics == clf.info.metrics
    for text in (COUNTY_LETTER, VICE_PRESIDENT, PARTY_LETTER):
        assert loaded.predict(text) == clf.predict(text)
    assert loaded.predict(COUNTY_LETTER).model_version == info.version

    second = model.save(clf, tmp_path)
    assert second.version.endswith("-2") and model.load(tmp_path).info.version == second.version
    assert model.load(tmp_path, info.version).info.version == info.version


def test_tampered_model_is_refused(clf, tmp_path):
    info = model.save(clf, tmp_path)
    path = tmp_path / f"model-{info.version}.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ConfigurationError, match="校验失败"):
        model.load(tmp_path)


def test_missing_model_files_are_configuration_errors(clf, tmp_path):
    with pytest.raises(ConfigurationError, match="未找到已激活"):
        model.load(tmp_path)
    info = model.save(clf, tmp_path)
    with pytest.raises(ConfigurationError):
        model.load(tmp_path, "20000101-9")
    (tmp_path / f"model-{info.version}.joblib").unlink()
    with pytest.raises(ConfigurationError, match="缺失"):
        model.load(tmp_path)
    with pytest.raises(ConfigurationError):
        model.load_corpus(tmp_path / "nope.jsonl")


def test_both_model_families_train_predict_and_explain(split):
    small = split[0][:400]
    for family in model.FAMILIES:
        clf = model.train(small, family=family)
        assert clf.info.metrics["family"] == family
        pred = clf.predict(COUNTY_LETTER)
        assert sum(pred.type_probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert pred.explanations.get(pred.intervener_type.code), family
    with pytest.raises(InvalidRequest):
        model.train(small, family="forest")


def test_ocr_noise_changes_the_text_but_never_the_protected_values():
    import random

    from classifier.noise import ocr_noise

    protected = ("梅川县人民政府", "（2024）豫0825执1234号", "张某某")
    noisy = [ocr_noise(random.Random(seed), COUNTY_LETTER + "\n梅川县人民政府\n张某某", protected, level=1.0)
             for seed in range(20)]
    assert sum(n != COUNTY_LETTER + "\n梅川县人民政府\n张某某" for n in noisy) >= 15
    assert all("梅川县人民政府" in n.replace(" ", "") and "张某某" in n.replace(" ", "") for n in noisy)


@pytest.mark.parametrize("text, tie", [
    ("来访人邰某自我介绍：“我岳父是市人大的岳主任。”", "relative_of_leader"),
    ("附注：邰某系市人大常委会主任岳某某之女婿。", "relative_of_leader"),
    ("便条落款：区长司机 小滕", "aide_of_leader"),
    ("其称平时给区委邹书记开车，与被执行人同村。", "aide_of_leader"),
    ("登记说明：晏某为中共某市委办公室秘书。", "aide_of_leader"),
])
def test_hand_features_see_the_speakers_tie_to_a_leader(text, tie):
    hand = features.HandFeatures().fit([])
    row = dict(zip(hand.get_feature_names_out(), hand.transform([text]).toarray()[0]))
    assert row[f"hand__{tie}"] == 1.0
    plain = dict(zip(hand.get_feature_names_out(), hand.transform(["张书记让我转告，请关照一下。"]).toarray()[0]))
    assert plain["hand__relative_of_leader"] == plain["hand__aide_of_leader"] == 0.0  # a relay alone is no tie
