"""A profile's top values and null tokens come from queries that read only the rows concerned
(`profiler._top_values`, `profiler._null_tokens`). Property: they equal what one aggregate over
every distinct value gives - `min_by(..., TOP_K)` keyed by (-count, value) and the list of the
trimmed null tokens - on real files and on generated columns (keys seen once, values repeated
into ties at the cut, null tokens, blanks, NULL, empty columns)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import example, given, settings, strategies as st

from dataraum_context.profiling import profiler
from helpers import REAL_TABLES

TOKENS = sorted(profiler.NULL_TOKENS)


def _everything(con: duckdb.DuckDBPyConnection, groups: str) -> tuple[dict, dict]:
    """Top values and null tokens as one aggregate over every distinct value (the old way)."""
    top = {int(col): list(found or []) for col, found in con.execute(
        f"SELECT col, min_by({{'value': v, 'count': c}}, {{'k': -c, 'v': v}}, {profiler.TOP_K}) FILTER (WHERE NOT is_null) "
        f"FROM {groups} GROUP BY col"
    ).fetchall() if found}
    tokens = {int(col): Counter((t["token"], t["count"]) for t in found) for col, found in con.execute(
        f"SELECT col, list({{'token': trim(v), 'count': c}}) FILTER (WHERE is_null AND v IS NOT NULL) FROM {groups} GROUP BY col"
    ).fetchall() if found}
    return top, tokens


def _assert_same(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    query, params = profiler._values_query("g", "t", columns, TOKENS)
    con.execute(query, params)
    try:
        top, tokens = _everything(con, "g")
        assert {c: found for c, found in profiler._top_values(con, "g").items() if found} == top
        assert {c: Counter((t["token"], t["count"]) for t in found)
                for c, found in profiler._null_tokens(con, "g").items()} == tokens
    finally:
        con.execute("DROP TABLE g")


@pytest.mark.parametrize("path", REAL_TABLES, ids=lambda p: p.name)
def test_real_files(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    _assert_same(con, [row[0] for row in con.execute("DESCRIBE t").fetchall()])


values = st.one_of(
    st.sampled_from(["a", "b", "B", "é", "a ", " a", "", " ", "NA", "null", " N/A ", "-", "0", "00", "1", None]),
    st.text(alphabet="abcXYZ019 ", max_size=4),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(values, min_size=1, max_size=40), min_size=1, max_size=4), st.integers(1, 60))
@example([[str(i) for i in range(30)]], 1)  # a key: every value once (k = 1)
@example([[str(i) for i in range(30)] + ["5", "7", "7"]], 1)  # k = 1 with a few repeated first
@example([["x"] * 3 + [str(i) for i in range(9)] + ["y"] * 2], 2)  # ties at the cut
@example([[None, "NA", " null "]], 3)  # nulls only: no top values
def test_generated_columns(columns: list[list[str | None]], rows: int) -> None:
    """Columns of `rows` rows cycling through their drawn values (so counts repeat and tie)."""
    con = duckdb.connect()
    names = [f"c{k}" for k in range(len(columns))]
    con.execute(f"CREATE TABLE t ({', '.join(f'{n} VARCHAR' for n in names)})")
    data = [[col[r % len(col)] for col in columns] for r in range(max(rows, *(len(c) for c in columns)))]
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})", data)
    _assert_same(con, names)
