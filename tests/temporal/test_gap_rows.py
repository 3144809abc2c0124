"""The gap summary and the largest gaps come from one query (`_gap_rows`: a top-N aggregate
instead of a sort of every gap): they equal the plain formulation (a window numbering every gap
per key, largest first, ties by position), on real files and on generated series with many
equal gaps, several keys, duplicates and nulls."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context.temporal import profiler as tp
from dataraum_context.temporal.models import GapDetail
from helpers import TIME_TABLES

REAL = TIME_TABLES


def _reference(con: duckdb.DuckDBPyConnection, indexed: str) -> tuple[dict, dict]:
    """The gaps as plain SQL: every gap numbered per key by a window."""
    base = f"""
        WITH v AS (SELECT s AS k, i, min(t) AS first_t, max(t) AS last_t FROM ({indexed}) GROUP BY k, i),
        g AS (SELECT k, i, first_t, lag(i) OVER w AS pi, lag(last_t) OVER w AS plast
              FROM v WINDOW w AS (PARTITION BY k ORDER BY i))
    """
    summary = con.execute(
        base + """
        SELECT k, count(*), max(i) - min(i) + 1, coalesce(count_if(i - pi > 1), 0),
               coalesce(sum(i - pi - 1) FILTER (WHERE i - pi > 1), 0),
               max(epoch_us(first_t) - epoch_us(plast)), min(i), max(i)
        FROM g GROUP BY k"""
    ).fetchall()
    details = con.execute(
        base + f"""
        SELECT k, {tp.iso('plast')}, {tp.iso('first_t')}, i - pi - 1 FROM g WHERE i - pi > 1
        QUALIFY row_number() OVER (PARTITION BY k ORDER BY i - pi DESC, i) <= {tp.MAX_GAP_DETAILS}
        ORDER BY k, i - pi DESC, i"""
    ).fetchall()
    by_key: dict = {}
    for k, start, end, missing in details:
        by_key.setdefault(k, []).append(GapDetail(start=start, end=end, missing_periods=int(missing)))
    return {row[0]: tuple(row[1:]) for row in summary}, by_key


def _indexed(table: str, column: str, kind: str, key: str, period_us: int) -> str:
    t = tp.time_expr(column, kind)
    return (
        f"SELECT {key} AS s, t, (epoch_us(t) - (SELECT epoch_us(min({t})) FROM {table})) // {period_us} AS i "
        f"FROM (SELECT *, {t} AS t FROM {table}) WHERE t IS NOT NULL"
    )


def _assert_same(con: duckdb.DuckDBPyConnection, indexed: str) -> None:
    summary, details = tp._gap_rows(con, indexed, "s")
    expected_summary, expected_details = _reference(con, indexed)
    assert {k: tuple(v) for k, v in summary.items()} == expected_summary
    assert details == expected_details


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    described = con.execute("DESCRIBE t").fetchall()
    column, kind = next((n, k) for n, k, *_ in described if k in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"))
    texts = [n for n, k, *_ in described if k == "VARCHAR"]
    for key in ["NULL::VARCHAR"] + [f"CAST({tp.quote_ident(n)} AS VARCHAR)" for n in texts[:1]]:
        for period in (3_600_000_000, 86_400_000_000, 7 * 86_400_000_000):  # hours, days, weeks
            _assert_same(con, _indexed("t", column, kind, key, period))


@settings(max_examples=60, deadline=None)
@given(
    # few distinct gap sizes: many ties for the largest gaps
    steps=st.lists(st.sampled_from([0, 1, 1, 1, 2, 3, 5]), min_size=1, max_size=80),
    keys=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=80),
)
def test_generated(steps: list[int], keys: list[str | None]) -> None:
    con = duckdb.connect()
    start, at, rows = datetime(2024, 1, 1), 0, []
    for n, step in enumerate(steps):
        at += step
        rows.append((start + timedelta(days=at), keys[n % len(keys)]))
    rows.append((None, "a"))
    con.execute("CREATE TABLE t (d DATE, k VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    _assert_same(con, _indexed("t", "d", "DATE", "k", 86_400_000_000))
    _assert_same(con, _indexed("t", "d", "DATE", "NULL::VARCHAR", 86_400_000_000))
