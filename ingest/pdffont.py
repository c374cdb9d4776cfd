"""The CJK TrueType font the PDF exports (quarterly report, registration form) embed with reportlab."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from letterdesk.errors import ConfigurationError

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
#: TrueType-outline CJK fonts reportlab can embed: (file name, face index inside the collection).
PDF_FONTS = (("wqy-zenhei.ttc", 0), ("uming.ttc", 0))
PDF_FONT_NAME = "LetterdeskCJK"


@cache
def cjk_font() -> str:
    """Register the first CJK TrueType font of :data:`PDF_FONTS` found with reportlab; its name.
    ConfigurationError if none is installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, index in PDF_FONTS:
        for root in FONT_DIRS:
            found = sorted(root.rglob(name)) if root.is_dir() else []
            if found:
                pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, str(found[0]), subfontIndex=index))
                return PDF_FONT_NAME
    raise ConfigurationError("生成 PDF 需要中文 TrueType 字体，请安装 fonts-wqy-zenhei "
                             "(no CJK TrueType font found for reportlab)")
