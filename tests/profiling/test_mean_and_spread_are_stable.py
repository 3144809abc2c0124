"""A profile's mean and standard deviation are the same on every run and are the exactly rounded
ones: sums of count x number (and of count x squared deviation) over the distinct values are
compensated (`fsum`), so the order in which DuckDB's hash aggregate hands over the distinct values,
or its threads their partial results, no longer moves their last bits (a plain `sum` gave
43.92192982456142 or 43.92192982456137 for penguins' bill length, run to run; `stddev_samp` over
the 1M-row file's rows three different values in eight runs)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from dataraum_context.detectors.patterns import NULL_TOKENS
from dataraum_context.profiling import profiler
from helpers import REAL_TABLES


def _exact(con: duckdb.DuckDBPyConnection, column: str) -> tuple[float | None, float | None]:
    """Python's exactly rounded mean and sample standard deviation over the column's distinct texts."""
    rows = con.execute(
        f'SELECT v, TRY_CAST(v AS DOUBLE) + 0.0, count(*) FROM (SELECT CAST("{column}" AS VARCHAR) AS v FROM t) GROUP BY v'
    ).fetchall()
    numbers = [(x, n) for v, x, n in rows if v is not None and v.strip() not in NULL_TOKENS and x is not None and math.isfinite(x)]
    if not numbers:
        return None, None
    total = sum(n for _, n in numbers)
    mean = math.fsum(n * x for x, n in numbers) / total
    spread = math.sqrt(math.fsum(n * (x - mean) * (x - mean) for x, n in numbers) / (total - 1)) if total > 1 else None
    return mean, spread


@pytest.mark.parametrize("path", REAL_TABLES, ids=lambda p: p.name)
def test_mean_is_the_same_every_run_and_exactly_rounded(path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    columns = [row[0] for row in con.execute("DESCRIBE t").fetchall()]
    runs = [
        [(c.mean_value, c.stddev_value) for c in profiler.profile_table(con, "t", "t", columns).columns] for _ in range(8)
    ]
    assert all(run == runs[0] for run in runs)
    assert any(mean is not None for mean, _ in runs[0])
    for column, found in zip(columns, runs[0], strict=True):
        mean, spread = _exact(con, column)
        assert found[0] == mean, (column, found, mean)
        # DuckDB's mean is Python's (above), so the squared deviations and their sum are too
        assert found[1] == spread, (column, found, spread)
