"""Schema creation, migrations and version check for the metadata store.

The models are registered with `Base.metadata` by the stage registry
(`pipeline.stages.register_models`, called by `pipeline.stages.init_store`): storage
does not import the stage packages that define them. `init_schema` is idempotent: a new
(empty) store gets the models' tables in one `create_all` and is stamped with the newest
revision, exactly the schema the Alembic migrations (`storage/migrations`) build
(`tests/storage/test_store_migrations.py` compares the two in full, on SQLite and
PostgreSQL); a store at an older revision is upgraded by the migrations, and one written
before migrations existed (schema version 1, no `alembic_version` table) is stamped with
the baseline revision and upgraded in place; a store already at the newest revision is left alone (one cheap check).
A store written by a newer dataraum (a newer schema version, or a revision this
code does not know) or by an unsupported older one is refused with a clear message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from dataraum_context import __version__
from dataraum_context.errors import MetadataStoreError
from dataraum_context.storage import views
from dataraum_context.storage.base import Base
from dataraum_context.storage.core import SCHEMA_VERSION, SchemaVersion
from dataraum_context.storage.engine import redact_url

# The oldest schema version that migrations can upgrade (the baseline revision's).
OLDEST_MIGRATABLE = 1
_ALEMBIC_TABLE = "alembic_version"
# Alembic's version table as Alembic creates it (`DefaultImpl.version_table_impl`): a new
# store is stamped without importing Alembic (its import costs ~70 ms of every start-up).
_VERSION_TABLE = sa.Table(
    _ALEMBIC_TABLE,
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name=f"{_ALEMBIC_TABLE}_pkc"),
)


def _alembic(connection: sa.Connection) -> tuple[Any, Any]:
    """Alembic's config (running on `connection`) and its script directory."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from dataraum_context.storage.migrations import SCRIPT_LOCATION

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config, ScriptDirectory.from_config(config)


def _refuse(stored: int | str, newer: bool) -> MetadataStoreError:
    age = "a newer" if newer else "an older"
    return MetadataStoreError(
        f"metadata database has schema version {stored}, written by {age} dataraum; "
        f"this dataraum {__version__} needs version {SCHEMA_VERSION} "
        "(use a new workspace or metadata URL)"
    )


def _migrate(connection: sa.Connection, revision: str | None, pre_migrations: bool) -> None:
    """Bring the store to the newest revision (stamping a pre-migration store first)."""
    from alembic import command
    from alembic.util import CommandError

    config, script = _alembic(connection)
    if revision is not None:
        try:
            script.get_revision(revision)
        except CommandError:
            raise _refuse(f"{SCHEMA_VERSION} (migration {revision})", newer=True) from None
    elif pre_migrations:
        from dataraum_context.storage.migrations import BASELINE

        command.stamp(config, BASELINE)
    command.upgrade(config, "head")


def _init_sync(connection: sa.Connection) -> None:
    from dataraum_context.storage.migrations import HEAD

    if connection.dialect.name == "postgresql":
        # Serialise concurrent initialisers of one database.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(7312026)"))
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names())
    if _ALEMBIC_TABLE not in existing and existing.isdisjoint(Base.metadata.tables):
        _create_new(connection, HEAD)  # a new store: the newest schema at once, no migrations to run
        return
    has_version_table = SchemaVersion.__tablename__ in existing
    row = connection.execute(sa.select(SchemaVersion.version)).first() if has_version_table else None
    if row is not None and row.version > SCHEMA_VERSION:
        raise _refuse(row.version, newer=True)
    if row is not None and row.version < OLDEST_MIGRATABLE:
        raise _refuse(row.version, newer=False)
    revision = None
    if _ALEMBIC_TABLE in existing:
        revision = connection.execute(sa.text(f"SELECT version_num FROM {_ALEMBIC_TABLE}")).scalar()
    if (
        revision == HEAD
        and row is not None
        and row.version == SCHEMA_VERSION
        and existing.issuperset(Base.metadata.tables)
    ):
        return  # at the newest revision: nothing to do
    if revision != HEAD:
        _migrate(connection, revision, pre_migrations=has_version_table)
    # Tables of models newer than the newest revision (a safety net, never a substitute
    # for a revision: columns added to existing tables need one).
    Base.metadata.create_all(connection, checkfirst=True)
    if row is None:
        connection.execute(
            sa.insert(SchemaVersion).values(id=1, version=SCHEMA_VERSION, dataraum_version=__version__)
        )
    elif row.version != SCHEMA_VERSION:
        connection.execute(
            sa.update(SchemaVersion).values(version=SCHEMA_VERSION, dataraum_version=__version__)
        )
    views.create_views(connection)


def _create_new(connection: sa.Connection, head: str) -> None:
    """A new store: every model's table, the newest revision stamped, the schema version
    and the views, in the caller's transaction (what running every migration from an empty
    database and then `_init_sync` would leave, without running them one by one)."""
    Base.metadata.create_all(connection, checkfirst=False)
    _VERSION_TABLE.create(connection)
    connection.execute(sa.insert(_VERSION_TABLE).values(version_num=head))
    connection.execute(sa.insert(SchemaVersion).values(id=1, version=SCHEMA_VERSION, dataraum_version=__version__))
    views.create_views(connection)


@contextlib.contextmanager
def _sqlite_init_lock(engine: AsyncEngine) -> Iterator[None]:
    """Serialise first-time initialisation of one SQLite file across processes."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    from filelock import FileLock

    lock_path = Path(database).with_name(Path(database).name + ".init-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(lock_path, thread_local=False):  # an OS lock, on Unix and on Windows
        yield


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
