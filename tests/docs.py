"""Test documents made on the fly: rendered Chinese letters as PNG, JPEG, TIFF and PDF bytes, plus broken ones.

Plain functions, no pytest fixtures, so any test module (and an end-to-end test) can ``from tests import docs``.
Chinese is drawn with a real CJK font found on the machine (Debian: ``fonts-noto-cjk`` for rendering,
``fonts-wqy-zenhei`` or ``fonts-arphic-uming`` for PDFs with a text layer); a missing font is a clear error,
never a silent blank page. Building a PDF with a text layer needs ``fpdf2``; encrypting one needs ``pypdf``.
"""
from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
# (file name, index of the Simplified Chinese face inside the collection)
RENDER_FONTS = (("NotoSerifCJK-Regular.ttc", 2), ("NotoSansCJK-Regular.ttc", 2))
# fpdf2 embeds only TrueType-outline fonts with a usable text layer (the CFF-based Noto faces extract as nothing).
PDF_FONTS = (("wqy-zenhei.ttc", 0), ("uming.ttc", 0))

A4_MM = (210.0, 297.0)
LEFT_MM, TOP_MM, RIGHT_MM = 28.0, 37.0, 26.0  # GB/T 9704 margins of an official document
LINE_PITCH = 1.8  # baseline-to-baseline distance in font sizes: 22 lines of 16 pt fill the type area
TITLE_SCALE = 22 / 16  # 二号 title over 三号 body

SAMPLE_LETTER = """梅川县人民政府
梅政函〔2024〕87号
关于商请对宏达建材公司案件暂缓执行的函
梅川县人民法院：
　　你院正在执行的梅川县农村信用合作联社与梅川
县宏达建材有限公司金融借款合同纠纷一案，案号为
（2024）豫0825执1234号。该公司系我县重点招商
引资企业，现有职工三百余人，正处于技术改造关键
时期。如立即查封其生产设备，将导致企业停产，职
工失业，影响社会稳定大局。
　　为优化营商环境、保护民营企业，恳请你院从稳定
大局出发，对该案暂缓执行三个月，给企业一定的化
解期。妥否，请函复。
　　　　　　　　　　　　　梅川县人民政府
　　　　　　　　　　　　　2024年6月19日
抄送：梅川县委政法委，梅川县工商业联合会。"""

_LETTER_LINES = SAMPLE_LETTER.splitlines()
SAMPLE_LETTER_PAGES: list[list[str]] = [_LETTER_LINES[:10], _LETTER_LINES[10:]]


def _find_font(candidates: tuple[tuple[str, int], ...], package_hint: str) -> tuple[Path, int]:
    for name, index in candidates:
        for root in FONT_DIRS:
            if root.is_dir():
                found = sorted(root.rglob(name))
                if found:
                    return found[0], index
    wanted = ", ".join(name for name, _ in candidates)
    raise RuntimeError(f"no CJK font found ({wanted}) under {', '.join(map(str, FONT_DIRS))}: install {package_hint}")


@cache
def render_font() -> tuple[Path, int]:
    """Path and face index of the CJK font used to draw pages (Noto Serif/Sans CJK SC)."""
    return _find_font(RENDER_FONTS, "fonts-noto-cjk")


@cache
def pdf_font() -> tuple[Path, int]:
    """Path and face index of a TrueType CJK font that fpdf2 embeds with a working text layer."""
    return _find_font(PDF_FONTS, "fonts-wqy-zenhei or fonts-arphic-uming")


@cache
def _pil_font(size_px: int) -> ImageFont.FreeTypeFont:
    path, index = render_font()
    return ImageFont.truetype(str(path), size_px, index=index)


