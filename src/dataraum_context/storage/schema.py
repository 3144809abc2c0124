"""Schema creation and version check for the metadata store.

Importing this module registers every model with `Base.metadata`. `init_schema`
is idempotent: it creates what is missing, records the schema version once, and
refuses a database written by another schema version with a clear message.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

import dataraum_context.llm.db_models
import dataraum_context.ontology.db_models
import dataraum_context.pipeline.db_models
import dataraum_context.profiling.db_models
import dataraum_context.quality.db_models
import dataraum_context.semantic.db_models
import dataraum_context.temporal.db_models
import dataraum_context.topology.db_models
import dataraum_context.type_resolution.db_models  # noqa: F401  (model registration)
from dataraum_context import __version__
from dataraum_context.errors import MetadataStoreError
from dataraum_context.storage import views
from dataraum_context.storage.base import Base
from dataraum_context.storage.core import SCHEMA_VERSION, SchemaVersion
from dataraum_context.storage.engine import redact_url


def _init_sync(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Serialise concurrent initialisers of one database.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(7312026)"))
    inspector = sa.inspect(connection)
    if inspector.has_table(SchemaVersion.__tablename__):
        row = connection.execute(sa.select(SchemaVersion.version)).first()
        if row is not None and row.version == SCHEMA_VERSION and all(
            inspector.has_table(name) for name in Base.metadata.tables
        ):
            return  # initialised by this schema version: nothing to do
        if row is not None and row.version != SCHEMA_VERSION:
            age = "an older" if row.version < SCHEMA_VERSION else "a newer"
            raise MetadataStoreError(
                f"metadata database has schema version {row.version}, written by {age} dataraum; "
                f"this dataraum {__version__} needs version {SCHEMA_VERSION} "
                "(use a new workspace or metadata URL)"
            )
    Base.metadata.create_all(connection, checkfirst=True)
    if connection.execute(sa.select(sa.func.count()).select_from(SchemaVersion)).scalar_one() == 0:
        connection.execute(
            sa.insert(SchemaVersion).values(id=1, version=SCHEMA_VERSION, dataraum_version=__version__)
        )
    views.create_views(connection)


@contextlib.contextmanager
def _sqlite_init_lock(engine: AsyncEngine) -> Iterator[None]:
    """Serialise first-time initialisation of one SQLite file across processes."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".init-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def init_schema(engine: AsyncEngine) -> None:
    """Create tables and views if missing; check the schema version."""
    try:
        with _sqlite_init_lock(engine):
            async with engine.begin() as connection:
                await connection.run_sync(_init_sync)
    except MetadataStoreError:
        raise
    except (OperationalError, DBAPIError, OSError, ConnectionError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MetadataStoreError(
            f"cannot open metadata database {redact_url(engine.url)}: {reason}"
        ) from None
