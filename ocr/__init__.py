"""OCR library: bytes of an uploaded file in, the text of its pages out.

``inspect_document`` decides what a file is and refuses what cannot be read; ``read_document`` reads
every page (text layer or OCR); ``ocr_file`` does both for a path. Engines (``get_engine``): "rapidocr"
(default, PP-OCRv4 via onnxruntime) and "tesseract". No web, queue or storage code here.
"""
from ocr.engines import DEFAULT_ENGINE, OcrEngine, TesseractEngine, engine_names, get_engine
from ocr.inspect import inspect_document
from ocr.pages import DEFAULT_DPI, preview_jpeg, rasterise, text_layer
from ocr.pipeline import ocr_file, read_document
from ocr.preprocess import prepare
from ocr.types import DocumentInfo, LineText, OcrResult, PageText

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_ENGINE",
    "DocumentInfo",
    "LineText",
    "OcrEngine",
    "OcrResult",
    "PageText",
    "TesseractEngine",
    "engine_names",
    "get_engine",
    "inspect_document",
    "ocr_file",
    "prepare",
    "preview_jpeg",
    "rasterise",
    "read_document",
    "text_layer",
]
