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
the earlier column). One query per table counts the time columns; only repeating ones
test their candidates, a batch per query, in rank order.
"""

from __future__ import annotations

import duckdb

from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.sqlutil import COUNTS_PER_QUERY, aggregate_in_slices, batch_size, distinct_counts, quote_ident
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
    return series_columns(con, typed_table, [time_column], column_types, profile, candidate_keys)[time_column]


def _key_series(time_column: str, column_types: dict[str, str], candidate_keys: list[list[str]]) -> str | None:
    for key in candidate_keys:
        if len(key) == 2 and time_column in key:
            other = key[0] if key[1] == time_column else key[1]
            if other in column_types and not is_time_type(column_types[other]):
                return other
    return None


def series_columns(
    con: duckdb.DuckDBPyConnection,
    typed_table: str,
    time_columns: list[str],
    column_types: dict[str, str],
    profile: TableProfileResult | None,
    candidate_keys: list[list[str]] | None = None,
) -> dict[str, str | None]:
    """The series column of each time column of one table (None: one series).

    Cost stays near linear for wide tables: one query counts every time column's values
    and distinct values and every dimension's set values; only time columns whose values
    repeat test candidates, only candidates the counts cannot rule out (`_possible`), in
    rank order, `SERIES_BATCH` per query, stopping at the first batch with a qualifying
    column (the first in rank order is the best)."""
    found: dict[str, str | None] = {}
    open_columns: list[str] = []
    for time_column in time_columns:
        found[time_column] = _key_series(time_column, column_types, candidate_keys or [])
        if found[time_column] is None:
            open_columns.append(time_column)
    distinct: dict[str, int | None] = {}
    if profile is not None:
        distinct = {c.column_name: c.distinct_count for c in profile.columns}
    dimensions = [
        name for name, dtype in column_types.items()
        if dtype.upper() in _DIMENSION_TYPES
        and distinct.get(name) is not None
        and 2 <= distinct[name] <= MAX_SERIES  # type: ignore[operator]
    ]
    if not open_columns or not dimensions:
        return found
    # counts in slices and distinct counts within the memory limit (`sqlutil`): hundreds of
    # distinct counts at once ran out of it on 2,000 columns, and on 20 M rows even two did
    rows = int(con.execute(f"SELECT count(*) FROM {typed_table}").fetchone()[0])
    count = [f"count({quote_ident(name)})" for name in dimensions]
    set_counts = dict(zip(dimensions, (int(x) for x in aggregate_in_slices(con, typed_table, count, COUNTS_PER_QUERY))))
    times = [quote_ident(c) for c in open_columns]
    time_values = aggregate_in_slices(con, typed_table, [f"count({t})" for t in times], COUNTS_PER_QUERY)
    time_distinct = distinct_counts(con, typed_table, times, rows)
    position = {name: i for i, name in enumerate(column_types)}
    for time_column, values, distinct_times in zip(open_columns, time_values, time_distinct, strict=True):
        values = int(values)
        if values == 0 or distinct_times > REPEAT_SHARE * values:
            continue  # time (nearly) alone is the grain: one series
        found[time_column] = _first_series(
            con, typed_table, time_column,
            _possible(dimensions, time_column, distinct, set_counts, rows, values, distinct_times, position),
            distinct, distinct_times, rows,
        )
    return found


def _possible(
    dimensions: list[str],
    time_column: str,
    distinct: dict[str, int | None],
    set_counts: dict[str, int],
    rows: int,
    values: int,
    distinct_times: int,
    position: dict[str, int],
) -> list[str]:
    """The dimensions that can pass the tests, by counts alone, in rank order. With `pairs` the
    rows where both are set (`values + set - rows <= pairs <= values`): sharing needs
    `distinct <= pairs / (SHARED_SHARE * distinct_times)`, and the grain needs
    `GRAIN_SHARE * pairs <= distinct pairs <= distinct * distinct_times` (the typed column
    has at most as many distinct values as the raw one the profile counted)."""
    possible = []
    for name in dimensions:
        if name == time_column:
            continue
        n = distinct[name] or 0
        pairs_low = max(0, values + set_counts[name] - rows)
        if n > values / (SHARED_SHARE * distinct_times) or n * distinct_times < GRAIN_SHARE * pairs_low:
            continue
        possible.append(name)
    return sorted(possible, key=lambda name: (distinct[name] or 0, position[name], name))


SERIES_BATCH = 32


def _first_series(
    con: duckdb.DuckDBPyConnection,
    typed_table: str,
    time_column: str,
    candidates: list[str],
    distinct: dict[str, int | None],
    distinct_times: int,
    rows: int,
) -> str | None:
    """The first candidate (in rank order) that with the time column forms the grain."""
    t = quote_ident(time_column)
    step = batch_size(rows, SERIES_BATCH)  # distinct pairs of a big table one at a time (sqlutil)
    for start in range(0, len(candidates), step):
        batch = candidates[start:start + step]
        both = [f"{quote_ident(name)} IS NOT NULL AND {t} IS NOT NULL" for name in batch]
        counts = con.execute(
            f"SELECT {', '.join(f'count(*) FILTER (WHERE {w})' for w in both)} FROM {typed_table}"
        ).fetchall()[0]
        uniques = distinct_counts(
            con, typed_table, [f"{quote_ident(name)}, {t}" for name in batch], rows, wheres=both, keys=[t] * len(batch)
        )
        for name, pairs, distinct_pairs in zip(batch, counts, uniques, strict=True):
            shared = pairs / distinct_times if distinct_times else 0.0
            if (
                pairs
                and distinct_pairs >= GRAIN_SHARE * pairs
                and distinct_pairs > distinct_times
                and shared >= SHARED_SHARE * (distinct[name] or 0)
            ):
                return name
    return None
