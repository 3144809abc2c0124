"""A generated all-VARCHAR raw table with mixed content (for timing the profiler).

Built by DuckDB itself (`range` + deterministic hash-based values), no Python rows.
"""

from __future__ import annotations

import duckdb

from dataraum_context.sqlutil import qualified

MIXED_COLUMNS = (
    "id", "qty", "price", "amount", "order_date", "created_at",
    "is_active", "status", "customer", "ratio", "notes", "big",
)


def make_mixed_table(con: duckdb.DuckDBPyConnection, rows: int, name: str = "mixed") -> str:
    """Create `raw.<name>` with `rows` rows of 12 VARCHAR columns plus `_row_id`; return it quoted."""
    table = qualified("raw", name)
    con.execute('CREATE SCHEMA IF NOT EXISTS "raw"')
    h = "hash(i * 7 + {k})"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT
            CAST(i AS VARCHAR) AS id,
            CASE WHEN {h.format(k=1)} % 50 = 0 THEN NULL ELSE CAST({h.format(k=2)} % 1000 AS VARCHAR) END AS qty,
            CAST(round(({h.format(k=3)} % 1000000) / 100.0, 2) AS VARCHAR) AS price,
            CASE WHEN {h.format(k=4)} % 20 = 0 THEN 'NA'
                 ELSE CAST(CAST(({h.format(k=5)} % 10000000) / 100.0 AS DECIMAL(12, 2)) AS VARCHAR) END AS amount,
            strftime(DATE '2020-01-01' + CAST({h.format(k=6)} % 2000 AS INTEGER), '%Y-%m-%d') AS order_date,
            strftime(TIMESTAMP '2020-01-01' + to_seconds(CAST({h.format(k=7)} % 100000000 AS BIGINT)),
                     '%Y-%m-%d %H:%M:%S') AS created_at,
            CASE {h.format(k=8)} % 3 WHEN 0 THEN 'true' WHEN 1 THEN 'false' ELSE '' END AS is_active,
            ['new', 'paid', 'shipped', 'returned', 'cancelled'][1 + CAST({h.format(k=9)} % 5 AS INTEGER)] AS status,
            'customer_' || CAST({h.format(k=10)} % 100000 AS VARCHAR) AS customer,
            CASE WHEN {h.format(k=11)} % 10 = 0 THEN '-'
                 ELSE CAST(exp((({h.format(k=12)} % 10000) / 10000.0) * 12) AS VARCHAR) END AS ratio,
            md5(CAST(i AS VARCHAR)) AS notes,
            CASE WHEN {h.format(k=13)} % 1000 = 0 THEN CAST({h.format(k=14)} % 1000000000 AS VARCHAR)
                 ELSE CAST({h.format(k=15)} % 100 AS VARCHAR) END AS big,
            CAST(i AS BIGINT) AS _row_id
        FROM range({int(rows)}) AS r(i)
        """
    )
    return table
