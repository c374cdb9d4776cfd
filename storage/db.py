"""Database access through SQLAlchemy: SQLite by default, PostgreSQL by URL.

The schema is kept current by :meth:`Database.create_schema` (every process calls it at start) with the
migrations in ``storage.migrations``; see that package for how to add one.
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import migrations
from storage.models import Base

SCHEMA_LOCK_KEY = 0x6C64_7363_6865_6D61  # PostgreSQL advisory lock held while the schema is checked/changed


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    _write_ahead_log(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _write_ahead_log(cur, patience: float = 30.0) -> None:
    """Put the database file in WAL mode (it stays so). Switching needs the file to itself and SQLite does not
    wait for that (no busy handler), so a process starting while another holds a transaction retries."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass(frozen=True)
class SchemaChange:
    """What :meth:`Database.upgrade` did: the revision before (None: no schema yet, or one made before
    migrations existed) and the revision after (always the head)."""

    before: str | None
    after: str


class Database:
    """An engine plus a session factory. One per process; sessions are short-lived, one per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Make or upgrade the schema to the newest revision; safe to call from processes starting together.
        Raises ConfigurationError for a database migrated by a newer letterdesk (see :meth:`upgrade`)."""
        self.upgrade()

    def schema_revision(self) -> str | None:
        """The schema revision recorded in the database; None when it has none (empty, or made before
        migrations existed)."""
        with self.engine.connect() as conn:
            return migrations.current(conn)

    def upgrade(self) -> SchemaChange:
        """Bring the schema to the head revision, in one transaction that no other process shares.

        * empty database: ``create_all`` and record the head (fast: no migration runs);
        * tables but no recorded revision (made by letterdesk before migrations existed): record the
          revision those tables match, then migrate from it;
        * a recorded revision: migrate from it (nothing to do when it is the head).

        Raises ConfigurationError when the recorded revision is unknown: a newer letterdesk migrated this
        database, and this older code must not run against it.
        """
        with self._schema_transaction() as conn:
            before = migrations.current(conn)
            head = migrations.head()
            if before is None:
                tables = set(inspect(conn).get_table_names())
                if not tables & set(Base.metadata.tables):
                    Base.metadata.create_all(conn)
                    migrations.stamp(conn, head)
                    return SchemaChange(None, head)
                migrations.stamp(conn, migrations.legacy_revision(tables))
            else:
                migrations.require_known(before)
            migrations.upgrade(conn)
            return SchemaChange(before, head)

    @contextmanager
    def _schema_transaction(self) -> Iterator[Connection]:
        """A connection in a transaction held by one process at a time, committed on success.

        PostgreSQL: an advisory lock held until the transaction ends (DDL is transactional there).
        SQLite: ``BEGIN IMMEDIATE`` takes the file's write lock up front; foreign keys are off meanwhile
        so batch migrations can copy tables (the pragma cannot change inside a transaction).
        """
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            try:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                elif conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any exception."""
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()
