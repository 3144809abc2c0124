"""Quantiles of a numeric column computed from its distinct numbers and their counts (few of
them: `_quantiles_from_groups`, read in Python; more: `_quantiles_from_sorted_groups`, sorted in
SQL with running counts) are exactly DuckDB's `quantile_cont` over every row: whole profiles
compared (percentiles, histograms built from them, standard deviation and all) on real files and
on generated columns with repeats, decimals, huge and tiny numbers, null tokens and text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context import quantiles
from dataraum_context.profiling import profiler
from dataraum_context.sqlutil import quote_ident
from helpers import REAL_TABLES

REAL = REAL_TABLES


def _profiles(con: duckdb.DuckDBPyConnection, columns: list[str], mode: str, monkeypatch) -> list[dict]:
    """mode: "grouped" (counts read in Python), "sorted" (positions from the distinct values
    sorted in SQL, `_quantiles_from_sorted_groups`) or "rows" (the spread query over every row)."""
    with monkeypatch.context() as m:
        m.setattr(quantiles, "FEW_ROWS", 0)
        m.setattr(quantiles, "FEW_VALUES", 10**9 if mode == "grouped" else -1)
        m.setattr(quantiles, "SORTED_SHARE", 10.0 if mode == "sorted" else -1.0)
        result = profiler.profile_table(con, "t", "t", columns)
    return [c.model_dump() for c in result.columns]


def _assert_same(con: duckdb.DuckDBPyConnection, monkeypatch) -> None:
    columns = [row[0] for row in con.execute("DESCRIBE t").fetchall()]
    plain = _profiles(con, columns, "rows", monkeypatch)
    for mode in ("grouped", "sorted"):
        grouped = _profiles(con, columns, mode, monkeypatch)
        # the mean is a floating-point sum in whatever order DuckDB's hash aggregate gives the distinct
        # values (its last bits move from run to run, either way): equal to 1e-12, everything else exact
        for g, p in zip(grouped, plain, strict=True):
            gm, pm = g.pop("mean_value"), p.get("mean_value")
            assert (gm is None) == (pm is None) and (gm is None or gm == pytest.approx(pm, rel=1e-12, abs=1e-300))
        assert grouped == [{k: v for k, v in p.items() if k != "mean_value"} for p in plain], mode


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path, monkeypatch) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    _assert_same(con, monkeypatch)
    assert any(p["percentiles"] for p in _profiles(con, [r[0] for r in con.execute("DESCRIBE t").fetchall()], "sorted", monkeypatch))


numbers = st.one_of(
    st.integers(-5, 5).map(str),
    st.sampled_from(["0.1", "0.2", "0.3", "1e300", "-1e-300", "2.5", "NA", "", "inf", "x", " 7 ", "1,5", None]),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False).map(str),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(numbers, min_size=1, max_size=8), min_size=1, max_size=3), st.integers(1, 80))
def test_generated_columns(columns: list[list[str | None]], rows: int) -> None:
    con = duckdb.connect()
    names = [f"c{k}" for k in range(len(columns))]
    con.execute("CREATE TABLE t (" + ", ".join(f"{quote_ident(n)} VARCHAR" for n in names) + ")")
    con.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})",
        [[c[(i * 7 + k) % len(c)] for k, c in enumerate(columns)] for i in range(rows)],
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        _assert_same(con, monkeypatch)
