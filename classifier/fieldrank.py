"""Learned choice of the intervener's name, unit and position among the spans of a letter, and of its form.

The rules of :mod:`classifier.fields` read these fields well when a letter says who is who in a way they know
(来电人：…, a signature line, a 批示's signer); in other wording they often find nothing, or someone else. A
:class:`FieldRanker` learns from labelled letters which span of the text is the intervener's:

1. candidates (:func:`candidates`): every span that could be the field — a surname and one or two characters
   (name); a run of characters ending in an organ word and starting after a boundary (unit); a post of
   :data:`classifier.fields.POSITIONS` with up to sixteen characters of department before it (position); the rules'
   own answer when it is none of these; and "none" (the letter does not say).
2. features of each candidate (:func:`span_features`): the characters around it, the label of its line
   (来电人：), where in the letter it stands, its shape, whether the rules chose it, the letter's form; for unit
   and position also how far it stands from the chosen name.
3. one linear scorer per field, learnt from pairs: for every labelled letter, the right candidate against each
   other one (a logistic regression on the feature differences, RankSVM-style), so it learns to rank the spans
   of one letter rather than to judge each span alone. The best-scoring candidate wins, "none" included. The
   name is chosen first, then unit and position next to it. The winner's share of the letter's candidates
   (softmax of the scores) below :data:`SURE` lists the field in ``Fields.unsure``; the desk marks it for the
   reviewer. Against one logistic regression per candidate, leave-one-file-out over the 4,083 hand-written
   letters moved name 0.935 → 0.937, unit 0.879 → 0.883 and position 0.885 → 0.893, and training takes seconds
   per field. :data:`SURE` was set on four held-out files so that about as many fields are marked as before
   (9–16%) and those not marked are right as often (0.94–0.97). A field no labelled letter can teach (every
   letter with one candidate) keeps the rules' answer.

The form of contact (函, 批示, 电话, 微信, 当面 …) is learnt too: a linear SVM over the letter's character
1–3-grams and the form the rules read (leave-one-file-out 0.872 → 0.923; a logistic regression reached 0.912).

The fields are chosen this way only by a ranker trained on at least :data:`MIN_LETTERS` labelled letters;
with fewer, the rules' fields stand. ``letterdesk bench fields`` prints the leave-one-file-out comparison
with the rules over the hand-written letters (:func:`report`; figures in the README).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifier import fields as rules
from classifier.features import normalise
from classifier.segment import record_fields
from classifier.taxonomy import FORMS
from classifier.types import Fields

RANKED = ("name", "unit", "position")  # chosen in this order: unit and position look at the chosen name
CHOSEN = (*RANKED, "form")  # every field the ranker replaces
MIN_LETTERS = 200  # below this many labelled letters the rules do better than a ranker
C = 1.0  # inverse regularisation of the candidate scorers
FORM_C = 0.5  # and of the form classifier
SURE = 0.8  # a winner with a smaller share of its letter's candidates is marked unsure
RULED_FORM_WEIGHT = 3.0  # the rules' form, one-hot, beside the TF-IDF columns
# Candidate features are hashed into this many columns and the scorers keep sparse weights: no vocabulary of
# ~700,000 feature names in every process (100 MB), same leave-one-file-out figures as a vocabulary (±0.002).
HASHED_FEATURES = 2 ** 20

_CJK = "\u4e00-\u9fff"
_NAME_SPAN = re.compile(f"(?=({rules.SURNAME}(?:{rules.ANONYMISED}|[{_CJK}]{{1,2}})))")
_RARE_NAME_SPAN = re.compile(f"(?=([{rules.WORDLIKE_SURNAMES}][{_CJK}]{{2}}|[{_CJK}]{{1,6}}·[{_CJK}]{{1,8}}))")
_UNIT_END = re.compile("|".join(sorted(
    rules.ORGAN_SUFFIXES + ("行", "分行", "支行", "室", "处", "科", "队", "庭", "会", "社", "报社", "台", "厂", "店",
                           "村", "村民小组", "军区", "军分区", "中学", "小学", "校区", "人大", "侨联", "个协", "党总支",
                           "组", "报", "热线", "公署", "酒楼", "商行"),
    key=len, reverse=True)))
_UNIT_SPAN = re.compile(f"[{_CJK}（）()·]+")
# a unit starts after one of these: 是 系 在 … (saying who someone is), 接到 | 某院, 原 | 某局 (a former post),
# 某省 | 某市 (the convention drops a province before a city), 原告 | 某公司
_UNIT_LEAD_CHARS = set("是系在由向的致给经据为和与及、我称任到即原从省告")
_UNIT_LEAD_WORDS = ("自称", "来自", "现任", "担任", "我是", "自报", "自述", "署名", "载明", "出示", "本人", "中共")
_POSITION_SPAN = re.compile(f"(?=({rules.POSITION_RE.pattern}))")
_IS_CJK = re.compile(f"[{_CJK}]")
_LINE_LABEL = re.compile("([^：:，,。\n]{1,8})[：:]\\s*$")
# words that often mean the letter names no unit or post for its sender (a relative, an anonymous caller)
_NONE_CUES = ("爱人", "妻子", "丈夫", "儿子", "女儿", "亲戚", "匿名", "老乡", "朋友", "同学", "战友", "父亲", "母亲",
              "舅舅", "侄子", "外甥", "女婿", "不愿透露", "未留", "没说")


# --- candidates -----------------------------------------------------------------------------------
def _names(text: str) -> set[tuple[int, str]]:
    out = set()
    for m in _NAME_SPAN.finditer(text):
        span = m.group(1)
        out.add((m.start(), span))
        if len(span) == 3:
            out.add((m.start(), span[:2]))
    out.update((m.start(), m.group(1)) for m in _RARE_NAME_SPAN.finditer(text))
    return out


def _units(text: str) -> set[tuple[int, str]]:
    out = set()
    for m in _UNIT_END.finditer(text):
        end = m.end()
        for start in range(max(0, end - 30), end - 1):
            if not _UNIT_SPAN.fullmatch(text, start, end):
                continue
            before = text[start - 1] if start else ""
            if (not before or not _IS_CJK.match(before) or before in _UNIT_LEAD_CHARS
                    or text[max(0, start - 2):start] in _UNIT_LEAD_WORDS):
                out.add((start, text[start:end]))
    return out


def _positions(text: str) -> set[tuple[int, str]]:
    out = set()
    for m in _POSITION_SPAN.finditer(text):
        start, post = m.start(), m.group(1)
        out.add((start, post))
        for k in range(1, 17):  # a department before the post: 立案庭 | 副庭长
            if start - k < 0 or not _IS_CJK.match(text[start - k]):
                break
            out.add((start - k, text[start - k:start] + post))
    return out


_GENERATORS = {"name": _names, "unit": _units, "position": _positions}


def candidates(field: str, text: str, ruled: str | None) -> list[tuple[int, str]]:
    """(offset, span) pairs that could be ``field`` of ``text``, sorted; the rules' answer ``ruled`` is one of them
    (at its first place) whenever the text contains it. Units are tidied as the rules tidy theirs
    (:func:`classifier.fields.tidy_unit`)."""
    found = _GENERATORS[field](text)
    if ruled and ruled not in {span for _, span in found} and ruled in text:
        found.add((text.index(ruled), ruled))
    if field == "unit":  # as the rules write a unit: 自称…, 巫国庆（…, a province before a city dropped
        found = {(start + span.index(tidy), tidy) for start, span in found if (tidy := rules.tidy_unit(span))}
    return sorted(found)


# --- features -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Letter:
    """What every candidate of one letter is compared against."""

    text: str
    ruled: Fields
    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str, ruled: Fields) -> "_Letter":
        return cls(text, ruled, (0, *(m.end() for m in re.finditer("\n", text))))


def _mentions(text: str, anchor: str | None) -> list[tuple[int, int]] | None:
    """Where ``anchor`` (the chosen name) stands in ``text``; None when there is no anchor."""
    return [m.span() for m in re.finditer(re.escape(anchor), text)] if anchor else None


def _near(start: int, end: int, mentions: list[tuple[int, int]] | None) -> str:
    """How far the span ``start:end`` stands from the nearest of the chosen name's ``mentions``."""
    if mentions is None:
        return "anchor=none"
    best: tuple[int, str] | None = None
    for m_start, m_end in mentions:
        if m_start >= end:
            gap, side = m_start - end, "R"
        elif m_end <= start:
            gap, side = start - m_end, "L"
        else:
            gap, side = 0, "O"
        if best is None or gap < best[0]:
            best = (gap, side)
    if best is None:
        return "anchor=absent"
    gap, side = best
    return f"anchor={side}{gap if gap < 5 else (5 if gap < 12 else 12)}"


