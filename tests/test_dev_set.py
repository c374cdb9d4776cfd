"""The hand-labelled sets: the development set (classifier/data/dev.jsonl), the hand-written training letters
(classifier/data/written/*.jsonl) and the field-tuning letters (classifier/data/tune_fields.jsonl).

All follow one schema and the taxonomy. The dev set measures a model trained on everything else, so it must
also cover every label and share no wording with any training file.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from classifier import casenumber
from classifier.bench import case_numbers_of
from classifier.taxonomy import FORMS, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, SPECIAL_REPORT, scope_of

DATA = Path(__file__).resolve().parents[1] / "classifier" / "data"
DEV, TRAIN = DATA / "dev.jsonl", DATA / "train.jsonl"
HAND_TRAINING = (*sorted((DATA / "written").glob("*.jsonl")), DATA / "tune_fields.jsonl")
KEYS = {"id", "form", "text", "intervener_type", "special_report", "internal_behaviours", "fields"}
FIELD_KEYS = {"name", "unit", "position", "case_number", "case_name", "date"}
MIN_RECORDS, MIN_PER_TYPE, MIN_PER_CODE, MIN_PER_FORM = 150, 8, 4, 4
OVERLAP = 25  # characters; a longer shared run means a dev text was copied from (or into) the training data


def _load(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file, one per non-empty line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _squash(text: str) -> str:
    """``text`` without whitespace (OCR line wraps and indentation do not hide a copied passage)."""
    return re.sub(r"\s+", "", text)


DEV_RECORDS = _load(DEV)
LABELLED = [dict(r, _file=DEV.name) for r in DEV_RECORDS] + [
    dict(r, _file=path.name) for path in HAND_TRAINING if path.exists() for r in _load(path)]


def _label(record: dict) -> str:
    return f"{record['_file']}:{record.get('id', '?')}"


def _record(labelled: dict) -> dict:
    return {k: v for k, v in labelled.items() if k != "_file"}


def test_dev_set_is_large_enough_and_ids_unique() -> None:
    ids = [r["id"] for r in DEV_RECORDS]
    assert len(DEV_RECORDS) >= MIN_RECORDS
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    assert all(re.fullmatch(r"dev-\d{3,}", i) for i in ids)


def test_ids_are_unique_across_the_labelled_files() -> None:
    """An id names one letter wherever it is used (audits, error lists, leave-one-file-out reports)."""
    ids = Counter(r["id"] for r in LABELLED)
    assert not [i for i, n in ids.items() if n > 1]


@pytest.mark.parametrize("labelled", LABELLED, ids=_label)
def test_record_schema_and_codes(labelled: dict) -> None:
    record = _record(labelled)
    assert set(record) == KEYS
    assert record["form"] in FORMS
    assert record["intervener_type"] in INTERVENER_TYPES
    assert isinstance(record["text"], str) and record["text"].strip()
    for key, vocabulary in (("special_report", SPECIAL_REPORT), ("internal_behaviours", INTERNAL_BEHAVIOURS)):
        codes = record[key]
        assert isinstance(codes, list) and len(set(codes)) == len(codes)
        assert all(c in vocabulary for c in codes), codes
    fields = record["fields"]
    assert set(fields) == FIELD_KEYS
    assert all(v is None or (isinstance(v, str) and v.strip()) for v in fields.values())
    if labelled["_file"] == DEV.name:
        assert fields["date"] is not None
    if fields["date"] is not None:
        dt.date.fromisoformat(fields["date"])


@pytest.mark.parametrize("labelled", LABELLED, ids=_label)
def test_labels_follow_the_taxonomy(labelled: dict) -> None:
    """Only interventions carry special-report items; only internal interveners carry internal behaviours."""
    record = _record(labelled)
    scope = scope_of(record["intervener_type"])
    if scope == "neither":
        assert record["special_report"] == [] and record["internal_behaviours"] == []
    if scope == "external":
        assert record["internal_behaviours"] == []
    if "IB02" in record["internal_behaviours"]:
        assert "SR14" in record["special_report"]  # passing on a party's material is reported as SR14 too


@pytest.mark.parametrize("labelled", LABELLED, ids=_label)
def test_fields_are_what_the_text_names(labelled: dict) -> None:
    """The case number is the first one the text names (canonical in the dev set); names and units occur in
    the text."""
    record = _record(labelled)
    text, fields = record["text"], record["fields"]
    found = [m.normalized for m in casenumber.find_all(text)]
    number = fields["case_number"]
    if number is None:
        assert found == [], f"text names {found} but case_number is null"
    else:
        named = case_numbers_of(number)  # a letter naming several cases may list them all
        if labelled["_file"] == DEV.name:
            assert named == [number]
        assert named and found[:len(named)] == named, found
    squashed = _squash(text)
    for key in ("name", "unit", "position", "case_name"):
        if fields[key] is not None:
            assert _squash(fields[key]) in squashed, (key, fields[key])


def test_every_label_is_covered() -> None:
    types = Counter(r["intervener_type"] for r in DEV_RECORDS)
    forms = Counter(r["form"] for r in DEV_RECORDS)
    items = Counter(c for r in DEV_RECORDS for c in r["special_report"])
    behaviours = Counter(c for r in DEV_RECORDS for c in r["internal_behaviours"])
    short = {
        **{c: types[c] for c in INTERVENER_TYPES if types[c] < MIN_PER_TYPE},
        **{c: forms[c] for c in FORMS if forms[c] < MIN_PER_FORM},
        **{c: items[c] for c in SPECIAL_REPORT if items[c] < MIN_PER_CODE},
        **{c: behaviours[c] for c in INTERNAL_BEHAVIOURS if behaviours[c] < MIN_PER_CODE},
    }
    assert not short, f"labels below their minimum count: {short}"


@pytest.mark.parametrize("training", [TRAIN, *HAND_TRAINING], ids=lambda p: p.name)
def test_dev_texts_share_no_passage_with_training_texts(training: Path) -> None:
    if not training.exists():
        pytest.skip(f"{training.name} absent")
    windows: dict[str, str] = {}
    for record in DEV_RECORDS:
        text = _squash(record["text"])
        for i in range(len(text) - OVERLAP + 1):
            windows.setdefault(text[i:i + OVERLAP], record["id"])
    shared: dict[str, str] = {}
    for train in _load(training):
        text = _squash(train["text"])
        for i in range(len(text) - OVERLAP + 1):
            window = text[i:i + OVERLAP]
            if window in windows:
                shared.setdefault(windows[window], window)
    assert not shared, f"dev records sharing a {OVERLAP}-character passage with {training.name}: {shared}"


def test_dev_texts_are_distinct() -> None:
    """No two dev letters are near copies of each other (a 60-character shared run)."""
    owner: dict[str, str] = {}
    for record in DEV_RECORDS:
        text = _squash(record["text"])
        windows = {text[i:i + 60] for i in range(len(text) - 59)}
        copied = {owner[w] for w in windows if w in owner}
        assert not copied, (record["id"], copied)
        owner.update(dict.fromkeys(windows, record["id"]))
