"""Object storage: one interface, a local-directory backend and an S3 backend.

Keys are '/'-separated relative names (``archive/2024-豫0825执1234号/12/original.pdf``). Every object
records its SHA-256 and content type. An object written with ``immutable=True`` can neither be deleted
nor overwritten with different bytes (:class:`ObjectExists`); writing the identical bytes again is a no-op,
so retried filings are safe. On S3 buckets with object lock the server enforces the same with a
retention period.

Open a store by URL with :func:`open_object_store`::

    file:///abs/path
    s3://ACCESS:SECRET@host:port/bucket?secure=0&region=us-east-1&lock=governance&retention_days=3650
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import stat as stat_mode
import threading
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Mapping, Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.retention import Retention

from letterdesk.errors import (
    ConfigurationError,
    InvalidRequest,
    LetterdeskError,
    NotFound,
    ObjectExists,
    StorageError,
)

MAX_KEY_BYTES = 1024
MAX_KEY_PART_BYTES = 200
META_SUFFIX = ".meta.json"  # the local store's sidecar beside each object
TEMP_SUFFIX = ".tmp~"  # the local store's files being written
_RESERVED_SUFFIXES = (META_SUFFIX, TEMP_SUFFIX)
_METADATA_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_INTERNAL_METADATA = ("sha256", "immutable")  # names the stores use themselves
LOCK_MODES = {"governance": "GOVERNANCE", "compliance": "COMPLIANCE"}
DEFAULT_RETENTION_DAYS = 3650


@dataclass(frozen=True)
class StoredObject:
    """What a store knows about one object. ``sha256`` is None only for objects written by other tools."""

    key: str
    size: int
    sha256: str | None
    content_type: str | None
    immutable: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)


class ObjectStore(Protocol):
    """The contract both backends fulfil; failures of the machinery raise :class:`StorageError`."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream", *,
            immutable: bool = False, metadata: dict[str, str] | None = None) -> StoredObject: ...

    def get(self, key: str) -> bytes: ...

    def stat(self, key: str) -> StoredObject | None: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def delete(self, key: str) -> None: ...

    def describe(self) -> str: ...