def span_features(field: str, letter: _Letter, start: int, span: str,
                  mentions: list[tuple[int, int]] | None = None) -> dict[str, int]:
    """The features of candidate ``span`` at ``start`` for ``field`` (``mentions``: where the chosen name stands,
    for unit and position)."""
    text, end = letter.text, start + len(span)
    line = bisect.bisect_right(letter.line_starts, start) - 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    before, after = text[letter.line_starts[line]:start], text[end:line_end]
    f = {f"L{n}={text[max(0, start - n):start]}": 1 for n in (1, 2, 3)}
    f.update({f"R{n}={text[end:end + n]}": 1 for n in (1, 2, 3)})
    f.update({f"lw={text[j:j + 2]}": 1 for j in range(max(letter.line_starts[line], start - 10), start - 1)})
    f.update({f"rw={text[j:j + 2]}": 1 for j in range(end, min(line_end, end + 10) - 1)})
    label = _LINE_LABEL.search(before)
    if label:
        f[f"label={label.group(1)}"] = f[f"label_end={label.group(1)[-2:]}"] = 1
    f["line_start"] = int(not before.strip())
    f["line_end"] = int(not after.strip())
    f["first_line"] = int(line == 0)
    f["first_3_lines"] = int(line < 3)
    f["last_3_lines"] = int(line >= len(letter.line_starts) - 3)
    f[f"at={10 * start // max(len(text), 1)}"] = 1
    f[f"length={min(len(span), 12)}"] = 1
    f["first_mention"] = int(text.find(span) == start)
    f[f"mentions={min(text.count(span), 3)}"] = 1
    ruled = getattr(letter.ruled, field)
    f["rule=" + ("none" if ruled is None else "same" if ruled == span else
                 "overlap" if span in ruled or ruled in span else "other")] = 1
    f[f"form={letter.ruled.form}"] = 1
    f[f"form|L2={letter.ruled.form}{text[max(0, start - 2):start]}"] = 1
    if field == "name":
        f["anonymised"] = int("某" in span)
        f["full_name"] = int(rules.is_person_name(span))
        f[f"last={span[-1]}"] = 1
        f["post_follows"] = int(bool(rules.POSITION_RE.match(text, end)))
    else:
        f[_near(start, end, mentions)] = 1
    if field == "unit":
        f.update({f"suffix={span[-2:]}": 1, f"suffix1={span[-1]}": 1, f"first2={span[:2]}": 1})
        f["court"] = int("法院" in span)
        f["colon_after"] = int(after.startswith(("：", ":")))
        f["organ"] = int(rules.is_organ(span))
    if field == "position":
        post = rules.POSITION_RE.search(span)
        f["whole_post"] = int(bool(post) and post.span() == (0, len(span)))
        f[f"last2={span[-2:]}"] = 1
        if not (post and post.start() == 0):
            f.update({"department": 1, f"department1={span[0]}": 1,
                      f"department_length={min(len(span) - (len(post.group(0)) if post else 0), 8)}": 1})
    return f


