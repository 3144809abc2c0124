"""The uniform random sample value-level detectors look at.

A table with at most `size` rows is used whole. A larger one is sampled by a
hash of `_row_id` and the seed: every row is kept with probability `size/rows`,
independently, so the sample is uniform, about `size` rows, and the same on every
run and thread count for the same data and seed (DuckDB's reservoir sampling is
only repeatable single-threaded).
"""

from __future__ import annotations

import duckdb

from dataraum_context.sqlutil import quote_ident

DEFAULT_SAMPLE_SIZE = 10_000
DEFAULT_SEED = 42


def create_sample(
    con: duckdb.DuckDBPyConnection, raw_table: str, sample_name: str, row_count: int, size: int, seed: int
) -> str:
    """Create a temporary sample table of `raw_table`; returns its quoted name."""
    name = quote_ident(sample_name)
    if row_count <= size:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {raw_table}")
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {raw_table} "
            "WHERE hash(_row_id, ?::BIGINT) % ?::UBIGINT < ?::UBIGINT",
            [seed, row_count, size],
        )
    return name


def drop_sample(con: duckdb.DuckDBPyConnection, sample: str) -> None:
    con.execute(f"DROP TABLE IF EXISTS {sample}")
