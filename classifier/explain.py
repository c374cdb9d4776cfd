"""Why the model chose a label: the phrases of the letter whose features pushed hardest towards it.

For a linear head the score of a label is ``Σ x_f · w_f`` over the letter's features. The features with the
largest positive contributions are word n-grams, character n-grams (both seen on the normalised text,
digits folded to ``0``), character n-grams of the speaker's self-description and hand features (regexes). Each is located in the original text, its contribution
is spread over the characters it covers, and the runs of characters that carry weight become phrases,
strongest first. Phrases are exact substrings of the text, so the desk can highlight them.
"""
from __future__ import annotations

import functools
import re

import numpy as np

from classifier.features import HAND_FEATURES

MAX_PHRASES = 5
TOP_FEATURES = 40
MAX_PHRASE_CHARS = 40
MIN_SHARE = 0.1  # characters weighing less than this share of the heaviest one are not part of a phrase
_BOUNDARY = set("，,。；;：:！？!?、\n“”\"（）()《》【】")
_HAND = {f"hand__{name}": re.compile(pattern) for name, pattern in HAND_FEATURES}


@functools.lru_cache(maxsize=None)  # feature names are the model's fixed vocabulary
def _feature_regex(name: str) -> re.Pattern | None:
    """A regex finding a ``words__``/``chars__``/``speaker__`` (character n-gram of the speaker text) feature
    in the original text (0 = any digit, spaces optional)."""
    kind, _, gram = name.partition("__")
    if kind == "hand":
        return _HAND.get(gram)  # union names are hand__hand__<name>
    if kind not in ("words", "chars", "speaker") or not gram.strip():
        return None
    pieces = []
    for part in gram.split(" ") if kind == "words" else [gram.replace(" ", "").replace("|", "")]:
        pieces.append(r"\s*".join("[0-9０-９]" if c == "0" else re.escape(c) for c in part))
    separator = r"[\s\W_]{0,3}" if kind == "words" else r"\s*"
    return re.compile(separator.join(pieces))


def linear_weights(head, class_index: int) -> np.ndarray | None:
    """The coefficient vector of class ``class_index`` of a fitted linear head (calibrated or not), else None.

    For binary heads ``class_index`` 1 is the positive class; a calibrated head fitted with ``ensemble=False``
    holds one linear estimator whose weights are used.
    """
    estimator = head
    if hasattr(head, "calibrated_classifiers_"):
        estimator = head.calibrated_classifiers_[0].estimator
    coef = getattr(estimator, "coef_", None)
    if coef is None:
        return None
    coef = np.asarray(coef.todense() if hasattr(coef, "todense") else coef)
    if coef.shape[0] == 1:
        return coef[0] if class_index == 1 else -coef[0]
    return coef[class_index]


def phrases(text: str, row, weights: np.ndarray, names: np.ndarray, limit: int = MAX_PHRASES) -> list[str]:
    """Up to ``limit`` phrases of ``text`` that drove the score ``row · weights`` (``row``: 1×n sparse)."""
    row = row.tocsr()
    contributions = row.data * weights[row.indices]
    order = np.argsort(-contributions)[:TOP_FEATURES]
    weight = np.zeros(len(text) + 1)
    for j in order:
        value = contributions[j]
        if value <= 0:
            break
        regex = _feature_regex(str(names[row.indices[j]]))
        spans = [m.span() for m in regex.finditer(text)] if regex else []
        spans = [(s, e) for s, e in spans if e > s][:5]
        for s, e in spans:
            weight[s:e] += value / len(spans) / (e - s)
    return _runs(text, weight, limit)


def _runs(text: str, weight: np.ndarray, limit: int) -> list[str]:
    """Contiguous weighted runs of ``text`` split at punctuation, strongest first, as trimmed substrings
    (a run repeating or containing one already chosen is skipped)."""
    floor = MIN_SHARE * float(weight.max()) if len(weight) else 0.0
    runs: list[tuple[float, int, int]] = []
    start = None
    for i in range(len(text) + 1):
        on = i < len(text) and weight[i] > floor and text[i] not in _BOUNDARY
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((float(weight[start:i].sum()), start, i))
            start = None
    out: list[str] = []
    for _, s, e in sorted(runs, reverse=True):
        phrase = text[s:e].strip()[:MAX_PHRASE_CHARS]
        if len(phrase) >= 2 and not any(phrase in o or o in phrase for o in out):
            out.append(phrase)
        if len(out) == limit:
            break
    return out
