"""``letterdesk bench cv``: k-fold cross-validation of the labels over the hand-written letters.

The protocol behind the design tables of :mod:`classifier.model`: the hand-written letters
(``data/written/*.jsonl``) are split into ``folds``; each fold is predicted by a model trained on every
generated letter plus the other folds. Two ways to split:

* stratified by intervener type (seed 0), the default: letters of one writer land in every fold;
* ``by_file``: whole files in each fold (``GroupKFold``, files balanced by size), so every fold is read by a
  model that has never seen its writers. The dev set is one more writer, so this is the closer proxy for it:
  its figures are lower, and its confusions are the dev set's.

The field reader is left out (``letterdesk bench fields`` measures it), so a run takes under a minute a fold.
Prints per fold and mean type macro-F1, special-report and internal-behaviour micro-F1, the type macro-F1 of
all out-of-fold predictions pooled (the folds of ``by_file`` hold different mixes of types, so their means
are uneven), the out-of-fold F1 of each type and the reliability of the type probability; the last line is a
summary.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold

from classifier import model
from classifier.bench import ReliabilityBin, reliability, reliability_table
from classifier.taxonomy import INTERVENER_TYPES

FOLDS = 4
FILE_FOLDS = 5  # by_file: the 42 files of 150–222 letters balance well in 5 folds
SCORES = ("type_macro_f1", "sr_micro_f1", "ib_micro_f1")


@dataclass(frozen=True)
class CvResult:
    folds: tuple[dict, ...]  # model.evaluate of each held-out fold
    truth: tuple[str, ...]  # out-of-fold, every written letter once
    guessed: tuple[str, ...]
    probability: tuple[float, ...]  # of the guessed type
    by_file: bool = False  # folds of whole files rather than stratified by type

    def mean(self, key: str) -> float:
        return float(np.mean([f[key] for f in self.folds]))

    def pooled_type_macro_f1(self) -> float:
        """Type macro-F1 of every out-of-fold prediction taken together."""
        present = [c for c in INTERVENER_TYPES if c in self.truth]
        return float(f1_score(self.truth, self.guessed, labels=present, average="macro", zero_division=0))

    def reliability(self) -> tuple[tuple[ReliabilityBin, ...], float]:
        """Reliability bins of the out-of-fold type probability and its expected calibration error."""
        return reliability(np.array(self.probability), np.array(self.truth) == np.array(self.guessed))

    def ece(self) -> float:
        return self.reliability()[1]

    def lines(self) -> list[str]:
        split = "整文件分折（每折的写作者未见过）" if self.by_file else "按类型分层"
        out = [f"交叉验证：{len(self.folds)} 折，{split}，手写来信 {len(self.truth)} 封（每折训练：全部生成来信 + 其余各折）"]
        for i, fold in enumerate(self.folds):
            out.append(f"  第 {i + 1} 折  " + "  ".join(f"{k} {fold[k]:.3f}" for k in SCORES))
        out.append("  平均      " + "  ".join(f"{k} {self.mean(k):.3f}" for k in SCORES))
        out.append(f"  折外合并  type_macro_f1 {self.pooled_type_macro_f1():.3f}")
        present = [c for c in INTERVENER_TYPES if c in self.truth]
        per_type = f1_score(self.truth, self.guessed, labels=present, average=None, zero_division=0)
        out.append("各类型 F1（折外预测）：")
        out += [f"  {code:20} {f:.3f}  ({self.truth.count(code)})" for code, f in zip(present, per_type)]
        bins, ece = self.reliability()
        out += [f"可靠性（类型最高概率；ECE {ece:.3f}）", *reliability_table(bins)]
        out.append(f"SUMMARY cv: folds={len(self.folds)} split={'file' if self.by_file else 'type'} n={len(self.truth)} "
                   + " ".join(f"{k}={self.mean(k):.3f}" for k in SCORES)
                   + f" pooled_type_macro_f1={self.pooled_type_macro_f1():.3f} type_ece={ece:.3f}")
        return out


def fold_splits(types: Sequence[str], folds: int, files: Sequence[str] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training indices, held-out indices) of each fold: whole files per fold when ``files`` names each
    letter's file (``GroupKFold``, deterministic), else stratified by ``types`` (seed 0)."""
    if files is None:
        return list(StratifiedKFold(folds, shuffle=True, random_state=0).split(types, types))
    return list(GroupKFold(folds).split(types, types, groups=list(files)))


def cross_validate(written: Sequence[dict], generated: Sequence[dict], *, folds: int = FOLDS,
                   family: str = model.DEFAULT_FAMILY, files: Sequence[str] | None = None) -> CvResult:
    """Out-of-fold scores of ``written`` letters, each fold predicted by a model trained on ``generated`` and
    the other folds (see the module docstring). ``files`` (one name per written letter) keeps each file's
    letters in one fold; without it the folds are stratified by type."""
    written = list(written)
    scores, truth, guessed, probability = [], [], [], []
    for train_idx, test_idx in fold_splits([r["intervener_type"] for r in written], folds, files):
        clf = model.train([*generated, *(written[i] for i in train_idx)], family=family, read_fields=False)
        held = [written[i] for i in test_idx]
        scores.append(model.evaluate(clf, held))
        for record, prediction in zip(held, clf.predict_many(r["text"] for r in held)):
            truth.append(record["intervener_type"])
            guessed.append(prediction.intervener_type.code)
            probability.append(prediction.intervener_type.probability)
    return CvResult(tuple(scores), tuple(truth), tuple(guessed), tuple(probability), by_file=files is not None)


def run(*, folds: int | None = None, family: str = model.DEFAULT_FAMILY, by_file: bool = False) -> CvResult:
    """:func:`cross_validate` over the packaged corpus: ``written/*.jsonl`` against the generated letters,
    folds of whole files when ``by_file``. ``folds`` defaults to :data:`FILE_FOLDS` by file, else :data:`FOLDS`."""
    labelled = [(path.name, r) for path in sorted(model.WRITTEN_DIR.glob("*.jsonl")) for r in model.load_corpus(path)]
    written = [r for _, r in labelled]
    files = [name for name, _ in labelled] if by_file else None
    return cross_validate(written, model.load_corpus(model.DEFAULT_CORPUS),
                          folds=folds or (FILE_FOLDS if by_file else FOLDS), family=family, files=files)
