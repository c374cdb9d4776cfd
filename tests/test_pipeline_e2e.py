"""End to end through the real pieces: PostgreSQL, Redis as Celery broker with a real worker process,
SeaweedFS as the S3 server for the minio client, the HTTP API and the command line.

A scanned letter goes in through ``letterdesk ingest`` → reaches ``in_review`` → is confirmed over HTTP →
its original is in the bucket with the right SHA-256 → it is found by a variant of its case number.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from classifier import casenumber
from ingest.runtime import Runtime
from letterdesk.config import load_settings
from review_ui.app import create_app
from storage.users import create_token, create_user
from tests import docs
from tests.servers import free_port

pytestmark = pytest.mark.slow
CASE = "（2024）豫0825执1234号"


@pytest.fixture
def production_env(tmp_path, postgres, redis_server, s3_server, model_dir):
    env = {
        "LETTERDESK_DATA_DIR": str(tmp_path / "data"),
        "LETTERDESK_DATABASE_URL": postgres.url,
        "LETTERDESK_BROKER_URL": redis_server.url,
        "LETTERDESK_OBJECT_STORE": s3_server.object_store_url("letterdesk-e2e", lock="governance", retention_days=1),
        "LETTERDESK_MODEL_DIR": str(model_dir),
        "LETTERDESK_SECRET_KEY": "e2e-secret",
    }
    return {**os.environ, **env}


def _cli(env, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "letterdesk.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def worker(production_env, tmp_path):
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "letterdesk.cli", "worker", "--concurrency", "2"],
                            env=production_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield proc
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def web(production_env):
    rt = Runtime.from_settings(load_settings(production_env))
    server = make_server("127.0.0.1", free_port(), create_app(rt), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rt, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    rt.close()


def _wait_for_status(base, headers, letter_id, wanted, timeout=180):
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = requests.get(f"{base}/api/letters/{letter_id}", headers=headers, timeout=10).json()["summary"]["status"]
        if status in wanted:
            return status
        time.sleep(0.3)
    raise AssertionError(f"letter {letter_id} stuck in {status!r}")


def test_scanned_letter_from_cli_to_archive_and_back(tmp_path, production_env, worker, web, s3_server):
    rt, base = web
    create_user(rt.db, "reviewer1", "correct horse battery", "reviewer", "审核员一")
    headers = {"Authorization": f"Bearer {create_token(rt.db, 'reviewer1', 'e2e')}"}

    scan = tmp_path / "来信扫描.jpg"
    scan.write_bytes(docs.jpeg_bytes(docs.SAMPLE_LETTER.splitlines(), dpi=300))  # a flatbed scan
    sha = hashlib.sha256(scan.read_bytes()).hexdigest()

    out = _cli(production_env, "ingest", str(scan))
    assert out.returncode == 0, out.stderr
    letter_id = int(out.stdout.split("id=")[1].split()[0])
    assert sha in out.stdout

    assert _wait_for_status(base, headers, letter_id, {"in_review", "failed"}) == "in_review"
    detail = requests.get(f"{base}/api/letters/{letter_id}", headers=headers, timeout=10).json()
    assert detail["fields"]["case_number"] == CASE
    assert "暂缓执行" in "".join(p["text"] for p in detail["pages"]).replace(" ", "")

    # the same file again is a duplicate, not a second letter
    again = _cli(production_env, "ingest", str(scan))
    assert f"id={letter_id}" in again.stdout and "重复" in again.stdout

    review = {"action": "confirm", "intervener_type": "EXT_ORG", "special_report": ["SR10"], "form": "LETTER",
              "fields": {"unit": "梅川县人民政府", "name": "", "case_number": CASE}}
    answer = requests.post(f"{base}/api/letters/{letter_id}/review", json=review, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "filed"

    key = f"archive/{casenumber.key_part(CASE)}/{letter_id}/original.jpg"
    stored = s3_server.client().get_object("letterdesk-e2e", key)
    try:
        assert hashlib.sha256(stored.read()).hexdigest() == sha
    finally:
        stored.close()
        stored.release_conn()

    for variant in ("(2024)豫0825执第1234号", "〔2024〕豫 0825 执 1234 号"):
        found = requests.get(f"{base}/api/letters", params={"case_number": variant}, headers=headers, timeout=10)
        assert [x["id"] for x in found.json()["letters"]] == [letter_id]
    cli_find = _cli(production_env, "find", "【2024】豫0825执1234")
    assert f"id={letter_id}" in cli_find.stdout

    download = requests.get(f"{base}/api/letters/{letter_id}/original", headers=headers, timeout=10)
    assert hashlib.sha256(download.content).hexdigest() == sha
    assert download.headers["Content-Disposition"].startswith("attachment")
