"""Accuracy of the classifier and the field extraction on a labelled file (``letterdesk bench classify``).

The file has one JSON object a line, in the corpus schema::

    {"id", "form", "text", "intervener_type", "special_report": [..], "internal_behaviours": [..],
     "fields": {"name", "unit", "position", "case_number", "case_name", "date"}}

:func:`run` predicts every letter with the given model, reads its fields with
the rules of :mod:`classifier.segment` and the model's field ranker (``LetterClassifier.read_fields``) and
compares both with the labels:

* intervener type: accuracy, macro-F1, a per-type table (precision, recall, F1, support) and the
  confusion matrix (rows = truth, columns = prediction);
* special-report items and internal behaviours: micro- and macro-F1 (macro over the codes that occur in the
  truth or in the predictions) and a per-code table;
* fields: exact-match accuracy per field over all letters (an empty field must be predicted empty). Texts are
  compared without whitespace; case numbers after :func:`classifier.casenumber.normalize` (a letter naming
  several cases must yield the same set of numbers); dates as dates; ``form`` against the record's form;
* confidence: the share of letters whose top type probability reaches ``threshold``, and the accuracy on it;
* calibration: a reliability table of the top type probability (bins of 0.1 from 0.5, one below) with the
  observed accuracy per bin and the expected calibration error; the same for every special-report decision.

:meth:`BenchResult.lines` renders the report; its last line is a one-line summary of the headline figures.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from classifier import casenumber
from classifier.fields import parse_date
from classifier.model import LetterClassifier, micro_macro, multilabel
from classifier.taxonomy import INTERNAL_BEHAVIOURS, INTERVENER_TYPES, SPECIAL_REPORT
from classifier.types import FIELD_NAMES
from letterdesk.errors import ConfigurationError, InvalidRequest

BENCH_FIELDS = (*FIELD_NAMES, "form")
BIN_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CodeScore:
    code: str
    precision: float
    recall: float
    f1: float
    support: int  # letters with the code in the truth
    predicted: int  # letters with the code predicted


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_probability: float
    accuracy: float


@dataclass(frozen=True)
class BenchResult:
    path: str
    n: int
    model_version: str
    threshold: float
    type_accuracy: float
    type_macro_f1: float
    per_type: tuple[CodeScore, ...]
    type_codes: tuple[str, ...]  # order of the confusion matrix's rows and columns
    confusion: tuple[tuple[int, ...], ...]
    sr_micro_f1: float
    sr_macro_f1: float
    ib_micro_f1: float
    ib_macro_f1: float
    per_code: tuple[CodeScore, ...]  # SR then IB codes
    field_accuracy: dict[str, float]
    field_filled: dict[str, int]  # letters whose truth names the field
    confident_share: float
    confident_accuracy: float | None
    reliability: tuple[ReliabilityBin, ...]
    type_ece: float
    sr_reliability: tuple[ReliabilityBin, ...]
    sr_ece: float
    ms_per_letter: float

    def lines(self) -> list[str]:
        """The report as printable lines; the last one is the summary."""
        out = [f"文件 {self.path}：{self.n} 封来信，模型 {self.model_version}，置信阈值 {self.threshold:.2f}",
               "", f"过问人类型：准确率 {self.type_accuracy:.3f}  宏F1 {self.type_macro_f1:.3f}"]
        out += _score_table(self.per_type)
        out += ["", "混淆矩阵（行 = 标注，列 = 预测；列号见行首序号）",
                "      " + " ".join(f"{i:>4d}" for i in range(len(self.type_codes)))]
        for i, (code, row) in enumerate(zip(self.type_codes, self.confusion)):
            out.append(f"{i:>4d}  " + " ".join(f"{v:>4d}" for v in row) + f"  {code}")
        out += ["", f"特别报告事项：微F1 {self.sr_micro_f1:.3f}  宏F1 {self.sr_macro_f1:.3f}；"
                    f"内部违规行为：微F1 {self.ib_micro_f1:.3f}  宏F1 {self.ib_macro_f1:.3f}"]
        out += _score_table(self.per_code)
        out += ["", "字段完全一致率（标注有值的来信数）"]
        out += [f"  {name:<12} {acc:.3f}  ({self.field_filled[name]})" for name, acc in self.field_accuracy.items()]
        confident = "—" if self.confident_accuracy is None else f"{self.confident_accuracy:.3f}"
        out += ["", f"模型有把握（类型概率 ≥ {self.threshold:.2f}）的来信占 {self.confident_share:.1%}，其准确率 {confident}"]
        out += ["", f"可靠性（类型最高概率；ECE {self.type_ece:.3f}）"] + reliability_table(self.reliability)
        out += ["", f"可靠性（每个特别报告事项的判断；ECE {self.sr_ece:.3f}）"] + reliability_table(self.sr_reliability, "判断数")
        out += ["", f"预测耗时 {self.ms_per_letter:.1f} ms/封（分类 + 切分）", self.summary()]
        return out

    def summary(self) -> str:
        fields = " ".join(f"{k} {v:.2f}" for k, v in self.field_accuracy.items())
        return (f"SUMMARY classify: n={self.n} type_acc={self.type_accuracy:.3f} type_macro_f1={self.type_macro_f1:.3f} "
                f"sr_micro_f1={self.sr_micro_f1:.3f} ib_micro_f1={self.ib_micro_f1:.3f} "
                f"confident={self.confident_share:.2f}@{self.confident_accuracy or 0:.3f} type_ece={self.type_ece:.3f} "
                f"fields[{fields}]")


def _score_table(scores: tuple[CodeScore, ...]) -> list[str]:
    rows = ["  代码                  精确率  召回率   F1   标注数 预测数"]
    rows += [f"  {s.code:<20} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:6d} {s.predicted:6d}" for s in scores]
    return rows


def reliability_table(bins: tuple[ReliabilityBin, ...], counted: str = "来信数") -> list[str]:
    """Printable rows of the non-empty ``bins``: range, count, mean probability, share right."""
    rows = [f"  概率区间      {counted}  平均概率  实际准确率"]
    rows += [f"  [{b.low:.1f}, {b.high:.1f}{']' if b.high >= 1 else ')'}  {b.n:6d}  {b.mean_probability:8.3f}  "
             f"{b.accuracy:10.3f}" for b in bins if b.n]
    return rows


# ------------------------------------------------------------------------------------------------ loading
def load_labelled(path: Path | str) -> list[dict]:
    """The records of a labelled JSONL file; raises when it is missing or a record lacks text or type."""
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"找不到标注文件 (labelled file not found: {path})")
    records = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise InvalidRequest(f"标注文件第 {number} 行不是 JSON (line {number}: {exc})") from exc
            if not isinstance(record, dict) or not isinstance(record.get("text"), str) \
                    or record.get("intervener_type") not in INTERVENER_TYPES:
                raise InvalidRequest(f"标注文件第 {number} 行缺少 text 或有效的 intervener_type (line {number})")
            records.append(record)
    if not records:
        raise InvalidRequest(f"标注文件为空 (no records in {path})")
    return records


# ------------------------------------------------------------------------------------------------ fields
def case_numbers_of(value) -> list[str]:
    """Normalised case numbers named by a field value (a string, perhaps a list of several, or a list)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for v in values:
        if not v:
            continue
        found = [m.normalized for m in casenumber.find_all(str(v))]
        out += found or [_SPACE.sub("", str(v))]
    return list(dict.fromkeys(out))


