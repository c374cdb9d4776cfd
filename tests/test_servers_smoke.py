"""The real-server harness itself: servers come up usable and leave no process behind."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests import servers
from tests.fixtures.services import need_binary as need

REPO = Path(__file__).resolve().parents[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((servers.LOOPBACK, port)) == 0


def _assert_stopped(server) -> None:
    pid, port = server.pid, server.port
    server.stop()
    server.stop()  # idempotent
    assert not servers.pid_alive(pid), f"{server.name} (PID {pid}) still running"
    assert not _port_open(port)


def test_postgres_serves_the_letterdesk_database(tmp_path):
    need("postgres")
    import sqlalchemy as sa

    server = servers.PostgresServer().start(tmp_path)
    try:
        assert server.url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
        engine = sa.create_engine(server.url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE letter (id serial PRIMARY KEY, subject text)"))
            conn.execute(sa.text("INSERT INTO letter (subject) VALUES ('关于（2024）豫0825执1234号案件的来信')"))
            assert conn.execute(sa.text("SELECT current_database(), subject FROM letter")).one() == (
                "letterdesk", "关于（2024）豫0825执1234号案件的来信")
        engine.dispose()
    finally:
        _assert_stopped(server)
    assert server.cluster_dir is not None
    if server.cluster_dir.is_relative_to(tmp_path):
        assert server.cluster_dir.exists()
    else:  # the private temp cluster of a root run is removed on stop
        assert not server.cluster_dir.exists()


def test_redis_answers_and_stops(tmp_path):
    need("redis")
    import redis

    server = servers.RedisServer().start(tmp_path)
    try:
        client = redis.Redis.from_url(server.url)
        client.set("letterdesk:test", "立案庭")
        assert client.get("letterdesk:test").decode() == "立案庭"
        client.close()
    finally:
        _assert_stopped(server)


def test_failed_start_raises_with_the_log_tail(tmp_path, monkeypatch):
    fake = tmp_path / "fake-redis"
    fake.write_text("#!/bin/sh\necho 'FATAL: cannot bind (simulated)' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(servers, "redis_binary", lambda: fake)
    server = servers.RedisServer()
    with pytest.raises(servers.ServerStartError, match="(?s)exited with code 3.*cannot bind"):
        server.start(tmp_path)
    assert not servers.pid_alive(server.pid)


def test_servers_left_running_are_stopped_at_interpreter_exit(tmp_path):
    need("redis")
    script = ("import sys; from pathlib import Path; from tests import servers; "
              "s = servers.RedisServer().start(Path(sys.argv[1])); print(s.pid, flush=True)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[0])
    assert not servers.pid_alive(pid)


def test_require_binaries_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(servers, "_BINARIES", {**servers._BINARIES, "weed": (lambda: None, "no weed here")})
    assert servers.require_binaries("weed") == "no weed here"
    assert "no weed here" in servers.require_binaries()


def test_free_ports_are_distinct_and_bindable():
    ports = servers.free_ports(10)
    assert len(set(ports)) == 10
    for port in ports:
        with socket.socket() as sock:
            sock.bind((servers.LOOPBACK, port))
