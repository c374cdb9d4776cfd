"""Reading documents: text layers, rendering, the Tesseract engine and how engine failures surface.

Only the tests marked "real Tesseract" run the OCR engine (about a second per page); the others use
fake engines to check what the pipeline does around it.
"""
from __future__ import annotations

import difflib
import io
import unicodedata

import pytest
from PIL import Image, ImageOps

from letterdesk.errors import ConfigurationError, InvalidState, NotFound, ProcessingFailed
from ocr import OcrEngine, get_engine, inspect_document, ocr_file, rasterise, read_document
from ocr.engines import join_words, page_text, pieces_from_tesseract_data
from tests import docs

LETTER = docs.SAMPLE_LETTER.splitlines()


def squash(text: str) -> str:
    """Text compared as the OCR benchmark does: NFKC forms, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def similarity(got: str, truth: str) -> float:
    return difflib.SequenceMatcher(None, squash(got), squash(truth), autojunk=False).ratio()


# --- fake engines -----------------------------------------------------------------------------------------
class NoOpEngine:
    name = "noop"

    def recognize(self, image):
        return "", None


class CrashEngine:
    name = "crash"

    def recognize(self, image):
        raise RuntimeError("segfault in recogniser")


class OomEngine:
    name = "oom"

    def recognize(self, image):
        raise MemoryError


class RefusingEngine:
    """Raises a LetterdeskError of its own, which must reach the caller unchanged."""

    name = "refusing"

    def recognize(self, image):
        raise InvalidState("引擎拒绝处理")


class CountingEngine:
    """Records every call; reads a page as the number of text lines on it (runs of rows containing ink).

    Pages for it are drawn with "国", a character without a horizontal gap, so one line is one run.
    """

    name = "counting"

    def __init__(self):
        self.images: list[Image.Image] = []

    def recognize(self, image):
        self.images.append(image)
        darkness = ImageOps.invert(image.convert("L")).resize((1, image.height), Image.BOX)
        inked = [value > 0 for value in darkness.getdata()]
        lines = sum(1 for i, ink in enumerate(inked) if ink and (i == 0 or not inked[i - 1]))
        return f"{lines} 行", 50.0


@pytest.fixture(scope="module")
def tesseract() -> OcrEngine:
    return get_engine("tesseract")


# --- real Tesseract ---------------------------------------------------------------------------------------
def test_tesseract_reads_a_scanned_letter(tesseract):
    data = docs.jpeg_bytes(LETTER, dpi=300)
    result, previews = read_document(data, inspect_document(data), tesseract)
    (page,) = result.pages
    assert (page.index, page.source, result.engine, previews) == (0, "ocr", "tesseract", [])
    assert similarity(page.text, docs.SAMPLE_LETTER) >= 0.9
    assert "0825执1234号" in page.text  # the case number's digits, joined without spaces
    assert "暂缓执行" in page.text
    assert len(page.text.splitlines()) == len(LETTER)  # one line of text per printed line
    assert 50 < page.confidence <= 100


def test_tesseract_reads_each_page_of_a_scanned_pdf_in_order(tesseract):
    data = docs.image_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
    result, previews = read_document(data, inspect_document(data), tesseract, dpi=200, previews=True)
    assert [(p.index, p.source) for p in result.pages] == [(0, "ocr"), (1, "ocr")]
    for page, truth in zip(result.pages, docs.SAMPLE_LETTER_PAGES):
        assert similarity(page.text, "\n".join(truth)) >= 0.9
    assert "梅政函" in result.pages[0].text and "2024年6月19日" in result.pages[1].text
    assert [Image.open(io.BytesIO(p)).format for p in previews] == ["JPEG", "JPEG"]


def test_unknown_engine_name_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="tesseract"):
        get_engine("abbyy")


# --- word joining -----------------------------------------------------------------------------------------
def test_spaces_between_chinese_characters_are_removed_but_kept_between_latin_words():
    assert join_words(["（", "2024", "）", "豫", "0825", "执", "1234", "号"]) == "（2024）豫0825执1234号"
    assert join_words(["联系人：", "张", "三", "Tel", "0391", "12345678"]) == "联系人：张三Tel 0391 12345678"
    assert join_words(["梅政函", "〔2024〕", "87", "号", " "]) == "梅政函〔2024〕87号"


def test_tesseract_word_table_becomes_lines_with_boxes_and_confidences():
    rows = [  # level, block, par, line, text, conf, left, top, width, height
        (1, 0, 0, 0, "", -1, 0, 0, 900, 900),
        (4, 1, 1, 1, "", -1, 10, 10, 200, 30),
        (5, 1, 1, 1, "暂", 90, 10, 10, 30, 30),
        (5, 1, 1, 1, "缓", 80, 40, 12, 30, 30),
        (5, 1, 1, 2, "Case", 70, 10, 60, 60, 30),
        (5, 1, 1, 2, "42", 60, 80, 60, 30, 30),
        (5, 2, 1, 1, "  ", 95, 10, 500, 30, 30),
        (5, 2, 1, 1, "执行", -1, 10, 500, 60, 30),
        (5, 3, 1, 1, "日期", 50, 600, 300, 60, 30),  # a block Tesseract reports last but printed higher
    ]
    keys = ("level", "block_num", "par_num", "line_num", "text", "conf", "left", "top", "width", "height")
    table = dict(zip(keys, map(list, zip(*rows))))
    pieces = pieces_from_tesseract_data(table)
    assert [(p.text, p.confidence, p.left, p.top, p.right, p.bottom) for p in pieces] == [
        ("暂缓", 85.0, 10, 10, 70, 42),
        ("Case 42", 65.0, 10, 60, 110, 90),
        ("执行", None, 10, 500, 70, 530),
        ("日期", 50.0, 600, 300, 660, 330),
    ]
    text, confidence = page_text(pieces)
    assert text == "暂缓\nCase 42\n日期\n执行"  # in printed order, not Tesseract's block order
    assert confidence == pytest.approx((85 * 2 + 65 * 7 + 50 * 2) / 11)
    assert page_text(pieces_from_tesseract_data({key: [] for key in table})) == ("", None)


# --- text layers and plain text ----------------------------------------------------------------------------
def test_text_layer_pdf_is_read_exactly_without_the_engine():
    data = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
    engine = CountingEngine()
    result, previews = read_document(data, inspect_document(data), engine)
    assert engine.images == []
    assert [(p.index, p.source, p.confidence) for p in result.pages] == [
        (0, "text-layer", None),
        (1, "text-layer", None),
    ]
    # the text layer holds no glyphs for the ideographic-space indents, so those are absent
    truth = ["\n".join(line.strip("\u3000") for line in page) for page in docs.SAMPLE_LETTER_PAGES]
    assert [p.text for p in result.pages] == truth
    assert result.engine == "text-layer" and previews == []


def test_text_layer_pdf_still_gets_previews_when_asked():
    data = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
    engine = CountingEngine()
    _, previews = read_document(data, inspect_document(data), engine, previews=True)
    assert engine.images == []
    sizes = [Image.open(io.BytesIO(p)).size for p in previews]
    assert len(sizes) == 2 and all(w == 1400 and h > w for w, h in sizes)  # A4 portrait, scaled to 1400 wide


def test_scanned_page_inside_a_text_pdf_is_ocrd_alone():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in (docs.text_pdf_bytes([docs.SAMPLE_LETTER_PAGES[0]]), docs.image_pdf_bytes([["国国", "国"]])):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    engine = CountingEngine()
    result, _ = read_document(data, inspect_document(data), engine)
    assert [p.source for p in result.pages] == ["text-layer", "ocr"]
    assert result.pages[1].text == "2 行" and len(engine.images) == 1
    assert result.engine == "counting"


def test_plain_text_is_one_page_as_written():
    data = ("\ufeff" + docs.SAMPLE_LETTER + "\n").encode()
    result, previews = read_document(data, inspect_document(data, allow_text=True), CrashEngine())
    assert [(p.text, p.source, p.confidence) for p in result.pages] == [(docs.SAMPLE_LETTER, "plain", None)]
    assert previews == []


# --- pages in order, one result per page --------------------------------------------------------------------
@pytest.mark.parametrize("make", [docs.tiff_bytes, docs.image_pdf_bytes])
def test_every_page_is_read_once_in_order(make):
    data = make([["国"], ["国国", "国"], ["国", "国", "国"]])
    engine = CountingEngine()
    result, _ = read_document(data, inspect_document(data), engine, dpi=100)
    assert [(p.index, p.text, p.source) for p in result.pages] == [
        (0, "1 行", "ocr"),
        (1, "2 行", "ocr"),
        (2, "3 行", "ocr"),
    ]
    assert all(image.mode == "L" for image in engine.images)  # the engine is given greyscale pages
    assert result.mean_confidence == 50.0


def test_noop_engine_gives_empty_pages():
    data = docs.tiff_bytes([["一"], ["二"]])
    result, _ = read_document(data, inspect_document(data), NoOpEngine())
    assert [(p.index, p.text, p.confidence) for p in result.pages] == [(0, "", None), (1, "", None)]
    assert result.text == "\n\n" and result.mean_confidence is None


# --- failures ----------------------------------------------------------------------------------------------
def test_crashing_engine_becomes_processing_failed_naming_the_page():
    data = docs.image_pdf_bytes([["一"]])
    with pytest.raises(ProcessingFailed, match="第 1 页文字识别失败") as caught:
        read_document(data, inspect_document(data), CrashEngine())
    assert "crash" in str(caught.value) and caught.value.exit_code == 7


def test_out_of_memory_in_the_engine_becomes_processing_failed():
    data = docs.png_bytes(["一"])
    with pytest.raises(ProcessingFailed, match="内存不足"):
        read_document(data, inspect_document(data), OomEngine())


def test_letterdesk_errors_from_the_engine_pass_through():
    data = docs.png_bytes(["一"])
    with pytest.raises(InvalidState, match="引擎拒绝处理"):
        read_document(data, inspect_document(data), RefusingEngine())


# --- rendering details ---------------------------------------------------------------------------------------
def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def test_sixteen_bit_greyscale_scan_is_scaled_not_clipped_to_white():
    data = _encoded(Image.new("I;16", (40, 30), 32768), "TIFF")
    (page,) = rasterise(data, inspect_document(data))
    assert page.mode == "L" and page.getextrema() == (127, 127)


def test_transparent_background_becomes_white():
    data = _encoded(Image.new("RGBA", (40, 30), (0, 0, 0, 0)), "PNG")
    (page,) = rasterise(data, inspect_document(data))
    assert page.mode == "RGB" and page.getpixel((5, 5)) == (255, 255, 255)


def test_phone_photo_is_turned_upright_by_its_exif_orientation():
    image = Image.new("L", (60, 20), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    (page,) = rasterise(data, inspect_document(data))
    assert page.size == (20, 60)


# --- the command-line helper ---------------------------------------------------------------------------------
def test_ocr_file_reads_a_file_from_disk(tmp_path):
    path = tmp_path / "letter.tif"
    path.write_bytes(docs.tiff_bytes([["国"], ["国", "国"]]))
    result = ocr_file(path, engine=CountingEngine(), dpi=100)
    assert [p.text for p in result.pages] == ["1 行", "2 行"]


def test_ocr_file_of_a_missing_path_is_not_found(tmp_path):
    with pytest.raises(NotFound, match="找不到文件"):
        ocr_file(tmp_path / "nothing.pdf", engine=NoOpEngine())
