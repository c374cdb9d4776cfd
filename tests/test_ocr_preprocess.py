"""Page preprocessing stages do what they claim, on synthetic pages drawn here."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from ocr import get_engine
from ocr.cer import score
from ocr.preprocess import crop_page, deskew, flatten, orient, prepare, remove_seals, seal_boxes, skew_angle
from ocr.recognise import recognise_page
from tests import docs

LETTER = docs.SAMPLE_LETTER.splitlines()
DPI = 200
PX_PER_MM = DPI / 25.4


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return docs.render_page(LETTER, dpi=DPI)


def line_y(index: int) -> float:
    """Top of printed line ``index`` on a page from :func:`docs.render_page` (no title)."""
    return docs.TOP_MM * PX_PER_MM + index * round(16 / 72 * DPI) * docs.LINE_PITCH


def stamp(page: Image.Image, centre: tuple[float, float], diameter_mm: float = 42) -> Image.Image:
    """``page`` in colour with a red round seal (ring, rim text, star) printed over it like ink."""
    radius = diameter_mm * PX_PER_MM / 2
    ink = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(ink)
    red = (215, 30, 35)
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=red, width=round(1.2 * PX_PER_MM))
    font = ImageFont.truetype(str(docs.render_font()[0]), round(radius / 3.2), index=docs.render_font()[1])
    for i, char in enumerate("梅川县人民政府专用章"):
        angle = math.radians(200 + i * 140 / 9)
        cx, cy = x + 0.72 * radius * math.cos(angle), y + 0.72 * radius * math.sin(angle)
        draw.text((cx, cy), char, font=font, fill=red, anchor="mm")
    star = [(x + radius * 0.3 * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
             y + radius * 0.3 * math.sin(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4)) for k in range(10)]
    draw.polygon(star, fill=red)
    return ImageChops.multiply(page.convert("RGB"), ink)


def red_header(page: Image.Image) -> Image.Image:
    """``page`` in colour with its first line (the organ name) printed in red instead of black."""
    rgb = page.convert("RGB")
    top, bottom = round(line_y(0)) - 5, round(line_y(1)) - 5
    band = np.asarray(rgb).copy()
    dark = band[top:bottom, :, 0] < 128
    band[top:bottom][dark] = (200, 20, 25)
    return Image.fromarray(band)


# --- seals and red headers -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sealed(page) -> Image.Image:
    centre = (LETTER[13].count("\u3000") * round(16 / 72 * DPI) + docs.LEFT_MM * PX_PER_MM + 150, line_y(14))
    return stamp(page, centre)


def test_a_round_red_seal_is_found_and_a_red_header_is_not(sealed):
    boxes = seal_boxes(np.asarray(red_header(sealed)))
    assert len(boxes) == 1
    left, top, right, bottom = boxes[0]
    assert 38 * PX_PER_MM < right - left < 48 * PX_PER_MM and top < line_y(14) < bottom


def test_seal_ink_is_removed_but_text_under_it_stays_dark(page, sealed):
    cleaned = np.asarray(remove_seals(sealed))
    grey_page, grey_sealed = np.asarray(page), np.asarray(sealed.convert("L"))
    seal_ink = (np.asarray(sealed)[..., 0] > 150) & (grey_sealed < 200) & (grey_page > 200)
    text_under = (grey_page < 80) & (np.abs(np.asarray(sealed).astype(int)[..., 0] - 60) < 60)
    assert seal_ink.sum() > 2000 and text_under.sum() > 200
    assert cleaned[seal_ink].mean() > 230  # the red ink is paper again
    assert cleaned[text_under].mean() < 90  # black text under the seal is still black


def test_red_header_text_is_kept_dark(page):
    cleaned = np.asarray(remove_seals(red_header(page)))
    header = np.asarray(page)[round(line_y(0)) - 5:round(line_y(1)) - 5] < 128
    assert cleaned[round(line_y(0)) - 5:round(line_y(1)) - 5][header].mean() < 60


def test_text_under_a_seal_reads_better_after_seal_removal(sealed):
    engine = get_engine("rapidocr")
    truth = "\n".join(LETTER)
    plain = score(truth, recognise_page(engine, sealed, 0, stages=()).text)
    cleaned = recognise_page(engine, sealed, 0, stages=("seal",))
    assert score(truth, cleaned.text).edits < plain.edits
    assert "梅川县人民政府" in cleaned.lines[-3].text and "2024年6月19日" in cleaned.lines[-2].text
    assert "专用章" not in cleaned.text  # the seal's own rim text is not read


# --- orientation and skew -----------------------------------------------------------------------------------
@pytest.mark.parametrize("degrees", [2.0, -1.4])
def test_a_rotated_page_is_deskewed(page, degrees):
    turned = page.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert skew_angle(np.asarray(turned)) == pytest.approx(degrees, abs=0.25)
    assert abs(skew_angle(np.asarray(deskew(turned)))) <= 0.25


def test_a_straight_page_is_left_alone_by_deskew(page):
    assert deskew(page) is page


def test_a_page_turned_by_90_degrees_gets_horizontal_lines_again(page):
    for turned in (page.transpose(Image.Transpose.ROTATE_90), page.transpose(Image.Transpose.ROTATE_270)):
        upright = orient(turned)
        assert upright.size == page.size
        assert orient(upright) is upright  # its lines now run across the page
    assert orient(page) is page


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_90])
def test_an_upside_down_or_sideways_page_is_read_the_right_way(page, turn):
    engine = get_engine("rapidocr")
    read = recognise_page(engine, page.transpose(turn), 0, stages=("orient",))
    assert score("\n".join(LETTER), read.text).cer < 0.1
    assert read.lines[0].text == "梅川县人民政府"


# --- photos and lighting ------------------------------------------------------------------------------------
def test_the_page_is_cut_out_of_a_phone_photo(page):
    small = page.resize((page.width // 2, page.height // 2))
    photo = Image.new("L", (small.width + 400, small.height + 300), 70)  # a dark desk
    photo.paste(small.rotate(3, expand=True, fillcolor=70), (180, 140))
    cropped = crop_page(photo)
    assert abs(cropped.width - small.width) < 0.06 * small.width
    assert abs(cropped.height - small.height) < 0.06 * small.height
    assert np.asarray(cropped).mean() > 200  # page, not desk


def test_a_scan_is_not_cropped(page):
    assert crop_page(page) is page


def test_uneven_lighting_is_flattened(page):
    shade = np.linspace(0.55, 1.0, page.width)[None, :]
    dim = Image.fromarray((np.asarray(page) * shade).astype(np.uint8))
    paper = np.asarray(page) > 250
    before, after = np.asarray(dim)[paper], np.asarray(flatten(dim))[paper]
    assert before.std() > 25 and after.std() < 8 and after.mean() > 240


def test_prepare_gives_greyscale_and_refuses_unknown_stages(sealed):
    assert prepare(sealed, ("seal", "deskew")).mode == "L"
    with pytest.raises(ValueError, match="sharpen"):
        prepare(sealed, ("sharpen",))
