"""Schema migrations: Alembic, run programmatically on a connection (no ``alembic.ini``).

The scripts live in this package (``env.py``, ``script.py.mako``, ``versions/``) so they ship with the
wheel. :meth:`storage.db.Database.create_schema` decides what to run; this module only wraps Alembic.

Adding a migration, after changing ``storage/models.py``::

    python -m storage.migrations revision -m "add letters.priority"

builds a scratch SQLite database from the existing migrations, compares it with ``storage.models`` and
writes ``storage/migrations/versions/NNNN_<slug>.py`` holding the differences (Alembic's
``revision --autogenerate``). Read and fix the file before committing: autogenerate writes a rename as
drop + add, and a new NOT NULL column needs ``server_default=`` so rows that already exist get a value.
Keep table changes inside ``op.batch_alter_table`` (SQLite copies the table where ALTER TABLE cannot).
``tests/test_migrations.py`` fails until the migrations build exactly the models' schema on SQLite and
PostgreSQL. Revisions are linear; their ids are the file names.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from letterdesk.errors import ConfigurationError

HERE = Path(__file__).resolve().parent
BASELINE = "0001_initial"  # the schema as ``create_all`` made it before migrations existed
ALERTS = "0002_alerts_split_merge"  # the schema ``create_all`` made once alerts and split/merge came


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for this package's scripts; ``env.py`` migrates ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("file_template", "%%(rev)s")  # the revision id is the file name
    cfg.attributes["connection"] = connection
    return cfg


def scripts() -> ScriptDirectory:
    """The revision scripts in ``versions/``."""
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this code knows."""
    return scripts().get_current_head()


def known_revisions() -> set[str]:
    """Every revision id in ``versions/``."""
    return {script.revision for script in scripts().walk_revisions()}


def require_known(revision: str) -> None:
    """Raise ConfigurationError when ``revision`` is not one of ours: a newer letterdesk migrated the
    database, and this older code must not run against it."""
    if revision not in known_revisions():
        raise ConfigurationError(
            f"数据库结构版本 {revision} 比本程序新（本程序最高支持 {head()}），请使用更新版本的 letterdesk "
            f"(database schema revision {revision!r} is unknown: this code is older than the database)")


def current(connection: Connection) -> str | None:
    """The revision recorded in the database's ``alembic_version`` table; None when there is none."""
    return MigrationContext.configure(connection).get_current_revision()


def stamp(connection: Connection, revision: str) -> None:
    """Record ``revision`` as the database's schema without running any migration."""
    command.stamp(config(connection), revision)


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run every migration from the database's recorded revision up to ``revision``."""
    command.upgrade(config(connection), revision)


def include_object(obj, name: str, type_: str, reflected: bool, compare_to) -> bool:
    """Leave tables the models do not describe alone (``letter_fts`` of archive search and SQLite's
    FTS5 shadow tables are made at run time): autogenerate must not drop them."""
    return not (type_ == "table" and reflected and compare_to is None)


def legacy_revision(tables: set[str]) -> str:
    """The revision whose schema a database made by ``create_all`` before migrations existed has, from its
    table names: those versions made either the 0001 schema or, once alerts came, the 0002 one."""
    return ALERTS if "alerts" in tables else BASELINE
