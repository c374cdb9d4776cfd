"""Alembic environment: migrates the connection handed in through ``config.attributes["connection"]``.

Never opens connections itself and never commits: the caller (``storage.db.Database``) owns the
transaction and the lock around it. SQLite runs table changes in batch mode (copy and swap).
"""
from alembic import context

from storage.migrations import include_object
from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("storage.migrations runs on a connection passed in config.attributes['connection']")

context.configure(connection=connection, target_metadata=Base.metadata, include_object=include_object,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
