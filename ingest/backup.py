"""``letterdesk backup DIR`` / ``letterdesk restore DIR``: the database and every object, portable and checked.

A backup directory holds::

    manifest.json          format, version, created_at, row and object counts, the SHA-256 of every file
    db/<table>.jsonl       one JSON object per row, columns by name; times as UTC ISO 8601
    objects/<key>          every object of the store, its key as relative path

The rows are plain JSON, so a backup taken from SQLite restores into PostgreSQL and the other way round.
:func:`backup` reads all tables in one snapshot, then the objects (an object is always written before
the row naming it, so every object a backed-up row needs is in the backup), and writes the manifest
last: a directory without one is not a backup. :func:`restore` checks every file against the manifest
before it changes anything, refuses a database that already holds rows, writes the objects (immutable
ones as immutable), then the rows with their ids in one transaction, and finally verifies the audit chain.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import DateTime, Table, func, insert, select, text
from sqlalchemy.engine import Connection

from ingest import audit
from ingest.runtime import Runtime
from letterdesk.errors import InvalidRequest, InvalidState, StorageError
from storage.audit_chain import utc_iso
from storage.db import Database
from storage.models import Base, utcnow
from storage.objects import check_key

FORMAT = "letterdesk-backup"
VERSION = 1
MANIFEST = "manifest.json"
TABLES_DIR = "db"
OBJECTS_DIR = "objects"
_BATCH = 500


@dataclass(frozen=True)
class BackupReport:
    directory: Path
    rows: dict[str, int]
    objects: int
    bytes: int


@dataclass(frozen=True)
class RestoreReport:
    rows: dict[str, int]
    objects: int
    audit: audit.AuditReport


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(Base.metadata.sorted_tables)


# --- rows as JSON ----------------------------------------------------------------------------------
def _encode_row(table: Table, row) -> dict:
    """A database row as a JSON object; times in UTC (naive SQLite times are UTC already)."""
    return {c.name: (utc_iso(v) if isinstance(v, dt.datetime) else v) for c, v in zip(table.columns, row)}


def _decode_row(table: Table, data: dict) -> dict:
    """A JSON object of :func:`_encode_row` as insert parameters; InvalidRequest for unknown columns."""
    unknown = set(data) - set(table.columns.keys())
    if unknown:
        raise InvalidRequest(f"备份中的表 {table.name} 含未知列：{', '.join(sorted(unknown))}")
    row = {}
    for name, value in data.items():
        if value is not None and isinstance(table.columns[name].type, DateTime):
            value = dt.datetime.fromisoformat(value).astimezone(dt.timezone.utc)
        row[name] = value
    return row


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """A connection whose reads all see one state of the database, however many statements they take."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        else:
            conn.exec_driver_sql("BEGIN")  # pysqlite opens no transaction for reads by itself
            try:
                yield conn
            finally:
                conn.rollback()


# --- backup ----------------------------------------------------------------------------------------
def _prepare_directory(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InvalidRequest(f"备份目录必须不存在或为空：{directory} (backup directory is not empty)")
    (directory / TABLES_DIR).mkdir(parents=True, exist_ok=True)
    (directory / OBJECTS_DIR).mkdir(exist_ok=True)


def _dump_tables(rt: Runtime, directory: Path) -> dict[str, dict]:
    """Write ``db/<table>.jsonl`` for every table; their entries for the manifest."""
    entries = {}
    with _snapshot(rt.db) as conn:
        for table in _tables():
            path = directory / TABLES_DIR / f"{table.name}.jsonl"
            count = 0
            with open(path, "w", encoding="utf-8") as fh:
                result = conn.execution_options(yield_per=_BATCH).execute(
                    select(table).order_by(*table.primary_key.columns))
                for row in result:
                    fh.write(json.dumps(_encode_row(table, row), ensure_ascii=False, sort_keys=True) + "\n")
                    count += 1
            entries[table.name] = {"file": f"{TABLES_DIR}/{path.name}", "rows": count,
                                   "sha256": _sha256_file(path)}
    return entries


def _dump_objects(rt: Runtime, directory: Path) -> dict[str, dict]:
    """Copy every object to ``objects/<key>``; their entries for the manifest. A corrupted object stops
    the backup (StorageError naming it): ``letterdesk verify`` tells what to repair first."""
    entries = {}
    for key in rt.objects.list(""):
        info = rt.objects.stat(check_key(key))
        if info is None:  # removed while listing (a mutable preview being replaced)
            continue
        data = rt.objects.get(key)
        path = directory / OBJECTS_DIR / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries[key] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                        "content_type": info.content_type, "immutable": info.immutable,
                        "metadata": dict(info.metadata)}
    return entries


def backup(rt: Runtime, directory: Path | str, actor: str = audit.SYSTEM) -> BackupReport:
    """Back up ``rt``'s database and object store into ``directory`` (absent or empty; InvalidRequest
    otherwise). The backup is recorded in the audit trail afterwards."""
    directory = Path(directory)
    _prepare_directory(directory)
    created_at = utcnow()
    tables = _dump_tables(rt, directory)
    objects = _dump_objects(rt, directory)
    rows = {name: entry["rows"] for name, entry in tables.items()}
    manifest = {"format": FORMAT, "version": VERSION, "created_at": utc_iso(created_at),
                "source": {"database": rt.db.engine.dialect.name, "objects": rt.objects.describe()},
                "counts": {"rows": rows, "objects": len(objects)}, "tables": tables, "objects": objects}
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)
    size = sum(entry["size"] for entry in objects.values())
    audit.record_event(rt, actor, "backup", None, directory=str(directory.resolve()), rows=rows,
                       objects=len(objects), created_at=manifest["created_at"])
    return BackupReport(directory, rows, len(objects), size)


