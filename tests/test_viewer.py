"""The letter page as a viewer: OCR lines keep their boxes on the page, every record field links to the lines
(and boxes) where its value is written, doubtful lines are marked in place, and page images zoom and turn
in the browser without changing the original."""
from __future__ import annotations

import re

import pytest
from PIL import Image

from ingest import locate, pipeline
from ingest.intake import submit
from ingest.locate import FieldLocation, LineView, PageLines, date_forms, find_fields
from ocr import get_engine, inspect_document, read_document
from ocr.recognise import recognise_page
from storage import users
from storage.models import Letter
from tests import docs
from tests.fixtures.browser import desk_url, page, sign_in  # noqa: F401  (fixtures)
from tests.test_review_ui import CASE, PASSWORD, app, client, letter_in_review, login  # noqa: F401

SCAN_LINES = ["梅川县人民政府", "关于商请暂缓执行的函", "（2024）豫0825执1234号", "　　　　　　2024年6月19日"]


def _inside(box) -> bool:
    left, top, right, bottom = box
    return 0 <= left < right <= 1 and 0 <= top < bottom <= 1


def _predicted(rt, letter_id: int) -> dict:
    with rt.db.session() as s:
        return dict(s.get(Letter, letter_id).predicted_fields)


def _page_text(rt, letter_id: int, index: int) -> str:
    with rt.db.session() as s:
        return next(p.text for p in s.get(Letter, letter_id).pages if p.index == index)


def _assert_boxes_in_reading_order(lines) -> None:
    assert lines and all(line.box is not None and _inside(line.box) for line in lines)
    middles = [(line.box[1] + line.box[3]) / 2 for line in lines]
    assert middles == sorted(middles)  # reading order is top to bottom on the page


# --- boxes from the OCR ------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine_name", ["rapidocr", "tesseract"])
def test_each_engine_gives_every_line_a_box_on_the_page_in_reading_order(engine_name):
    data = docs.png_bytes(SCAN_LINES, dpi=200)
    result, _ = read_document(data, inspect_document(data), get_engine(engine_name))
    lines = result.pages[0].lines
    _assert_boxes_in_reading_order(lines)
    date = next(line for line in lines if "19日" in line.text)
    title = next(line for line in lines if "暂缓执行" in line.text)
    assert date.box[0] > title.box[0] + 0.05  # the indented date starts well right of the title
    assert title.box[1] < 0.5  # a four-line letter is printed at the top of the page


def test_a_page_read_upside_down_has_its_boxes_on_the_page_as_it_came():
    upside_down = docs.render_page(SCAN_LINES, dpi=200).transpose(Image.Transpose.ROTATE_180)
    page = recognise_page(get_engine("rapidocr"), upside_down, 0)
    assert "暂缓执行" in page.text
    title = next(line for line in page.lines if "暂缓执行" in line.text)
    assert _inside(title.box) and title.box[1] > 0.5  # the top of the letter is at the bottom of this image
    middles = [(line.box[1] + line.box[3]) / 2 for line in page.lines]
    assert middles == sorted(middles, reverse=True)


def test_text_layer_lines_have_boxes_and_no_confidence():
    data = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
    result, _ = read_document(data, inspect_document(data), get_engine("rapidocr"))
    for page in result.pages:
        assert page.source == "text-layer" and [line.text for line in page.lines] == page.text.split("\n")
        assert all(line.confidence is None for line in page.lines)
        _assert_boxes_in_reading_order(page.lines)


