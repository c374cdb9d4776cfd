"""`letterdesk bench pipeline` runs real letters through real workers and prints its figures."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import docs

pytestmark = pytest.mark.slow


def test_bench_pipeline_reports_every_letter_and_a_summary_line(tmp_path, model_dir):
    inbox = tmp_path / "letters"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    (inbox / "b.png").write_bytes(docs.png_bytes(docs.SAMPLE_LETTER_PAGES[1]))
    (inbox / "broken.pdf").write_bytes(docs.corrupt_pdf_bytes())
    env = {**os.environ, "LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_MODEL_DIR": str(model_dir)}
    out = subprocess.run([sys.executable, "-m", "letterdesk.cli", "bench", "pipeline", str(inbox), "--workers", "1"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("letters 2  pages 3  refused at intake 1  failed 0")
    assert lines[-1].startswith("SUMMARY pipeline:") and "letters/min" in lines[-1]
    assert "ocr" in lines[-2] and "classify" in lines[-2]


def test_bench_load_drives_the_served_desk_and_reports_no_errors(tmp_path, model_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    env = {**os.environ, "LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_MODEL_DIR": str(model_dir)}
    out = subprocess.run([sys.executable, "-m", "letterdesk.cli", "bench", "load", str(corpus), "--seconds", "8",
                          "--uploaders", "1", "--reviewers", "1", "--workers", "1"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = out.stdout.strip().splitlines()[-1]
    assert summary.startswith("SUMMARY load:") and summary.endswith(" 0 errors")
    accepted = int(out.stdout.split("accepted ")[1].split()[0])
    confirmed = int(out.stdout.split("confirmed ")[1].split()[0])
    assert accepted > 0 and confirmed > 0  # letters went in, through the pipeline, and were confirmed
