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
    assert lines[-1].startswith("SUMMARY cv: folds=3 split=type n=150 type_macro_f1=")
    assert any("EXT_ORG" in line for line in lines) and any("ECE" in line for line in lines)


def test_by_file_folds_hold_out_whole_files_and_say_so():
    files = [f"f{i % 7}.jsonl" for i in range(140)]
    splits = crossval.fold_splits(["EXT_ORG"] * 140, 5, files)

    assert len(splits) == 5 and sorted(i for _, held in splits for i in held) == list(range(140))
    for trained, held in splits:
        assert not {files[i] for i in trained} & {files[i] for i in held}  # never trained on a held-out writer
    stratified = crossval.fold_splits(["EXT_ORG", "PARTY_RELATED"] * 70, 5)
    assert any({files[i] for i in trained} & {files[i] for i in held} for trained, held in stratified)


def test_a_by_file_run_reports_its_split_and_pooled_f1():
    written = [dict(r, id=f"w-{i}") for i, r in enumerate(corpus.generate(150, seed=21))]
    result = crossval.cross_validate(written, corpus.generate(300, seed=22), folds=3,
                                     files=[f"f{i % 6}" for i in range(150)])

    assert result.by_file and 0.6 < result.pooled_type_macro_f1() <= 1.0
    assert result.lines()[-1].startswith("SUMMARY cv: folds=3 split=file n=150 ")
    assert "pooled_type_macro_f1=" in result.lines()[-1]
