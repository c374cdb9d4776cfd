"""The gate before OCR: what is accepted, what is refused, and with which error."""
from __future__ import annotations

import resource

import pytest

from letterdesk.config import Limits
from letterdesk.errors import CorruptFile, EmptyFile, EncryptedFile, InputRejected, TooLarge, UnsupportedType
from ocr import inspect_document
from tests import docs

LETTER = docs.SAMPLE_LETTER.splitlines()


# --- accepted ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "kind", "mime"),
    [
        (lambda: docs.png_bytes(LETTER), "png", "image/png"),
        (lambda: docs.jpeg_bytes(LETTER), "jpeg", "image/jpeg"),
        (lambda: docs.tiff_bytes([LETTER]), "tiff", "image/tiff"),
        (lambda: docs.image_pdf_bytes([LETTER]), "pdf", "application/pdf"),
    ],
)
def test_single_page_types_are_recognised_from_their_bytes(make, kind, mime):
    info = inspect_document(make())
    assert (info.kind, info.mime, info.pages, info.has_text_layer) == (kind, mime, 1, False)


def test_multi_page_tiff_counts_its_frames():
    info = inspect_document(docs.tiff_bytes([["第一页"], ["第二页"], ["第三页"]]))
    assert (info.kind, info.pages) == ("tiff", 3)


def test_scanned_pdf_counts_pages_and_has_no_text_layer():
    info = inspect_document(docs.image_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    assert (info.kind, info.pages, info.has_text_layer) == ("pdf", 2, False)


def test_born_digital_pdf_has_a_text_layer():
    info = inspect_document(docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    assert (info.kind, info.pages, info.has_text_layer) == ("pdf", 2, True)


def test_pdf_with_owner_password_only_opens_and_is_accepted():
    info = inspect_document(docs.encrypted_pdf_bytes(user_password=""))
    assert (info.kind, info.pages, info.has_text_layer) == ("pdf", 1, True)


def test_plain_utf8_text_is_accepted_only_when_allowed():
    data = docs.SAMPLE_LETTER.encode("utf-8")
    assert inspect_document(data, allow_text=True).kind == "text"
    with pytest.raises(UnsupportedType, match="纯文本"):
        inspect_document(data)


def test_type_comes_from_content_not_from_a_name():
    # a PNG whose first bytes say PNG is a PNG whatever it was called; HTML is never a PDF
    assert inspect_document(docs.png_bytes(["函"])).kind == "png"
    with pytest.raises(UnsupportedType, match="HTML"):
        inspect_document(docs.HTML_BYTES)


# --- refused ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b" \r\n\t  \n"])
def test_empty_or_blank_file_is_refused(data):
    with pytest.raises(EmptyFile, match="空"):
        inspect_document(data, allow_text=True)


def test_text_of_only_ideographic_spaces_is_empty():
    with pytest.raises(EmptyFile):
        inspect_document("\u3000\u3000\n".encode(), allow_text=True)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (docs.docx_bytes(), "docx"),
        (docs.gif_bytes(), "GIF"),
        (docs.HTML_BYTES, "HTML"),
        ("\ufeff<?xml version='1.0'?><letter>函</letter>".encode(), "XML"),
        (docs.EXE_BYTES, "可执行程序"),
        (b"\x00\x01\x02 random binary \xff\xfe", "无法识别"),
    ],
)
def test_other_types_are_refused_saying_what_is_accepted(data, named):
    with pytest.raises(UnsupportedType) as caught:
        inspect_document(data, allow_text=True)
    message = str(caught.value)
    assert named in message
    assert "PDF、JPEG、PNG、TIFF" in message and "纯文本" in message
    assert caught.value.http_status == 415


def test_truncated_pdf_is_corrupt_and_said_to_be_incomplete():
    with pytest.raises(CorruptFile, match="PDF 文件不完整"):
        inspect_document(docs.corrupt_pdf_bytes())


def test_garbled_pdf_with_a_valid_header_and_ending_is_corrupt():
    with pytest.raises(CorruptFile, match="损坏"):
        inspect_document(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")


def test_truncated_jpeg_is_corrupt():
    with pytest.raises(CorruptFile, match="JPEG"):
        inspect_document(docs.corrupt_jpeg_bytes())


def test_png_with_broken_header_is_corrupt():
    data = bytearray(docs.png_bytes(["函"]))
    data[20:28] = b"\xde\xad\xbe\xef" * 2  # inside IHDR: size and CRC no longer match
    with pytest.raises(CorruptFile, match="PNG"):
        inspect_document(bytes(data))


def test_pdf_needing_a_password_is_refused_as_encrypted():
    with pytest.raises(EncryptedFile, match="密码") as caught:
        inspect_document(docs.encrypted_pdf_bytes())
    assert isinstance(caught.value, InputRejected)


def test_decompression_bomb_is_refused_from_its_header_without_decoding():
    bomb = docs.bomb_png_bytes()  # ~100 KB declaring 30000 x 30000 pixels (900 MB decoded)
    assert len(bomb) < 300_000
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with pytest.raises(TooLarge):
        inspect_document(bomb)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 100_000


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_just_over_the_pixel_limit_is_refused_with_its_size():
    # below Pillow's own guard (twice the limit): the header check must catch it
    with pytest.raises(TooLarge, match="像素"):
        inspect_document(docs.png_bytes(["函"], dpi=100), Limits(max_pixels=500_000))


def test_pdf_page_too_large_at_rendering_dpi_is_refused():
    a4 = docs.text_pdf_bytes([["函"]])
    assert inspect_document(a4, Limits(max_pixels=9_000_000), dpi=300).pages == 1  # A4 at 300 dpi is 8.7 Mpx
    with pytest.raises(TooLarge, match="2480×3508"):
        inspect_document(a4, Limits(max_pixels=8_000_000), dpi=300)
    assert inspect_document(a4, Limits(max_pixels=8_000_000)).pages == 1  # rendered at 200 dpi by default


def test_too_many_pdf_pages_is_refused():
    data = docs.many_pages_pdf_bytes(6)
    assert inspect_document(data, Limits(max_pages=6)).pages == 6
    with pytest.raises(TooLarge, match="页数"):
        inspect_document(data, Limits(max_pages=5))


def test_too_many_tiff_frames_is_refused():
    data = docs.tiff_bytes([["一"], ["二"], ["三"]])
    with pytest.raises(TooLarge, match="帧"):
        inspect_document(data, Limits(max_frames=2))


def test_too_many_bytes_is_refused_before_the_file_is_opened():
    with pytest.raises(TooLarge, match="文件过大") as caught:
        inspect_document(docs.corrupt_jpeg_bytes(), Limits(max_bytes=1000))  # not reported as corrupt
    assert caught.value.http_status == 413
