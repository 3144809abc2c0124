"""The one place identifiers are quoted for DuckDB SQL.

Column and table names that come from files are hostile input: quotes, `;`,
unicode, reserved words, empty strings. Every identifier that reaches DuckDB SQL
goes through `quote_ident`; every value goes in as a bound parameter.
"""

from __future__ import annotations

import threading
from typing import Any

# Held around statements that create shared catalog entries (schemas, tables every table's
# work appends to) or rewrite a shared table's rows. Per-table work may run on several
# DuckDB cursors at once (`pipeline.memo`); DuckDB refuses two transactions that both create
# the same missing schema or table ("Catalog write-write conflict"). Reentrant: a guarded
# helper may call another. Cheap when uncontended (the serial path).
SHARED_WRITES = threading.RLock()


def quiet(con: Any) -> Any:
    """`con` (a DuckDB connection) without a progress bar; its cursors inherit the setting.
    DuckDB prints the bar on stdout for a query that runs over two seconds, even into a pipe,
    which would corrupt `--json` output and the MCP server's stdio stream. (A per-connection
    setting: DuckDB refuses it as a global option at `connect`.)"""
    con.execute("SET enable_progress_bar = false")
    return con


def quote_ident(name: str) -> str:
    """Quote one identifier for DuckDB (and PostgreSQL/SQLite): `a"b` -> `"a""b"`."""
    if not isinstance(name, str):
        raise TypeError(f"identifier must be str, not {type(name).__name__}")
    if "\x00" in name:
        raise ValueError("identifier contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """`schema.name`, both parts quoted."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def quote_literal(value: str) -> str:
    """A SQL string literal, for the few places DuckDB does not take parameters (DDL, PRAGMA)."""
    return "'" + str(value).replace("'", "''") + "'"


COUNTS_PER_QUERY = 512
"""Plain counts per aggregate query (thousands in one projection plan slowly)."""

DISTINCT_PER_QUERY = 32
"""Distinct counts per aggregate query: each holds a hash table of its column's values, so
hundreds in one query ran out of a 600 MB DuckDB memory limit on a 2,000-column table."""


def aggregate_in_slices(con: Any, source: str, expressions: list[str], size: int = DISTINCT_PER_QUERY) -> list[Any]:
    """`SELECT <expressions> FROM <source>` as one row, computed `size` expressions per query
    (whole groups of related expressions should have `size` as a multiple of their length)."""
    row: list[Any] = []
    for start in range(0, len(expressions), size):
        row += list(con.execute(f"SELECT {', '.join(expressions[start:start + size])} FROM {source}").fetchall()[0])
    return row



DISTINCT_CELLS = 2_000_000
"""Values the distinct counts of one query may hash together (rows x expressions)."""


def distinct_count_sql(source: str, expression: str, where: str | None = None) -> str:
    """SQL (a scalar subquery): `count(DISTINCT expression)` over `source` (`where` instead of
    `expression IS NOT NULL` for a list of columns `a, b`), written as a DISTINCT that DuckDB
    spills to disk when it must."""
    return f"(SELECT count(*) FROM (SELECT DISTINCT {expression} FROM {source} WHERE {where or f'({expression}) IS NOT NULL'}))"


def batch_size(rows: int, most: int = DISTINCT_PER_QUERY) -> int:
    """Distinct counts per query for a table of `rows` rows (see `DISTINCT_CELLS`)."""
    return max(1, min(most, DISTINCT_CELLS // max(int(rows), 1)))


def distinct_counts(con: Any, source: str, expressions: list[str], rows: int) -> list[int]:
    """`count(DISTINCT e)` over `source` for each expression. Several per query for small tables
    (up to `DISTINCT_CELLS` values hashed at once), one at a time for big ones: two distinct
    counts of 20 M values in one query ran out of a 600 MB DuckDB memory limit (each hash table
    wants its own 128 MB blocks at once), one at a time they did not."""
    per_query = batch_size(rows)
    counts: list[int] = []
    for start in range(0, len(expressions), per_query):
        chunk = expressions[start:start + per_query]
        row = con.execute(f"SELECT {', '.join(distinct_count_sql(source, e) for e in chunk)}").fetchall()[0]
        counts += [int(x or 0) for x in row]
    return counts
