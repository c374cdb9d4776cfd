"""One page image through one engine: preprocessing, reading, orientation check, reading order, correction.

:func:`recognise_page` is what :mod:`ocr.pipeline` does for every page that needs OCR, in its own process
or in a page-pool worker (:mod:`ocr.parallel`). Failures come out as ProcessingFailed naming the page.
"""
from __future__ import annotations

from dataclasses import replace

from PIL import Image

from letterdesk.errors import LetterdeskError, ProcessingFailed
from ocr.correct import correct_text
from ocr.engines import OcrEngine, PieceEngine
from ocr.layout import mean_confidence, reading_order, turned_box
from ocr.preprocess import prepare
from ocr.types import LineText, PageText

# A page read with a mean confidence below this, or with fewer confidently read characters than
# FEW_CHARACTERS, is read again turned by 180° and the read with more confidently read characters kept
# (only when the engine's stages include "orient"). Upright letters read well above both with both engines;
# upside down, Tesseract reads garbage at ~20 and RapidOCR drops almost every line as below its threshold.
UPSIDE_DOWN_BELOW = 60.0
FEW_CHARACTERS = 20


def engine_stages(engine: OcrEngine) -> tuple[str, ...]:
    """The preprocessing stages ``engine`` asks for (none for an engine that names none)."""
    return tuple(getattr(engine, "preprocess", ()))


def read_lines(engine: OcrEngine, image: Image.Image) -> list[LineText]:
    """The lines of ``image`` in reading order with their confidences.

    Engines that report boxes (:class:`~ocr.engines.PieceEngine`) get their pieces put in reading order
    here and each line keeps its box (fractions of ``image``); for others the text's lines all carry the
    page's confidence and no box.
    """
    if isinstance(engine, PieceEngine):
        return reading_order(engine.read_pieces(image), image.size)
    text, confidence = engine.recognize(image)
    return [LineText(line, confidence) for line in text.split("\n")] if text else []


def _confident_characters(lines: list[LineText]) -> float:
    """Characters read, each counted by its line's confidence (0–1); lines without one count fully."""
    return sum(len(line.text) * (1 if line.confidence is None else line.confidence / 100) for line in lines)


def _doubtful(lines: list[LineText]) -> bool:
    confidence = mean_confidence(lines)
    return _confident_characters(lines) < FEW_CHARACTERS or (confidence is not None and confidence < UPSIDE_DOWN_BELOW)


def recognise_page(
    engine: OcrEngine, image: Image.Image, index: int, *, stages: tuple[str, ...] | None = None, correct: bool = True
) -> PageText:
    """The OCR'd text of one page (0-based ``index``): ``image`` through ``stages`` (default: the engine's),
    read by ``engine``, turned 180° and read again if ``"orient"`` is a stage and the first read is doubtful,
    lines corrected by :func:`~ocr.correct.correct_text` when ``correct``.

    Line boxes are given on ``image`` as it came (a page read turned by 180° has its boxes turned back);
    when a stage changed the page's size (a photo cropped, a page turned by 90°) they cannot be placed on
    ``image`` and are dropped.

    Raises ProcessingFailed naming the page when the engine fails (out of memory included);
    LetterdeskErrors raised by the engine pass through unchanged.
    """
    stages = engine_stages(engine) if stages is None else stages
    try:
        page = prepare(image, stages)
        lines = read_lines(engine, page)
        if "orient" in stages and _doubtful(lines):
            turned = read_lines(engine, page.transpose(Image.Transpose.ROTATE_180))
            if _confident_characters(turned) > _confident_characters(lines):
                lines = [replace(line, box=line.box and turned_box(line.box)) for line in turned]
        if page.size != image.size:
            lines = [replace(line, box=None) for line in lines]
        confidence = mean_confidence(lines)
    except LetterdeskError:
        raise
    except MemoryError as exc:
        raise ProcessingFailed(
            f"第 {index + 1} 页文字识别时内存不足 (out of memory in OCR engine {engine.name})", page=index + 1
        ) from exc
    except Exception as exc:
        raise ProcessingFailed(
            f"第 {index + 1} 页文字识别失败：{exc} (OCR engine {engine.name} failed: {type(exc).__name__})",
            page=index + 1,
        ) from exc
    if correct and lines:  # the page as a whole, so patterns spanning two lines are seen too
        texts = correct_text("\n".join(line.text for line in lines)).split("\n")
        lines = [replace(line, text=text) for text, line in zip(texts, lines, strict=True)]
    lines = [line for line in lines if line.text]
    return PageText(index=index, text="\n".join(line.text for line in lines), confidence=confidence, source="ocr",
                    lines=tuple(lines))
