"""Splitting a scan that holds several letters by page range, and merging two scans of one letter.

Letters reach review through the real stages run in-process from text-layer PDFs (the fast path); image
letters are read by a stand-in OCR engine, since what is tested is how pages move, not how they are read.
"""
from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageSequence

from ingest import pipeline, splitting
from ingest.actor import Actor
from ingest.intake import submit
from ingest.queries import get_letter, original, page_preview, review_queue
from ingest.review import ReviewDecision, review
from letterdesk.errors import InvalidRequest, InvalidState, PermissionDenied
from tests import docs
from tests.test_review_ui import app, client, letter_in_review, login  # noqa: F401 - fixtures and helpers

REVIEWER = Actor(None, "审核员", "reviewer")
CLERK = Actor(None, "登记员", "clerk")
# A third page from another sender, scanned together with the two pages of the county government's letter.
OTHER_SENDER = ["梅川县工商业联合会", "关于宏达建材公司生产经营情况的反映", "梅川县人民法院：",
                "　　宏达建材公司系我会会员企业，特此反映。", "　　　　　　　　　　　　　梅川县工商业联合会",
                "　　　　　　　　　　　　　2024年6月20日"]
THREE_PAGES = [*docs.SAMPLE_LETTER_PAGES, OTHER_SENDER]


def _pdf_texts(data: bytes) -> list[str]:
    """The text layer of every page of a PDF, whitespace removed."""
    pdf = pdfium.PdfDocument(data)
    try:
        return [re.sub(r"\s+", "", pdf[i].get_textpage().get_text_bounded()) for i in range(len(pdf))]
    finally:
        pdf.close()


def _page_texts(rt, letter_id: int) -> list[str]:
    return [p.text for p in get_letter(rt, letter_id).pages]


def _events(rt, letter_id: int) -> dict[str, dict]:
    return {e.action: e.detail for e in get_letter(rt, letter_id).events}


