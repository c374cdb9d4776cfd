"""Hostile and broken files: each gets a clear error and a quarantined original; nothing else escapes.

Complements tests/test_ocr_inspect.py (the library's own checks) by going through intake, the hot folder
and the API, and fuzzes the parsers with hypothesis.
"""
from __future__ import annotations

import io
import os
import zlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from sqlalchemy import select

from classifier import casenumber
from classifier.segment import segment
from ingest.intake import submit
from ingest.watch import HotFolder
from letterdesk.config import Limits
from letterdesk.errors import CorruptFile, InputRejected, TooLarge, UnsupportedType
from ocr import inspect_document
from storage.models import Letter, Rejection
from tests import docs


def _raw_pdf(*objects: bytes) -> bytes:
    """A minimal PDF with a correct cross-reference table around ``objects`` (1-based object numbers)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def huge_page_pdf() -> bytes:
    """One page 200 × 200 inches: 3.6 Gpx at 300 dpi."""
    return _raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>")


def image_bomb_pdf() -> bytes:
    """An A4 page drawing a 50,000 × 50,000 image whose 300 KB stream inflates to 312 MB (2.5 Gpx)."""
    side = 50_000
    stream = zlib.compress(bytes(side * side // 8), 9)
    image = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
             b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n" % (side, side, len(stream))
             + stream + b"\nendstream")
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    return _raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >>"
                    b" /Contents 5 0 R >>",
                    image,
                    b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")


def many_frames_tiff(frames: int) -> bytes:
    first, *rest = [Image.new("L", (16, 16), 255) for _ in range(frames)]
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=rest)
    return out.getvalue()


def garbage_after_pdf_header() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(4096)


HOSTILE = {
    "thousands-of-pages": (lambda: docs.many_pages_pdf_bytes(2000), TooLarge),
    "huge-page": (huge_page_pdf, TooLarge),
    "pdf-image-bomb": (image_bomb_pdf, TooLarge),
    "tiff-300-frames": (lambda: many_frames_tiff(300), TooLarge),
    "png-bomb": (docs.bomb_png_bytes, TooLarge),
    "pdf-header-then-garbage": (garbage_after_pdf_header, CorruptFile),
    "corrupt-jpeg": (docs.corrupt_jpeg_bytes, CorruptFile),
    "exe-named-pdf": (lambda: docs.EXE_BYTES, UnsupportedType),
    "gif": (docs.gif_bytes, UnsupportedType),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_with_a_reason_and_quarantined(rt, name):
    make, error = HOSTILE[name]
    data = make()
    with pytest.raises(error) as caught:
        submit(rt, data, f"{name}.pdf", "api", enqueue=False)
    assert caught.value.message and not caught.value.message.startswith("内部错误")
    with rt.db.session() as s:
        [rejection] = s.scalars(select(Rejection)).all()
        assert rejection.code == error.code and rejection.reason == caught.value.message
        key = rejection.object_key
        assert s.scalars(select(Letter)).all() == []
    assert rt.objects.get(key) == data


def test_type_comes_from_the_bytes_not_the_name(rt):
    png = docs.png_bytes(["梅川县人民政府"])
    accepted = submit(rt, png, "looks-like.pdf", "api", enqueue=False)
    with rt.db.session() as s:
        letter = s.get(Letter, accepted.id)
        assert (letter.kind, letter.mime, letter.original_key.rsplit(".", 1)[1]) == ("png", "image/png", "png")


@pytest.mark.parametrize("raw, stored", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\scans\\..\\来信.pdf", "来信.pdf"),
    ("\udcff\udcfe扫描.pdf", "扫描.pdf"),  # what os.fsdecode makes of a non-UTF-8 name
    ("", "unnamed"),
    ("a" * 500 + ".pdf", "a" * 200),
])
def test_client_file_names_are_reduced_to_a_safe_printable_name(rt, raw, stored):
    data = docs.png_bytes([raw[:10] or "x"])
    accepted = submit(rt, data, raw, "api", enqueue=False)
    assert accepted.filename == stored


def test_hot_folder_handles_non_utf8_file_names(rt, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = os.fsdecode(b"\xc9\xa8\xc3\xe8-gbk.png")  # 扫描 in GBK, as an old scanner writes it
    (inbox / name).write_bytes(docs.png_bytes(["扫描件"]))
    hot = HotFolder(inbox, settle=0)
    hot.scan(rt, now=0.0)
    [outcome] = hot.scan(rt, now=1.0)
    assert outcome.accepted is not None and outcome.moved_to.parent.name == "done"


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = Limits(max_bytes=1_000_000, max_pages=5, max_pixels=4_000_000, max_frames=5)


@FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_inspect_random_bytes_only_raises_input_rejected(data):
    try:
        inspect_document(data, SMALL, allow_text=True)
    except InputRejected:
        pass


_SEEDS = [docs.text_pdf_bytes([["函"]]), docs.png_bytes(["函"], dpi=30), docs.jpeg_bytes(["函"], dpi=30),
          docs.tiff_bytes([["函"]], dpi=30)]


@FUZZ
@given(st.sampled_from(range(len(_SEEDS))), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                     max_size=12), st.integers(0, 10**6))
def test_fuzz_inspect_mutated_real_files_only_raises_input_rejected(seed, flips, cut):
    data = bytearray(_SEEDS[seed])
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: max(1, cut % (len(data) + 1))])
    try:
        inspect_document(data, SMALL)
    except InputRejected:
        pass


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_text_stages_never_crash(text):
    for match in casenumber.find_all(text):
        assert casenumber.normalize(match.normalized) == match.normalized
    segment(text)
