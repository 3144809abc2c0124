"""Database sources: SQLite (stdlib) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid

import pytest

from dataraum_context.staging import discover_sources, stage_source

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_sqlite_every_table(tmp_path, con, rows):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE "order items" (id INTEGER, "a""b" TEXT, price REAL, blob BLOB)')
        db.executemany('INSERT INTO "order items" VALUES (?, ?, ?, ?)', [(1, "x", 1.5, None), (2, None, 2.0, b"z")])
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('NA')")
    [spec] = discover_sources([f"sqlite:///{path}"])
    tables = stage_source(con, spec)
    assert [t.table_name for t in tables] == ["customers", "order items"]
    items = tables[1]
    assert [(c.name, c.raw_type) for c in items.columns] == [
        ("id", "INTEGER"), ('a"b', "TEXT"), ("price", "REAL"), ("blob", "BLOB")
    ]
    assert rows(items) == [(1, "1", "x", "1.5", None), (2, "2", None, "2.0", "z")]
    assert items.source_type == "database" and len(items.content_hash) == 64
    assert items.content_hash == stage_source(con, spec)[1].content_hash
    [only] = stage_source(con, discover_sources([f"sqlite:///{path}?table=customers"])[0])
    assert only.table_name == "customers" and only.row_count == 1


async def _pg(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_URL, timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture
def pg_table() -> str:
    name = f"staging_test_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg(
            f'CREATE TABLE public."{name}" (id bigint, amount numeric(10,2), ok boolean, at timestamptz, "x;y" text);'
            f"INSERT INTO public.\"{name}\" SELECT g, g * 1.25, g % 2 = 0, '2024-01-01 00:00+00', "
            f"CASE WHEN g = 3 THEN NULL ELSE 'v' || g END FROM generate_series(1, 120000) g"
        ))
    except Exception as exc:  # noqa: BLE001 - any failure means no usable server
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI: {exc}")
        pytest.skip(f"no PostgreSQL server answering at {PG_URL} ({type(exc).__name__})")
    yield name
    asyncio.run(_pg(f'DROP TABLE IF EXISTS public."{name}"'))


@pytest.mark.postgres
def test_postgres_table(con, pg_table, rows):
    url = f"postgresql+asyncpg://postgres:pw@127.0.0.1:5432/test?table={pg_table}"
    [spec] = discover_sources([url])
    assert "pw" not in spec.location and "pw" not in spec.model_dump_json()
    [table] = stage_source(con, spec, url)
    assert table.table_name == pg_table and table.row_count == 120_000
    assert [c.raw_type for c in table.columns] == ["bigint", "numeric", "boolean", "timestamp with time zone", "text"]
    first = rows(table)[:3]
    assert first[0] == (1, "1", "1.25", "false", "2024-01-01 00:00:00+00", "v1")
    assert first[2][5] is None
    ids = con.execute(f"SELECT count(*) FROM {table.raw_table} WHERE CAST(id AS BIGINT) <> _row_id").fetchall()
    assert ids[0][0] == 0
