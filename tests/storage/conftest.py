"""Fixtures for the metadata store tests: every test runs on SQLite and on PostgreSQL.

pytest-asyncio is not used. A test is a plain function that hands an async body to
`metadata_engine.run(...)`, which runs it with `asyncio.run` on an engine created
(and disposed) inside that same event loop: asyncpg connections are loop-bound.

PostgreSQL: one uniquely named database per test session on 127.0.0.1:5432 (user
`postgres`, trust auth), emptied before each test and dropped at the end. When no
server answers, PostgreSQL tests are skipped with the reason, except with CI=true,
where they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dataraum_context.storage.engine import create_engine, session_factory
from dataraum_context.pipeline.stages import init_store

T = TypeVar("T")

# The server: 127.0.0.1:5432, user postgres, trust auth; DATARAUM_TEST_PG_DSN (as in
# tests/conftest.py, e.g. postgresql://user:pw@host:port/postgres) points elsewhere.
_PG_DSN = make_url(os.environ.get("DATARAUM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"))
PG_HOST = _PG_DSN.host or "127.0.0.1"
PG_PORT = _PG_DSN.port or 5432
PG_USER = _PG_DSN.username or "postgres"
PG_PASSWORD = _PG_DSN.password
PG_ADMIN_DATABASES = tuple(dict.fromkeys((_PG_DSN.database or "postgres", "postgres", "test", "template1")))


def _pg_connect_kwargs(database: str) -> dict[str, Any]:
    return {
        "host": PG_HOST, "port": PG_PORT, "user": PG_USER, "password": PG_PASSWORD,
        "database": database, "timeout": 5,
    }


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine to completion in a fresh event loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


@dataclass(frozen=True)
class MetadataDB:
    """One empty metadata database (SQLite file or PostgreSQL database) for one test."""

    backend: str  # 'sqlite' or 'postgres'
    url: str

    async def engine(self, *, init: bool = True) -> AsyncEngine:
        """A new engine on this database (schema initialised unless `init=False`).

        Call it inside the event loop that will use it, and dispose it there.
        """
        engine = create_engine(self.url)
        if init:
            try:
                await init_store(engine)
            except BaseException:
                await engine.dispose()
                raise
        return engine

    def run(self, body: Callable[[AsyncEngine], Awaitable[T]], *, init: bool = True) -> T:
        """Build an engine, run `body(engine)`, dispose the engine; all in one event loop."""

        async def main() -> T:
            engine = await self.engine(init=init)
            try:
                return await body(engine)
            finally:
                await engine.dispose()

        return run(main())

    def run_session(self, body: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Like `run`, with one session (not committed for you)."""

        async def with_session(engine: AsyncEngine) -> T:
            async with session_factory(engine)() as session:
                return await body(session)

        return self.run(with_session)


def _pg_unreachable(reason: str) -> None:
    message = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}: {reason}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


async def _pg_admin_connection() -> Any:
    import asyncpg

    last: BaseException | None = None
    for database in PG_ADMIN_DATABASES:
        try:
            return await asyncpg.connect(**_pg_connect_kwargs(database))
        except asyncpg.InvalidCatalogNameError as exc:  # that admin database does not exist
            last = exc
    assert last is not None
    raise last


async def _pg_create_database(name: str) -> None:
    conn = await _pg_admin_connection()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _pg_drop_database(name: str) -> None:
    conn = await _pg_admin_connection()
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await conn.close()


