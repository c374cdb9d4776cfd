"""Page preprocessing: named stages that each fix one thing a scan, fax or phone photo gets wrong.

:func:`prepare` runs the stages an engine asks for (``engine.preprocess``), in the fixed order of
:data:`STAGES`, and always ends with a greyscale ("L") page. Each stage takes and returns a PIL image
and is a no-op when its problem is absent. Which stages an engine uses is decided by the benchmark
(``ocr/bench.py`` with ``stages=...``): see each engine's ``preprocess``.

* ``crop``     — phone photo of a page on a desk: cut out the page (bright quadrilateral) and straighten
                 its perspective;
* ``seal``     — red round seals: the red ink inside each seal is removed so the black text under it
                 reads; red text elsewhere (the organ header, 发文机关标志) is kept and darkened;
* ``flatten``  — uneven lighting and yellowed paper: divide by the estimated background;
* ``orient``   — page turned 90° or 270° (text lines run vertically): turned back;
* ``deskew``   — page rotated by a few degrees: rotated straight;
* ``binarise`` — black text on white (Otsu after flattening).

A page turned 180° is caught after reading, by :func:`ocr.pipeline` (low confidence, read again turned).
"""
from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

A4_WIDTH_MM = 210.0
MAX_SKEW_DEGREES = 5.0
SEAL_DIAMETER_MM = (25.0, 60.0)


def _grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image if image.mode == "L" else image.convert("L"))


