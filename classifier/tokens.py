"""jieba word segmentation with the court/legal dictionary, initialised once per process."""
from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

import jieba

_DICT = Path(__file__).with_name("data") / "userdict.txt"
_lock = threading.Lock()
_ready = False
_SPACE = re.compile(r"\s+")


def initialize() -> None:
    global _ready
    with _lock:
        if _ready:
            return
        jieba.setLogLevel(60)
        jieba.dt.tmp_dir = tempfile.gettempdir()
        jieba.initialize()
        if _DICT.exists():
            jieba.load_userdict(str(_DICT))
        _ready = True


def tokenize(text: str) -> list[str]:
    """Words of ``text`` (precise mode), whitespace dropped."""
    initialize()
    return [t for t in jieba.lcut(_SPACE.sub(" ", text)) if not t.isspace()]


def search_tokens(text: str) -> list[str]:
    """Words plus their sub-words (search mode), for the full-text index."""
    initialize()
    return [t for t in jieba.lcut_for_search(_SPACE.sub(" ", text)) if not t.isspace()]
