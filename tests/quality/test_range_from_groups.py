"""Range rules of numeric columns with few distinct values, computed from the distinct numbers
and their counts (`generate._range_from_groups`: median, MAD, p01, p99, negatives), are exactly
the rules DuckDB's aggregates over every row give: real files (their numeric columns as DuckDB
types them, and as DECIMAL) and generated columns with repeats, negatives, zeros of both signs,
decimals and NULLs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context import quantiles
from dataraum_context.quality import generate
from helpers import REAL_TABLES

REAL = REAL_TABLES


def _rules(con: duckdb.DuckDBPyConnection, columns: list[str], grouped: bool) -> list[dict]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(quantiles, "FEW_ROWS", 0)
        distinct = {c: 0 for c in columns} if grouped else None
        return [r.model_dump() for r in generate.range_rules(con, "t", "t", columns, distinct)]


def _assert_same(con: duckdb.DuckDBPyConnection) -> list[dict]:
    columns = [
        name for name, kind, *_ in con.execute("DESCRIBE t").fetchall()
        if kind in ("BIGINT", "DOUBLE", "INTEGER") or kind.startswith("DECIMAL")
    ]
    grouped = _rules(con, columns, True)
    assert grouped == _rules(con, columns, False)
    return grouped


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE src AS SELECT * FROM read_csv(?)", [str(path)])
    numeric = [n for n, k, *_ in con.execute("DESCRIBE src").fetchall() if k in ("BIGINT", "DOUBLE")]
    extra = "".join(f', CAST("{n}" AS DECIMAL(18, 3)) AS "{n}_dec"' for n in numeric)
    con.execute(f"CREATE TABLE t AS SELECT *{extra} FROM src")
    assert _assert_same(con), "no rule: nothing compared"


numbers = st.one_of(
    st.none(),
    st.integers(-3, 3).map(float),
    st.sampled_from([0.1, 0.2, 0.3, -0.0, 0.0, 1e300, -1e-300, 2.5, 1 / 3]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(numbers, min_size=1, max_size=10), st.integers(12, 120))
def test_generated_columns(values: list[float | None], rows: int) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x DOUBLE, d DECIMAL(18, 4))")
    data = [(values[(i * 7) % len(values)], values[(i * 3) % len(values)]) for i in range(rows)]
    con.executemany(
        "INSERT INTO t VALUES (?, TRY_CAST(? AS DECIMAL(18, 4)))",
        [(x, None if d is None or abs(d) >= 1e13 else d) for x, d in data],
    )
    _assert_same(con)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-3, 3).map(float),
                          st.sampled_from([-0.0, 0.0, 1e308, -1e-308, 0.1, 0.2]), st.none()), min_size=1, max_size=200))
def test_one_list_quantile_is_median_and_the_two_quantiles(values: list[float | None]) -> None:
    """`range_rules` reads p01, the median and p99 from one `quantile_cont(x, [0.01, 0.5, 0.99])`:
    the same numbers as `quantile_cont(x, 0.01)`, `median(x)` and `quantile_cont(x, 0.99)`."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?::DOUBLE[]) + 0.0 AS x", [values])
    listed, p01, median, p99 = con.execute(
        "SELECT quantile_cont(x, [0.01, 0.5, 0.99]), quantile_cont(x, 0.01), median(x), quantile_cont(x, 0.99) FROM t"
    ).fetchone()
    assert listed == ([p01, median, p99] if median is not None else None)
