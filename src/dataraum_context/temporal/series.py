"""Finding the series of a table: the dimension that, with a time column, forms the grain.

A table of readings from several stations repeats every timestamp once per station.
Its grain is (station, time). For a time column `t` whose values repeat, a column `c`
is its series column when

- a candidate key of the table (topology's `candidate_keys`) is exactly {c, t}; or,
  without such a key,
- `c` has between 2 and `MAX_SERIES` distinct values (a low-cardinality dimension:
  text, integer or boolean, not a measure), the time values repeat (at most
  `REPEAT_SHARE` of them are distinct, and on average a time value is shared by at
  least `SHARED_SHARE` of c's values: series run side by side), and the pair (c, t) is
  unique on at least `GRAIN_SHARE` of the rows where both are set.

Among several qualifying columns the one with the fewest distinct values wins (then
the earlier column). One query per time column tests every candidate.
"""

from __future__ import annotations

import duckdb

from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.sqlutil import quote_ident
from dataraum_context.temporal.profiler import MAX_SERIES, is_time_type

GRAIN_SHARE = 0.99
REPEAT_SHARE = 0.75
SHARED_SHARE = 0.6
_DIMENSION_TYPES = ("VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def series_column(
    con: duckdb.DuckDBPyConnection,
    typed_table: str,
    time_column: str,
    column_types: dict[str, str],
    profile: TableProfileResult | None,
    candidate_keys: list[list[str]] | None = None,
) -> str | None:
    """The series column of `time_column` in the table, or None when there is one series."""
    for key in candidate_keys or []:
        if len(key) == 2 and time_column in key:
            other = key[0] if key[1] == time_column else key[1]
            if other in column_types and not is_time_type(column_types[other]):
                return other
    distinct = {}
    if profile is not None:
        distinct = {c.column_name: c.distinct_count for c in profile.columns}
    candidates = [
        name for name, dtype in column_types.items()
        if name != time_column
        and dtype.upper() in _DIMENSION_TYPES
        and distinct.get(name) is not None
        and 2 <= distinct[name] <= MAX_SERIES
    ]
    if not candidates:
        return None
    t = quote_ident(time_column)
    parts = [f"count({t})", f"count(DISTINCT {t})"]
    for name in candidates:
        c = quote_ident(name)
        parts.append(f"count(*) FILTER (WHERE {c} IS NOT NULL AND {t} IS NOT NULL)")
        parts.append(f"count(DISTINCT ({c}, {t})) FILTER (WHERE {c} IS NOT NULL AND {t} IS NOT NULL)")
    row = con.execute(f"SELECT {', '.join(parts)} FROM {typed_table}").fetchall()[0]
    values, distinct_times = row[0], row[1]
    if values == 0 or distinct_times > REPEAT_SHARE * values:
        return None  # time (nearly) alone is the grain: one series
    best: tuple[int, int, str] | None = None
    for position, name in enumerate(candidates):
        pairs, distinct_pairs = row[2 + 2 * position], row[3 + 2 * position]
        shared = pairs / distinct_times if distinct_times else 0.0
        if (
            pairs
            and distinct_pairs >= GRAIN_SHARE * pairs
            and distinct_pairs > distinct_times
            and shared >= SHARED_SHARE * (distinct[name] or 0)
        ):
            rank = (distinct[name] or 0, position, name)
            if best is None or rank < best:
                best = rank
    return None if best is None else best[2]
