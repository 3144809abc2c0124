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
