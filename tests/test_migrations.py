"""Schema migrations: the models and the migrations agree, old databases are upgraded in place keeping their
letters, and a database from a newer letterdesk is refused. Every test runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect, text

from letterdesk.cli import main as cli
from letterdesk.errors import ConfigurationError
from storage import migrations
from storage.db import Database
from storage.models import Base, Letter
from tests.fixtures.services import fresh_database

HEAD = migrations.head()
LETTER = ("INSERT INTO letters (id, sha256, filename, channel, kind, mime, size, page_count, original_key, "
          "received_at, status, status_changed_at, attempts) VALUES (7, 'ab12', '旧来信.pdf', 'cli', 'pdf', "
          "'application/pdf', 3, 1, 'originals/ab12', '2024-05-06 07:08:09+00', 'filed', "
          "'2024-05-06 07:08:09+00', 0)")
PAGE = "INSERT INTO pages (id, letter_id, \"index\", text, source) VALUES (1, 7, 0, '第一页', 'ocr')"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db(request, tmp_path):
    """An empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'letterdesk.sqlite3'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres"))
    database = Database(url)
    yield database
    database.dispose()


def schema_differences(db: Database) -> list:
    """What Alembic's autogenerate finds between the database and the models (tables it does not
    describe, such as the search index, are ignored as in the migration environment)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": migrations.include_object,
                                                         "compare_type": True})
        return compare_metadata(context, Base.metadata)


def make_old_database(db: Database, *, stamped: bool) -> None:
    """The 0001 schema with one letter and its page, as a letterdesk of that time left it; without an
    ``alembic_version`` table unless ``stamped``."""
    with db.engine.begin() as conn:
        migrations.upgrade(conn, migrations.BASELINE)
        if not stamped:
            conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text(LETTER))
        conn.execute(text(PAGE))


def test_the_migrations_alone_build_exactly_the_models_schema(db):
    with db.engine.begin() as conn:
        migrations.upgrade(conn, migrations.BASELINE)
    added = sorted(d[1].name if d[0] in ("add_table", "add_index") else d[3].name for d in schema_differences(db))
    assert added == ["alerts", "derived_from", "ix_alerts_letter_id", "serious"]  # what 0001 lacks is seen

    with db.engine.begin() as conn:
        migrations.upgrade(conn)
    assert schema_differences(db) == [], "a model changed without a migration: python -m storage.migrations"
    assert db.schema_revision() == HEAD


@pytest.mark.parametrize("stamped", [True, False], ids=["stamped-0001", "made-before-migrations"])
def test_an_old_database_is_upgraded_in_place_and_keeps_its_letters(db, stamped):
    make_old_database(db, stamped=stamped)

    db.create_schema()

    assert db.schema_revision() == HEAD
    assert schema_differences(db) == []
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, filename, serious, derived_from FROM letters")).all() == [
            (7, "旧来信.pdf", False, None)]
        assert conn.execute(text("SELECT letter_id, text FROM pages")).all() == [(7, "第一页")]
        conn.execute(text("INSERT INTO alerts (letter_id, reason, codes, message, created_at, raised_by, "
                          "deliveries) VALUES (7, 'serious', '[]', '', '2024-05-07 00:00:00+00', 'x', '[]')"))


def test_a_database_made_by_create_all_with_alerts_but_no_version_is_stamped_head(db):
    Base.metadata.create_all(db.engine)  # what letterdesk did at start before migrations existed

    db.create_schema()

    assert db.schema_revision() == HEAD


def test_create_schema_on_an_empty_database_stamps_head_and_is_idempotent(db):
    assert db.schema_revision() is None

    db.create_schema()
    assert db.schema_revision() == HEAD
    with db.session() as s:
        s.add(Letter(sha256="ab12", filename="来信.pdf", channel="cli", kind="pdf", mime="application/pdf", size=3,
                     original_key="originals/ab12"))
    change = db.upgrade()

    assert (change.before, change.after) == (HEAD, HEAD)
    assert schema_differences(db) == []
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM letters")).scalar() == 1


def test_processes_starting_together_create_the_schema_once(db):
    """Web and worker start at the same moment: each has its own engine; neither fails."""
    others = [Database(db.url) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(others))

    def start_process(database: Database) -> None:
        start.wait()
        try:
            database.create_schema()
        except BaseException as err:  # reported below, with the failing backend's message
            errors.append(err)

    threads = [threading.Thread(target=start_process, args=(d,)) for d in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in others:
        d.dispose()
    assert errors == []
    assert db.schema_revision() == HEAD
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_a_database_from_a_newer_letterdesk_is_refused(db):
    db.create_schema()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))

    with pytest.raises(ConfigurationError, match="比本程序新") as refused:
        db.create_schema()

    assert "0099_from_the_future" in refused.value.message
    assert db.schema_revision() == "0099_from_the_future"  # left as it was


def test_downgrade_to_base_removes_every_table(db):
    with db.engine.begin() as conn:
        migrations.upgrade(conn)
        command.downgrade(migrations.config(conn), "base")
    assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


# --- command line ----------------------------------------------------------------------------------------
def run_cli(db: Database, tmp_path, *args: str):
    env = {"LETTERDESK_DATA_DIR": str(tmp_path / "data"), "LETTERDESK_DATABASE_URL": db.url}
    return CliRunner().invoke(cli, list(args), env=env)


def test_db_upgrade_prints_from_and_to_and_db_current_prints_the_head(db, tmp_path):
    make_old_database(db, stamped=True)

    upgraded = run_cli(db, tmp_path, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{migrations.BASELINE} → {HEAD}" in upgraded.output

    current = run_cli(db, tmp_path, "db", "current")
    assert current.exit_code == 0 and current.output.strip() == f"{HEAD}（最新）"


def test_db_current_refuses_a_revision_from_a_newer_letterdesk(db, tmp_path):
    db.create_schema()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))

    result = run_cli(db, tmp_path, "db", "current")

    assert result.exit_code == ConfigurationError.exit_code
    assert "比本程序新" in result.stderr and "0099_from_the_future" in result.stderr
