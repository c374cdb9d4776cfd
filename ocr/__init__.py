"""OCR library: bytes of an uploaded file in, the text of its pages out.

``inspect_document`` decides what a file is and refuses what cannot be read; ``read_document`` reads
every page (text layer or OCR); ``ocr_file`` does both for a path. No web, queue or storage code here.
"""
from ocr.engines import OcrEngine, TesseractEngine, get_engine
from ocr.inspect import inspect_document
from ocr.pages import DEFAULT_DPI, prepare, preview_jpeg, rasterise, text_layer
from ocr.pipeline import ocr_file, read_document
from ocr.types import DocumentInfo, OcrResult, PageText

__all__ = [
    "DEFAULT_DPI",
    "DocumentInfo",
    "OcrEngine",
    "OcrResult",
    "PageText",
    "TesseractEngine",
    "get_engine",
    "inspect_document",
    "ocr_file",
    "prepare",
    "preview_jpeg",
    "rasterise",
    "read_document",
    "text_layer",
]
