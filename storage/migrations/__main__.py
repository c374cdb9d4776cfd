"""``python -m storage.migrations revision -m "what changed"``: write the next migration script.

Builds a scratch SQLite database from the existing migrations, compares it with ``storage.models`` and
writes ``versions/NNNN_<slug>.py`` (Alembic autogenerate). See the ``storage.migrations`` docstring for
what to check in the file before committing it.
"""
from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from storage import migrations


def next_revision_id(message: str) -> str:
    """``NNNN_<ascii slug of message>``: one more than the highest numbered revision."""
    number = max(int(rev.split("_", 1)[0]) for rev in migrations.known_revisions()) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    return f"{number:04d}_{slug}" if slug else f"{number:04d}"


def write_revision(message: str) -> Path:
    """Autogenerate a migration from the models' differences to the current head; the new file's path."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.sqlite3'}")
        try:
            with engine.begin() as conn:
                migrations.upgrade(conn)
                script = command.revision(migrations.config(conn), message, autogenerate=True,
                                          rev_id=next_revision_id(message))
        finally:
            engine.dispose()
    return Path(script.path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m storage.migrations", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="write the next migration from the models' changes")
    revision.add_argument("-m", "--message", required=True, help="what the migration changes (English)")
    args = parser.parse_args(argv)
    print(write_revision(args.message))


if __name__ == "__main__":
    main()