# --- validation shared by both backends ----------------------------------------------------------
def _key_problem(key: str) -> str | None:
    """What makes ``key`` invalid, or None (the rules are listed in :func:`check_key`)."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return "not valid Unicode text"
    if "\x00" in key or "\\" in key:
        return "contains NUL or backslash"
    if key.startswith("/"):
        return "absolute key"
    if size > MAX_KEY_BYTES:
        return f"longer than {MAX_KEY_BYTES} bytes"
    for part in key.split("/"):
        if part in ("", ".", ".."):
            return "empty, '.' or '..' part"
        if len(part.encode("utf-8")) > MAX_KEY_PART_BYTES:
            return f"a part longer than {MAX_KEY_PART_BYTES} bytes"
        if part.endswith(_RESERVED_SUFFIXES):
            return f"a part ending in a reserved suffix {_RESERVED_SUFFIXES}"
    return None


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid object key, else raise :class:`InvalidRequest`.

    Valid: a non-empty relative '/'-separated name, at most 1024 UTF-8 bytes, without NUL, backslash,
    empty, '.' or '..' parts, parts of at most 200 bytes, and no part ending in the suffixes the local
    store reserves for its own files (``.meta.json``, ``.tmp~``).
    """
    if not isinstance(key, str) or not key:
        raise InvalidRequest("对象键不能为空 (empty object key)")
    problem = _key_problem(key)
    if problem:
        raise InvalidRequest(f"对象键不合法：{key!r} (invalid object key: {problem})")
    return key


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata as a plain dict; names are lowercase ``[a-z0-9-]`` (S3 folds case), values strings."""
    result: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not isinstance(name, str) or not _METADATA_NAME.fullmatch(name) or name in _INTERNAL_METADATA:
            raise InvalidRequest(f"元数据名称不合法：{name!r} (metadata names are lowercase [a-z0-9-], "
                                 f"not {', '.join(_INTERNAL_METADATA)})")
        if not isinstance(value, str):
            raise InvalidRequest(f"元数据 {name} 的值必须是字符串 (metadata values must be str)")
        result[name] = value
    return result


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _BaseStore(ABC):
    """The write rules both backends share; subclasses provide the raw operations."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream", *,
            immutable: bool = False, metadata: dict[str, str] | None = None) -> StoredObject:
        """Store ``data`` under ``key`` and describe the stored object.

        If the key holds an immutable object, or ``immutable`` is requested and the key holds any object,
        different bytes raise :class:`ObjectExists`; identical bytes return the existing object (an
        identical mutable object is rewritten as immutable).
        """
        check_key(key)
        data = bytes(data)
        user_metadata = check_metadata(metadata)
        digest = _sha256(data)
        existing = self.stat(key)
        if existing is not None and (existing.immutable or immutable):
            if not self._same_content(existing, data, digest):
                raise ObjectExists(f"对象已存在且不可更改，拒绝以不同内容覆盖：{key} "
                                   f"(immutable object exists with different content)", key=key)
            if existing.immutable:
                return existing
        try:
            return self._write(key, data, digest, content_type or "application/octet-stream", immutable,
                               user_metadata, exclusive=immutable and existing is None)
        except ObjectExists:  # a concurrent writer created the key first: fine if it wrote the same bytes
            winner = self.stat(key)
            if winner is not None and self._same_content(winner, data, digest):
                return winner
            raise

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        """Remove the object under ``key``; a missing key is a no-op, an immutable object raises ObjectExists."""
        existing = self.stat(key)
        if existing is None:
            return
        if existing.immutable:
            raise ObjectExists(f"对象不可更改，拒绝删除：{key} (refusing to delete an immutable object)", key=key)
        self._remove(key)

    def _same_content(self, existing: StoredObject, data: bytes, digest: str) -> bool:
        """Whether ``existing`` holds exactly ``data`` (by hash; by bytes for objects without one)."""
        if existing.size != len(data):
            return False
        if existing.sha256:
            return existing.sha256 == digest
        return self.get(existing.key) == data

    @abstractmethod
    def stat(self, key: str) -> StoredObject | None:
        """Describe the object under ``key``, or None if there is none."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes; :class:`NotFound` if absent."""

    @abstractmethod
    def _write(self, key: str, data: bytes, digest: str, content_type: str, immutable: bool,
               metadata: dict[str, str], *, exclusive: bool) -> StoredObject:
        """Write unconditionally; with ``exclusive`` raise ObjectExists if the key appeared meanwhile
        (where the backend can tell atomically)."""

    @abstractmethod
    def _remove(self, key: str) -> None:
        """Remove the object under ``key`` without further checks."""


