"""A table's time columns profiled in one batch (`profile_columns`: five queries for all of
them) give exactly what `profile_column` gives for each column alone: on real files (yearly,
monthly, daily, irregular, time-zoned, with duplicates and nulls) and on generated columns."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context.temporal.profiler import profile_column, profile_columns
from helpers import TIME_TABLES

REAL = TIME_TABLES


def _time_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [
        (name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()
        if kind in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
    ]


def _numeric(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    names = [name for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall() if kind in ("BIGINT", "DOUBLE")]
    return names[0] if names else None


def _assert_batch_is_per_column(con: duckdb.DuckDBPyConnection, table: str, measure: str | None) -> None:
    columns = _time_columns(con, table)
    alone = [profile_column(con, "t", table, name, kind, None, measure).model_dump() for name, kind in columns]
    batch = [p.model_dump() for p in profile_columns(con, "t", table, columns, measure)]
    assert batch == alone


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE src AS SELECT * FROM read_csv(?)", [str(path)])
    (name, kind), *_ = _time_columns(con, "src")
    # each time column, and the first one read as each time type: several columns to batch
    con.execute(
        f'CREATE TABLE t AS SELECT *, CAST("{name}" AS DATE) AS as_date, CAST("{name}" AS TIMESTAMP) AS as_ts, '
        f'CAST("{name}" AS TIMESTAMPTZ) AS as_tstz FROM src'
    )
    measure = _numeric(con, "t")
    _assert_batch_is_per_column(con, "t", measure)
    _assert_batch_is_per_column(con, "t", None)


days = st.integers(0, 3000)
column = st.lists(st.one_of(st.none(), days), min_size=0, max_size=40)


@settings(max_examples=30, deadline=None)
@given(st.lists(column, min_size=1, max_size=4), st.sampled_from(["DATE", "TIMESTAMP", "TIMESTAMPTZ"]), st.booleans())
def test_generated_columns(columns: list[list[int | None]], kind: str, with_measure: bool) -> None:
    rows = max((len(c) for c in columns), default=0)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    names = [f"c{k}" for k in range(len(columns))]
    con.execute("CREATE TABLE t (m BIGINT, " + ", ".join(f"{n} {kind}" for n in names) + ")")
    start = date(2020, 1, 1)
    for i in range(rows):
        values = [
            None if i >= len(c) or c[i] is None else (start + timedelta(days=c[i])).isoformat() for c in columns
        ]
        con.execute(f"INSERT INTO t VALUES (?, {', '.join('CAST(? AS ' + kind + ')' for _ in names)})", [i % 7, *values])
    _assert_batch_is_per_column(con, "t", "m" if with_measure else None)
