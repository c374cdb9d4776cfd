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


@dataclass(frozen=True)
class LineText:
    """One printed line as read: its text and the engine's confidence 0–100 (None when it gives none).

    The review desk marks lines whose confidence is low as doubtful.
    """

    text: str
    confidence: float | None


@dataclass(frozen=True)
class PageText:
    """Text of one page. ``confidence`` is the engine's mean word confidence 0–100 (None for text layers).

    ``lines`` holds the OCR'd lines in reading order with their own confidences (their texts joined by
    "\n" are ``text``); it is empty for text layers and plain text.
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
