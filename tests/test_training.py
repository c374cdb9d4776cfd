"""Learning from reviewers: confirmed letters become training data; a retrained model replaces the active one
only when it scores at least as well on the development set, and the desk shows which version labelled a letter.

Each runtime here has its own model directory (never the session's shared one); corpora are small generated
ones so that every training takes a second or two.
"""
from __future__ import annotations

import json

import pytest

from classifier import corpus, model
from ingest import pipeline
from ingest.actor import Actor
from ingest.intake import submit
from ingest.queries import get_letter
from ingest.review import ReviewDecision, review
from ingest.runtime import Runtime
from ingest.training import LOCK_NAME, confirmed_records, retrain
from letterdesk.errors import ConfigurationError, ModelOutdated
from tests import docs
from tests.fixtures.runtime import make_settings

REVIEWER = Actor(None, "审核员", "reviewer")

PHONE_RECORD = """来电记录
来电时间：2024年7月2日10时15分
来电人：孙立新
单位：梅川县人民检察院    职务：检察官
来电内容：孙立新称被告人王某是他的朋友，问合议庭现在是什么意见，希望法院给王某判个缓刑。
记录人：陈晨"""


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """(small base corpus, tiny poor corpus, development set) as files, all generated with distinct seeds."""
    folder = tmp_path_factory.mktemp("corpora")
    paths = {}
    for name, n, seed in (("base", 450, 11), ("poor", 70, 12), ("dev", 160, 13)):
        paths[name] = folder / f"{name}.jsonl"
        corpus.write_jsonl(corpus.generate(n, seed=seed), paths[name])
    return paths


@pytest.fixture
def own_rt(tmp_path):
    runtime = Runtime.from_settings(make_settings(tmp_path / "data", tmp_path / "models"))
    yield runtime
    runtime.close()


def _install(rt: Runtime, path) -> str:
    """Train on ``path`` and make it the active model of ``rt``; returns its version."""
    return model.save(model.train(model.load_corpus(path)), rt.settings.model_dir).version


def _file_letter(rt: Runtime, lines: list[str], decision: ReviewDecision | None) -> int:
    accepted = submit(rt, docs.text_pdf_bytes([lines]), "来信.pdf", "cli", enqueue=False)
    assert pipeline.run_inline(rt, accepted.id) == "in_review"
    if decision is not None:
        review(rt, accepted.id, decision, REVIEWER)
    return accepted.id


def test_confirmed_letters_become_corpus_records_with_the_reviewers_labels(own_rt, corpora):
    _install(own_rt, corpora["poor"])
    filed = _file_letter(own_rt, docs.SAMPLE_LETTER.splitlines(), ReviewDecision(
        "confirm", intervener_type="EXT_ORG", special_report=("SR10", "SR07"), form="LETTER",
        fields={"unit": "梅川县人民政府", "case_number": "(2024)豫0825执字第1234号"}))
    _file_letter(own_rt, PHONE_RECORD.splitlines(), None)  # still in review: not training data
    rejected = _file_letter(own_rt, ["便条", "请尽快处理。"], None)
    review(own_rt, rejected, ReviewDecision("reject", reason="无关材料"), REVIEWER)

    records = confirmed_records(own_rt)
    assert [r["id"] for r in records] == [f"letter-{filed}"]
    record = records[0]
    assert record["intervener_type"] == "EXT_ORG" and record["special_report"] == ["SR07", "SR10"]
    assert record["internal_behaviours"] == [] and record["form"] == "LETTER"
    assert "暂缓执行" in record["text"].replace(" ", "").replace("\n", "")
    assert record["fields"]["unit"] == "梅川县人民政府"
    assert record["fields"]["case_number"] == "（2024）豫0825执1234号"
    assert set(record["fields"]) == {"name", "unit", "position", "case_number", "case_name", "date"}


def test_a_better_model_is_activated_and_labels_the_next_letters(own_rt, corpora):
    old = _install(own_rt, corpora["poor"])
    _file_letter(own_rt, PHONE_RECORD.splitlines(), ReviewDecision(
        "confirm", intervener_type="INT_OTHER_JUDICIAL", special_report=("SR04",), internal_behaviours=("IB01", "IB03")))

    outcome = retrain(own_rt, corpora["dev"], base_corpus=corpora["base"])
    assert outcome.activated and outcome.version != old and outcome.active_version == outcome.version
    assert (outcome.n_base, outcome.n_confirmed) == (450, 1)
    assert outcome.dev_scores_new["type_macro_f1"] > outcome.dev_scores_active["type_macro_f1"]
    directory = own_rt.settings.model_dir
    assert json.loads((directory / "active.json").read_text())["version"] == outcome.version
    assert model.load(directory).info.n_train == 451  # the confirmed letter was trained on
    assert model.load(directory, old).info.version == old  # the old version is kept, still loadable

    later = _file_letter(own_rt, ["梅川县人民法院：", "请贵院暂缓执行宏达公司的案件。", "梅川县工商业联合会", "2024年8月1日"], None)
    assert get_letter(own_rt, later).summary.model_version == outcome.version


def test_a_worse_model_is_stored_but_the_active_one_stays(own_rt, corpora):
    old = _install(own_rt, corpora["base"])
    outcome = retrain(own_rt, corpora["dev"], base_corpus=corpora["poor"])
    assert not outcome.activated and outcome.active_version == old
    assert outcome.dev_scores_new["type_macro_f1"] < outcome.dev_scores_active["type_macro_f1"]
    directory = own_rt.settings.model_dir
    assert json.loads((directory / "active.json").read_text())["version"] == old
    assert model.load(directory, outcome.version).info.n_train == 70  # saved with its hash, loadable on purpose
    assert "未启用" in "\n".join(outcome.lines())