# --- field locations -----------------------------------------------------------------------------------------
def test_fields_of_a_letter_are_located_on_their_pages_and_lines(rt):
    letter_id = letter_in_review(rt)
    pages = {p.index: p for p in locate.page_lines(rt, letter_id)}
    found = locate.field_locations(rt, letter_id)

    [case] = found["case_number"]
    assert case.page == 0 and "豫0825执1234号" in case.written
    assert CASE.strip("（）")[:4] in pages[0].lines[case.line].text and _inside(case.box)
    [date] = found["date"]  # 2024-06-19 is written 2024年6月19日 on the second page
    assert (date.page, date.written) == (1, "2024年6月19日") and date.box == pages[1].lines[date.line].box
    assert [(loc.page, loc.written) for loc in found["unit"]] == [(0, "梅川县人民政府"), (1, "梅川县人民政府")]
    # the case name wraps: one location per line it covers, which together spell it
    case_name = found["case_name"]
    assert len(case_name) == 2 and case_name[1].line == case_name[0].line + 1
    assert "".join(loc.written for loc in case_name) == _predicted(rt, letter_id)["case_name"]
    assert found["name"] == [] and found["position"] == []  # empty predictions are found nowhere


def test_a_scanned_letter_locates_fields_with_ocr_boxes(rt):
    accepted = submit(rt, docs.png_bytes(SCAN_LINES, dpi=200), "scan.png", "upload", enqueue=False)
    pipeline.run_inline(rt, accepted.id)
    found = locate.field_locations(rt, accepted.id)
    [case] = found["case_number"]
    assert case.page == 0 and _inside(case.box)
    [date] = found["date"]
    assert "2024" in date.written and date.box[1] > case.box[1]  # the date is printed below the case number


def test_pages_stored_before_boxes_or_without_lines_still_have_lines(rt):
    letter_id = letter_in_review(rt)
    with rt.db.session() as s:
        first, second = sorted(s.get(Letter, letter_id).pages, key=lambda p: p.index)
        first.lines = [{"text": line["text"], "confidence": 41.0 if i == 1 else 95.0}
                       for i, line in enumerate(first.lines)]  # no boxes, one doubtful line
        second.lines = None
    pages = locate.page_lines(rt, letter_id)
    assert [line.text for line in pages[1].lines] == _page_text(rt, letter_id, 1).split("\n")
    assert all(line.box is None for page in pages for line in page.lines)
    assert [line.index for line in pages[0].doubtful] == [1]
    [case] = locate.field_locations(rt, letter_id)["case_number"]
    assert case.box is None and case.page == 0


def _page(*texts: str) -> PageLines:
    return PageLines(0, tuple(LineView(i, t, None, False, (0.1, 0.1 * i, 0.9, 0.1 * i + 0.05))
                              for i, t in enumerate(texts)))


def test_case_numbers_match_in_any_variant_and_dates_in_written_forms():
    page = _page("案号为(2024)豫0825执字第01234号，", "二〇二四年六月十九日")
    found = find_fields([page], {"case_number": CASE, "date": "2024-06-19", "unit": "不在此页"})
    assert found["case_number"] == [FieldLocation("case_number", 0, 0, "(2024)豫0825执字第01234号", page.lines[0].box)]
    assert [loc.written for loc in found["date"]] == ["二〇二四年六月十九日"]
    assert found["unit"] == [] and found["name"] == []
    assert {"2024年6月19日", "2024.06.19", "二〇二四年六月十九日"} <= set(date_forms("2024-06-19"))
    assert "二〇二三年十二月三十一日" in date_forms("2023-12-31") and date_forms("6月19日") == []


# --- the letter page ------------------------------------------------------------------------------------------
def test_letter_page_has_line_ids_locate_links_and_marks_doubtful_lines(rt, client):
    letter_id = letter_in_review(rt)
    with rt.db.session() as s:
        page = next(p for p in s.get(Letter, letter_id).pages if p.index == 0)
        page.lines = [{**line, "confidence": 41.0} if i == 2 else line for i, line in enumerate(page.lines)]
    login(client, "reviewer")
    html = client.get(f"/letters/{letter_id}").text
    found = locate.field_locations(rt, letter_id)

    ids = re.findall(r'<span class="line[^"]*" id="(page-(\d+)-line-(\d+))"', html)
    assert len(ids) == sum(len(p.lines) for p in locate.page_lines(rt, letter_id))
    assert re.search(r'class="line doubtful-line" id="page-0-line-2"[^>]*title="识别存疑', html)
    assert html.count("doubtful-line") == 1
    case = found["case_number"][0]
    link = re.search(r'<a href="#([^"]+)" class="locate" id="locate-case_number" data-targets="([^"]+)"', html)
    assert link and link.group(1) == case.element_id == link.group(2)
    assert f'id="{case.element_id}" data-box="{",".join(map(str, case.box))}"' in html
    assert re.search(r'id="locate-name">未在原件中找到', html)  # the name was not read
    for key in ("zoom-in", "zoom-out", "reset", "rotate-left", "rotate-right"):
        assert f'data-view="{key}"' in html
    assert "<kbd>[</kbd>" in html and "<kbd>+</kbd>" in html  # the keys are in the help dialog