def _as_date(value) -> dt.date | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        iso = parse_date(text)
        return dt.date.fromisoformat(iso) if iso else None


def _text(value) -> str | None:
    return _SPACE.sub("", str(value)) or None if value else None


def field_matches(name: str, truth, fields) -> bool:
    """Whether the predicted :class:`~classifier.types.Fields` agree with the labelled value of ``name``."""
    if name == "case_number":
        expected = case_numbers_of(truth)
        if len(expected) > 1:
            return set(expected) == set(fields.case_numbers)
        return expected == ([fields.case_number] if fields.case_number else [])
    if name == "date":
        return _as_date(truth) == _as_date(fields.date)
    if name == "form":
        return (truth or "LETTER") == fields.form
    return _text(truth) == _text(getattr(fields, name))


# ------------------------------------------------------------------------------------------------ scoring
def reliability(probabilities: np.ndarray, correct: np.ndarray) -> tuple[tuple[ReliabilityBin, ...], float]:
    """The probabilities binned by :data:`BIN_EDGES` with the share right in each bin, and the expected
    calibration error (the count-weighted mean gap between the two)."""
    bins, ece = [], 0.0
    for low, high in zip(BIN_EDGES, BIN_EDGES[1:]):
        inside = (probabilities >= low) & ((probabilities < high) if high < 1 else (probabilities <= high))
        n = int(inside.sum())
        mean_p = float(probabilities[inside].mean()) if n else 0.0
        accuracy = float(correct[inside].mean()) if n else 0.0
        bins.append(ReliabilityBin(low, high, n, mean_p, accuracy))
        ece += n * abs(mean_p - accuracy)
    return tuple(bins), ece / max(len(probabilities), 1)