def _post(client, letter_id: int, action: str, **form):
    """POST a split/merge form of the letter's page with the page's own CSRF token."""
    page = client.get(f"/letters/{letter_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(f"/letters/{letter_id}/{action}", data={"csrf_token": token, **form})


def _location_id(response) -> int:
    return int(re.fullmatch(r"/letters/(\d+)", response.headers["Location"]).group(1))


class CountingEngine:
    """Stands in for OCR: reads page N (in reading order over the test) as "扫描页N"."""

    name = "counting"

    def __init__(self) -> None:
        self.pages = 0

    def recognize(self, image):
        self.pages += 1
        return f"扫描页{self.pages}", 90.0


def test_ranges_are_read_as_typed_at_the_desk():
    assert splitting.parse_ranges("1-2, 3") == [(1, 2), (3, 3)]
    assert splitting.parse_ranges(" 1 － 2，3、4 至 5 ") == [(1, 2), (3, 3), (4, 5)]
    for bad in ("", "  ", "1-", "一", "1-2-3", "2..3"):
        with pytest.raises(InvalidRequest):
            splitting.parse_ranges(bad)


@pytest.mark.parametrize("ranges, says", [
    ([(1, 2), (2, 3)], "重叠"),
    ([(2, 3), (1, 1)], "按页序"),
    ([(1, 1), (3, 3)], "第2页没有分到"),
    ([(1, 1), (2, 2)], "第3页没有分到"),
    ([(1, 2), (3, 4)], "超出"),
    ([(0, 1), (2, 3)], "超出"),
    ([(1, 3)], "至少要分成两部分"),
    ([(1, 1), (3, 2)], "起始页大于结束页"),
])
def test_ranges_must_cover_every_page_once_in_at_least_two_parts(ranges, says):
    with pytest.raises(InvalidRequest) as caught:
        splitting.check_ranges(ranges, 3)
    assert says in caught.value.message
    splitting.check_ranges([(1, 1), (2, 3)], 3)  # and a good split passes


def test_split_on_the_desk_makes_two_letters_and_keeps_the_source(client, rt):
    scan = docs.text_pdf_bytes(THREE_PAGES)
    source = letter_in_review(rt, scan, "联名来信.pdf")
    source_pages = _page_texts(rt, source)
    login(client, "reviewer")
    assert "拆分 / 合并" in client.get(f"/letters/{source}").text

    response = _post(client, source, "split", ranges="1-2, 3")
    assert response.status_code == 302
    first = _location_id(response)
    history = _events(rt, source)
    assert history["split"]["into"][0] == first
    first, second = history["split"]["into"]
    assert ("reviewer", "split") in {(e.actor, e.action) for e in get_letter(rt, source).events}
    assert "已拆分为 2 封" in client.get(f"/letters/{first}").text  # the flashed message

    for new in (first, second):
        assert get_letter(rt, new).summary.status == "ocr"  # OCR is not repeated: its text was copied
        assert pipeline.run_inline(rt, new) == "in_review"
    assert [x.id for x in review_queue(rt)] == [first, second]

    assert _page_texts(rt, first) == source_pages[:2]
    assert _page_texts(rt, second) == source_pages[2:]
    assert page_preview(rt, second, 0) == page_preview(rt, source, 2)  # the page images follow their pages
    data, name, mime = original(rt, first)
    assert (name, mime) == ("联名来信（第1-2页）.pdf", "application/pdf")
    assert _pdf_texts(data) == _pdf_texts(scan)[:2]
    data, name, _ = original(rt, second)
    assert name == "联名来信（第3页）.pdf"
    assert _pdf_texts(data) == _pdf_texts(scan)[2:] and "工商业联合会" in _pdf_texts(data)[0]

    assert get_letter(rt, source).summary.status == "superseded"
    download = client.get(f"/letters/{source}/original")
    assert download.status_code == 200 and download.data == scan
    for new, pages in ((first, "第1-2页"), (second, "第3页")):
        derived = _events(rt, new)["derived"]
        assert (derived["sources"], derived["pages"], derived["how"]) == ([source], pages, "split")
        assert f'href="/letters/{source}"' in client.get(f"/letters/{new}").text  # a link back to the source

    page = client.get(f"/letters/{source}").text
    assert f'href="/letters/{first}"' in page and f'href="/letters/{second}"' in page
    assert 'id="split-form"' not in page  # a superseded letter cannot be split again
    with pytest.raises(InvalidState):
        splitting.split(rt, source, [(1, 1), (2, 3)], REVIEWER)
    with pytest.raises(InvalidState):
        review(rt, source, ReviewDecision("reject", reason="重复"), REVIEWER)


def test_bad_ranges_are_refused_on_the_desk_and_change_nothing(client, rt):
    source = letter_in_review(rt, docs.text_pdf_bytes(THREE_PAGES))
    login(client, "reviewer")
    refusals = {"1-2, 2-3": "重叠", "1, 3": "第2页没有分到", "1-2, 3-4": "超出了来信的页数", "1-3": "至少要分成两部分",
                "前两页": "无法识别的页码范围", "": "请填写拆分的页码范围"}
    for ranges, says in refusals.items():
        response = _post(client, source, "split", ranges=ranges)
        assert response.status_code == 400, ranges
        assert says in response.text, ranges
    assert get_letter(rt, source).summary.status == "in_review"
    assert [x.id for x in review_queue(rt)] == [source]
    assert "split" not in _events(rt, source)


def test_merge_on_the_desk_puts_the_pages_of_both_letters_in_order(client, rt):
    first_scan, second_scan = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES), docs.text_pdf_bytes([OTHER_SENDER])
    first = letter_in_review(rt, first_scan, "县政府函.pdf")
    second = letter_in_review(rt, second_scan, "县政府函（续）.pdf")
    expected = _page_texts(rt, first) + _page_texts(rt, second)
    login(client, "supervisor")

    response = _post(client, first, "merge", other_id=f"#{second}")
    assert response.status_code == 302
    merged = _location_id(response)
    assert pipeline.run_inline(rt, merged) == "in_review"
    assert _page_texts(rt, merged) == expected
    data, name, mime = original(rt, merged)
    assert (name, mime) == (f"县政府函（合并#{first}、#{second}）.pdf", "application/pdf")
    assert _pdf_texts(data) == _pdf_texts(first_scan) + _pdf_texts(second_scan)
    assert [x.id for x in review_queue(rt)] == [merged]
    for source, scan in ((first, first_scan), (second, second_scan)):
        assert get_letter(rt, source).summary.status == "superseded"
        assert _events(rt, source)["merge"]["into"] == [merged]
        assert original(rt, source)[0] == scan
    assert _events(rt, merged)["derived"]["sources"] == [first, second]

    assert _post(client, merged, "merge", other_id=str(merged)).status_code == 400  # not with itself
    assert _post(client, merged, "merge", other_id=str(first)).status_code == 409  # not with a superseded one
    assert _post(client, merged, "merge", other_id="第二封").status_code == 400


