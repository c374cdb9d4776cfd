"""OCR engines: the :class:`OcrEngine` interface, the registry and the Tesseract implementation.

An engine turns one page image into text. It knows nothing of documents, pages or limits; the pipeline
calls it once per page and turns its failures into ``ProcessingFailed``. Engines that can say *where*
each piece of text is (:class:`PieceEngine`) get their pieces put in reading order by :mod:`ocr.layout`
and keep a confidence per line. Each engine names the preprocessing stages (:mod:`ocr.preprocess`) that
the benchmark showed help it.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PIL import Image

from letterdesk.errors import ConfigurationError
from ocr.layout import Piece, mean_confidence, reading_order
from ocr.words import join_words

__all__ = ["DEFAULT_ENGINE", "OcrEngine", "PieceEngine", "TesseractEngine", "engine_names", "get_engine", "is_loaded", "join_words", "page_text"]


@runtime_checkable
class OcrEngine(Protocol):
    """Reads the text of one page image."""

    name: str

    def recognize(self, image: Image.Image) -> tuple[str, float | None]:
        """Text of ``image`` (lines in reading order joined by "\\n") and the mean confidence 0–100
        (None when the engine found no text or gives no confidences)."""
        ...


@runtime_checkable
class PieceEngine(OcrEngine, Protocol):
    """An engine that also reports where each piece of text is, so lines keep their own confidence."""

    preprocess: tuple[str, ...]

    def read_pieces(self, image: Image.Image) -> list[Piece]:
        """Every run of text found on ``image`` with its box (page pixels) and confidence 0–100."""
        ...


def page_text(pieces: list[Piece]) -> tuple[str, float | None]:
    """Text (reading order, one line per printed line) and length-weighted mean confidence of ``pieces``."""
    lines = reading_order(pieces)
    return "\n".join(line.text for line in lines), mean_confidence(lines)


def pieces_from_tesseract_data(data: dict[str, list]) -> list[Piece]:
    """One :class:`Piece` per Tesseract text line from pytesseract's ``image_to_data`` dictionary.

    Words (level 5, non-empty) are grouped by (block, paragraph, line) number and joined with
    :func:`join_words`; the box is the union of the word boxes and the confidence the mean over words
    whose confidence is >= 0 (None if none is).
    """
    groups: dict[tuple[int, int, int], list[tuple[str, float, int, int, int, int]]] = {}
    for i, (level, text) in enumerate(zip(data["level"], data["text"])):
        if int(level) != 5 or not str(text).strip():
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        groups.setdefault(key, []).append(
            (str(text).strip(), float(data["conf"][i]), int(data["left"][i]), int(data["top"][i]),
             int(data["width"][i]), int(data["height"][i]))
        )
    pieces = []
    for words in groups.values():
        confidences = [conf for _, conf, *_ in words if conf >= 0]
        pieces.append(Piece(
            text=join_words([w for w, *_ in words]),
            confidence=sum(confidences) / len(confidences) if confidences else None,
            left=min(x for *_, x, _, _, _ in words),
            top=min(y for *_, y, _, _ in words),
            right=max(x + w for *_, x, _, w, _ in words),
            bottom=max(y + h for *_, y, _, h in words),
        ))
    return pieces


class TesseractEngine:
    """Tesseract through pytesseract: Simplified Chinese model, one uniform block of text per page (psm 6).

    ``--psm 6`` read this project's letter benchmark better than automatic layout analysis (psm 3).
    Tesseract runs single-threaded (OMP_THREAD_LIMIT=1), which is faster on a small shared machine;
    parallelism comes from running one process per core. ``timeout`` (seconds) bounds one page.
    """

    name = "tesseract"
    # Measured on the letter benchmark (ocr/bench.py): CER 6.74% raw; seal removal, flattening, deskewing
    # and binarising 5.65%; with phone-photo cropping 5.06% (and faster: binary pages read quickly).
    preprocess: tuple[str, ...] = ("crop", "seal", "flatten", "deskew", "binarise")

    def __init__(self, lang: str = "chi_sim", psm: int = 6, timeout: float = 300) -> None:
        import pytesseract

        self._tesseract = pytesseract
        self.lang = lang
        self.config = f"--psm {psm}"
        self.timeout = timeout
        os.environ["OMP_THREAD_LIMIT"] = "1"
        try:
            installed = set(pytesseract.get_languages(config=""))
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise ConfigurationError(
                "未找到 Tesseract 程序，请安装 tesseract-ocr 与 tesseract-ocr-chi-sim (tesseract not found)"
            ) from exc
        missing = set(lang.split("+")) - installed
        if missing:
            raise ConfigurationError(
                f"Tesseract 缺少语言包：{'、'.join(sorted(missing))}，请安装 tesseract-ocr-chi-sim "
                f"(missing tesseract language data)"
            )

    def read_pieces(self, image: Image.Image) -> list[Piece]:
        """Run Tesseract once (``image_to_data``) and return its text lines with boxes and confidences."""
        data = self._tesseract.image_to_data(
            image, lang=self.lang, config=self.config, timeout=self.timeout, output_type=self._tesseract.Output.DICT
        )
        return pieces_from_tesseract_data(data)

    def recognize(self, image: Image.Image) -> tuple[str, float | None]:
        """The page's text in reading order and its mean confidence."""
        return page_text(self.read_pieces(image))


def _rapidocr() -> OcrEngine:
    from ocr.rapid import RapidOcrEngine

    return RapidOcrEngine()


# The engine the letter benchmark shows best; "tesseract" stays supported.
DEFAULT_ENGINE = "rapidocr"
_ENGINES: dict[str, Callable[[], OcrEngine]] = {"rapidocr": _rapidocr, "tesseract": TesseractEngine}
_LOADED: dict[str, OcrEngine] = {}


def engine_names() -> list[str]:
    """Names accepted by :func:`get_engine`, sorted."""
    return sorted(_ENGINES)


def is_loaded(engine: OcrEngine) -> bool:
    """True when ``engine`` is the one :func:`get_engine` holds for its name in this process."""
    return _LOADED.get(getattr(engine, "name", "")) is engine


def get_engine(name: str) -> OcrEngine:
    """A ready engine by its configured name, loaded once per process and reused afterwards.

    An unknown name or a missing installation is a ConfigurationError.
    """
    if name in _LOADED:
        return _LOADED[name]
    factory = _ENGINES.get(name)
    if factory is None:
        raise ConfigurationError(
            f"未知的 OCR 引擎：{name!r}，可选：{'、'.join(engine_names())} (unknown OCR engine)", engine=name
        )
    engine = _LOADED[name] = factory()
    return engine
