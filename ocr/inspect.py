"""Decide what an uploaded file is, from its bytes alone, and refuse what cannot become a letter.

:func:`inspect_document` is the gate before any decoding work: it checks the size, the type (magic bytes,
never the file name), that the file really opens, that it is not password-protected, and that no page is
larger than the limits allow. Pixel sizes are read from headers before anything is decoded, so a
decompression bomb is refused without being expanded.
"""
from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageSequence, UnidentifiedImageError

from letterdesk.config import Limits
from letterdesk.errors import CorruptFile, EmptyFile, EncryptedFile, TooLarge, UnsupportedType
from ocr.pages import DEFAULT_DPI, has_meaningful_text
from ocr.types import DocumentInfo

_IMAGE_MAGIC = {
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
_MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff", "text": "text/plain"}
_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}
# Recognised only to say clearly what was refused.
_MARKUP = (
    ("<!doctype html", "HTML 网页", "html"),
    ("<html", "HTML 网页", "html"),
    ("<?xml", "XML 文件", "xml"),
    ("{\\rtf", "RTF 文档", "rtf"),
)
_BINARY_OTHERS = (
    (b"PK\x03\x04", "ZIP 压缩包或 Office 文档（如 .docx）", "zip/docx"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档（如 .doc）", "ole/doc"),
    (b"GIF8", "GIF 图片", "gif"),
    (b"BM", "BMP 图片", "bmp"),
    (b"MZ", "Windows 可执行程序", "exe"),
    (b"\x7fELF", "可执行程序", "elf"),
    (b"Rar!", "RAR 压缩包", "rar"),
    (b"7z\xbc\xaf", "7z 压缩包", "7z"),
    (b"\x1f\x8b", "gzip 压缩包", "gzip"),
)
_PDF_MAGIC_WINDOW = 1024  # readers accept a PDF header anywhere in the first KiB, and so do we
_EOF_WINDOW = 2048  # "%%EOF" must appear this close to the end, else the file was cut off


def inspect_document(
    data: bytes, limits: Limits = Limits(), *, allow_text: bool = False, dpi: int = DEFAULT_DPI
) -> DocumentInfo:
    """Describe ``data`` or raise the :class:`~letterdesk.errors.InputRejected` subclass that says why not.

    Accepted: PDF, JPEG, PNG and (multi-page) TIFF; with ``allow_text`` also UTF-8 plain text. Raises
    EmptyFile (no bytes, or only whitespace), TooLarge (bytes, pages, TIFF frames, or pixels of any page —
    PDF pages measured at ``dpi`` — above ``limits``), UnsupportedType (any other type), CorruptFile (the
    file does not open or decode) and EncryptedFile (a PDF that needs a password to open; a PDF with only
    an owner password opens and is accepted). ``has_text_layer`` is True for a PDF with meaningful text.
    """
    if not data.strip():
        raise EmptyFile("文件为空，没有任何内容 (empty file)")
    if len(data) > limits.max_bytes:
        raise TooLarge(
            f"文件过大：{_size(len(data))}，上限为 {_size(limits.max_bytes)} (file too large)",
            bytes=len(data),
            max_bytes=limits.max_bytes,
        )
    kind = _sniff(data)
    if kind == "pdf":
        return _inspect_pdf(data, limits, dpi)
    if kind in _PIL_FORMAT:
        return _inspect_image(data, kind, limits)
    is_text = _is_utf8_text(data)
    other = _describe_other(data, is_text)
    if allow_text and is_text and other is None:
        if not data.decode("utf-8-sig").strip():
            raise EmptyFile("文件只有空白字符，没有文字 (whitespace only)")
        return DocumentInfo(kind="text", mime=_MIME["text"], pages=1)
    zh, en = other or (("纯文本", "text") if is_text else ("无法识别的格式", "unknown"))
    raise UnsupportedType(
        f"不支持的文件类型：{zh}。只接受 {_accepted(allow_text)} 文件 (unsupported type: {en})", detected=en
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} 字节"


def _sniff(data: bytes) -> str | None:
    """"pdf", "jpeg", "png" or "tiff" from the magic bytes, else None."""
    if b"%PDF-" in data[:_PDF_MAGIC_WINDOW]:
        return "pdf"
    return next((kind for magic, kind in _IMAGE_MAGIC.items() if data.startswith(magic)), None)


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _accepted(allow_text: bool) -> str:
    return "PDF、JPEG、PNG、TIFF" + ("、UTF-8 纯文本" if allow_text else "")


def _describe_other(data: bytes, is_text: bool) -> tuple[str, str] | None:
    """Chinese and English names of a known type we refuse (markup for text, else binary signatures)."""
    if is_text:
        head = data[:_PDF_MAGIC_WINDOW].decode("utf-8", "ignore").lstrip("\ufeff \t\r\n").lower()
        return next(((zh, en) for prefix, zh, en in _MARKUP if head.startswith(prefix)), None)
    return next(((zh, en) for magic, zh, en in _BINARY_OTHERS if data.startswith(magic)), None)


# --- PDF -------------------------------------------------------------------------------------------------
def _inspect_pdf(data: bytes, limits: Limits, dpi: int) -> DocumentInfo:
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise CorruptFile("PDF 文件不完整（缺少文件结尾，可能上传中断）(truncated PDF)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if pdfium_c.FPDF_GetLastError() in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedFile("PDF 文件设有打开密码，无法读取，请提供未加密的文件 (password-protected PDF)") from exc
        raise CorruptFile(f"PDF 文件已损坏，无法打开 (corrupt PDF: {exc})") from exc
    try:
        pages = len(pdf)
        if pages > limits.max_pages:
            raise TooLarge(f"PDF 页数过多：{pages} 页，上限为 {limits.max_pages} 页 (too many pages)", pages=pages)
        has_text = False
        for index in range(pages):
            width_pt, height_pt = pdf.get_page_size(index)
            _check_pixels(round(width_pt / 72 * dpi), round(height_pt / 72 * dpi), limits, index)
            has_text = _load_pdf_page(pdf, index, limits, need_text=not has_text) or has_text
    finally:
        pdf.close()
    return DocumentInfo(kind="pdf", mime=_MIME["pdf"], pages=pages, has_text_layer=has_text)


def _load_pdf_page(pdf: pdfium.PdfDocument, index: int, limits: Limits, *, need_text: bool) -> bool:
    """Load page ``index`` (raising CorruptFile if it does not parse) and check the pixel size its images
    declare, without decoding them (a tiny stream can inflate to gigapixels); True if asked for and the
    page has text."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:
        raise CorruptFile(f"PDF 第 {index + 1} 页已损坏，无法读取 (corrupt page)") from exc
    try:
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            _check_pixels(*image.get_size(), limits, index)
        if not need_text:
            return False
        textpage = page.get_textpage()
        try:
            return has_meaningful_text(textpage.get_text_bounded())
        finally:
            textpage.close()
    finally:
        page.close()


# --- images ----------------------------------------------------------------------------------------------
def _check_pixels(width: int, height: int, limits: Limits, index: int) -> None:
    if width * height > limits.max_pixels:
        raise TooLarge(
            f"第 {index + 1} 页图像过大：{width}×{height} 像素，上限为 {limits.max_pixels:,} 像素 (too many pixels)",
            width=width,
            height=height,
            max_pixels=limits.max_pixels,
        )


def _inspect_image(data: bytes, kind: str, limits: Limits) -> DocumentInfo:
    # Pillow's own bomb guard (it refuses above twice this) backs up the header checks below. A process-wide
    # setting: every caller in a process passes the same configured limits.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    label = _PIL_FORMAT[kind]
    try:
        with Image.open(io.BytesIO(data), formats=[label]) as image:
            frames = _check_frames(image, kind, limits)
            for index, frame in enumerate(ImageSequence.Iterator(image) if kind == "tiff" else [image]):
                _check_pixels(frame.width, frame.height, limits, index)  # from the header: nothing decoded yet
                frame.load()
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"图像像素过多，疑似解压炸弹，已拒绝 (decompression bomb: {exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFile(f"{label} 图像已损坏或不完整，无法读取 (corrupt image: {exc})") from exc
    return DocumentInfo(kind=kind, mime=_MIME[kind], pages=frames)


def _check_frames(image: Image.Image, kind: str, limits: Limits) -> int:
    """Number of pages of ``image``: the frames of a TIFF (checked against the limits), else 1."""
    if kind != "tiff":
        return 1
    frames, limit = image.n_frames, min(limits.max_frames, limits.max_pages)
    if frames > limit:
        raise TooLarge(f"TIFF 页数过多：{frames} 帧，上限为 {limit} 帧 (too many frames)", frames=frames)
    return frames
