"""The learned field ranker: it reads the intervener's name, unit and post where the rules find none, keeps the
rules' fields when it has too little to learn from, and learns a convention from confirmed letters."""
from __future__ import annotations

import json
import random
import re

import pytest

from classifier import fieldrank, model
from classifier.segment import segment

# wording the rules do not know: an organ and post given as "在…当副局长", "在…做总经理助理"
PLAIN_LETTER = """吴法官：
您好！我是雷振东，在县交通运输局当副局长。听说（2025）赣0721民初882号案子下周开庭，宏达物流是我们扶持的企业，\
老板人不错，麻烦您在法律范围内多帮帮他们。
2025年4月8日"""
PLAIN_LETTERS = {  # letter → (name, unit, position) of its writer
    PLAIN_LETTER: ("雷振东", "县交通运输局", "副局长"),
    """孟庭长：
冒昧写信。我叫韦国栋，眼下在市住建局干分管城建的副局长。（2025）桂0203民初1267号那个工程款的案子，施工方是我们局联系的企业，\
工人工资等着发，请您多关心一下，早点判下来。
2025年6月3日""": ("韦国栋", "市住建局", "副局长"),
    """尊敬的执行局领导：
我是郑卫红，目前在区教育局做局长。（2024）湘0105执3321号被执行人是我们区一所民办学校，学生还在上课，账户冻结后老师工资\
发不出来，恳请考虑学校实际困难，暂缓扣划。
2024年11月20日""": ("郑卫红", "区教育局", "局长"),
    """何法官您好：
我是章海涛，在省电力公司做总经理助理。贵院审理的（2025）川01民初4410号合同纠纷，被告是我们多年的合作单位，希望法院充分\
考虑企业的实际情况，依法妥善处理。
2025年3月12日""": ("章海涛", "省电力公司", "总经理助理"),
}


@pytest.fixture(scope="module")
def packaged(model_dir) -> model.LetterClassifier:
    return model.load(model_dir)


def test_model_reads_organs_and_posts_the_rules_miss_and_nothing_wrong(packaged):
    """Letters that say who wrote them in words the rules do not know: the model fills in organs and posts the
    rules leave empty, and every field it fills is the writer's (a field it cannot read stays empty)."""
    read_by_rules = read_by_model = 0
    for letter, writer in PLAIN_LETTERS.items():
        ruled = segment(letter).fields
        read = packaged.read_fields(letter, ruled)
        read_by_rules += sum(v is not None for v in (ruled.unit, ruled.position))
        read_by_model += sum(v is not None for v in (read.unit, read.position))
        assert [v for v in (read.name, read.unit, read.position) if v is not None] == \
            [w for w, v in zip(writer, (read.name, read.unit, read.position)) if v is not None]
        assert read.name == writer[0]
        assert (read.case_number, read.date) == (ruled.case_number, ruled.date)  # the rules' own
    assert read_by_rules == 0  # the rules alone would show the reviewer no organ and no post
    assert read_by_model >= 3


def test_a_model_trained_on_few_letters_keeps_the_rules_fields():
    records = model.load_corpus(model.DEFAULT_CORPUS)[:fieldrank.MIN_LETTERS - 1]
    assert fieldrank.FieldRanker.fit(records) is None
    small = model.train(records)
    ruled = segment(PLAIN_LETTER).fields
    assert small.read_fields(PLAIN_LETTER, ruled) == ruled


def _letter(rng: random.Random, intervener: str, bystander: str) -> str:
    """A note naming two people; the one who asks about the case is the intervener."""
    return (f"情况说明\n{bystander}来院办理执行款领取手续时，同行的{intervener}在走廊向承办人打听"
            f"（2025）浙01{rng.randint(1000, 9999)}民初{rng.randint(10, 999)}号案件进度。\n"
            f"说明人：书记员\n2025年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")


def test_the_ranker_learns_a_convention_from_confirmed_letters():
    """Reviewers confirm the marked person as the intervener; a ranker retrained on those letters follows them."""
    rng = random.Random(7)
    surnames, given = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜", "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂"
    people = [rng.choice(surnames) + rng.choice(given) + rng.choice(given) for _ in range(2 * 300)]
    pairs = [(people[2 * i], people[2 * i + 1]) for i in range(300) if people[2 * i] != people[2 * i + 1]]
    texts = [_letter(rng, a, b) for a, b in pairs]
    labels = [{"name": a, "unit": None, "position": None} for a, _ in pairs]
    ranker = fieldrank.FieldRanker.fit([{"text": t, "form": "OTHER", "fields": lab} for t, lab in zip(texts[:250], labels[:250])])
    held = list(zip(texts[250:], labels[250:]))
    by_rules = sum(segment(t).fields.name == lab["name"] for t, lab in held)
    chosen = [ranker.choose(t, segment(t).fields) for t, _ in held]
    assert [c.name for c in chosen] == [lab["name"] for _, lab in held]
    assert not any("name" in c.unsure for c in chosen)  # and it is sure of them
    assert by_rules < len(held) / 2  # the rules do not know this wording


def test_bench_fields_compares_rules_and_ranker_file_by_file(tmp_path):
    """``letterdesk bench fields``: one line per held-out file, the total, how sure the ranker was, a summary."""
    letters = model.load_corpus(model.DATA_DIR / "tune_fields.jsonl")
    files = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for i, path in enumerate(files):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in letters[i::2]), encoding="utf-8")
    lines = fieldrank.report(files, base=model.load_corpus(model.DEFAULT_CORPUS)[:300])
    assert f"2 个文件，{len(letters)} 封来信" in lines[0]
    rows = {line.split()[0]: line for line in lines[2:5]}
    assert set(rows) == {"a.jsonl", "b.jsonl", "合计"}
    pairs = re.findall(r"(\d\.\d{3}) → (\d\.\d{3})", rows["合计"])
    assert len(pairs) == len(fieldrank.CHOSEN)
    assert float(pairs[0][0]) > 0.9  # these letters were written for the rules: the name rules get them right
    assert [line.split(":")[0].strip() for line in lines[5:8]] == list(fieldrank.RANKED)
    assert lines[-1].startswith(f"SUMMARY fields: n={len(letters)} name ")
