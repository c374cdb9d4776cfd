"""The hash-chained audit trail: what is recorded, that tampering is found, and that concurrent appends
keep one linear chain on SQLite and on a real PostgreSQL."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from ingest import audit
from ingest.intake import submit
from ingest.runtime import Runtime
from review_ui import create_app
from storage import users
from storage.audit_chain import GENESIS, ChainEvent, ChainHead, event_hash, verify_chain
from storage.db import Database
from storage.objects import open_object_store
from storage.models import AuditEvent
from tests.fixtures.services import fresh_database
from tests import docs
from tests.fixtures.runtime import make_settings

PASSWORD = "correct-horse-1"


@pytest.fixture
def rt(tmp_path):
    """An embedded runtime without a classifier model: nothing here classifies."""
    runtime = Runtime.from_settings(make_settings(tmp_path / "data", tmp_path / "no-models"))
    yield runtime
    runtime.close()


def _events(rt) -> list[AuditEvent]:
    with rt.db.session() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _trail(rt, n: int = 6) -> None:
    for i in range(n):
        audit.record_event(rt, "审核员", "test", i + 1, step=i)


def _only_problem(rt, kind: str):
    report = audit.verify(rt)
    assert not report.ok
    found = [p for p in report.problems if p.kind == kind]
    assert found, report.problems
    return found, report


def test_events_are_chained_from_genesis_with_consecutive_ids(rt):
    _trail(rt, 3)
    events = _events(rt)
    assert [e.id for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    first = events[0]
    assert first.hash == event_hash(1, first.at, "审核员", "test", 1, {"step": 0}, GENESIS)
    report = audit.verify(rt)
    assert report.ok and report.events == 3


def test_hash_ignores_how_the_time_zone_and_keys_are_written():
    aware = dt.datetime(2024, 6, 19, 8, 30, 0, 123456, tzinfo=dt.timezone.utc)
    beijing = aware.astimezone(dt.timezone(dt.timedelta(hours=8)))
    naive = aware.replace(tzinfo=None)  # as SQLite gives it back
    hashes = {event_hash(7, t, "a", "x", None, d, GENESIS)
              for t in (aware, beijing, naive) for d in ({"b": 1, "a": [1, 2]}, {"a": [1, 2], "b": 1})}
    assert len(hashes) == 1
    assert event_hash(7, aware, "a", "x", None, {"a": [1, 2], "b": 2}, GENESIS) not in hashes


def test_an_event_is_written_only_if_its_transaction_commits(rt):
    with pytest.raises(RuntimeError):
        with rt.db.session() as s:
            audit.record(s, "审核员", "test", None)
            raise RuntimeError("change failed")
    assert _events(rt) == []
    audit.record_event(rt, "审核员", "test", None, values=("元组", 1))
    [event] = _events(rt)
    assert event.id == 1 and event.detail == {"values": ["元组", 1]}
    assert audit.verify(rt).ok


def test_an_edited_detail_is_found_and_named(rt):
    _trail(rt)
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET detail = :d WHERE id = 4"), {"d": '{"step": 99}'})
    found, report = _only_problem(rt, "edited")
    assert [p.event_id for p in found] == [4]
    assert "#4" in found[0].message and "修改" in found[0].message
    assert len(report.problems) == 1  # the links around it are intact


def test_a_deleted_event_is_found_and_named(rt):
    _trail(rt)
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 3"))
    found, _ = _only_problem(rt, "deleted")
    assert "#3" in found[0].message and "删除" in found[0].message


def test_deleting_the_newest_events_is_found_through_the_chain_head(rt):
    _trail(rt)
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id >= 5"))
    found, _ = _only_problem(rt, "deleted")
    assert "#5–#6" in found[0].message


def test_two_swapped_events_are_found_as_reordered(rt):
    _trail(rt)
    with rt.db.engine.begin() as conn:
        for old, new in ((3, -3), (4, 3), (-3, 4)):
            conn.execute(text("UPDATE audit_events SET id = :new WHERE id = :old"), {"old": old, "new": new})
    found, report = _only_problem(rt, "reordered")
    assert [p.event_id for p in found] == [3]
    assert re.search(r"#3 .*顺序.*#4", found[0].message)
    assert {p.event_id for p in report.problems} >= {3, 4}


def _append_concurrently(db: Database, threads: int = 4, each: int = 25) -> None:
    runtime = SimpleNamespace(db=db)
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(each):
                audit.record_event(runtime, f"worker{n}", "test", None, n=n, i=i)
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, exc))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []


def _assert_linear(db: Database, objects, threads: int = 4, each: int = 25) -> None:
    runtime = SimpleNamespace(db=db, objects=objects)
    report = audit.verify(runtime)
    assert report.ok, report.problems
    assert report.events == threads * each
    with db.session() as s:
        details = [(e.detail["n"], e.detail["i"]) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for n in range(threads):  # each thread's events, all present and in the order it wrote them
        assert [i for m, i in details if m == n] == list(range(each))


def test_concurrent_appends_on_sqlite_keep_one_chain(rt):
    _append_concurrently(rt.db)
    _assert_linear(rt.db, rt.objects)


def test_concurrent_appends_on_postgresql_keep_one_chain(postgres, tmp_path):
    db = Database(fresh_database(postgres))
    try:
        db.create_schema()
        _append_concurrently(db)
        _assert_linear(db, open_object_store(f"file://{tmp_path}"))
    finally:
        db.dispose()


# --- what the desk records ----------------------------------------------------------------------------
def _csrf(client, path: str) -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)


def _login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": _csrf(client, "/login")})


def test_desk_logins_refusals_downloads_and_logouts_are_audited(rt):
    users.create_user(rt.db, "clerk", PASSWORD, "clerk")
    data = docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES)
    letter_id = submit(rt, data, "函.pdf", "cli", enqueue=False).id
    client = create_app(rt).test_client()

    assert _login(client, "clerk", "wrong-password").status_code == 401
    assert _login(client, "clerk").status_code == 302
    assert client.get(f"/letters/{letter_id}/original").data == data
    refused = client.post(f"/letters/{letter_id}/review", data={"action": "reject", "reason": "x",
                                                                "csrf_token": _csrf(client, "/")})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})

    events = [(e.actor, e.action, e.letter_id, e.detail) for e in _events(rt)]
    actions = [(a, act, lid) for a, act, lid, _ in events]
    assert actions == [("system", "ingest", letter_id), ("clerk", "login_failed", None), ("clerk", "login", None),
                       ("clerk", "download", letter_id), ("clerk", "permission_denied", letter_id),
                       ("clerk", "logout", None)]
    download = events[3][3]
    assert download["sha256"] == hashlib.sha256(data).hexdigest() and download["filename"] == "函.pdf"
    assert events[4][3]["permission"] == "review"
    assert audit.verify(rt).ok


def _rewrite_and_rehash(rt, event_id: int, detail: dict) -> None:
    """What someone with write access to the database could do: change an event, then hash the trail again
    from there and move the chain head, so that the trail verifies on its own."""
    events = _events(rt)
    prev = events[event_id - 2].hash if event_id > 1 else GENESIS
    with rt.db.session() as s:
        for e in events[event_id - 1:]:
            row = s.get(AuditEvent, e.id)
            if row.id == event_id:
                row.detail = detail
            row.prev_hash = prev
            row.hash = prev = event_hash(row.id, row.at, row.actor, row.action, row.letter_id, row.detail, prev)
        s.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": prev})


def test_a_trail_rewritten_and_hashed_again_is_found_through_its_anchor(rt):
    _trail(rt, 4)
    assert audit.anchor(rt).last_id == 4  # as after a filing
    _trail(rt, 2)
    assert audit.verify(rt).ok

    _rewrite_and_rehash(rt, 2, {"step": 99})
    with rt.db.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        events = [ChainEvent(r.id, r.at, r.actor, r.action, r.letter_id, r.detail, r.prev_hash, r.hash) for r in rows]
    assert verify_chain(events, ChainHead(6, events[-1].hash)) == []  # the chain alone no longer tells
    found, report = _only_problem(rt, "rewritten")
    assert [p.event_id for p in found] == [4] and "锚点" in found[0].message
    assert len(report.problems) == 1
    assert audit.anchor(rt).last_id == 6  # a new anchor is fine; the old one keeps telling
    assert not audit.verify(rt).ok


def test_filing_a_letter_anchors_the_trail(rt, model_dir):
    from ingest import pipeline
    from ingest.review import ReviewDecision, review
    from ingest.actor import Actor

    filing_rt = Runtime.from_settings(make_settings(rt.settings.data_dir, model_dir))
    try:
        accepted = submit(filing_rt, docs.text_pdf_bytes(docs.SAMPLE_LETTER_PAGES), "函.pdf", "cli", enqueue=False)
        assert pipeline.run_inline(filing_rt, accepted.id) == "in_review"
        review(filing_rt, accepted.id, ReviewDecision("confirm", intervener_type="EXT_ORG"), Actor(None, "审核员", "reviewer"))
        keys = list(filing_rt.objects.list(audit.ANCHORS))
        last = _events(filing_rt)[-1]
    finally:
        filing_rt.close()
    assert keys == [f"{audit.ANCHORS}{last.id:012d}.json"]
