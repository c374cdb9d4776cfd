"""``letterdesk verify`` finds changed, missing and unprotected objects; ``backup``/``restore`` round-trip the
database and the objects (SQLite → SQLite, SQLite → PostgreSQL → SQLite) and refuse a damaged backup."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat

import pytest
from sqlalchemy import func, select

from ingest import audit, pipeline
from ingest.actor import Actor
from ingest.backup import MANIFEST, backup, restore
from ingest.intake import submit
from ingest.queries import find_by_case_number, get_letter, original
from ingest.review import ReviewDecision, review
from ingest.runtime import Runtime
from ingest.verify import verify_archive
from letterdesk.errors import InvalidRequest, InvalidState, StorageError, UnsupportedType
from storage import users
from storage.models import Base, Rejection
from tests import docs
from tests.fixtures.runtime import make_settings
from tests.fixtures.services import fresh_database

PASSWORD = "correct-horse-1"
CASE = "（2024）豫0825执1234号"


class CrashEngine:
    name = "crash"

    def recognize(self, image):
        raise RuntimeError("engine exploded")


@pytest.fixture
def populated(rt) -> dict:
    """``rt`` holding users, a token and letters filed, in review, failed, plus one refused file."""
    reviewer = users.create_user(rt.db, "reviewer", PASSWORD, "reviewer", display_name="审核员")
    users.create_user(rt.db, "clerk", PASSWORD, "clerk")
    token = users.create_token(rt.db, "clerk", "扫描仪")

    filed_pdf = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
    filed = submit(rt, filed_pdf, "县政府函.pdf", "cli", enqueue=False).id
    assert pipeline.run_inline(rt, filed) == "in_review"
    review(rt, filed, ReviewDecision("confirm", intervener_type="EXT_ORG", fields={"name": "张县长"}),
           Actor(reviewer.id, reviewer.username, reviewer.role))
    in_review = submit(rt, docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES[:1]), "第一页.pdf", "upload",
                       enqueue=False).id
    assert pipeline.run_inline(rt, in_review) == "in_review"
    failed = submit(rt, docs.png_bytes(["无法识别的扫描件"]), "scan.png", "watch", enqueue=False).id
    rt.ocr_engine = CrashEngine()
    assert pipeline.run_inline(rt, failed) == "failed"
    del rt.ocr_engine
    with pytest.raises(UnsupportedType):
        submit(rt, docs.docx_bytes(), "草稿.docx", "upload", enqueue=False)
    return {"filed": filed, "in_review": in_review, "failed": failed, "filed_pdf": filed_pdf, "token": token}


def _utc(value):
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    return value


def _rows(rt) -> dict[str, list[dict]]:
    """Every row of every table, times in UTC, so that SQLite and PostgreSQL rows compare equal."""
    with rt.db.engine.connect() as conn:
        return {t.name: [{k: _utc(v) for k, v in row._mapping.items()}
                         for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}


def _runtime(tmp_path, name: str, model_dir, **env) -> Runtime:
    return Runtime.from_settings(make_settings(tmp_path / name, model_dir, **env))


def _object_path(rt, key: str):
    return rt.settings.data_dir / "objects" / key


# --- verify -------------------------------------------------------------------------------------------
def test_verify_passes_a_sound_archive(populated, rt):
    report = verify_archive(rt)
    assert report.ok, report.problems
    assert (report.letters, report.rejections) == (3, 1)
    assert report.objects == 3 + 3 + 1  # every original, the filed letter's archive copy, record and text, the quarantine


def test_verify_reports_changed_missing_and_unprotected_objects_without_stopping(populated, rt):
    prefix = get_letter(rt, populated["filed"]).archive_prefix
    changed = _object_path(rt, f"{prefix}/original.pdf")
    changed.chmod(0o644)
    with open(changed, "r+b") as fh:  # same size, one byte different
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    missing = _object_path(rt, f"{prefix}/record.json")
    missing.unlink()
    unprotected = _object_path(rt, f"{prefix}/ocr.txt")
    unprotected.chmod(0o644)
    with rt.db.session() as s:
        quarantine_key = s.scalar(select(Rejection.object_key))
    sidecar = _object_path(rt, quarantine_key + ".meta.json")  # the store's own hash says the bytes changed
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "sha256": "0" * 64}))

    report = verify_archive(rt)
    found = {p.key: (p.kind, p.letter_id) for p in report.problems}
    assert found == {
        f"{prefix}/original.pdf": ("mismatch", populated["filed"]),
        f"{prefix}/record.json": ("missing", populated["filed"]),
        f"{prefix}/ocr.txt": ("mutable", populated["filed"]),
        quarantine_key: ("mismatch", None),
    }
    assert all(p.message for p in report.problems) and not report.ok


# --- backup and restore -------------------------------------------------------------------------------
def test_backup_and_restore_round_trip(populated, rt, tmp_path, model_dir):
    before = _rows(rt)
    result = backup(rt, tmp_path / "backup")
    assert result.rows["letters"] == 3 and result.rows["users"] == 2 and result.objects >= 7
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    assert manifest["counts"]["rows"]["api_tokens"] == 1
    assert all(len(entry["sha256"]) == 64 for entry in manifest["objects"].values())

    target = _runtime(tmp_path, "restored", model_dir)
    try:
        report = restore(target, tmp_path / "backup")
        assert report.audit.ok and report.rows == result.rows
        after = _rows(target)
        for table, rows in before.items():
            if table not in ("audit_events", "audit_chain_head"):
                assert after[table] == rows, table
        assert after["audit_events"][:-1] == before["audit_events"]
        assert after["audit_events"][-1]["action"] == "restore"  # the restore continues the restored chain
        assert audit.verify(target).ok

        data, name, _ = original(target, populated["filed"])
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(populated["filed_pdf"]).hexdigest()
        assert name == "县政府函.pdf"
        assert [s.id for s in find_by_case_number(target, CASE)] == [populated["filed"]]
        assert verify_archive(target).ok
        prefix = get_letter(target, populated["filed"]).archive_prefix
        assert not _object_path(target, f"{prefix}/record.json").stat().st_mode & stat.S_IWUSR  # still immutable
        assert users.authenticate(target.db, "reviewer", PASSWORD).display_name == "审核员"
        assert users.user_for_token(target.db, populated["token"]).username == "clerk"

        with pytest.raises(InvalidState):  # never over existing data
            restore(target, tmp_path / "backup")
    finally:
        target.close()


def test_backup_needs_an_empty_directory(rt, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    with pytest.raises(InvalidRequest):
        backup(rt, tmp_path / "used")


def _flip_object(directory) -> str:
    manifest = json.loads((directory / MANIFEST).read_text())
    key = next(k for k in manifest["objects"] if k.startswith("originals/"))
    path = directory / "objects" / key
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01
    path.write_bytes(bytes(data))
    return f"objects/{key}"


def _edit_row(directory) -> str:
    path = directory / "db" / "letters.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("县政府函.pdf", "改过的.pdf"), encoding="utf-8")
    return "db/letters.jsonl"


@pytest.mark.parametrize("tamper", [_flip_object, _edit_row], ids=["object", "table"])
def test_a_tampered_backup_is_refused_before_anything_is_restored(populated, rt, tmp_path, model_dir, tamper):
    backup(rt, tmp_path / "backup")
    damaged = tamper(tmp_path / "backup")
    target = _runtime(tmp_path, "restored", model_dir)
    try:
        with pytest.raises(StorageError) as refused:
            restore(target, tmp_path / "backup")
        assert damaged in refused.value.message and "损坏" in refused.value.message
        with target.db.engine.connect() as conn:
            assert all(conn.execute(select(func.count()).select_from(t)).scalar() == 0
                       for t in Base.metadata.sorted_tables)
        assert list(target.objects.list("")) == []
    finally:
        target.close()


def test_a_sqlite_backup_restores_into_postgresql_and_back(populated, rt, tmp_path, model_dir, postgres):
    before = _rows(rt)
    backup(rt, tmp_path / "from-sqlite")
    pg = _runtime(tmp_path, "pg", model_dir, LETTERDESK_DATABASE_URL=fresh_database(postgres))
    try:
        assert restore(pg, tmp_path / "from-sqlite").audit.ok
        restored = _rows(pg)
        assert restored["letters"] == before["letters"] and restored["users"] == before["users"]
        assert restored["audit_events"][:-1] == before["audit_events"]
        assert [s.id for s in find_by_case_number(pg, CASE)] == [populated["filed"]]
        second_page = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES[1:])
        newer = submit(pg, second_page, "第二页.pdf", "cli", enqueue=False)
        assert newer.id == max(r["id"] for r in before["letters"]) + 1  # the id sequence moved past the restored ids
        users.create_user(pg.db, "supervisor", PASSWORD, "supervisor")
        assert audit.verify(pg).ok

        expected = _rows(pg)
        backup(pg, tmp_path / "from-postgresql")
        back = _runtime(tmp_path, "back", model_dir)
        try:
            assert restore(back, tmp_path / "from-postgresql").audit.ok
            again = _rows(back)
            assert {t: again[t] for t in again if not t.startswith("audit")} == \
                   {t: expected[t] for t in expected if not t.startswith("audit")}
            assert again["audit_events"][:len(expected["audit_events"])] == expected["audit_events"]
            assert original(back, newer.id)[0] == second_page
        finally:
            back.close()
    finally:
        pg.close()


def test_restore_refuses_a_directory_without_a_manifest(rt, tmp_path):
    os.makedirs(tmp_path / "empty")
    with pytest.raises(InvalidRequest):
        restore(rt, tmp_path / "empty")