def _wrap(line: str, font: ImageFont.FreeTypeFont, width_px: float) -> list[str]:
    """Break ``line`` between characters so that no piece is wider than ``width_px``."""
    pieces, current = [], ""
    for char in line:
        if current and font.getlength(current + char) > width_px:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def render_page(lines: list[str], *, dpi: int = 200, font_size_pt: float = 16, title: str | None = None) -> Image.Image:
    """An A4 page (mode "L", white) with ``lines`` in black, laid out like an official letter.

    An optional ``title`` is drawn centred and larger above the lines. Lines too wide for the type area are
    wrapped between characters. Resolution is ``dpi`` (the image also records it).
    """
    px_per_mm = dpi / 25.4
    size = (round(A4_MM[0] * px_per_mm), round(A4_MM[1] * px_per_mm))
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font_px = round(font_size_pt / 72 * dpi)
    font = _pil_font(font_px)
    left, right = LEFT_MM * px_per_mm, size[0] - RIGHT_MM * px_per_mm
    y = TOP_MM * px_per_mm
    if title:
        title_font = _pil_font(round(font_px * TITLE_SCALE))
        for piece in _wrap(title, title_font, right - left):
            draw.text(((size[0] - title_font.getlength(piece)) / 2, y), piece, font=title_font, fill=0)
            y += title_font.size * LINE_PITCH
    for line in lines:
        for piece in _wrap(line, font, right - left):
            draw.text((left, y), piece, font=font, fill=0)
            y += font_px * LINE_PITCH
    page.info["dpi"] = (dpi, dpi)
    return page


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_bytes(lines: list[str], **render) -> bytes:
    """A PNG of one rendered page (keyword arguments go to :func:`render_page`)."""
    page = render_page(lines, **render)
    return _save(page, "PNG", dpi=page.info["dpi"])


def jpeg_bytes(lines: list[str], quality: int = 90, **render) -> bytes:
    """A JPEG of one rendered page, like a scanner's output."""
    page = render_page(lines, **render)
    return _save(page, "JPEG", quality=quality, dpi=page.info["dpi"])


def tiff_bytes(pages: list[list[str]], **render) -> bytes:
    """A multi-page TIFF (one frame per list of lines), compressed like a fax or scanner batch."""
    frames = [render_page(lines, **render) for lines in pages]
    return _save(frames[0], "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")


def image_pdf_bytes(pages: list[list[str]], dpi: int = 200, **render) -> bytes:
    """An image-only PDF (no text layer), one scanned page image per list of lines."""
    frames = [render_page(lines, dpi=dpi, **render) for lines in pages]
    return _save(frames[0], "PDF", save_all=True, append_images=frames[1:], resolution=float(dpi))


def text_pdf_bytes(pages: list[list[str]], font_size_pt: float = 16) -> bytes:
    """A born-digital A4 PDF whose text layer holds exactly ``pages`` (one text line per list item)."""
    from fpdf import FPDF

    path, index = pdf_font()
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset": bitmap strikes are dropped
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(LEFT_MM, TOP_MM, RIGHT_MM)
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(path), collection_font_number=index)
    pdf.set_font("cjk", size=font_size_pt)
    pitch_mm = font_size_pt * LINE_PITCH * 25.4 / 72
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, h=pitch_mm, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def many_pages_pdf_bytes(n: int) -> bytes:
    """A valid PDF of ``n`` blank A4 pages."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(n):
        pdf.add_page()
    return bytes(pdf.output())


def encrypted_pdf_bytes(user_password: str = "secret", owner_password: str = "owner") -> bytes:
    """A text PDF encrypted with pypdf (RC4-128). With ``user_password=""`` only an owner password is set,
    so the file opens without a password (permissions restricted)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf_bytes([SAMPLE_LETTER_PAGES[0]]))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_pdf_bytes() -> bytes:
    """A PDF cut off part-way, as an interrupted upload leaves it."""
    data = text_pdf_bytes(SAMPLE_LETTER_PAGES)
    return data[: len(data) * 2 // 3]


def corrupt_jpeg_bytes() -> bytes:
    """A JPEG whose data stops part-way through the image."""
    data = jpeg_bytes(["残缺的扫描件"])
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@cache
def bomb_png_bytes(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid, tiny (~100 KB) 1-bit PNG that declares ``width`` x ``height`` pixels: a decompression bomb.

    Decoding it would need ``width * height`` bytes in Pillow (900 MB for the default size).
    """
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed 1-bit pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def gif_bytes() -> bytes:
    """A small valid GIF (a type the desk does not accept)."""
    return _save(render_page(["动图"], dpi=50), "GIF")


def docx_bytes() -> bytes:
    """A minimal Word (.docx) file: a ZIP archive with Office parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document><w:body>函</w:body></w:document>')
    return out.getvalue()


HTML_BYTES = "<!DOCTYPE html>\n<html><head><title>函</title></head><body>暂缓执行</body></html>\n".encode()
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