def none_features(field: str, letter: _Letter, n_candidates: int, anchor: str | None = None) -> dict[str, int]:
    """The features of the "none" candidate: the letter does not name ``field``."""
    f = {"NONE": 1, f"NONE|form={letter.ruled.form}": 1, f"NONE|candidates={min(n_candidates, 5)}": 1}
    f.update({f"NONE|rule_none_{k}": 1 for k in RANKED if getattr(letter.ruled, k) is None})
    f.update({f"NONE|cue={w}": 1 for w in _NONE_CUES if w in letter.text})
    if field != "name" and not anchor:
        f["NONE|no_name"] = 1
    return f


def _rows(field: str, letter: _Letter, anchor: str | None) -> tuple[list[dict], list[str | None]]:
    """Feature rows and values of every candidate of ``letter`` ("none" first, value None)."""
    found = candidates(field, letter.text, getattr(letter.ruled, field))
    mentions = _mentions(letter.text, anchor)
    rows = [none_features(field, letter, len(found), anchor)]
    rows += [span_features(field, letter, start, span, mentions) for start, span in found]
    return rows, [None, *(span for _, span in found)]


def _truth(record: dict, field: str) -> str | None:
    """The labelled value of ``field`` in a corpus record (None when empty; LETTER when no form is given)."""
    return record.get("form") or "LETTER" if field == "form" else (record.get("fields") or {}).get(field) or None


