"""``letterdesk bench ocr``: a corpus in the benchmark's format read through the pipeline's code path."""
from __future__ import annotations

import importlib.util
import json
import multiprocessing
import random
from pathlib import Path

import pytest

from letterdesk.errors import ConfigurationError, NotFound
from ocr import bench
from ocr.cer import score
from tests import docs

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LETTER = docs.SAMPLE_LETTER.splitlines()


def make_corpus(root: Path) -> Path:
    """A two-page corpus: a clean 200 dpi page and a fax-like black-and-white page, with ground truth."""
    corpus = root / "corpus"
    (corpus / "pages").mkdir(parents=True)
    (corpus / "gt").mkdir()
    rows = []
    for n, (lines, group, mode) in enumerate([(LETTER[:9], "clean", "L"), (LETTER[9:], "fax", "1")], start=1):
        page = docs.render_page(lines, dpi=200)
        page.convert(mode).convert("L").save(corpus / "pages" / f"p{n:03d}.png")
        (corpus / "gt" / f"p{n:03d}.txt").write_text("\n".join(lines), encoding="utf-8")
        rows.append({"id": f"p{n:03d}", "file": f"pages/p{n:03d}.png", "gt_file": f"gt/p{n:03d}.txt",
                     "group": group, "has_seal": False, "has_red_header": n == 1})
    (corpus / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return corpus


def test_bench_reads_scores_and_summarises_a_mini_corpus(tmp_path):
    result = bench.run(make_corpus(tmp_path), "rapidocr", 1, predictions_dir=tmp_path / "pred")
    lines = result.lines()
    assert [p.id for p in result.pages] == ["p001", "p002"]
    assert result.overall.gt_chars == sum(score(t, "").gt_chars for t in ("\n".join(LETTER[:9]), "\n".join(LETTER[9:])))
    assert result.overall.cer < 0.1
    assert lines[-1].startswith("summary: rapidocr CER ") and "pages/min with 1 worker(s)" in lines[-1]
    assert any(line.startswith("clean ") for line in lines) and any(line.startswith("fax ") for line in lines)
    assert len(result.peak_mb) == 1 and 50 < result.peak_mb[0] < 1024
    assert result.pages_per_minute > 0 and result.percentile(0.95) >= result.percentile(0.5) > 0
    assert sorted(p.name for p in (tmp_path / "pred").iterdir()) == ["p001.txt", "p002.txt"]


def test_bench_refuses_a_folder_without_a_manifest_and_an_unknown_engine(tmp_path):
    with pytest.raises(NotFound, match="manifest"):
        bench.run(tmp_path, "rapidocr", 1)
    with pytest.raises(ConfigurationError):
        bench.run(make_corpus(tmp_path), "abbyy", 1)


def test_cer_matches_the_benchmark_scorer_exactly():
    scorer_path = SHARED / "ocr-bench" / "score.py"
    if not scorer_path.exists():
        pytest.skip("the OCR benchmark is not beside the repository")
    spec = importlib.util.spec_from_file_location("ocr_bench_score", scorer_path)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    rnd = random.Random(7)
    alphabet = "法院人民的，,。、〔〕（）()一〇0O—–-“”\"　 \n２2ａa"
    for _ in range(500):
        truth = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80)))
        guess = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80)))
        theirs, ours = scorer.score_item(truth, guess), score(truth, guess)
        assert (ours.gt_chars, ours.edits, ours.gt_han, ours.edits_han) == (
            theirs["gt_chars"], theirs["edits"], theirs["gt_han"], theirs["edits_han"])


def test_a_workers_peak_memory_does_not_count_the_process_that_started_it():
    """A spawned worker is forked first: its ru_maxrss starts at the parent's size. The bench must not report
    a big parent (e.g. a test session holding trained models) as the worker's memory."""
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])  # touch every page so it is resident
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        worker_mb = pool.apply(bench._own_peak_kb) / 1024
    assert worker_mb < 300
    del ballast
