"""Alembic environment: the URL comes from the caller (``gridboard db upgrade``)."""
from alembic import context

from queries.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through queries.migrate.upgrade(), which passes a connection")

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
