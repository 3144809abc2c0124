"""persist_profiling against a real SQLite metadata database."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.profiling import profile_table
from dataraum_context.profiling.db_models import ColumnProfile
from dataraum_context.profiling.persist import ProfilingPersistError, persist_profiling
from dataraum_context.storage.core import Column, Source, Table
from dataraum_context.storage.engine import create_engine, session_factory
from dataraum_context.pipeline.stages import init_store
from dataraum_context.storage.views import v_latest_profiles

COLUMNS = ['a"b', "x;y", "größe"]


def _ctx(tmp_path: Path) -> RunContext:
    return RunContext(run_id=uuid.uuid4(), workspace=tmp_path, duckdb_path=tmp_path / "w.duckdb", review_policy="defer")


def _profiles(make_raw, con: duckdb.DuckDBPyConnection):
    table = make_raw("orders", {'a"b': ["1", "2", "NA"], "x;y": ["a", "a", None], "größe": ["ß", "", "x"]})
    return profile_table(con, "orders", table, COLUMNS)


async def _setup(url: str) -> None:
    engine = create_engine(url)
    await init_store(engine)
    async with session_factory(engine)() as session, session.begin():
        source = Source(name="orders", source_type="csv")
        session.add(source)
        await session.flush()
        table = Table(source_id=source.source_id, table_name="orders", layer="raw", duckdb_path='"raw"."orders"')
        session.add(table)
        await session.flush()
        session.add_all(
            Column(table_id=table.table_id, column_name=name, column_position=i, raw_type="VARCHAR")
            for i, name in enumerate(COLUMNS)
        )
    await engine.dispose()


async def _persist(url: str, results: dict, ctx: RunContext) -> dict:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await persist_profiling(session, results, ctx)
    finally:
        await engine.dispose()


async def _read(url: str):
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (
                await session.execute(
                    sa.select(Column.column_name, ColumnProfile)
                    .join(ColumnProfile, ColumnProfile.column_id == Column.column_id)
                    .order_by(ColumnProfile.profiled_at, Column.column_position)
                )
            ).all()
            latest = (await session.execute(sa.select(sa.func.count()).select_from(v_latest_profiles))).scalar_one()
            table = (await session.execute(sa.select(Table))).scalar_one()
            return rows, latest, table.last_profiled_at
    finally:
        await engine.dispose()


def test_persist_writes_one_profile_per_column_and_versions(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, make_raw
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    asyncio.run(_setup(url))
    results = {"table_profiles": [_profiles(make_raw, con)]}
    ctx = _ctx(tmp_path)

    refs = asyncio.run(_persist(url, results, ctx))
    assert refs == {"profiled_tables": {"orders": 3}}
    assert ctx.summary["profiled_tables"] == ["orders"]
    rows, latest, last_profiled_at = asyncio.run(_read(url))
    assert [name for name, _ in rows] == COLUMNS
    assert latest == 3
    assert last_profiled_at is not None and last_profiled_at.tzinfo is not None

    by_name = {name: profile for name, profile in rows}
    ab = by_name['a"b']
    assert (ab.total_count, ab.null_count, ab.distinct_count) == (3, 1, 2)
    assert (ab.min_value, ab.max_value, ab.mean_value) == (1.0, 2.0, 1.5)
    assert ab.percentiles == {"p25": 1.25, "p50": 1.5, "p75": 1.75, "p95": 1.95, "p99": 1.99}
    assert ab.top_values == [{"value": "1", "count": 1}, {"value": "2", "count": 1}]
    assert ab.histogram == [
        {"bucket": "1", "lower": 1.0, "upper": 1.0, "count": 1},
        {"bucket": "2", "lower": 2.0, "upper": 2.0, "count": 1},
    ]
    assert ab.null_ratio == pytest.approx(1 / 3) and ab.cardinality_ratio == 1.0
    xy = by_name["x;y"]
    assert (xy.null_count, xy.distinct_count, xy.min_value, xy.percentiles, xy.histogram) == (1, 1, None, None, None)
    assert xy.top_values == [{"value": "a", "count": 2}]
    assert (by_name["größe"].min_length, by_name["größe"].max_length) == (1, 1)

    # a second run adds a second version; the latest view still has one row per column
    asyncio.run(_persist(url, results, _ctx(tmp_path)))
    rows, latest, second_profiled_at = asyncio.run(_read(url))
    assert len(rows) == 6
    assert latest == 3
    assert second_profiled_at > last_profiled_at


def test_persist_refuses_unknown_table_or_column(tmp_path: Path, con: duckdb.DuckDBPyConnection, make_raw) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    asyncio.run(_setup(url))
    profiles = _profiles(make_raw, con)
    renamed = profiles.model_copy(update={"table_name": "nope"})
    with pytest.raises(ProfilingPersistError, match="no raw table 'nope'"):
        asyncio.run(_persist(url, {"table_profiles": [renamed]}, _ctx(tmp_path)))
    bad_column = profiles.model_copy(
        update={"columns": [profiles.columns[0].model_copy(update={"column_name": "gone"})]}
    )
    with pytest.raises(ProfilingPersistError, match="unknown columns 'gone'"):
        asyncio.run(_persist(url, {"table_profiles": [bad_column]}, _ctx(tmp_path)))
    rows, latest, last_profiled_at = asyncio.run(_read(url))
    assert rows == [] and latest == 0 and last_profiled_at is None