def test_letters_of_the_development_set_are_never_trained_on(own_rt, corpora, tmp_path):
    _install(own_rt, corpora["poor"])
    _file_letter(own_rt, PHONE_RECORD.splitlines(), ReviewDecision("confirm", intervener_type="INT_OTHER_JUDICIAL"))
    dev = model.load_corpus(corpora["dev"])[:40]
    text = confirmed_records(own_rt)[0]["text"]
    dev.append({**dev[0], "id": "dev-phone", "text": text.replace("\n", " \n")})  # same letter, other spacing
    dev_path = tmp_path / "dev.jsonl"
    corpus.write_jsonl(dev, dev_path)
    outcome = retrain(own_rt, dev_path, base_corpus=corpora["poor"])
    assert outcome.n_confirmed == 0 and model.load(own_rt.settings.model_dir, outcome.version).info.n_train == 70


def test_a_tampered_model_is_never_activated(own_rt, corpora):
    old = _install(own_rt, corpora["poor"])
    directory = own_rt.settings.model_dir
    new = model.save(model.train(model.load_corpus(corpora["poor"]), seed=1), directory, activate=False)
    assert model.active_version(directory) == old
    path = directory / f"model-{new.version}.joblib"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ConfigurationError):
        model.activate(directory, new.version)
    assert model.active_version(directory) == old


def test_a_saved_model_keeps_reading_letters_its_way_after_the_feature_tables_change(own_rt, corpora, monkeypatch):
    from classifier import features

    _install(own_rt, corpora["base"])
    before = model.load(own_rt.settings.model_dir).predict(PHONE_RECORD)
    monkeypatch.setattr(features, "HAND_FEATURES", (*features.HAND_FEATURES, ("new_cue", "来电")))
    monkeypatch.setattr(features, "SPEAKER_CUES", features.SPEAKER_CUES[1:])
    after = model.load(own_rt.settings.model_dir).predict(PHONE_RECORD)
    assert after.type_probabilities == before.type_probabilities
    assert after.special_report == before.special_report


def test_an_outdated_active_model_is_kept_on_disk_and_retrained_on_first_use(own_rt, corpora, monkeypatch):
    """After an upgrade that changes the feature columns, the worker does not fail every letter: the first
    use trains a new model from the corpus and the confirmed letters and activates it."""
    directory = own_rt.settings.model_dir
    clf = model.train(model.load_corpus(corpora["poor"]))
    hand = dict(clf.pipeline.named_steps["features"].transformer_list)["hand"]
    hand.table_ = hand.table_[:-1]  # what a model of the previous version looks like to this code: a column less
    outdated = model.save(clf, directory).version
    with pytest.raises(ModelOutdated):
        model.load(directory)

    monkeypatch.setattr(model, "default_corpus_files", lambda: [corpora["base"]])  # a small corpus: fast
    fresh = Runtime.from_settings(own_rt.settings)
    try:
        letter = _file_letter(fresh, PHONE_RECORD.splitlines(), None)
        version = get_letter(fresh, letter).summary.model_version
    finally:
        fresh.close()
    assert version not in (None, outdated) and model.active_version(directory) == version
    assert (directory / f"model-{outdated}.joblib").is_file()  # kept, never deleted


def _active_version_in_a_new_runtime(settings, out) -> None:
    runtime = Runtime.from_settings(settings)
    try:
        out.put(runtime.classifier.info.version)
    finally:
        runtime.close()


def test_two_processes_finding_no_model_train_it_once(own_rt, corpora, monkeypatch):
    """Two workers starting together on a new data directory: one trains, the other waits and loads its model."""
    import multiprocessing

    monkeypatch.setattr(model, "default_corpus_files", lambda: [corpora["base"]])  # inherited by the forks
    fork = multiprocessing.get_context("fork")
    out = fork.Queue()
    workers = [fork.Process(target=_active_version_in_a_new_runtime, args=(own_rt.settings, out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    versions = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert versions[0] == versions[1]
    assert len(list(own_rt.settings.model_dir.glob("model-*.joblib"))) == 1


def _retrain_in_a_new_runtime(settings, dev_path, base_path, out) -> None:
    runtime = Runtime.from_settings(settings)
    try:
        out.put(retrain(runtime, dev_path, base_corpus=base_path).version)
    finally:
        runtime.close()


def _lock_is_held(directory) -> bool:
    import fcntl

    with (directory / LOCK_NAME).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def test_a_worker_starting_while_letterdesk_train_runs_waits_for_that_model(own_rt, corpora, monkeypatch):
    """``letterdesk train`` holds the training lock: a worker that finds no model meanwhile loads the model the
    command trained instead of training a second one."""
    import multiprocessing
    import time

    monkeypatch.setattr(model, "default_corpus_files", lambda: [corpora["base"]])  # inherited by the forks
    fork = multiprocessing.get_context("fork")
    trained, loaded = fork.Queue(), fork.Queue()
    command = fork.Process(target=_retrain_in_a_new_runtime,
                           args=(own_rt.settings, corpora["dev"], corpora["base"], trained))
    command.start()
    deadline = time.monotonic() + 120
    while not (own_rt.settings.model_dir / LOCK_NAME).exists() or not _lock_is_held(own_rt.settings.model_dir):
        assert command.is_alive() and time.monotonic() < deadline, "letterdesk train never took the lock"
        time.sleep(0.01)
    worker = fork.Process(target=_active_version_in_a_new_runtime, args=(own_rt.settings, loaded))
    worker.start()
    versions = trained.get(timeout=300), loaded.get(timeout=300)
    command.join(timeout=60)
    worker.join(timeout=60)
    assert versions[0] == versions[1]
    assert len(list(own_rt.settings.model_dir.glob("model-*.joblib"))) == 1