# --- the form -------------------------------------------------------------------------------------
class FormReader:
    """The form of contact from the letter's characters and the rules' form. Build with :meth:`fit`."""

    def __init__(self, vectorizer: TfidfVectorizer, model: LinearSVC) -> None:
        self.vectorizer, self.model = vectorizer, model

    @staticmethod
    def _ruled(forms: Sequence[str]) -> sparse.csr_matrix:
        return sparse.csr_matrix(np.array([[RULED_FORM_WEIGHT * (f == code) for code in FORMS] for f in forms]))

    @classmethod
    def fit(cls, texts: Sequence[str], forms: Sequence[str], ruled: Sequence[Fields],
            weights: np.ndarray) -> "FormReader | None":
        """A reader learnt from ``texts``, their labelled ``forms`` and rules' fields; None unless two forms occur."""
        if len(set(forms)) < 2:
            return None
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=normalise, sublinear_tf=True,
                                     min_df=2, max_features=100_000, dtype=np.float64)
        X = sparse.hstack([vectorizer.fit_transform(texts), cls._ruled([r.form for r in ruled])]).tocsr()
        return cls(vectorizer, LinearSVC(C=FORM_C).fit(X, list(forms), sample_weight=weights))

    def read(self, text: str, ruled: Fields) -> str:
        X = sparse.hstack([self.vectorizer.transform([text]), self._ruled([ruled.form])]).tocsr()
        return str(self.model.predict(X)[0])


# --- the ranker -----------------------------------------------------------------------------------
class FieldRanker:
    """Chooses name, unit, position and form of a letter among their candidates. Build with :meth:`fit`."""

    def __init__(self, models: dict[str, tuple[FeatureHasher, LogisticRegression]], form: FormReader | None) -> None:
        self.models = models
        self.form = form

    @classmethod
    def fit(cls, records: Sequence[dict], weights: Sequence[float] | None = None,
            ruled: Sequence[Fields] | None = None) -> "FieldRanker | None":
        """A ranker learnt from labelled ``records`` (corpus schema: ``text``, ``form``, ``fields``); ``weights``
        per record; ``ruled``: the rules' fields of each text, computed when not given. None when fewer than
        :data:`MIN_LETTERS` records are given."""
        if len(records) < MIN_LETTERS:
            return None
        texts = [r["text"] for r in records]
        ruled = list(ruled) if ruled is not None else [record_fields(t) for t in texts]
        weights = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=float)
        letters = [_Letter.of(t, r) for t, r in zip(texts, ruled)]
        anchors = [_truth(r, "name") or f.name for r, f in zip(records, ruled)]  # the true name, as in use
        hasher = FeatureHasher(n_features=HASHED_FEATURES, alternate_sign=False)
        models = {}
        for field in RANKED:
            # one pair (right candidate − other candidate) per wrong candidate of each letter, its sign
            # alternating (both classes, evenly) and starting on the other foot at each next letter
            all_rows, right, other, signs, w, n_letters = [], [], [], [], [], 0
            for letter, record, anchor, weight in zip(letters, records, anchors, weights):
                rows, values = _rows(field, letter, anchor if field != "name" else None)
                truth = _truth(record, field)
                if truth not in values or len(values) < 2:  # nothing to learn about ranking this letter's spans
                    continue
                first, chosen = len(all_rows), values.index(truth)
                all_rows += rows
                others = [first + i for i in range(len(values)) if i != chosen]
                right += [first + chosen] * len(others)
                other += others
                signs += [1.0 if (j + n_letters) % 2 == 0 else -1.0 for j in range(len(others))]
                w += [weight] * len(others)
                n_letters += 1
            if not all_rows:
                continue
            X = hasher.transform(all_rows).tocsr()
            pairs = sparse.diags(np.array(signs)) @ (X[right] - X[other])
            scorer = LogisticRegression(C=C, fit_intercept=False, max_iter=3000)
            models[field] = (hasher, scorer.fit(pairs.tocsr(), np.array(signs), sample_weight=np.array(w)).sparsify())
        forms = [_truth(r, "form") for r in records]
        return cls(models, FormReader.fit(texts, forms, ruled, weights))

    def choose(self, text: str, ruled: Fields) -> Fields:
        """``ruled`` with name, unit, position and form replaced by the best-scoring candidates of ``text``."""
        letter = _Letter.of(text, ruled)
        chosen: dict[str, str | None] = {}
        unsure = []
        for field in RANKED:
            if field not in self.models:
                chosen[field] = getattr(ruled, field)
                continue
            rows, values = _rows(field, letter, chosen.get("name"))
            hasher, scorer = self.models[field]
            scores = scorer.decision_function(hasher.transform(rows))
            share = np.exp(scores - scores.max())
            best = int(np.argmax(scores))
            chosen[field] = values[best]
            if share[best] / share.sum() < SURE:
                unsure.append(field)
        return replace(ruled, **chosen, form=self.form.read(text, ruled) if self.form else ruled.form,
                       unsure=tuple(unsure))


