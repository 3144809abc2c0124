"""A profile's mean is the same on every run and is the exactly rounded one: the sum of count x
number over the distinct values is compensated (`fsum`), so the order in which DuckDB's hash
aggregate hands over the distinct values no longer moves its last bits (a plain `sum` gave
43.92192982456142 or 43.92192982456137 for penguins' bill length, run to run)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from dataraum_context.detectors.patterns import NULL_TOKENS
from dataraum_context.profiling import profiler
from helpers import REAL_TABLES


def _exact_mean(con: duckdb.DuckDBPyConnection, column: str) -> float | None:
    """Python's exactly rounded sum of count x number over the column's distinct texts, / count."""
    rows = con.execute(
        f'SELECT v, TRY_CAST(v AS DOUBLE) + 0.0, count(*) FROM (SELECT CAST("{column}" AS VARCHAR) AS v FROM t) GROUP BY v'
    ).fetchall()
    numbers = [(x, n) for v, x, n in rows if v is not None and v.strip() not in NULL_TOKENS and x is not None and math.isfinite(x)]
    if not numbers:
        return None
    return math.fsum(n * x for x, n in numbers) / sum(n for _, n in numbers)


@pytest.mark.parametrize("path", REAL_TABLES, ids=lambda p: p.name)
def test_mean_is_the_same_every_run_and_exactly_rounded(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    columns = [row[0] for row in con.execute("DESCRIBE t").fetchall()]
    runs = [[c.mean_value for c in profiler.profile_table(con, "t", "t", columns).columns] for _ in range(8)]
    assert all(run == runs[0] for run in runs)
    exact = [_exact_mean(con, column) for column in columns]
    means = runs[0]
    assert any(m is not None for m in means)
    for column, mean, expected in zip(columns, means, exact, strict=True):
        assert mean == expected, (column, mean, expected)