# --- local directory ------------------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalObjectStore(_BaseStore):
    """Objects as files under ``root``; metadata in a ``<name>.meta.json`` sidecar beside each file.

    Writes are atomic (temp file, fsync, rename). Immutable objects are read-only files (0o444); the
    store checks the mode itself, so this also holds for root. The sidecar records the data file's
    inode, size and mtime: a sidecar that does not match (a crash between the two renames) is ignored
    and the hash is recomputed from the file.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"无法创建对象存储目录 {self.root} ({exc})") from exc

    def describe(self) -> str:
        return f"local:{self.root}"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    @staticmethod
    def _sidecar(path: Path) -> Path:
        return path.with_name(path.name + META_SUFFIX)

    @contextmanager
    def _io(self, action: str, key: str) -> Iterator[None]:
        """Turn unexpected OS errors into StorageError naming the action and key."""
        try:
            yield
        except LetterdeskError:
            raise
        except OSError as exc:
            raise StorageError(f"对象存储读写失败：{action} {key} ({type(exc).__name__}: {exc.strerror or exc})",
                               key=key) from exc

    def _read_sidecar(self, path: Path, st: os.stat_result) -> dict | None:
        """The sidecar's content if it describes exactly this data file, else None."""
        try:
            meta = json.loads(self._sidecar(path).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict):
            return None
        if (meta.get("inode"), meta.get("size"), meta.get("mtime_ns")) != (st.st_ino, st.st_size, st.st_mtime_ns):
            return None
        return meta

    def stat(self, key: str) -> StoredObject | None:
        """Describe the object under ``key``, or None if there is none."""
        path = self._path(key)
        with self._io("stat", key):
            try:
                st = path.stat()
            except (FileNotFoundError, NotADirectoryError):
                return None
            if not stat_mode.S_ISREG(st.st_mode):
                return None
            meta = self._read_sidecar(path, st)
            if meta is None:
                meta = {"sha256": _sha256(path.read_bytes())}
            return StoredObject(
                key=key, size=st.st_size, sha256=meta.get("sha256"), content_type=meta.get("content_type"),
                immutable=not st.st_mode & 0o222, metadata=dict(meta.get("metadata") or {}),
            )

    def get(self, key: str) -> bytes:
        """The object's bytes; :class:`NotFound` if absent, StorageError if they no longer match the hash."""
        path = self._path(key)
        with self._io("get", key):
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
                    st = os.fstat(fh.fileno())
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                raise NotFound(f"对象不存在：{key} (no such object)", key=key) from None
            meta = self._read_sidecar(path, st)
        if meta is not None and meta.get("sha256") != _sha256(data):
            raise StorageError(f"对象内容与记录的校验值不符：{key} (sha256 mismatch, object corrupted)", key=key)
        return data

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix`` (a plain string prefix, as in S3), in UTF-8 byte order."""
        directory = self.root
        if "/" in prefix:
            directory = self._path(prefix.rsplit("/", 1)[0])
        keys: list[str] = []
        with self._io("list", prefix):
            for dirpath, dirnames, filenames in os.walk(directory):
                dirnames.sort()
                base = Path(dirpath).relative_to(self.root).as_posix()
                for name in filenames:
                    if name.endswith(_RESERVED_SUFFIXES):
                        continue
                    key = name if base == "." else f"{base}/{name}"
                    if key.startswith(prefix):
                        keys.append(key)
        return iter(sorted(keys, key=lambda k: k.encode("utf-8", "surrogateescape")))

    def _write(self, key: str, data: bytes, digest: str, content_type: str, immutable: bool,
               metadata: dict[str, str], *, exclusive: bool) -> StoredObject:
        path = self._path(key)
        with self._io("put", key):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise InvalidRequest(f"对象键与已有对象冲突：{key} (a parent of the key is an object)",
                                     key=key) from None
            tmp = path.with_name(f".{secrets.token_hex(8)}{TEMP_SUFFIX}")
            try:
                self._write_file(tmp, data, 0o444 if immutable else 0o644)
                st = tmp.stat()
                try:
                    if exclusive:
                        os.link(tmp, path)  # atomic create-if-absent
                    else:
                        os.replace(tmp, path)
                except FileExistsError:
                    raise ObjectExists(f"对象已被同时写入：{key} (object appeared concurrently)", key=key) from None
                except IsADirectoryError:
                    raise InvalidRequest(f"对象键与已有目录冲突：{key} (key is a prefix of other keys)",
                                         key=key) from None
            finally:
                tmp.unlink(missing_ok=True)
            sidecar = {"sha256": digest, "size": st.st_size, "content_type": content_type,
                       "metadata": metadata, "inode": st.st_ino, "mtime_ns": st.st_mtime_ns}
            side_tmp = path.with_name(f".{secrets.token_hex(8)}{TEMP_SUFFIX}")
            try:
                self._write_file(side_tmp, json.dumps(sidecar, ensure_ascii=False).encode("utf-8"), 0o644)
                os.replace(side_tmp, self._sidecar(path))
            finally:
                side_tmp.unlink(missing_ok=True)
            _fsync_dir(path.parent)
        return StoredObject(key=key, size=len(data), sha256=digest, content_type=content_type,
                            immutable=immutable, metadata=metadata)

    @staticmethod
    def _write_file(path: Path, data: bytes, mode: int) -> None:
        """Create ``path`` exclusively with ``data``, fsync it, then set ``mode``."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb", closefd=False) as fh:
                fh.write(data)
                fh.flush()
            os.fsync(fd)
            os.fchmod(fd, mode)
        finally:
            os.close(fd)

    def _remove(self, key: str) -> None:
        path = self._path(key)
        with self._io("delete", key):
            path.unlink(missing_ok=True)
            self._sidecar(path).unlink(missing_ok=True)