# --- restore ---------------------------------------------------------------------------------------
def _damaged(what: str, why: str) -> StorageError:
    return StorageError(f"备份已损坏，拒绝恢复：{what} ({why})")


def read_manifest(directory: Path | str) -> dict:
    """The manifest of the backup in ``directory``; InvalidRequest if there is none or it is not ours."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidRequest(f"不是完整的备份目录（缺少 {MANIFEST}）：{directory}") from None
    except (OSError, ValueError) as exc:
        raise _damaged(MANIFEST, str(exc)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidRequest(f"不是 letterdesk 备份：{directory}")
    if manifest.get("version") != VERSION:
        raise InvalidRequest(f"不支持的备份格式版本：{manifest.get('version')!r}（支持 {VERSION}）")
    if not isinstance(manifest.get("tables"), dict) or not isinstance(manifest.get("objects"), dict):
        raise _damaged(MANIFEST, "no tables or objects")
    return manifest


def _backup_file(directory: Path, relative: str) -> Path:
    """``relative`` inside ``directory``; a name leading outside it is damage, not a path to follow."""
    path = (directory / relative).resolve()
    if not path.is_relative_to(directory.resolve()):
        raise _damaged(relative, "path outside the backup")
    return path


def _check_files(directory: Path, manifest: dict) -> None:
    """Every table file and object against its SHA-256 in the manifest; StorageError at the first damage."""
    known = {t.name for t in _tables()}
    for name, entry in manifest["tables"].items():
        if name not in known:
            raise InvalidRequest(f"备份含未知的表：{name}")
        path = _backup_file(directory, entry["file"])
        if not path.is_file():
            raise _damaged(entry["file"], "file missing")
        if _sha256_file(path) != entry["sha256"]:
            raise _damaged(entry["file"], "sha256 mismatch")
    for key, entry in manifest["objects"].items():
        path = _backup_file(directory, f"{OBJECTS_DIR}/{check_key(key)}")
        if not path.is_file():
            raise _damaged(f"{OBJECTS_DIR}/{key}", "file missing")
        if _sha256_file(path) != entry["sha256"]:
            raise _damaged(f"{OBJECTS_DIR}/{key}", "sha256 mismatch")


def _require_empty(rt: Runtime) -> None:
    with rt.db.engine.connect() as conn:
        filled = [t.name for t in _tables() if conn.execute(select(func.count()).select_from(t)).scalar()]
    if filled:
        raise InvalidState(f"目标数据库不是空的（{', '.join(filled)} 已有数据），拒绝恢复 "
                           f"(restore needs an empty database)")


def _restore_objects(rt: Runtime, directory: Path, manifest: dict) -> int:
    for key, entry in manifest["objects"].items():
        data = _backup_file(directory, f"{OBJECTS_DIR}/{key}").read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # changed since it was checked
            raise _damaged(f"{OBJECTS_DIR}/{key}", "sha256 mismatch")
        rt.objects.put(key, data, entry.get("content_type") or "application/octet-stream",
                       immutable=bool(entry.get("immutable")), metadata=entry.get("metadata") or None)
    return len(manifest["objects"])


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each table's id sequence past the restored ids (tables without one are skipped)."""
    quote = conn.dialect.identifier_preparer.quote
    for table in _tables():
        for column in table.primary_key.columns:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                              f"COALESCE(MAX({quote(column.name)}), 1), MAX({quote(column.name)}) IS NOT NULL) "
                              f"FROM {quote(table.name)}"),
                         {"table": quote(table.name), "column": column.name})


def _restore_rows(rt: Runtime, directory: Path, manifest: dict) -> dict[str, int]:
    """Insert every table's rows, ids included, in one transaction."""
    counts = {}
    with rt.db.engine.begin() as conn:
        for table in _tables():
            entry = manifest["tables"].get(table.name)
            counts[table.name] = 0
            if entry is None:
                continue
            batch: list[dict] = []
            with open(_backup_file(directory, entry["file"]), encoding="utf-8") as fh:
                for line in fh:
                    batch.append(_decode_row(table, json.loads(line)))
                    if len(batch) == _BATCH:
                        conn.execute(insert(table), batch)
                        counts[table.name] += len(batch)
                        batch = []
            if batch:
                conn.execute(insert(table), batch)
                counts[table.name] += len(batch)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    return counts


def restore(rt: Runtime, directory: Path | str, actor: str = audit.SYSTEM) -> RestoreReport:
    """Restore the backup in ``directory`` into ``rt``'s (empty) database and its object store.

    Refuses, before changing anything, a directory that is not a backup (InvalidRequest), any file that
    does not match the manifest (StorageError) and a database that holds rows (InvalidState). Returns
    the counts and the audit chain's verification; the restore itself is then recorded in the trail.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    _check_files(directory, manifest)
    _require_empty(rt)
    objects = _restore_objects(rt, directory, manifest)
    rows = _restore_rows(rt, directory, manifest)
    report = audit.verify(rt)
    audit.record_event(rt, actor, "restore", None, backup_created_at=manifest.get("created_at"), rows=rows,
                       objects=objects, audit_ok=report.ok)
    return RestoreReport(rows, objects, report)