# --- crop ------------------------------------------------------------------------------------------------
def crop_page(image: Image.Image) -> Image.Image:
    """The page cut out of a photo that shows it on a darker background, perspective straightened.

    The page is the largest bright region (Otsu on a small copy). Nothing happens when that region
    covers more than 92% of the image (a scan) or less than 25% (no page found).
    """
    grey = _grey(image)
    scale = 800 / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((25, 25), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return image
    page = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(page) / mask.size
    if not 0.25 <= share <= 0.92:
        return image
    quad = cv2.approxPolyDP(page, 0.02 * cv2.arcLength(page, True), True)
    if len(quad) != 4:
        x, y, w, h = (round(v / scale) for v in cv2.boundingRect(page))
        return image.crop((x, y, x + w, y + h))
    corners = _order_corners(quad.reshape(4, 2).astype(np.float32) / scale)
    width = round(max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])))
    height = round(max(np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(np.asarray(image), matrix, (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(warped, image.mode)


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array([points[total.argmin()], points[diff.argmin()], points[total.argmax()], points[diff.argmax()]])


# --- seal ------------------------------------------------------------------------------------------------
def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Boolean mask of red ink: red clearly above both green and blue."""
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    return (r - np.maximum(g, b) > 50) & (r > 110)


def seal_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) of round red seals: red blobs about as wide as tall, 25–60 mm across.

    Sizes in millimetres assume the image is as wide as an A4 page. The organ header and red rules are
    much wider than tall and are not seals.
    """
    mask = red_mask(rgb)
    scale = 4
    small = mask[::scale, ::scale].astype(np.uint8)
    px_per_mm = rgb.shape[1] / A4_WIDTH_MM / scale
    small = cv2.dilate(small, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(small)
    boxes = []
    for x, y, w, h, _area in stats[1:count]:
        low, high = (d * px_per_mm for d in SEAL_DIAMETER_MM)
        if low <= w <= high and low <= h <= high and 0.75 <= w / h <= 1.33:
            boxes.append((x * scale, y * scale, (x + w) * scale, (y + h) * scale))
    return boxes


def remove_seals(image: Image.Image) -> Image.Image:
    """The page in greyscale with seal ink gone and other red text dark.

    Inside each seal box the red channel stands in for brightness, scaled so the seal's ink is white:
    red ink on white paper is bright in it while black text (under the seal too) stays dark. Elsewhere red pixels take their darkest channel,
    so a red header reads as strongly as black text. Greyscale pages are returned unchanged.
    """
    if image.mode != "RGB":
        return image
    rgb = np.asarray(image)
    grey = np.asarray(image.convert("L")).copy()
    red = red_mask(rgb)
    grey[red] = rgb[..., 1:].min(axis=2)[red]
    for left, top, right, bottom in seal_boxes(rgb):
        channel = rgb[top:bottom, left:right, 0].astype(np.float32)
        ink = red[top:bottom, left:right]
        level = float(np.median(channel[ink])) if ink.any() else 255.0  # how bright the ink is in red
        grey[top:bottom, left:right] = np.clip(channel * (255 / max(level, 1.0)), 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L")


# --- flatten -----------------------------------------------------------------------------------------------
def flatten(image: Image.Image) -> Image.Image:
    """Greyscale page divided by its background (text removed by a max filter), so paper is uniformly white."""
    grey = _grey(image)
    scale = 8
    small = cv2.resize(grey, (max(grey.shape[1] // scale, 1), max(grey.shape[0] // scale, 1)),
                       interpolation=cv2.INTER_AREA)
    background = cv2.dilate(small, np.ones((7, 7), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 5)
    background = cv2.resize(background, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = grey.astype(np.float32) / np.maximum(background.astype(np.float32), 1) * 255
    return Image.fromarray(np.clip(flat, 0, 255).astype(np.uint8), "L")


# --- orientation and skew ---------------------------------------------------------------------------------
def _ink(grey: np.ndarray, width: int = 600) -> np.ndarray:
    """A small binary copy of the page (1 = ink) for measuring line directions."""
    scale = width / grey.shape[1]
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink.astype(np.float32)


def _profile_strength(ink: np.ndarray) -> float:
    """How strongly ink is gathered into horizontal lines: variance of the row sums."""
    return float(np.var(ink.sum(axis=1)))


def orient(image: Image.Image) -> Image.Image:
    """The page turned by 90° when its text lines run vertically (ink gathers in columns, not rows).

    Measured on the central part of the page only, so a dark scanner-edge strip does not count as a
    column. On the benchmark's 30 pages the column/row ratio is at most 0.6 upright and at least 1.7 when
    turned by 90°; the threshold is 1.
    """
    grey = _grey(image)
    height, width = grey.shape
    ink = _ink(grey[height // 8:height - height // 8, width // 8:width - width // 8])
    if _profile_strength(ink.T) > _profile_strength(ink):
        return image.transpose(Image.Transpose.ROTATE_90)
    return image


def skew_angle(grey: np.ndarray) -> float:
    """Skew of the text lines in degrees (counter-clockwise positive), within ±5°, to about 0.1°.

    The angle whose rotation makes the row-sum profile of the inked page peakiest wins: a coarse search
    in 0.5° steps, then a fine one in 0.1° steps around the best.
    """
    ink = _ink(grey)
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)

    def strength(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
        return _profile_strength(turned)

    coarse = max(np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5), key=strength)
    straightening = max(np.arange(coarse - 0.4, coarse + 0.41, 0.1), key=strength)
    return -float(straightening)  # the page is skewed by the opposite of the rotation that straightens it


def deskew(image: Image.Image) -> Image.Image:
    """The page rotated so its text lines are horizontal; unchanged when the skew is under 0.2°."""
    angle = skew_angle(_grey(image))
    if abs(angle) < 0.2:
        return image
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


# --- binarise ----------------------------------------------------------------------------------------------
def binarise(image: Image.Image) -> Image.Image:
    """Black text on white: Otsu's threshold on the greyscale page."""
    _, bw = cv2.threshold(_grey(image), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return Image.fromarray(bw, "L")


STAGES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop": crop_page,
    "seal": remove_seals,
    "flatten": flatten,
    "orient": orient,
    "deskew": deskew,
    "binarise": binarise,
}


def prepare(image: Image.Image, stages: tuple[str, ...] = ()) -> Image.Image:
    """``image`` through the named ``stages`` (in :data:`STAGES` order, whatever order they are given in),
    then greyscale. An unknown stage name is a ValueError."""
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown preprocessing stage(s): {', '.join(sorted(unknown))}")
    for name, stage in STAGES.items():
        if name in stages:
            image = stage(image)
    return image if image.mode == "L" else image.convert("L")
