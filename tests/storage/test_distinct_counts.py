"""`sqlutil.distinct_counts` counts exactly what `count(DISTINCT ...)` counts, whether in one
query, in batches, or summed over hash partitions (how a big table is counted within DuckDB's
memory limit)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataraum_context import sqlutil

ROWS = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(-3, 3)), st.one_of(st.none(), st.sampled_from(["a", "b", "c", ""]))),
    min_size=0, max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(ROWS, st.integers(1, 7))
def test_partitions_add_up_to_the_distinct_count(rows: list[tuple], cells: int) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(sqlutil, "DISTINCT_CELLS", cells)  # forces batches and partitions
        con = duckdb.connect()
        try:
            con.execute("CREATE TABLE t (x INTEGER, y VARCHAR)")
            if rows:
                con.executemany("INSERT INTO t VALUES (?, ?)", rows)
            expected = con.execute(
                "SELECT count(DISTINCT x), count(DISTINCT y), "
                "count(DISTINCT (x, y)) FILTER (WHERE x IS NOT NULL AND y IS NOT NULL) FROM t"
            ).fetchone()
            got = sqlutil.distinct_counts(con, "t", ["x", "y"], len(rows))
            pair = sqlutil.distinct_counts(
                con, "t", ["x, y"], len(rows), wheres=["x IS NOT NULL AND y IS NOT NULL"], keys=["y"]
            )
            assert (*got, *pair) == tuple(expected)
        finally:
            con.close()
