"""Reading a whole document: composes the stages of :mod:`ocr.pages` with an :class:`~ocr.engines.OcrEngine`.

Per page the cheapest honest source wins: plain text as it is, a PDF page's own text layer, else OCR of
the rendered page (:mod:`ocr.recognise`, several pages at once through :mod:`ocr.parallel`). Every
failure comes out as a :class:`~letterdesk.errors.LetterdeskError`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from PIL import Image

from letterdesk.config import Limits
from letterdesk.errors import LetterdeskError, NotFound, ProcessingFailed
from ocr.engines import DEFAULT_ENGINE, OcrEngine, get_engine
from ocr.inspect import inspect_document
from ocr.pages import DEFAULT_DPI, has_meaningful_text, preview_jpeg, rasterise, text_layer
from ocr import parallel
from ocr.recognise import recognise_page
from ocr.types import DocumentInfo, OcrResult, PageText


def read_document(
    data: bytes,
    info: DocumentInfo,
    engine: OcrEngine,
    *,
    dpi: int = DEFAULT_DPI,
    previews: bool = False,
    page_workers: int | None = None,
    stages: tuple[str, ...] | None = None,
    correct: bool = True,
) -> tuple[OcrResult, list[bytes]]:
    """The text of every page of an inspected document, and (if ``previews``) one JPEG preview per page.

    * plain text: one page, source "plain", no previews (there is nothing to picture);
    * PDF pages with a meaningful text layer: that text, source "text-layer", confidence None, and the
      engine is not called; pages of the same PDF without one (e.g. scanned attachments) are OCR'd;
    * everything else: each page rendered at ``dpi`` (images at their own resolution) and read by
      :func:`~ocr.recognise.recognise_page` (``stages`` default to the engine's, ``correct`` applies the
      safe text corrections), source "ocr", with its lines and their confidences.

    Several pages needing OCR are read in parallel by a pool of ``page_workers`` processes (default:
    none; the service passes its ``ocr_page_workers`` setting) when :func:`~ocr.parallel.page_workers` allows it
    (never inside a daemon/Celery pool process).
    ``OcrResult.engine`` is the engine's name if it read any page, else the source used ("plain" or
    "text-layer"). Any failure raises ProcessingFailed, naming the page when the engine failed (out of
    memory included); LetterdeskErrors raised by the engine pass through unchanged.
    """
    try:
        return _read(data, info, engine, dpi, previews, _Reading(page_workers, stages, correct))
    except LetterdeskError:
        raise
    except MemoryError as exc:
        raise ProcessingFailed("内存不足，无法处理该文件 (out of memory while reading pages)") from exc
    except Exception as exc:
        raise ProcessingFailed(f"读取文件页面失败：{exc} (cannot render or read pages: {type(exc).__name__})") from exc


@dataclass(frozen=True)
class _Reading:
    """How OCR pages are read: pool size asked for, preprocessing stages, corrections on or off."""

    page_workers: int | None
    stages: tuple[str, ...] | None
    correct: bool


def _read(
    data: bytes, info: DocumentInfo, engine: OcrEngine, dpi: int, previews: bool, how: _Reading
) -> tuple[OcrResult, list[bytes]]:
    if info.kind == "text":
        page = PageText(index=0, text=data.decode("utf-8-sig").strip("\r\n"), confidence=None, source="plain")
        return OcrResult(pages=(page,), engine="plain"), []
    layer = _layer_pages(data, info)
    need_images = previews or any(page is None for page in layer)
    images: Iterable[Image.Image | None] = rasterise(data, info, dpi) if need_images else repeat(None, info.pages)
    workers = parallel.page_workers(sum(page is None for page in layer), engine, how.page_workers)
    pages: dict[int, PageText] = {}
    shots: list[bytes] = []
    waiting: dict[int, Image.Image] = {}  # pages for the pool, sent in batches of ``workers``
    for index, (layer_page, image) in enumerate(zip(layer, images, strict=True)):
        if previews:
            shots.append(preview_jpeg(image))
        if layer_page is not None:
            pages[index] = layer_page
        elif workers == 1:
            pages[index] = recognise_page(engine, image, index, stages=how.stages, correct=how.correct)
        else:
            waiting[index] = image
            if len(waiting) == workers:
                pages.update(parallel.recognise_pages(engine, waiting, workers, stages=how.stages, correct=how.correct))
                waiting = {}
    if waiting:
        pages.update(parallel.recognise_pages(engine, waiting, workers, stages=how.stages, correct=how.correct))
    ordered = tuple(pages[index] for index in range(len(layer)))
    used_engine = any(page.source == "ocr" for page in ordered)
    return OcrResult(pages=ordered, engine=engine.name if used_engine else "text-layer"), shots


def _layer_pages(data: bytes, info: DocumentInfo) -> list[PageText | None]:
    """Per page: its text-layer page when its text is meaningful, else None (the page must be OCR'd)."""
    pages = text_layer(data) if info.kind == "pdf" and info.has_text_layer else None
    if pages is None or len(pages) != info.pages:
        return [None] * info.pages
    return [page if has_meaningful_text(page.text) else None for page in pages]


def ocr_file(
    path: str | Path, *, engine: OcrEngine | None = None, limits: Limits = Limits(), dpi: int = DEFAULT_DPI
) -> OcrResult:
    """Inspect and read the file at ``path`` (the ``letterdesk ocr FILE`` command).

    Plain UTF-8 text is accepted too. ``engine`` defaults to the default engine (:data:`DEFAULT_ENGINE`). Raises NotFound for a missing
    file, the InputRejected subclasses of :func:`~ocr.inspect.inspect_document`, and ProcessingFailed.
    """
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise NotFound(f"找不到文件：{path} (no such file)") from exc
    info = inspect_document(data, limits, allow_text=True, dpi=dpi)
    result, _ = read_document(data, info, engine or get_engine(DEFAULT_ENGINE), dpi=dpi)
    return result