async def _pg_empty_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(**_pg_connect_kwargs(name))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The name of this session's PostgreSQL test database (created here, dropped at the end)."""
    name = f"dataraum_test_{uuid.uuid4().hex[:8]}"
    try:
        run(_pg_create_database(name))
    except (OSError, ConnectionError, asyncio.TimeoutError) as exc:
        _pg_unreachable(str(exc) or type(exc).__name__)
    except Exception as exc:  # asyncpg errors: auth, missing role, ...
        _pg_unreachable(f"{type(exc).__name__}: {exc}")
    try:
        yield name
    finally:
        run(_pg_drop_database(name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def metadata_engine(request: pytest.FixtureRequest, tmp_path: Path) -> MetadataDB:
    """An empty metadata database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return MetadataDB("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'metadata.db'}")
    name = request.getfixturevalue("pg_database")
    run(_pg_empty_database(name))
    url = URL.create(
        "postgresql+asyncpg", username=PG_USER, password=PG_PASSWORD, host=PG_HOST, port=PG_PORT, database=name
    )
    return MetadataDB("postgres", url.render_as_string(hide_password=False))


# --- Test data ---------------------------------------------------------------------------


@dataclass
class Populated:
    """What `populate` created for one source: primary keys per model class name."""

    source_id: uuid.UUID
    table_ids: dict[str, uuid.UUID]
    column_ids: dict[str, uuid.UUID]
    pks: dict[str, list[uuid.UUID]]


async def populate_source(session: AsyncSession, name: str, ontology_id: uuid.UUID) -> Populated:
    """A source with two raw tables, a typed table, and rows of every table-/column-scoped model.

    Commits. `ontology_id` is an existing ontology (ontologies are global, not per source).
    """
    from datetime import UTC, datetime, timedelta

    from dataraum_context.llm.db_models import LLMCache
    from dataraum_context.ontology.db_models import OntologyApplication
    from dataraum_context.profiling.db_models import ColumnCorrelation, ColumnProfile
    from dataraum_context.quality.db_models import QualityResult, QualityRule, QualityScore
    from dataraum_context.semantic.db_models import SemanticAnnotation, TableEntity
    from dataraum_context.storage.core import Column, Source, Table
    from dataraum_context.temporal.db_models import TemporalProfile
    from dataraum_context.topology.db_models import JoinPath, Relationship
    from dataraum_context.type_resolution.db_models import TypeCandidate, TypeDecision

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    source = Source(name=name, source_type="csv")
    orders = Table(source=source, table_name="orders", layer="raw", row_count=3)
    customers = Table(source=source, table_name="customers", layer="raw", row_count=2)
    typed_orders = Table(source=source, table_name="orders", layer="typed", row_count=3)
    columns = {
        "orders.id": Column(table=orders, column_name="id", column_position=0),
        "orders.customer_id": Column(table=orders, column_name="customer_id", column_position=1),
        "orders.ordered_at": Column(table=orders, column_name="ordered_at", column_position=2),
        "customers.id": Column(table=customers, column_name="id", column_position=0),
    }
    session.add_all([source, orders, customers, typed_orders, *columns.values()])
    await session.flush()

    rows: list[Any] = []
    for i, column in enumerate(columns.values()):
        rows += [
            ColumnProfile(column_id=column.column_id, profiled_at=t0, total_count=3, null_count=0),
            ColumnProfile(column_id=column.column_id, profiled_at=t0 + timedelta(days=1), total_count=3, null_count=1),
            TypeCandidate(column_id=column.column_id, data_type="BIGINT", confidence=0.9),
            TypeCandidate(column_id=column.column_id, data_type="VARCHAR", confidence=0.1),
            TypeDecision(column_id=column.column_id, decided_type="BIGINT", decision_source="auto"),
            SemanticAnnotation(column_id=column.column_id, semantic_role="key", confidence=0.8),
            QualityScore(table_id=column.table_id, column_id=column.column_id, overall_score=0.5 + i / 10),
        ]
    rows.append(TemporalProfile(column_id=columns["orders.ordered_at"].column_id, detected_granularity="day"))
    rows.append(
        ColumnCorrelation(
            column_a_id=columns["orders.id"].column_id,
            column_b_id=columns["orders.customer_id"].column_id,
            method="spearman",
            coefficient=0.25,
        )
    )
    for table in (orders, customers):
        rows += [
            TableEntity(table_id=table.table_id, detected_entity_type=table.table_name, grain_columns=["id"]),
            QualityScore(table_id=table.table_id, overall_score=0.7),
            OntologyApplication(table_id=table.table_id, ontology_id=ontology_id, matched_concepts=["x"]),
        ]
    rows.append(
        Relationship(
            from_table_id=orders.table_id,
            from_column_id=columns["orders.customer_id"].column_id,
            to_table_id=customers.table_id,
            to_column_id=columns["customers.id"].column_id,
            relationship_type="foreign_key",
            confidence=0.95,
        )
    )
    rows.append(
        JoinPath(
            from_table_id=orders.table_id,
            to_table_id=customers.table_id,
            path_steps=[{"from_col": "customer_id", "to_table": "customers", "to_col": "id"}],
            path_length=1,
        )
    )
    table_rule = QualityRule(table_id=orders.table_id, rule_name="rows", rule_type="custom", source="default")
    column_rule = QualityRule(
        table_id=orders.table_id,
        column_id=columns["orders.id"].column_id,
        rule_name="id_not_null",
        rule_type="not_null",
        source="default",
    )
    rows += [table_rule, column_rule]
    session.add_all(rows)
    await session.flush()
    results = [
        QualityResult(rule_id=rule.rule_id, total_records=3, passed_records=3, failed_records=0, pass_rate=1.0)
        for rule in (table_rule, column_rule)
    ]
    cache = LLMCache(
        cache_key=f"key-{name}",
        feature="semantic_analysis",
        source_id=source.source_id,
        provider="anthropic",
        model="m",
        response_json={"ok": True},
    )
    session.add_all([*results, cache])
    await session.commit()

    pks: dict[str, list[uuid.UUID]] = {}
    for obj in [orders, customers, typed_orders, *columns.values(), *rows, *results]:
        pk = sa_inspect(obj).identity[0]
        pks.setdefault(type(obj).__name__, []).append(pk)
    return Populated(
        source_id=source.source_id,
        table_ids={"orders": orders.table_id, "customers": customers.table_id, "orders.typed": typed_orders.table_id},
        column_ids={key: column.column_id for key, column in columns.items()},
        pks=pks,
    )


@pytest.fixture
def populate() -> Callable[[AsyncSession, str, uuid.UUID], Awaitable[Populated]]:
    """`await populate(session, source_name, ontology_id)`: see `populate_source`."""
    return populate_source
