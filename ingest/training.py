"""Learning from reviewers: retrain the classifier on the base corpus plus every confirmed letter.

``retrain`` trains a new model, stores it as a new version (SHA-256 recorded, never overwriting another),
scores it and the active model on the development set, and activates the new one only when it scores at
least as well (mean of type macro-F1 and special-report micro-F1). A confirmed letter whose text is also in
the development set is left out of training, so the development set stays a fair test.

One training at a time per model directory: ``retrain`` and :func:`usable_or_retrained` (a worker that finds no
usable model) hold the directory's lock file, so a worker starting while ``letterdesk train`` runs waits
for that model instead of training its own.
"""
from __future__ import annotations

import fcntl
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from classifier import model
from classifier.bench import load_labelled
from classifier.types import FIELD_NAMES
from ingest.runtime import Runtime
from letterdesk.errors import ConfigurationError
from storage.models import Letter, Status

log = logging.getLogger(__name__)

DEFAULT_DEV = Path(model.__file__).with_name("data") / "dev.jsonl"
LOCK_NAME = ".training.lock"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class TrainOutcome:
    version: str  # the version just trained and saved
    activated: bool
    active_version: str  # the active model afterwards
    n_base: int
    n_confirmed: int
    dev_path: str | None
    dev_scores_new: dict | None  # model.evaluate() of the new model on the development set
    dev_scores_active: dict | None  # … of the model that was active before (None when there was none)

    def lines(self) -> list[str]:
        """A short report for the command line."""
        out = [f"新模型 {self.version}：基础语料 {self.n_base} 条 + 已确认来信 {self.n_confirmed} 封"]
        for label, scores in (("新模型", self.dev_scores_new), ("原模型", self.dev_scores_active)):
            if scores:
                out.append(f"{label}在开发集上：类型宏F1 {scores['type_macro_f1']:.3f}  特别报告微F1 "
                           f"{scores['sr_micro_f1']:.3f}  字段一致率 {scores['fields_exact']:.3f}（综合 {dev_score(scores):.3f}）")
        if self.dev_path is None:
            out.append("没有开发集，无法比较")
        out.append(f"已启用新模型 {self.version}" if self.activated else f"新模型未启用，当前模型仍为 {self.active_version}")
        return out


def dev_score(scores: dict) -> float:
    """The one figure models are compared by: mean of type macro-F1, special-report micro-F1 and the mean
    exact match of the fields the model reads (:func:`classifier.model.evaluate`)."""
    return (scores["type_macro_f1"] + scores["sr_micro_f1"] + scores["fields_exact"]) / 3


def _key(text: str) -> str:
    return _SPACE.sub("", text or "")


def confirmed_records(rt: Runtime) -> list[dict]:
    """Every filed letter as a corpus record (the schema of ``train.jsonl``): its OCR text, the confirmed
    labels and fields. Letters without text are skipped."""
    with rt.db.session() as s:
        letters = s.scalars(select(Letter).where(Letter.status == Status.FILED.value).order_by(Letter.id)).all()
        rows = [(letter.id, letter.text, letter.confirmed_labels or {}, letter.confirmed_fields or {})
                for letter in letters]
    return [
        {"id": f"letter-{letter_id}", "form": labels.get("form") or "LETTER", "text": text,
         "intervener_type": labels["intervener_type"],
         "special_report": sorted(labels.get("special_report") or []),
         "internal_behaviours": sorted(labels.get("internal_behaviours") or []),
         "fields": {k: fields.get(k) for k in FIELD_NAMES}}
        for letter_id, text, labels, fields in rows
        if (text or "").strip() and labels.get("intervener_type")
    ]


@contextmanager
def training_lock(directory: Path) -> Iterator[None]:
    """Hold the model directory's training lock (a lock file, created if missing) across processes."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / LOCK_NAME).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def usable_or_retrained(rt: Runtime, usable: Callable[[], model.LetterClassifier | None]) -> model.LetterClassifier:
    """``usable()`` (the active model, or None when there is none this code can use), asked again under the
    training lock; when it is still None, a model trained and activated by :func:`retrain`."""
    with training_lock(rt.settings.model_dir):
        clf = usable()
        if clf is None:
            log.warning("classifier model %s trained and activated", _retrain(rt).version)
            clf = model.load(rt.settings.model_dir)
    return clf


def retrain(rt: Runtime, dev_path: Path | str | None = None, *, base_corpus: Path | str | None = None,
            seed: int = 0) -> TrainOutcome:
    """Train on ``base_corpus`` (default: the packaged corpus) plus the confirmed letters, save a new
    version and activate it when it scores at least as well on the development set as the active model.

    ``dev_path`` defaults to the packaged ``dev.jsonl``. Without a development set the new model is saved but
    activated only when no model is active yet. When it is activated, ``rt`` uses it from then on. Holds the
    training lock throughout.
    """
    with training_lock(rt.settings.model_dir):
        return _retrain(rt, dev_path, base_corpus=base_corpus, seed=seed)


def _retrain(rt: Runtime, dev_path: Path | str | None = None, *, base_corpus: Path | str | None = None,
             seed: int = 0) -> TrainOutcome:
    """:func:`retrain` for a caller that holds the training lock."""
    directory = rt.settings.model_dir
    dev_file = Path(dev_path) if dev_path else (DEFAULT_DEV if DEFAULT_DEV.is_file() else None)
    dev = load_labelled(dev_file) if dev_file else []
    dev_texts = {_key(r["text"]) for r in dev}
    base = model.load_corpus(base_corpus)
    confirmed = [r for r in confirmed_records(rt) if _key(r["text"]) not in dev_texts]
    clf = model.train(base + confirmed, seed=seed)
    info = model.save(clf, directory, activate=False)

    previous_version = model.active_version(directory)
    try:
        previous = model.load(directory) if previous_version else None
    except ConfigurationError as exc:
        log.warning("active model %s cannot be loaded (%s); it will be replaced", previous_version, exc)
        previous = None
    new_scores = model.evaluate(clf, dev) if dev else None
    old_scores = model.evaluate(previous, dev) if dev and previous else None
    if previous is None:
        better = True
    elif new_scores is None:
        better = False
    else:
        better = dev_score(new_scores) >= dev_score(old_scores)
    if better:
        rt.classifier = model.activate(directory, info.version)
    return TrainOutcome(
        version=info.version, activated=better, active_version=info.version if better else previous_version,
        n_base=len(base), n_confirmed=len(confirmed), dev_path=str(dev_file) if dev_file else None,
        dev_scores_new=new_scores, dev_scores_active=old_scores,
    )
