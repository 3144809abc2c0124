"""The consecutive differences of a time column are the same whether its distinct values are
hashed first (few distinct values) or read as neighbours in the sorted rows (many: the sort
spills where the hash table cannot), for any values, duplicates, nulls and series."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
from hypothesis import given, settings, strategies as st

from dataraum_context.temporal import profiler
from dataraum_context.temporal.profiler import Source

BASE = datetime(2023, 12, 30, 23, 0)
OFFSETS = st.one_of(
    st.none(),
    st.integers(0, 40).map(lambda d: timedelta(days=d)),  # dates: many ties
    st.integers(0, 400).map(lambda h: timedelta(hours=h)),
    st.integers(0, 70).map(lambda m: timedelta(days=31 * m)),  # month-ish steps, month ends
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from([None, "a", "b", "c"]), OFFSETS), max_size=60))
def test_sorted_neighbours_equal_distinct_values(rows: list[tuple[str | None, timedelta | None]]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k VARCHAR, ts TIMESTAMP)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?)", [(k, None if o is None else BASE + o) for k, o in rows])
    for series in (False, True):
        src = Source("t", "ts", "TIMESTAMP", "k" if series else None)
        hashed = profiler._diffs(con, src, series, pairs=0)
        sorted_rows = profiler._diffs(con, src, series, pairs=profiler.DISTINCT_CELLS + 1)
        assert sorted_rows == hashed


def test_the_big_path_is_taken_above_the_budget(monkeypatch) -> None:
    seen: list[str] = []
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT TIMESTAMP '2024-01-01' + to_days(i::INTEGER % 5) AS ts FROM range(20) r(i)")

    class Spy:
        def execute(self, sql: str, *args: object) -> object:
            seen.append(sql)
            return con.execute(sql, *args)

    src = Source("t", "ts", "TIMESTAMP")
    profiler._diffs(Spy(), src, False, pairs=profiler.DISTINCT_CELLS + 1)  # type: ignore[arg-type]
    profiler._diffs(Spy(), src, False, pairs=5)  # type: ignore[arg-type]
    assert "DISTINCT" not in seen[0] and "t <> p" in seen[0]
    assert "SELECT DISTINCT s, t" in seen[1]
