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
LABELLED_FILES = (DEV, *(path for path in HAND_TRAINING if path.exists()))
LABELLED = [r for path in LABELLED_FILES for r in _load(path)]


def test_dev_set_is_large_enough_and_ids_unique() -> None:
    ids = [r["id"] for r in DEV_RECORDS]
    assert len(DEV_RECORDS) >= MIN_RECORDS
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    assert all(re.fullmatch(r"dev-\d{3,}", i) for i in ids)


def test_ids_are_unique_across_the_labelled_files() -> None:
    """An id names one letter wherever it is used (audits, error lists, leave-one-file-out reports)."""
    ids = Counter(r["id"] for r in LABELLED)
    assert not [i for i, n in ids.items() if n > 1]


def schema_problems(record: dict, *, dev: bool) -> list[str]:
    """What is wrong with ``record``'s keys, codes and value types (empty when it follows the schema)."""
    if set(record) != KEYS:
        return [f"keys {sorted(set(record) ^ KEYS)}"]
    problems = []
    if record["form"] not in FORMS:
        problems.append(f"form {record['form']!r}")
    if record["intervener_type"] not in INTERVENER_TYPES:
        problems.append(f"intervener_type {record['intervener_type']!r}")
    if not (isinstance(record["text"], str) and record["text"].strip()):
        problems.append("empty text")
    for key, vocabulary in (("special_report", SPECIAL_REPORT), ("internal_behaviours", INTERNAL_BEHAVIOURS)):
        codes = record[key]
        if not (isinstance(codes, list) and len(set(codes)) == len(codes) and all(c in vocabulary for c in codes)):
            problems.append(f"{key} {codes!r}")
    fields = record["fields"]
    if not isinstance(fields, dict) or set(fields) != FIELD_KEYS:
        return [*problems, f"fields {fields!r}"]
    if not all(v is None or (isinstance(v, str) and v.strip()) for v in fields.values()):
        problems.append("a field is neither null nor text")
    if dev and fields["date"] is None:
        problems.append("dev letter without a date")
    if isinstance(fields["date"], str):
        try:
            dt.date.fromisoformat(fields["date"])
        except ValueError:
            problems.append(f"date {fields['date']!r}")
    return problems


def taxonomy_problems(record: dict) -> list[str]:
    """Only interventions carry special-report items; only internal interveners carry internal behaviours;
    passing on a party's material (IB02) is reported as SR14 too."""
    scope = scope_of(record["intervener_type"])
    problems = []
    if scope == "neither" and (record["special_report"] or record["internal_behaviours"]):
        problems.append(f"{record['intervener_type']} with codes")
    if scope == "external" and record["internal_behaviours"]:
        problems.append("external intervener with internal behaviours")
    if "IB02" in record["internal_behaviours"] and "SR14" not in record["special_report"]:
        problems.append("IB02 without SR14")
    return problems


def field_problems(record: dict, *, dev: bool) -> list[str]:
    """The case number is the first one the text names (canonical in the dev set); names, units, posts and
    case names occur in the text."""
    text, fields = record["text"], record["fields"]
    found = [m.normalized for m in casenumber.find_all(text)]
    number = fields["case_number"]
    problems = []
    if number is None and found:
        problems.append(f"text names {found} but case_number is null")
    if number is not None:
        named = case_numbers_of(number)  # a letter naming several cases may list them all
        if (dev and named != [number]) or not named or found[:len(named)] != named:
            problems.append(f"case_number {number!r}, text names {found}")
    squashed = _squash(text)
    problems += [f"{key} {fields[key]!r} not in the text" for key in ("name", "unit", "position", "case_name")
                 if fields[key] is not None and _squash(fields[key]) not in squashed]
    return problems


def _listed(records: list[dict], check) -> list[str]:
    """``id: problem`` for every problem ``check`` finds in ``records``."""
    return [f"{r.get('id', '?')}: {problem}" for r in records for problem in check(r)]


def _problems_in(path: Path, check) -> list[str]:
    """:func:`_listed` over the records of ``path`` that follow the schema (the schema test reports the rest)."""
    return _listed([r for r in _load(path) if not schema_problems(r, dev=path == DEV)], check)


@pytest.mark.parametrize("path", LABELLED_FILES, ids=lambda p: p.name)
def test_record_schema_and_codes(path: Path) -> None:
    problems = _listed(_load(path), lambda r: schema_problems(r, dev=path == DEV))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", LABELLED_FILES, ids=lambda p: p.name)
def test_labels_follow_the_taxonomy(path: Path) -> None:
    problems = _problems_in(path, taxonomy_problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", LABELLED_FILES, ids=lambda p: p.name)
def test_fields_are_what_the_text_names(path: Path) -> None:
    problems = _problems_in(path, lambda r: field_problems(r, dev=path == DEV))
    assert not problems, "\n".join(problems)


def test_the_checks_find_broken_records() -> None:
    """Each check names what a broken letter gets wrong (so a clean run above means clean data)."""
    good = {"id": "x-1", "form": "PHONE", "text": "张三来电，询问（2024）豫0825执1234号案。", "intervener_type": "EXT_LEADER",
            "special_report": ["SR01"], "internal_behaviours": [],
            "fields": {"name": "张三", "unit": None, "position": None, "case_number": "（2024）豫0825执1234号",
                       "case_name": None, "date": "2024-03-05"}}
    assert schema_problems(good, dev=True) == taxonomy_problems(good) == field_problems(good, dev=False) == []
    assert schema_problems({**good, "form": "FAX", "fields": {**good["fields"], "date": "2024-13-01"}}, dev=False) \
        == ["form 'FAX'", "date '2024-13-01'"]
    assert schema_problems({k: v for k, v in good.items() if k != "fields"}, dev=False) == ["keys ['fields']"]
    assert taxonomy_problems({**good, "internal_behaviours": ["IB02"]}) == [
        "external intervener with internal behaviours", "IB02 without SR14"]
    assert field_problems({**good, "fields": {**good["fields"], "name": "李四", "case_number": None}}, dev=False) == [
        "text names ['（2024）豫0825执1234号'] but case_number is null", "name '李四' not in the text"]


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
