"""Alembic environment: migrations run on the connection `init_schema` hands in
(`config.attributes["connection"]`), inside its transaction. Never from the network,
never with a URL of its own."""

from __future__ import annotations

from alembic import context

from dataraum_context.storage.base import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `init_schema` runs migrations
    raise RuntimeError("dataraum migrations run through dataraum_context.storage.schema.init_schema")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