# --- S3 (minio client) ----------------------------------------------------------------------------
_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"}


class S3ObjectStore(_BaseStore):
    """Objects in one S3 bucket, through the ``minio`` client.

    The bucket is created on first use (with object lock when ``lock_mode`` is set). The SHA-256 is kept
    in ``x-amz-meta-sha256``, immutability in ``x-amz-meta-immutable``; user metadata values are
    percent-encoded because S3 headers are ASCII. With ``lock_mode`` ("governance" or "compliance")
    immutable objects also get a retention period of ``retention_days`` that the server enforces. Without
    conditional writes in the client, two concurrent first writes of one immutable key may both succeed
    (as two versions on a locked bucket).
    """

    def __init__(self, endpoint: str, bucket: str, access_key: str, secret_key: str, *, secure: bool = True,
                 region: str | None = "us-east-1", lock_mode: str | None = None,
                 retention_days: int = DEFAULT_RETENTION_DAYS, timeout: float = 30.0) -> None:
        if lock_mode is not None and lock_mode not in LOCK_MODES:
            raise ConfigurationError(f"对象锁模式不合法：{lock_mode!r} (lock must be governance, compliance or off)")
        if retention_days < 1:
            raise ConfigurationError("对象保留天数必须为正整数 (retention_days must be >= 1)")
        self.endpoint = endpoint
        self.bucket = bucket
        self.lock_mode = lock_mode
        self.retention_days = retention_days
        self._secret = secret_key
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        try:
            self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                                region=region, http_client=http)
        except ValueError as exc:
            raise ConfigurationError(f"对象存储地址不合法：{endpoint} ({self._scrub(str(exc))})") from None
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    def describe(self) -> str:
        return f"s3://{self.endpoint}/{self.bucket}"

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    @contextmanager
    def _io(self, action: str, key: str = "") -> Iterator[None]:
        """Translate client and network errors: missing objects to NotFound, everything else to StorageError."""
        target = f"{self.describe()}/{key}" if key else self.describe()
        try:
            yield
        except LetterdeskError:
            raise
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                raise NotFound(f"对象不存在：{key} (no such object)", key=key) from None
            raise StorageError(f"对象存储拒绝了请求：{action} {target} ({exc.code}: {self._scrub(exc.message or '')})",
                               key=key) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            raise StorageError(f"无法访问对象存储：{action} {target} "
                               f"({type(exc).__name__}: {self._scrub(str(exc))})", key=key) from exc

    def _ensure_bucket(self) -> None:
        """Create the bucket on first use; with a lock mode, insist that the bucket has object lock."""
        if self._bucket_ready:
            return
        with self._bucket_lock, self._io("create bucket"):
            if self._bucket_ready:
                return
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket, object_lock=self.lock_mode is not None)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            if self.lock_mode is not None:
                try:
                    self.client.get_object_lock_config(self.bucket)
                except S3Error as exc:
                    raise ConfigurationError(
                        f"存储桶 {self.bucket} 未启用对象锁，无法按配置锁定归档对象 "
                        f"(lock={self.lock_mode} configured but the bucket has no object lock: {exc.code})"
                    ) from None
            self._bucket_ready = True

    def stat(self, key: str) -> StoredObject | None:
        """Describe the object under ``key``, or None if there is none."""
        check_key(key)
        self._ensure_bucket()
        try:
            with self._io("stat", key):
                info = self.client.stat_object(self.bucket, key)
        except NotFound:
            return None
        headers = {str(k).lower(): str(v) for k, v in (info.metadata or {}).items()}
        user = {k[len("x-amz-meta-"):]: unquote(v) for k, v in headers.items() if k.startswith("x-amz-meta-")}
        sha = user.pop("sha256", None)
        immutable = user.pop("immutable", None) == "1" or "x-amz-object-lock-mode" in headers
        return StoredObject(key=key, size=int(info.size or 0), sha256=sha, content_type=info.content_type,
                            immutable=immutable, metadata=user)

    def get(self, key: str) -> bytes:
        """The object's bytes; :class:`NotFound` if absent, StorageError if they no longer match the hash."""
        check_key(key)
        self._ensure_bucket()
        with self._io("get", key):
            response = self.client.get_object(self.bucket, key)
            try:
                data = response.read()
                expected = response.headers.get("x-amz-meta-sha256")
            finally:
                response.close()
                response.release_conn()
        if expected and expected != _sha256(data):
            raise StorageError(f"对象内容与记录的校验值不符：{key} (sha256 mismatch, object corrupted)", key=key)
        return data

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in the server's (UTF-8 byte) order."""
        self._ensure_bucket()
        with self._io("list", prefix):
            for obj in self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
                if obj.object_name is not None:
                    yield obj.object_name

    def _write(self, key: str, data: bytes, digest: str, content_type: str, immutable: bool,
               metadata: dict[str, str], *, exclusive: bool) -> StoredObject:
        self._ensure_bucket()
        headers = {name: quote(value, safe="") for name, value in metadata.items()}
        headers["sha256"] = digest
        retention = None
        if immutable:
            headers["immutable"] = "1"
            if self.lock_mode is not None:
                until = datetime.now(timezone.utc) + timedelta(days=self.retention_days)
                retention = Retention(LOCK_MODES[self.lock_mode], until)
        with self._io("put", key):
            self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type=content_type,
                                   metadata=headers, retention=retention)
        return StoredObject(key=key, size=len(data), sha256=digest, content_type=content_type,
                            immutable=immutable, metadata=metadata)

    def _remove(self, key: str) -> None:
        with self._io("delete", key):
            self.client.remove_object(self.bucket, key)


