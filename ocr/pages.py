"""Stage functions on the pages of an accepted document: text layer, rendering, previews.

Each function does one thing and knows nothing of the others; :mod:`ocr.pipeline` composes them. They
expect a document already checked by :func:`ocr.inspect.inspect_document` (type, size and pixel limits),
so they do not repeat those checks.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageOps, ImageSequence

from ocr.layout import fraction_box
from ocr.types import DocumentInfo, LineText, PageText

# PDF pages are rendered at 200 dpi: on the benchmark's scanned PDFs RapidOCR read them exactly as well as
# at 300 dpi with 13% less CPU time (and 44% fewer pixels to hold).
DEFAULT_DPI = 200
MIN_TEXT_CHARS = 8  # fewer letters/digits/ideographs than this on a page is not a usable text layer
PREVIEW_QUALITY = 80

_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")  # pdfminer's stand-in for a glyph without a Unicode mapping


def has_meaningful_text(text: str | None) -> bool:
    """True when ``text`` holds at least :data:`MIN_TEXT_CHARS` letters, digits or ideographs.

    Unmapped-glyph markers, private-use characters and replacement characters do not count, so a PDF whose
    fonts lack a Unicode mapping (text that extracts as garbage) is treated as having no text layer.
    """
    if not text:
        return False
    cleaned = _UNMAPPED_GLYPH.sub("", text)
    count = sum(1 for ch in cleaned if ch.isalnum() and not ("\ue000" <= ch <= "\uf8ff") and ch != "\ufffd")
    return count >= MIN_TEXT_CHARS


def text_layer(data: bytes) -> list[PageText] | None:
    """Per-page text of a PDF's text layer (pdfplumber), one source "text-layer" page per PDF page in order.

    Returns None when no page has meaningful text (an image-only scan). Pages without meaningful text are
    included as they were extracted (often ""), so callers can OCR just those pages. Each page's text is
    its lines joined by "\\n"; the lines carry their boxes (:data:`~ocr.types.Box`) unless the page is
    turned by its /Rotate entry (then the boxes are left out).
    """
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [_layer_page(index, page) for index, page in enumerate(pdf.pages)]
    return pages if any(has_meaningful_text(p.text) for p in pages) else None


def _layer_page(index: int, page: pdfplumber.page.Page) -> PageText:
    left, top = page.bbox[0], page.bbox[1]
    upright = not (page.rotation or 0) % 360
    lines = tuple(
        LineText(line["text"], None,
                 fraction_box(line["x0"] - left, line["top"] - top, line["x1"] - left, line["bottom"] - top,
                              page.width, page.height) if upright else None)
        for line in page.extract_text_lines() if line["text"].strip()
    )
    return PageText(index=index, text="\n".join(line.text for line in lines), confidence=None,
                    source="text-layer", lines=lines)


def _normalise_mode(image: Image.Image) -> Image.Image:
    """``image`` as mode "L" (for greyscale sources) or "RGB"; transparency is flattened onto white."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16/32-bit greyscale: scale into 0-255 instead of letting convert("L") clip everything to white.
        top = 65535 if image.mode.startswith("I;16") else max(image.getextrema()[1], 1)
        return image.convert("I").point(lambda v: v * (255 / top)).convert("L")
    if image.mode in ("LA", "RGBA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def rasterise(data: bytes, info: DocumentInfo, dpi: int = DEFAULT_DPI) -> Iterator[Image.Image]:
    """Yield one image per page, in order, in mode "RGB" or "L".

    PDF pages are rendered with pypdfium2 at ``dpi`` (honouring page rotation). Images are decoded with
    Pillow at their own resolution (``dpi`` does not apply): every frame of a TIFF, the first frame of
    anything else, turned upright by its EXIF orientation. Plain text has no pages to render (ValueError).
    """
    if info.kind == "pdf":
        pdf = pdfium.PdfDocument(data)
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    yield _normalise_mode(page.render(scale=dpi / 72).to_pil())
                finally:
                    page.close()
        finally:
            pdf.close()
    elif info.kind in ("jpeg", "png", "tiff"):
        with Image.open(io.BytesIO(data)) as image:
            frames = ImageSequence.Iterator(image) if info.kind == "tiff" else [image]
            for frame in frames:
                yield _normalise_mode(ImageOps.exif_transpose(frame))
    else:
        raise ValueError(f"cannot rasterise a document of kind {info.kind!r}")


def preview_jpeg(image: Image.Image, max_width: int = 1400) -> bytes:
    """A JPEG of the page for the review desk, scaled down (never up) to at most ``max_width`` pixels wide."""
    preview = _normalise_mode(image)
    if preview.width > max_width:
        preview = preview.resize((max_width, round(preview.height * max_width / preview.width)), Image.LANCZOS)
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=PREVIEW_QUALITY, optimize=True)
    return out.getvalue()
