"""Shared fixtures: a real PostgreSQL database per test session, CLI helpers.

PostgreSQL tests need a server at 127.0.0.1:5432 (user postgres, trust auth, or
DATARAUM_TEST_PG_DSN). Without one they skip with the reason, except in CI
(`CI=true`), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import CliResult, run_cli

from dataraum_context.pipeline.stages import register_models

# Every stage's metadata tables, known before any test module imports `storage.views` (whose
# views are built from the registered tables). A run registers them itself (`init_store`).
register_models()

PG_DSN = os.environ.get("DATARAUM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        con = await asyncpg.connect(PG_DSN, timeout=5)
        try:
            await con.execute(sql)
        finally:
            await con.close()

    asyncio.run(go())


def _database_url(name: str, driver: str = "postgresql+asyncpg") -> str:
    base = PG_DSN.split("://", 1)[1].rsplit("/", 1)[0]
    return f"{driver}://{base}/{name}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The admin DSN of a reachable PostgreSQL server (skip/fail when there is none)."""
    try:
        _admin("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means no server
        reason = f"PostgreSQL not reachable at {PG_DSN.rsplit('@', 1)[-1]}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        if IN_CI:
            pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    yield PG_DSN


class PgDatabases:
    """Creates uniquely named databases and drops them at the end of the session."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def create(self, driver: str = "postgresql+asyncpg") -> str:
        name = f"dataraum_test_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return _database_url(name, driver)

    def drop_all(self) -> None:
        for name in self.names:
            try:
                _admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
                _admin(f'DROP DATABASE IF EXISTS "{name}"')
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass


@pytest.fixture(scope="session")
def pg_databases(pg_server: str) -> Iterator[PgDatabases]:
    databases = PgDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture
def pg_url(pg_databases: PgDatabases) -> str:
    """A fresh, empty PostgreSQL database (asyncpg URL) for one test."""
    return pg_databases.create()


@pytest.fixture
def cli(tmp_path: Path):
    """`cli(*args)` runs dataraum with a workspace in tmp_path, from tmp_path."""
    workspace = tmp_path / "ws"

    def invoke(*args: str, env: dict[str, str] | None = None) -> CliResult:
        return run_cli(*args, cwd=tmp_path, env={"DATARAUM_WORKSPACE": str(workspace), **(env or {})})

    invoke.workspace = workspace  # type: ignore[attr-defined]
    return invoke


# Longest tests first: pytest-xdist hands tests to workers in collection order, so a long test
# collected last runs alone at the end. These start first and the short ones fill in around them.
# (Not `--dist worksteal`: a worker that steals runs a module's tests out of their order, and tests
# that share a module fixture and decide its review items rely on that order.)
_LONG_FIRST = ("test_fault_injection.py", "test_topology_tpch.py", "test_semantic_tpch.py", "test_hitl_cli.py",
               "test_context_provenance.py", "test_run_lifecycle.py", "test_scheduled_runs.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
        return _LONG_FIRST.index(name) if name in _LONG_FIRST else len(_LONG_FIRST)

    items.sort(key=rank)  # stable: the order within each group stays