# --- opening by URL -------------------------------------------------------------------------------
def _local_from_url(url: str) -> LocalObjectStore:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise ConfigurationError(f"本地对象存储地址必须是绝对路径：{url} (use file:///absolute/path)")
    return LocalObjectStore(unquote(parts.path))


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"对象存储参数 {name} 必须是 0 或 1，当前为 {value!r}")


def _s3_from_url(url: str) -> S3ObjectStore:
    parts = urlsplit(url)
    shown = f"s3://{parts.hostname or ''}{parts.path}"  # never echo the credentials
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"对象存储地址端口不合法：{shown}") from None
    bucket = parts.path.strip("/")
    if not parts.hostname or not bucket or "/" in bucket:
        raise ConfigurationError(f"对象存储地址必须是 s3://ACCESS:SECRET@host:port/bucket：{shown}")
    if not parts.username or parts.password is None:
        raise ConfigurationError(f"对象存储地址缺少访问密钥：{shown} (s3://ACCESS:SECRET@host/bucket)")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"secure", "region", "lock", "retention_days"}
    if unknown:
        raise ConfigurationError(f"对象存储地址含未知参数：{', '.join(sorted(unknown))}")
    lock = query.get("lock", "off").lower()
    if lock not in (*LOCK_MODES, "off"):
        raise ConfigurationError(f"对象锁模式不合法：{lock!r} (lock must be governance, compliance or off)")
    try:
        retention_days = int(query.get("retention_days", DEFAULT_RETENTION_DAYS))
    except ValueError:
        raise ConfigurationError("对象保留天数必须为正整数 (retention_days must be an integer)") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return S3ObjectStore(
        f"{host}:{port}" if port else host, bucket, unquote(parts.username), unquote(parts.password),
        secure=_flag(query.get("secure", "1"), "secure"), region=query.get("region") or "us-east-1",
        lock_mode=None if lock == "off" else lock, retention_days=retention_days,
    )


def open_object_store(url: str) -> ObjectStore:
    """The store a URL names: ``file:///abs/path`` or ``s3://ACCESS:SECRET@host:port/bucket?…``.

    Query parameters for s3: ``secure`` (default 1), ``region`` (default us-east-1), ``lock``
    (governance | compliance | off, default off), ``retention_days`` (default 3650). A malformed URL
    raises :class:`ConfigurationError` without echoing the secret.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "file":
        return _local_from_url(url)
    if scheme == "s3":
        return _s3_from_url(url)
    raise ConfigurationError(f"不支持的对象存储地址：{scheme or url!r}:// (use file:// or s3://)")
