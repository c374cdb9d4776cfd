"""The OCR engines behind one interface: each reads a rendered letter, in reading order, line by line with
confidences; engines load once per process; pages of one letter can be read by a pool of processes."""
from __future__ import annotations

import difflib
import multiprocessing
import unicodedata

import pytest

from letterdesk.errors import ConfigurationError
from ocr import DEFAULT_ENGINE, LineText, engine_names, get_engine, inspect_document, read_document
from ocr.layout import Piece, reading_order
from ocr.parallel import inside_daemon_process, page_workers
from tests import docs

LETTER = docs.SAMPLE_LETTER.splitlines()


def squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def similarity(got: str, truth: str) -> float:
    return difflib.SequenceMatcher(None, squash(got), squash(truth), autojunk=False).ratio()


@pytest.fixture(scope="module", params=["rapidocr", "tesseract"])
def engine(request):
    return get_engine(request.param)


@pytest.fixture(scope="module")
def read_letter(engine):
    """A scanned letter (200 dpi JPEG) read by ``engine`` through ``read_document``."""
    data = docs.jpeg_bytes(LETTER, dpi=200)
    result, _ = read_document(data, inspect_document(data), engine)
    return result


def test_each_engine_reads_a_scanned_letter_line_by_line(engine, read_letter):
    result = read_letter
    (page,) = result.pages
    assert result.engine == engine.name and page.source == "ocr"
    assert similarity(page.text, docs.SAMPLE_LETTER) >= 0.9
    assert "0825执1234号" in page.text
    assert "梅政函〔2024〕87号" in page.text  # the document number's brackets, whatever the engine saw
    assert [line.text for line in page.lines] == page.text.splitlines()
    assert all(isinstance(line, LineText) and 0 < line.confidence <= 100 for line in page.lines)
    assert 50 < page.confidence <= 100


def test_signature_and_date_come_after_the_body(read_letter):
    lines = [squash(line.text) for line in read_letter.pages[0].lines]
    body = next(i for i, line in enumerate(lines) if "请函复" in line)
    date = next(i for i, line in enumerate(lines) if "2024年6月19日" in line)
    cc = next(i for i, line in enumerate(lines) if line.startswith("抄送"))
    assert body < date < cc


def test_rapidocr_is_the_default_and_both_engines_are_offered():
    assert DEFAULT_ENGINE == "rapidocr"
    assert {"rapidocr", "tesseract"} <= set(engine_names())


def test_an_engine_is_loaded_once_per_process():
    assert get_engine("rapidocr") is get_engine("rapidocr")


def test_unknown_engine_names_the_choices():
    with pytest.raises(ConfigurationError, match="rapidocr"):
        get_engine("abbyy")


# --- reading order ---------------------------------------------------------------------------------------
def test_pieces_are_read_top_to_bottom_and_rows_left_to_right():
    pieces = [
        Piece("2024年6月19日", 90, 1200, 1010, 1600, 1050),  # right-aligned date, detected first
        Piece("梅川县人民政府", 80, 1200, 950, 1600, 990),  # signature, above the date
        Piece("恳请你院暂缓执行。", 99, 200, 880, 900, 920),  # last body line
        Piece("抄送：", 70, 200, 1100, 320, 1140),
        Piece("县委政法委", 50, 330, 1104, 560, 1146),  # same printed line, a few pixels lower
        Piece("   ", 10, 0, 0, 5, 5),
    ]
    lines = reading_order(pieces)
    assert [line.text for line in lines] == ["恳请你院暂缓执行。", "梅川县人民政府", "2024年6月19日", "抄送：县委政法委"]
    assert lines[-1].confidence == pytest.approx((70 * 3 + 50 * 5) / 8)  # weighted by characters


# --- pages of one letter in parallel ---------------------------------------------------------------------
def test_pages_of_a_letter_read_by_a_pool_match_pages_read_in_process():
    engine = get_engine("rapidocr")
    data = docs.image_pdf_bytes(docs.SAMPLE_LETTER_PAGES, dpi=150)
    info = inspect_document(data)
    alone, _ = read_document(data, info, engine, page_workers=1)
    pooled, _ = read_document(data, info, engine, page_workers=2)
    assert [p.text for p in pooled.pages] == [p.text for p in alone.pages]
    assert [p.index for p in pooled.pages] == [0, 1] and pooled.engine == "rapidocr"


class _Unregistered:
    name = "rapidocr"  # same name, but not the engine get_engine holds: a pool could not rebuild it

    def recognize(self, image):
        return "", None


def test_page_pool_is_used_only_where_it_is_safe_and_useful():
    engine = get_engine("rapidocr")
    assert page_workers(3, engine, 2) == 2
    assert page_workers(3, engine, 8) == 3  # never more processes than pages
    assert page_workers(1, engine, 4) == 1  # a single page is read in this process
    assert page_workers(3, _Unregistered(), 2) == 1


def test_page_pool_is_off_unless_asked_for():
    engine = get_engine("rapidocr")
    assert page_workers(8, engine) == 1
    assert page_workers(8, engine, 2) == 2 and page_workers(1, engine, 2) == 1


def _report_daemon(queue) -> None:
    queue.put((inside_daemon_process(), page_workers(4, get_engine("tesseract"), 4)))


def test_no_page_pool_inside_a_daemon_worker_process():
    """Celery's prefork children are daemon processes: there the pages are read one after another."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_report_daemon, args=(queue,), daemon=True)
    child.start()
    child.join(60)
    assert queue.get(timeout=5) == (True, 1)
    assert not inside_daemon_process()
