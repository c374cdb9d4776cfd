"""``letterdesk bench cv``: out-of-fold scores of hand-written letters, on small generated corpora."""
from __future__ import annotations

from collections import Counter

from classifier import corpus, crossval


def test_every_written_letter_is_scored_once_across_the_folds():
    written = [dict(r, id=f"w-{i}") for i, r in enumerate(corpus.generate(150, seed=21))]
    result = crossval.cross_validate(written, corpus.generate(300, seed=22), folds=3)

    assert len(result.folds) == 3 and sum(f["n"] for f in result.folds) == 150
    assert Counter(result.truth) == Counter(r["intervener_type"] for r in written)
    assert result.mean("type_macro_f1") > 0.6  # template letters are easy; a broken split would not be
    assert all(0.0 <= p <= 1.0 for p in result.probability) and 0.0 <= result.ece() < 0.5
    lines = result.lines()
    assert lines[-1].startswith("SUMMARY cv: folds=3 n=150 type_macro_f1=")
    assert any("EXT_ORG" in line for line in lines) and any("ECE" in line for line in lines)
