"""Alembic migrations: a store written before migrations existed (today's main: schema
version 1, no `alembic_version`) upgrades in place on first use; a new store built by the
migrations equals the models; a store of a newer dataraum is refused. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from helpers import run_cli

from dataraum_context.storage.engine import create_engine
from dataraum_context.storage.migrations import BASELINE, HEAD


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Environment of a CLI on a not yet created store (workspace SQLite file or PostgreSQL database)."""
    env = {"DATARAUM_WORKSPACE": str(tmp_path / "ws")}
    if request.param == "postgres":
        env["DATARAUM_METADATA_URL"] = request.getfixturevalue("pg_url")
    return env


def _url(env: dict[str, str]) -> str:
    if "DATARAUM_METADATA_URL" in env:
        return env["DATARAUM_METADATA_URL"]
    Path(env["DATARAUM_WORKSPACE"]).mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{Path(env['DATARAUM_WORKSPACE']) / 'metadata.db'}"


def _on_store(env: dict[str, str], work: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(_url(env))
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _build_as_main(connection: sa.Connection) -> None:
    """A store as today's main writes it: the baseline schema, `schema_version` 1, no
    `alembic_version` (main has no migrations), and one completed run."""
    from alembic import command
    from alembic.config import Config

    from dataraum_context.storage.migrations import SCRIPT_LOCATION

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    command.upgrade(config, BASELINE)
    from datetime import datetime, timezone

    from dataraum_context.storage.base import JSONType, UTCDateTime

    connection.execute(sa.text("DROP TABLE alembic_version"))
    version = sa.table("schema_version", sa.column("id"), sa.column("version"),
                       sa.column("created_at", UTCDateTime()), sa.column("dataraum_version"))
    connection.execute(sa.insert(version).values(
        id=1, version=1, created_at=datetime(2026, 11, 29, 12, tzinfo=timezone.utc), dataraum_version="0.1.0"))
    run = sa.table(
        "runs", sa.column("run_id", sa.Uuid()), sa.column("status"), sa.column("version"), sa.column("review_policy"),
        sa.column("paths", JSONType), sa.column("completed_stages", JSONType), sa.column("started_at", UTCDateTime()),
    )
    connection.execute(sa.insert(run).values(
        run_id=RUN_ID, status="completed", version=1, review_policy="block", paths=["/data/old.csv"],
        completed_stages=["staging"], started_at=datetime(2026, 11, 29, 12, tzinfo=timezone.utc),
    ))


RUN_ID = uuid.UUID("0badcafe-0000-4000-8000-000000000001")


def _state(connection: sa.Connection) -> tuple[Any, Any, bool]:
    inspector = sa.inspect(connection)
    revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() if inspector.has_table("alembic_version") else None
    version = connection.execute(sa.text("SELECT version FROM schema_version")).scalar()
    return revision, version, inspector.has_table("runs")


def test_a_store_written_by_main_upgrades_in_place_on_first_use(tmp_path: Path, store: dict[str, str]) -> None:
    _on_store(store, _build_as_main)
    assert _on_store(store, _state) == (None, 1, True)
    (tmp_path / "ws").mkdir(exist_ok=True)
    status = run_cli("status", "--json", cwd=tmp_path, env=store)
    assert status.returncode == 0, status.stderr
    [run] = json.loads(status.stdout)["runs"]
    assert run["id"] == str(RUN_ID) and run["status"] == "completed"  # the old data is still there
    assert _on_store(store, _state) == (HEAD, 1, True)
    # And the upgraded store is used as any other: a new run on top of the old one.
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert run_cli("run", "a.csv", cwd=tmp_path, env=store).returncode == 0
    assert len(json.loads(run_cli("status", "--json", cwd=tmp_path, env=store).stdout)["runs"]) == 2


def test_migrations_build_exactly_the_models(store: dict[str, str]) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from dataraum_context.storage.base import Base
    from dataraum_context.pipeline.stages import init_store

    async def build() -> None:
        engine = create_engine(_url(store))
        try:
            await init_store(engine)
        finally:
            await engine.dispose()

    asyncio.run(build())

    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    # A model change without a revision shows up here: add one in storage/migrations/versions.
    assert _on_store(store, diff) == []
    assert _on_store(store, _state)[:2] == (HEAD, 1)


def test_a_store_of_a_newer_dataraum_is_refused(tmp_path: Path, store: dict[str, str]) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert run_cli("run", "a.csv", cwd=tmp_path, env=store).returncode == 0
    _on_store(store, lambda c: c.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'")))
    result = run_cli("status", cwd=tmp_path, env=store)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "newer dataraum" in lines[0] and "9999_from_the_future" in lines[0]


def test_head_names_the_newest_revision() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from dataraum_context.storage.migrations import SCRIPT_LOCATION

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD]


# ---------------------------------------------------------------------------------------------
# A new store is built with one `create_all` and stamped (no migrations run one by one): it must
# be the very schema the migrations build. Compared in full, from the database's own catalog.

_PG_CATALOG = {
    "columns": "SELECT table_name, ordinal_position, column_name, data_type, udt_name, character_maximum_length, "
    "numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default, is_identity "
    "FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2",
    "constraints": "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema() ORDER BY 1",
    "sequences": "SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences "
    "WHERE sequence_schema = current_schema() ORDER BY 1",
    "triggers": "SELECT event_object_table, trigger_name, action_statement FROM information_schema.triggers "
    "WHERE trigger_schema = current_schema() ORDER BY 1, 2",
}


def _sqlite_ddl(sql: str | None) -> Any:
    """SQLite's stored DDL of one object; a table's constraint clauses as a set (`create_all`
    lists a table's UNIQUE and FOREIGN KEY clauses in another order than the migrations do:
    the order of constraint clauses has no effect on the table)."""
    if sql is None or not sql.startswith("CREATE TABLE"):
        return sql
    head, _, body = sql.partition("(")
    parts = [part.strip() for part in body.rsplit(")", 1)[0].split(", \n")]
    return head, [p for p in parts if not p.startswith("CONSTRAINT")], sorted(p for p in parts if p.startswith("CONSTRAINT"))


def _plain(value: Any) -> Any:
    """Reflected values as comparable data (a partial index's condition is a SQL text object)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _full_schema(connection: sa.Connection) -> dict[str, Any]:
    """Every table, column (type, nullability, default, order), key, foreign key (with its
    actions), unique and check constraint, index (with partial conditions) and view, as the
    dialect's reflection and the database's own catalog give them; plus the version rows."""
    inspector = sa.inspect(connection)
    found: dict[str, Any] = {"views": {name: inspector.get_view_definition(name) for name in inspector.get_view_names()}}
    for table in sorted(inspector.get_table_names()):
        found[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement"), c.get("comment"))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(inspector.get_foreign_keys(table), key=lambda fk: str(fk["name"])),
            "indexes": sorted(inspector.get_indexes(table), key=lambda ix: str(ix["name"])),
            "unique": sorted(inspector.get_unique_constraints(table), key=lambda uq: str(uq["name"])),
            "checks": sorted(inspector.get_check_constraints(table), key=lambda ck: str(ck["name"])),
        }
    if connection.dialect.name == "sqlite":
        rows = connection.execute(sa.text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"))
        found["sqlite_master"] = [(kind, name, table, _sqlite_ddl(sql)) for kind, name, table, sql in rows]
    else:
        found["catalog"] = {key: [tuple(row) for row in connection.execute(sa.text(sql))] for key, sql in _PG_CATALOG.items()}
    for table, columns in (("alembic_version", "version_num"), ("schema_version", "id, version, dataraum_version")):
        found[f"{table} rows"] = [tuple(row) for row in connection.execute(sa.text(f"SELECT {columns} FROM {table}"))]
    return _plain(found)


def _migrated_the_old_way(connection: sa.Connection) -> None:
    """What `init_schema` did to an empty store before it learnt `create_all` + stamp: every
    migration from the empty database, then the rest of `_init_sync`."""
    from dataraum_context.storage import schema

    schema._migrate(connection, None, pre_migrations=False)
    schema._init_sync(connection)


def test_a_new_store_is_exactly_the_schema_the_migrations_build(
    tmp_path: Path, request: pytest.FixtureRequest, store: dict[str, str]
) -> None:
    from dataraum_context.pipeline.stages import init_store, register_models

    register_models()
    if "DATARAUM_METADATA_URL" in store:
        migrated_env = {"DATARAUM_METADATA_URL": request.getfixturevalue("pg_databases").create()}
    else:
        migrated_env = {"DATARAUM_WORKSPACE": str(tmp_path / "migrated")}
    _on_store(migrated_env, _migrated_the_old_way)

    async def build_new() -> None:
        engine = create_engine(_url(store))
        try:
            await init_store(engine)
        finally:
            await engine.dispose()

    asyncio.run(build_new())
    migrated, new = _on_store(migrated_env, _full_schema), _on_store(store, _full_schema)
    assert len(migrated) > 20 and migrated["alembic_version rows"] == [[HEAD]]
    assert new.keys() == migrated.keys()
    for key in migrated:
        assert new[key] == migrated[key], key
    # And the new store is used as any other (the runner's first transaction, a run's end).
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert run_cli("run", "a.csv", cwd=tmp_path, env=store).returncode == 0
