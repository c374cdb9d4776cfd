"""Explanations: for each predicted label, the phrases of the letter that drove it, highlighted on the desk."""
from __future__ import annotations

import re

import pytest

from classifier import model
from ingest import pipeline
from ingest.intake import submit
from review_ui import create_app
from review_ui.formatting import highlight
from storage import users
from tests import docs
from tests.test_classifier_model import COUNTY_LETTER, SECRETARY_CALL, VICE_PRESIDENT


@pytest.fixture(scope="module")
def clf(model_dir) -> model.LetterClassifier:
    return model.load(model_dir)


@pytest.mark.parametrize("text", [COUNTY_LETTER, SECRETARY_CALL, VICE_PRESIDENT], ids=["letter", "call", "oral"])
def test_every_predicted_label_is_explained_by_phrases_of_the_letter(clf, text):
    pred = clf.predict(text)
    predicted = {pred.intervener_type.code} | {s.code for s in (*pred.special_report, *pred.internal_behaviours)}
    assert set(pred.explanations) == predicted  # nothing explained that was not predicted, nothing left out
    for code, phrases in pred.explanations.items():
        assert 1 <= len(phrases) <= 5, (code, phrases)
        assert all(len(p) >= 2 and p in text for p in phrases), (code, phrases)
        assert len(set(phrases)) == len(phrases)
    assert pred.to_dict()["explanations"] == pred.explanations  # stored with the prediction


def test_phrases_point_at_the_words_that_carry_the_label(clf):
    pred = clf.predict(COUNTY_LETTER)
    assert any("暂缓" in p or "化解期" in p or "查封" in p for p in pred.explanations["SR10"]), pred.explanations
    call = clf.predict(SECRETARY_CALL)
    assert any("秘书" in p or "书记让我" in p for p in call.explanations["EXT_AIDE_RELATIVE"]), call.explanations


def test_highlight_escapes_the_text_and_marks_only_the_phrases():
    html = str(highlight("<script>x</script>请暂缓执行，暂缓执行 & 解除冻结", [("暂缓执行", "执行"), ["冻结"], "<script>"]))
    assert html == ("<mark>&lt;script&gt;</mark>x&lt;/script&gt;请<mark>暂缓执行</mark>，<mark>暂缓执行</mark>"
                    " &amp; 解除<mark>冻结</mark>")
    assert str(highlight("无标记", [])) == "无标记" and str(highlight(None, ["x"])) == ""


def test_the_letter_page_shows_the_phrases_next_to_labels_and_marks_them_in_the_text(rt):
    users.create_user(rt.db, "reviewer", "correct-horse-1", "reviewer")
    accepted = submit(rt, docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES), "函.pdf", "cli", enqueue=False)
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    client = create_app(rt).test_client()
    login = client.get("/login").text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login).group(1)
    client.post("/login", data={"username": "reviewer", "password": "correct-horse-1", "csrf_token": token})
    page = client.get(f"/letters/{accepted.id}").text
    shown = re.findall(r'<span class="phrases" data-code="([A-Z_0-9]+)">依据：(.*?)</span>', page)
    assert shown, "no explanation shown next to any label"
    marked = set(re.findall(r"<mark>(.*?)</mark>", page))
    quoted = {q for _, quotes in shown for q in re.findall(r"<q>(.*?)</q>", quotes)}
    assert marked and marked <= quoted | {"黄色"}  # the marks in the text are phrases named next to a label
    main = page.split("<main", 1)[-1].split("</main>")[0].lower()
    assert not re.search(r"<script(?![^>]*\bsrc=)", main)  # highlighting never injects an inline script
