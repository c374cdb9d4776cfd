"""Data passed out of the OCR library. Frozen, small, serialisable."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DocumentInfo:
    """What a file is, decided from its bytes (never from its name)."""

    kind: str  # "pdf" | "jpeg" | "png" | "tiff" | "text"
    mime: str
    pages: int
    has_text_layer: bool = False

    @property
    def extension(self) -> str:
        return {"pdf": "pdf", "jpeg": "jpg", "png": "png", "tiff": "tif", "text": "txt"}[self.kind]


Box = tuple[float, float, float, float]
"""Where a line is on its page: (left, top, right, bottom) as fractions 0–1 of the page image's width and
height, measured on the page as rendered (what the desk's preview shows), so any scaled copy of the page
can be marked without knowing the size the engine read it at."""


@dataclass(frozen=True)
class LineText:
    """One printed line as read: its text, the engine's confidence 0–100 (None when it gives none) and
    its :data:`Box` on the page (None when unknown, e.g. lines stored before boxes were kept).

    The review desk marks lines whose confidence is low as doubtful and draws boxes over the page image.
    """

    text: str
    confidence: float | None
    box: Box | None = None


@dataclass(frozen=True)
class PageText:
    """Text of one page. ``confidence`` is the engine's mean word confidence 0–100 (None for text layers).

    ``lines`` holds the lines in reading order with their own confidences and boxes (their texts joined
    by "\n" are ``text``): OCR'd lines, or a PDF text layer's lines (confidence None) when the layer gives
    their positions; it is empty for plain text.
    """

    index: int  # 0-based
    text: str
    confidence: float | None
    source: str  # "text-layer" | "ocr" | "plain"
    lines: tuple[LineText, ...] = ()


@dataclass(frozen=True)
class OcrResult:
    pages: tuple[PageText, ...]
    engine: str

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def mean_confidence(self) -> float | None:
        values = [p.confidence for p in self.pages if p.confidence is not None]
        return sum(values) / len(values) if values else None

    def to_dict(self) -> dict:
        return {"engine": self.engine, "pages": [asdict(p) for p in self.pages]}
