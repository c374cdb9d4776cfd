"""RapidOCR engine: PaddleOCR's PP-OCRv4 Chinese detection and recognition models run by onnxruntime.

The models ship inside the ``rapidocr_onnxruntime`` wheel, so it works offline. One engine per process,
each onnxruntime session on one thread: parallelism comes from one process per core, which beats
threads inside one process on a small machine and keeps memory per process predictable.
"""
from __future__ import annotations

import logging

import cv2
import numpy as np
from PIL import Image

from letterdesk.errors import ConfigurationError
from ocr.engines import page_text
from ocr.layout import Piece

# Longest side, in pixels, the text detector sees; recognition always reads crops of the full page.
# On the letter benchmark 960 read as well as 2000 (CER 0.93% against 0.96%) with 35% less CPU time and
# 750 MB instead of 1.2 GB peak memory per process.
DETECT_SIDE = 960
# Lines the recogniser scores below this (0–1) are dropped: seal rims, specks and rules read as text.
MIN_SCORE = 0.5


class RapidOcrEngine:
    """RapidOCR with the PP-OCRv4 models of its wheel; every onnxruntime session single-threaded.

    ``detect_side`` is the longest side of the image given to the text detector (the page is scaled
    down for detection only; recognition reads the boxes from the page at full resolution). The
    direction classifier is off: :mod:`ocr.preprocess` turns pages upright before the engine sees them.
    """

    name = "rapidocr"
    # Measured on the letter benchmark (ocr/bench.py): seal removal took CER from 1.68% to 1.23%; cropping
    # photos, flattening, deskewing and binarising bought nothing or cost more time than they saved.
    # "orient" costs one profile check per page (a second read only for a page that reads badly).
    preprocess: tuple[str, ...] = ("seal", "orient")

    def __init__(self, detect_side: int = DETECT_SIDE, threads: int = 1) -> None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise ConfigurationError(
                "未安装 RapidOCR，请安装 rapidocr_onnxruntime (rapidocr_onnxruntime not installed)"
            ) from exc
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        self.detect_side = detect_side
        # det_limit_type "min" with a tiny side: the detector takes the image at the size it is given
        # (rounded to multiples of 32); read_pieces scales it to ``detect_side`` first.
        self._ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=threads,
                             det_limit_type="min", det_limit_side_len=32, use_cls=False)

    def read_pieces(self, image: Image.Image) -> list[Piece]:
        """Detect text boxes on a copy scaled to ``detect_side``, recognise each box cut from the full
        page, and return the pieces scored at least :data:`MIN_SCORE` with boxes and confidence 0–100."""
        page = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])  # OpenCV's BGR order
        scale = min(1.0, self.detect_side / max(page.shape[:2]))
        small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else page
        boxes, _ = self._ocr.text_det(small)
        if boxes is None or len(boxes) == 0:
            return []
        boxes = [np.asarray(box, np.float32) / scale for box in boxes]
        recognised, _ = self._ocr.text_rec(self._ocr.get_crop_img_list(page, boxes))
        pieces = []
        for box, (text, score, *_rest) in zip(boxes, recognised):
            if float(score) >= MIN_SCORE:
                pieces.append(Piece(text=text, confidence=float(score) * 100, left=float(box[:, 0].min()),
                                    top=float(box[:, 1].min()), right=float(box[:, 0].max()),
                                    bottom=float(box[:, 1].max())))
        return pieces

    def recognize(self, image: Image.Image) -> tuple[str, float | None]:
        """The page's text in reading order and its mean confidence."""
        return page_text(self.read_pieces(image))