def test_read_only_record_links_fields_to_the_page(rt, client):
    letter_id = letter_in_review(rt)
    login(client, "clerk")
    html = client.get(f"/letters/{letter_id}").text
    assert 'id="review-form"' not in html
    assert re.search(r'<td class="where"><a href="#page-1-line-\d+" class="locate" id="locate-date"', html)


# --- in a browser ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_locating_a_field_highlights_its_line_and_box_and_the_image_zooms_and_turns(rt, desk_url, page):  # noqa: F811
    from playwright.sync_api import expect

    letter_id = letter_in_review(rt)
    users.create_user(rt.db, "shen", PASSWORD, "reviewer", display_name="沈审核")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, desk_url, "shen", PASSWORD)
    page.goto(f"{desk_url}/letters/{letter_id}")

    case = locate.field_locations(rt, letter_id)["case_number"][0]
    line = page.locator(f"#{case.element_id}")
    expect(line).not_to_have_class(re.compile("located"))
    page.locator("#locate-case_number").click()
    expect(line).to_have_class(re.compile("located"))
    box = page.locator(f"#page-{case.page} .overlay .box")
    expect(box).to_have_count(1)
    expect(box).to_be_visible()
    image = page.locator(f"#page-{case.page} .stage img")
    shown, drawn = image.bounding_box(), box.bounding_box()
    assert drawn["x"] == pytest.approx(shown["x"] + case.box[0] * shown["width"], abs=2)
    assert drawn["y"] == pytest.approx(shown["y"] + case.box[1] * shown["height"], abs=2)
    expect(page.locator("#locate-name")).to_have_text("未在原件中找到")

    page.locator("body").press("+")  # zooms the page just located
    expect(page.locator(f"#page-{case.page} .view-state")).to_have_text("125%")
    assert image.bounding_box()["width"] == pytest.approx(shown["width"] * 1.25, rel=0.02)
    assert image.evaluate("img => getComputedStyle(img).transform") == "none"
    page.locator("body").press("]")
    turned = image.evaluate("img => getComputedStyle(img).transform")
    assert turned != "none" and turned.startswith("matrix(")
    assert box.evaluate("b => getComputedStyle(b.parentElement).transform") == turned  # the box turns along
    page.locator("body").press("0")
    assert image.evaluate("img => getComputedStyle(img).transform") == "none"
    assert not errors, errors  # e.g. a CSP violation would show here


def test_a_field_read_from_a_doubtful_line_is_marked_for_checking(rt, client):
    """The reviewer sees 识别存疑 next to a field whose value sits on a line the OCR read with low
    confidence, and only there."""
    letter_id = letter_in_review(rt)
    case = locate.field_locations(rt, letter_id)["case_number"][0]
    login(client, "reviewer")
    assert 'id="misread-case_number"' not in client.get(f"/letters/{letter_id}").text
    with rt.db.session() as s:
        page = next(p for p in s.get(Letter, letter_id).pages if p.index == case.page)
        page.lines = [{**line, "confidence": 30.0} if i == case.line else line for i, line in enumerate(page.lines)]
    assert locate.field_locations(rt, letter_id)["case_number"][0].doubtful
    html = client.get(f"/letters/{letter_id}").text
    assert re.search(r'id="misread-case_number"[^>]*>识别存疑', html)
    assert html.count('class="badge uncertain misread"') == len(
        {n for n, locs in locate.field_locations(rt, letter_id).items() if any(loc.doubtful for loc in locs)})