# --- measuring ------------------------------------------------------------------------------------
def exact_match(records: Sequence[dict], read: Sequence[Fields], field: str) -> float:
    """The share of ``records`` whose labelled ``field`` (an empty one included) equals the one ``read``."""
    return float(np.mean([getattr(f, field) == _truth(r, field) for r, f in zip(records, read)])) if records else 0.0


def leave_one_file_out(held: dict[str, list[dict]], base: list[dict], weight: float) -> dict[str, list[tuple[dict, Fields, Fields]]]:
    """For each file of ``held`` (name → records): every record with the rules' fields and those of a ranker
    trained on ``base`` (weight 1) and the other held files (``weight``)."""
    ruled = {name: [record_fields(r["text"]) for r in recs] for name, recs in held.items()}
    base_ruled = [record_fields(r["text"]) for r in base]
    out = {}
    for name, recs in held.items():
        train = [(r, f, weight) for other, rs in held.items() if other != name for r, f in zip(rs, ruled[other])]
        train += [(r, f, 1.0) for r, f in zip(base, base_ruled)]
        ranker = FieldRanker.fit([r for r, _, _ in train], [w for _, _, w in train], [f for _, f, _ in train])
        out[name] = [(r, f, ranker.choose(r["text"], f)) for r, f in zip(recs, ruled[name])]
    return out


def report(files: Sequence[Path], base: Sequence[dict] | None = None) -> list[str]:
    """``letterdesk bench fields``: leave-one-file-out over labelled ``files`` (default: the hand-written
    training letters), the ranker trained on ``base`` (default: the generated corpus) and the other files.
    Lines of exact-match accuracy, rules → ranker, per file and field; then how often the ranker is sure and
    how often right when it is and when it is not; last, one summary line."""
    from classifier import model

    files = list(files) or sorted(model.WRITTEN_DIR.glob("*.jsonl"))
    held = {f.name: model.load_corpus(f) for f in files}
    result = leave_one_file_out(held, model.load_corpus(model.DEFAULT_CORPUS) if base is None else list(base),
                                model.REAL_WEIGHT)

    def exact(rows, field: str, which: int) -> float:
        return exact_match([row[0] for row in rows], [row[which] for row in rows], field)

    every = [row for rows in result.values() for row in rows]
    lines = [f"字段完全一致率，留一文件交叉验证（规则 → 学习）：{len(files)} 个文件，{len(every)} 封来信",
             f"  {'文件':22} {'封数':>3} " + " ".join(f"{k:>15}" for k in CHOSEN)]
    for name, rows in [*result.items(), ("合计", every)]:
        width = 24 - len(re.findall(f"[{_CJK}]", name))  # a Chinese character takes two columns
        lines.append(f"  {name:{width}} {len(rows):5} " + " ".join(f"{exact(rows, k, 1):6.3f} → {exact(rows, k, 2):5.3f}"
                                                               for k in CHOSEN))
    for k in RANKED:
        sure = [row for row in every if k not in row[2].unsure]
        unsure = [row for row in every if k in row[2].unsure]
        lines.append(f"  {k}: 有把握 {len(sure) / max(len(every), 1):.1%}，其中正确 {exact(sure, k, 2):.3f}；"
                     f"把握不大 {len(unsure) / max(len(every), 1):.1%}，其中正确 {exact(unsure, k, 2):.3f}")
    lines.append("SUMMARY fields: n=%d " % len(every) + " ".join(
        f"{k} {exact(every, k, 1):.3f}->{exact(every, k, 2):.3f}" for k in CHOSEN))
    return lines
