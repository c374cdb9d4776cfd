"""The command line and the scanner hot folder, as a registry clerk uses them."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ingest.queries import get_letter
from ingest.watch import HotFolder
from tests import docs


@pytest.fixture
def env(tmp_path, model_dir):
    return {**os.environ, "LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_MODEL_DIR": str(model_dir)}


def cli(env, *args, **kw):
    return subprocess.run([sys.executable, "-m", "letterdesk.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, **kw)


def test_ingest_prints_one_line_per_file_with_id_status_or_error(tmp_path, env):
    good = tmp_path / "函.pdf"
    good.write_bytes(docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    empty = tmp_path / "空.pdf"
    empty.write_bytes(b"")
    word = tmp_path / "材料.docx"
    word.write_bytes(docs.docx_bytes())

    out = cli(env, "ingest", str(good), str(empty), str(word))
    assert out.returncode == 3  # some files were refused
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and "id=1" in lines[0] and "received" in lines[0]
    errors = out.stderr.strip().splitlines()
    assert len(errors) == 2
    assert "空.pdf" in errors[0] and "错误" in errors[0]
    assert "材料.docx" in errors[1] and "PDF" in errors[1]  # says which types are accepted

    dup = cli(env, "ingest", str(good))
    assert dup.returncode == 0 and "id=1" in dup.stdout and "重复" in dup.stdout


def test_ingest_wait_processes_in_process_and_find_retrieves_after_review(tmp_path, env):
    letter = tmp_path / "函.pdf"
    letter.write_bytes(docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    out = cli(env, "ingest", "--wait", str(letter))
    assert out.returncode == 0 and "in_review" in out.stdout, out.stderr
    missing = cli(env, "find", "（2024）豫0825执1234号")
    assert missing.returncode == 4 and "未找到" in missing.stderr  # not filed yet
    bad = cli(env, "find", "梅政函〔2024〕87号")
    assert bad.returncode == 2 and "案号" in bad.stderr


def test_analyze_prints_the_json_contract_for_text_and_scans(tmp_path, env):
    txt = tmp_path / "letter.txt"
    txt.write_text(docs.SAMPLE_LETTER, encoding="utf-8")
    png = tmp_path / "scan.png"
    png.write_bytes(docs.png_bytes(docs.SAMPLE_LETTER_PAGES[0]))
    out = cli(env, "analyze", str(txt), str(png))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(txt), str(png)]
    for row in rows:
        assert set(row) == {"file", "text", "fields", "form", "intervener_type", "scope", "special_report",
                            "internal_behaviours"}
        assert set(row["fields"]) == {"name", "unit", "position", "case_number", "case_name", "date"}
        assert set(row["intervener_type"]) == {"code", "probability"}
        assert row["scope"] in {"external", "internal", "neither"}
    assert rows[0]["text"] == docs.SAMPLE_LETTER
    assert rows[0]["fields"]["case_number"] == "（2024）豫0825执1234号"
    assert rows[0]["fields"]["date"] == "2024-06-19"
    assert "梅川县" in rows[1]["text"].replace(" ", "")
    assert not (tmp_path / "data" / "objects" / "originals").exists()  # nothing stored


def test_user_add_and_token(env):
    out = cli(env, "user", "add", "wang", "--role", "reviewer", input="s3cret-pass\ns3cret-pass\n")
    assert out.returncode == 0 and "wang" in out.stdout, out.stderr
    token = cli(env, "user", "token", "wang")
    assert token.returncode == 0 and token.stdout.strip().startswith("ld_")
    unknown = cli(env, "user", "token", "nobody")
    assert unknown.returncode == 4 and "nobody" in unknown.stderr
    revoked = cli(env, "user", "revoke", token.stdout.strip())
    assert revoked.returncode == 0 and "吊销" in revoked.stdout
    assert cli(env, "user", "revoke", token.stdout.strip()).returncode == 4  # already revoked


def test_hot_folder_waits_for_files_to_settle_and_moves_them(rt, tmp_path):
    inbox = tmp_path / "scanner"
    inbox.mkdir()
    hot = HotFolder(inbox, settle=2.0)
    (inbox / "a.png").write_bytes(docs.png_bytes(["梅川县人民政府", "关于某案的函"]))
    (inbox / "b.pdf").write_bytes(docs.corrupt_pdf_bytes())
    (inbox / "c.pdf.part").write_bytes(b"%PDF-1.4 still copying")

    assert hot.scan(rt, now=100.0) == []  # first sight: not yet known to be complete
    (inbox / "a.png").write_bytes(docs.png_bytes(["梅川县人民政府", "关于某案的函（修订）"]))  # still growing
    assert hot.scan(rt, now=101.0) == []  # b: not settled long enough; a: changed, starts again
    outcomes = {o.path.name: o for o in hot.scan(rt, now=103.5)}
    assert set(outcomes) == {"a.png", "b.pdf"}
    assert outcomes["a.png"].accepted.status == "received"
    assert (inbox / "done" / "a.png").exists()
    assert (inbox / "rejected" / "b.pdf").exists()
    reason = (inbox / "rejected" / "b.pdf.reason.txt").read_text("utf-8")
    assert "PDF" in reason and "corrupt_file" in reason  # the intake's own message and code
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["c.pdf.part"]
    assert hot.scan(rt, now=200.0) == []  # nothing is processed twice

    (inbox / "a-again.png").write_bytes((inbox / "done" / "a.png").read_bytes())
    hot.scan(rt, now=300.0)
    [dup] = hot.scan(rt, now=303.0)
    assert dup.accepted.duplicate and dup.accepted.id == outcomes["a.png"].accepted.id
    assert get_letter(rt, dup.accepted.id).summary.filename == "a.png"


def test_integrity_commands_verify_back_up_and_restore(tmp_path, env):
    letter = tmp_path / "函.pdf"
    letter.write_bytes(docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES))
    assert cli(env, "ingest", "--wait", str(letter)).returncode == 0
    audit = cli(env, "audit", "verify")
    assert audit.returncode == 0 and "审计链完好" in audit.stdout
    check = cli(env, "verify")
    assert check.returncode == 0 and "校验通过" in check.stdout
    backup = cli(env, "backup", str(tmp_path / "backup"))
    assert backup.returncode == 0, backup.stderr
    other = {**env, "LETTERDESK_DATA_DIR": str(tmp_path / "restored")}
    restored = cli(other, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0 and "恢复完成" in restored.stdout, restored.stderr
    again = cli(other, "restore", str(tmp_path / "backup"))
    assert again.returncode == 5  # never over a database that has data
    status = cli(other, "status", "1")
    assert '"status": "in_review"' in status.stdout