def test_scanned_images_split_as_tiff_and_merge_into_one_pdf(rt):
    rt.ocr_engine = CountingEngine()
    tiff = docs.tiff_bytes([["第一封", "甲"], ["第一封", "乙"], ["第二封", "丙"]])  # records no dpi: 200 assumed
    scan = letter_in_review(rt, tiff, "传真.tif")
    photo = letter_in_review(rt, docs.jpeg_bytes(["附页"], dpi=100), "附页.jpg")
    png = letter_in_review(rt, docs.png_bytes(["补充材料"], dpi=100), "补充.png")

    with pytest.raises(InvalidRequest, match="只有 1 页"):
        splitting.split(rt, photo, [(1, 1), (1, 1)], REVIEWER)
    first, second = splitting.split(rt, scan, [(1, 2), (3, 3)], REVIEWER)
    frames = []
    for new in (first, second):
        pipeline.run_inline(rt, new)
        data, name, mime = original(rt, new)
        assert mime == "image/tiff" and name.endswith(".tif")
        with Image.open(io.BytesIO(data)) as image:
            frames.append(len(list(ImageSequence.Iterator(image))))
    assert frames == [2, 1]
    assert _page_texts(rt, first) == ["扫描页1", "扫描页2"] and _page_texts(rt, second) == ["扫描页3"]

    merged = splitting.merge(rt, second, photo, REVIEWER)
    with pytest.raises(InvalidState):  # not before it has been segmented and classified again
        splitting.merge(rt, merged, png, REVIEWER)
    assert pipeline.run_inline(rt, merged) == "in_review"
    merged_again = splitting.merge(rt, merged, png, REVIEWER)
    assert pipeline.run_inline(rt, merged_again) == "in_review"
    assert _page_texts(rt, merged_again) == ["扫描页3", "扫描页4", "扫描页5"]
    data, _, mime = original(rt, merged_again)
    assert mime == "application/pdf"
    pdf = pdfium.PdfDocument(data)
    try:
        assert len(pdf) == 3
        for index in range(3):  # A4 scanned at 100 dpi stays an A4 page (595 × 842 pt)
            width, height = pdf.get_page_size(index)
            assert abs(width - 595) < 3 and abs(height - 842) < 3
        words = pdf[1].render(scale=100 / 72).to_pil().convert("L")
    finally:
        pdf.close()
    assert words.getextrema()[0] < 100  # the photo's ink is on its page, not a blank sheet


def test_clerk_may_neither_split_nor_merge(client, rt):
    source = letter_in_review(rt, docs.text_pdf_bytes(THREE_PAGES))
    other = letter_in_review(rt, docs.text_pdf_bytes([OTHER_SENDER]))
    login(client, "clerk")
    assert 'id="split-form"' not in client.get(f"/letters/{source}").text
    assert _post(client, source, "split", ranges="1-2, 3").status_code == 403
    assert _post(client, source, "merge", other_id=str(other)).status_code == 403
    with pytest.raises(PermissionDenied):
        splitting.split(rt, source, [(1, 2), (3, 3)], CLERK)
    assert {x.id for x in review_queue(rt)} == {source, other}
    assert _events(rt, source)["permission_denied"]["permission"] == "split_merge"


def test_only_letters_in_review_are_split_or_merged(client, rt):
    waiting = submit(rt, docs.text_pdf_bytes(THREE_PAGES), "未识别.pdf", "cli", enqueue=False).id
    filed = letter_in_review(rt, docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    review(rt, filed, ReviewDecision("confirm", intervener_type="EXT_ORG"), REVIEWER)
    with pytest.raises(InvalidState, match="只有待审核的来信可以拆分"):
        splitting.split(rt, waiting, [(1, 2), (3, 3)], REVIEWER)
    with pytest.raises(InvalidState):
        splitting.merge(rt, filed, waiting, REVIEWER)
    login(client, "reviewer")
    assert _post(client, filed, "split", ranges="1, 2").status_code == 409
    assert get_letter(rt, waiting).summary.status == "received"
    assert get_letter(rt, filed).summary.status == "filed"