def _code_scores(y_true: np.ndarray, y_pred: np.ndarray, codes: list[str]) -> tuple[CodeScore, ...]:
    """Per-code scores from 0/1 matrices (one column per code)."""
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    support, predicted = y_true.sum(axis=0), y_pred.sum(axis=0)
    return tuple(CodeScore(c, float(p[j]), float(r[j]), float(f[j]), int(support[j]), int(predicted[j]))
                 for j, c in enumerate(codes))


def run(path: Path | str, clf: LetterClassifier, threshold: float) -> BenchResult:
    """Score ``clf`` and the field extraction on the labelled file ``path`` (see the module docstring)."""
    records = load_labelled(path)
    started = time.perf_counter()
    predictions = [clf.predict(r["text"]) for r in records]
    extracted = [clf.read_fields(r["text"]) for r in records]
    ms_per_letter = (time.perf_counter() - started) * 1000 / len(records)

    type_codes = list(INTERVENER_TYPES)
    truth = np.array([type_codes.index(r["intervener_type"]) for r in records])
    guessed = np.array([type_codes.index(p.intervener_type.code) for p in predictions])
    top = np.array([p.intervener_type.probability for p in predictions])
    right = truth == guessed
    present = sorted(set(truth) | set(guessed))
    confident = top >= threshold

    sr_true, sr_pred = multilabel(records, predictions, "special_report", list(SPECIAL_REPORT))
    ib_true, ib_pred = multilabel(records, predictions, "internal_behaviours", list(INTERNAL_BEHAVIOURS))
    sr_prob = np.array([[p.sr_probabilities.get(c, 0.0) for c in SPECIAL_REPORT] for p in predictions])
    sr_decisions = np.where(sr_prob >= 0.5, sr_prob, 1 - sr_prob).ravel()  # probability of the decision taken
    sr_bins, sr_ece = reliability(sr_decisions, (sr_pred == sr_true).ravel())
    type_bins, type_ece = reliability(top, right)

    field_accuracy, field_filled = {}, {}
    for name in BENCH_FIELDS:
        truths = [r.get("form") if name == "form" else (r.get("fields") or {}).get(name) for r in records]
        field_accuracy[name] = float(np.mean([field_matches(name, t, f) for t, f in zip(truths, extracted)]))
        field_filled[name] = sum(1 for t in truths if t)

    sr_micro, sr_macro = micro_macro(sr_true, sr_pred)
    ib_micro, ib_macro = micro_macro(ib_true, ib_pred)
    return BenchResult(
        path=str(path), n=len(records), model_version=clf.info.version, threshold=threshold,
        type_accuracy=float(right.mean()),
        type_macro_f1=float(f1_score(truth, guessed, labels=present, average="macro", zero_division=0)),
        per_type=_code_scores(np.eye(len(type_codes), dtype=int)[truth], np.eye(len(type_codes), dtype=int)[guessed], type_codes), type_codes=tuple(type_codes),
        confusion=tuple(tuple(int(v) for v in row) for row in confusion_matrix(truth, guessed, labels=range(len(type_codes)))),
        sr_micro_f1=sr_micro, sr_macro_f1=sr_macro, ib_micro_f1=ib_micro, ib_macro_f1=ib_macro,
        per_code=_code_scores(sr_true, sr_pred, list(SPECIAL_REPORT)) + _code_scores(ib_true, ib_pred, list(INTERNAL_BEHAVIOURS)),
        field_accuracy=field_accuracy, field_filled=field_filled,
        confident_share=float(confident.mean()),
        confident_accuracy=float(right[confident].mean()) if confident.any() else None,
        reliability=type_bins, type_ece=type_ece, sr_reliability=sr_bins, sr_ece=sr_ece,
        ms_per_letter=ms_per_letter,
    )
