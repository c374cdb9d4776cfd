"""The README's screenshot generator (``python -m tests.screenshots``) keeps working: every page it names is
written as a real, non-blank PNG of the desk's viewport width and a size fit for the repository."""
from __future__ import annotations

import pytest
from PIL import Image

from tests import screenshots
from tests.fixtures.browser import CONTEXT_OPTIONS

pytestmark = pytest.mark.slow

MIN_COLOURS = 8  # a blank or single-colour page has one or two
MAX_PNG_BYTES = 400_000  # each file stays small enough for the repository


def test_generator_writes_every_screenshot(tmp_path, model_dir):
    pytest.importorskip("playwright.sync_api")
    assert screenshots.main([str(tmp_path), "--model-dir", str(model_dir)]) == 0

    width = CONTEXT_OPTIONS["viewport"]["width"]
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(screenshots.SHOTS)
    for name in screenshots.SHOTS:
        path = tmp_path / name
        assert 0 < path.stat().st_size <= MAX_PNG_BYTES, (name, path.stat().st_size)
        with Image.open(path) as image:
            image.verify()  # a complete, uncorrupted PNG
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width == width, (name, image.format, image.size)
            assert image.height >= CONTEXT_OPTIONS["viewport"]["height"], (name, image.size)  # full page
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > MIN_COLOURS, (name, colours)
