"""The uniform random sample value-level detectors look at (`sample.<table>`).

A table with at most `size` rows is used whole; a table of more than 100 columns gets
fewer rows (`SAMPLE_CELLS`, at least `MIN_SAMPLE_ROWS`). A larger one is sampled by a
hash of `_row_id` and the seed: every row is kept with probability `size/rows`,
independently, so the sample is uniform, about `size` rows, and the same on every
run and thread count for the same data and seed (DuckDB's reservoir sampling is
only repeatable single-threaded).
"""

from __future__ import annotations

import duckdb

from dataraum_context.sqlutil import SHARED_WRITES, qualified

DEFAULT_SAMPLE_SIZE = 10_000
DEFAULT_SEED = 42
SAMPLE_CELLS = 1_000_000
"""Cell budget of a sample: a table wider than `SAMPLE_CELLS / size` columns gets fewer rows,
so the value-level detectors (every pattern on every distinct value) cost the same per
column at any width."""
MIN_SAMPLE_ROWS = 1_000
"""A wide table's sample has at least this many rows (or the whole table)."""


def sample_rows(size: int, columns: int) -> int:
    """The rows of a sample of a table with `columns` columns when `size` is asked for."""
    if columns <= 0:
        return size
    return min(size, max(MIN_SAMPLE_ROWS, SAMPLE_CELLS // columns))


SAMPLE_SCHEMA = "sample"


def create_sample(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    table_name: str,
    row_count: int,
    size: int,
    seed: int,
    columns: int = 0,
) -> str:
    """Create (or replace) `sample.<table_name>` from `raw_table`; returns its quoted name.
    With `columns` given, `size` is capped by the cell budget (`sample_rows`)."""
    size = sample_rows(size, columns)
    with SHARED_WRITES:  # tables sampled at once must not both create it
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {SAMPLE_SCHEMA}")
    name = qualified(SAMPLE_SCHEMA, table_name)
    if row_count <= size:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {raw_table} ORDER BY _row_id")
    else:
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {raw_table} "
            "WHERE hash(_row_id, ?::BIGINT) % ?::UBIGINT < ?::UBIGINT ORDER BY _row_id",
            [seed, row_count, size],
        )
    return name

