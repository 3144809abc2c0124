"""Wide tables: the per-column results do not depend on how many columns sit beside a column.

Profiling, patterns, candidate measuring, the typed layer and quality work on wide tables in
slices of columns or with the columns unnested side by side; a slip in the column indexes would
give one column another's figures. Real data (statsmodels' macrodata, tests/corpus_slice) is laid
side by side 5 times (70 columns, past the 64- and 32-column slices); every copy must get exactly the
figures the narrow table gets.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pytest

from dataraum_context.profiling.sampling import MIN_SAMPLE_ROWS, SAMPLE_CELLS, sample_rows
from helpers import run_cli

CORPUS = Path(__file__).resolve().parents[1] / "corpus_slice"
COPIES = 5  # 70 columns: past the profiler's 64-column chunks and two 32-column measuring slices
FIGURES = (
    "total_count, null_count, distinct_count, min_value, max_value, mean_value, stddev_value, percentiles, "
    "min_length, max_length, avg_length, histogram, top_values, numeric_count, null_token_counts"
)


def _side_by_side(source: Path, out: Path, copies: int) -> list[str]:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{source}', all_varchar = true)")
    names = [r[0] for r in con.execute("DESCRIBE t").fetchall()]
    select = ", ".join(f'"{n}" AS "{n}_{j}"' for j in range(copies) for n in names)
    con.execute(f"COPY (SELECT {select} FROM t) TO '{out}' (HEADER, DELIMITER ',')")
    con.close()
    return names


def _rounded(value: object) -> object:
    """Floats to 12 significant digits: DuckDB's parallel double sums may differ in the last bit."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _figures(workspace: Path) -> dict[str, tuple]:
    con = sqlite3.connect(workspace / "metadata.db")
    try:
        rows = con.execute(
            f"SELECT c.column_name, d.decided_type, d.quarantined_count, {FIGURES} FROM column_profiles p "
            "JOIN columns c ON c.column_id = p.column_id "
            "LEFT JOIN type_decisions d ON d.column_id = c.column_id"
        ).fetchall()
    finally:
        con.close()
    return {
        r[0]: tuple(_rounded(json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v) for v in r[1:])
        for r in rows
    }


@pytest.mark.parametrize("source", ["macrodata.csv"])
def test_every_copy_of_a_wide_table_gets_the_narrow_tables_figures(tmp_path: Path, source: str) -> None:
    narrow = tmp_path / "narrow.csv"
    names = _side_by_side(CORPUS / source, narrow, 1)
    wide = tmp_path / "wide.csv"
    _side_by_side(CORPUS / source, wide, COPIES)

    for csv, ws in ((narrow, "ws_narrow"), (wide, "ws_wide")):
        result = run_cli("run", str(csv), "--review", "defer", "--workspace", str(tmp_path / ws), timeout=900)
        assert result.returncode == 0, result.stderr

    one = _figures(tmp_path / "ws_narrow")
    many = _figures(tmp_path / "ws_wide")
    assert len(many) == COPIES * len(names)
    for name in names:
        expected = one[f"{name}_0"]
        assert expected[0] is not None
        for j in range(COPIES):
            assert many[f"{name}_{j}"] == expected, f"{name}_{j}"


def test_a_wide_tables_sample_keeps_a_cell_budget() -> None:
    assert sample_rows(10_000, 12) == 10_000
    assert sample_rows(10_000, SAMPLE_CELLS // 10_000) == 10_000
    assert sample_rows(10_000, 500) == SAMPLE_CELLS // 500
    assert sample_rows(10_000, 2_000) == max(MIN_SAMPLE_ROWS, SAMPLE_CELLS // 2_000)
    assert sample_rows(10_000, 100_000) == MIN_SAMPLE_ROWS
    assert sample_rows(500, 2_000) == 500
