"""`letterdesk serve` on the embedded defaults: no external server, the worker runs beside the web process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests import docs
from tests.servers import free_port, pid_alive

pytestmark = pytest.mark.slow


def test_serve_accepts_an_upload_and_its_worker_brings_it_to_review(tmp_path, model_dir):
    env = {**os.environ, "LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_MODEL_DIR": str(model_dir)}
    cli = [sys.executable, "-m", "letterdesk.cli"]
    subprocess.run([*cli, "user", "add", "clerk1", "--role", "clerk", "--password", "clerk-password"], env=env,
                   check=True, capture_output=True)
    token = subprocess.run([*cli, "user", "token", "clerk1"], env=env, check=True, capture_output=True,
                           text=True).stdout.strip()
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen([*cli, "serve", "--port", str(port), "--concurrency", "1"], env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and serve.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)

        pdf = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
        answer = requests.post(f"{base}/api/letters", headers=headers, files={"file": ("函.pdf", pdf)}, timeout=30)
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert set(body) >= {"id", "status", "sha256"} and body["status"] == "received"

        deadline = time.monotonic() + 120
        status = body["status"]
        while status != "in_review":
            assert time.monotonic() < deadline, f"stuck in {status}: {(tmp_path / 'serve.log').read_text()[-3000:]}"
            time.sleep(0.3)
            status = requests.get(f"{base}/api/letters/{body['id']}", headers=headers, timeout=10).json()["summary"]["status"]
    finally:
        serve.send_signal(signal.SIGTERM)  # as a service manager stops it; serve stops its own worker
        serve.wait(60)
        log.close()
    assert not pid_alive(serve.pid)
    leftovers = subprocess.run(["pgrep", "-g", str(serve.pid)], capture_output=True, text=True).stdout.split()
    assert leftovers == []  # the worker and its pool went with it
