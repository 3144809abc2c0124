"""Temporal: granularity, gaps, completeness, seasonality and trend of every time column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from dataraum_context import fanout
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.temporal import columns as tcols
from dataraum_context.temporal.models import TemporalProfileResult
from dataraum_context.temporal import profiler as tprofiler
from dataraum_context.temporal.profiler import profile_column, profile_columns
from dataraum_context.temporal.series import series_columns
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypedTableResult


def temporal_series_columns(
    typed_tables: list[TypedTableResult],
    type_decisions: list[ColumnTypeDecision],
    table_profiles: list[TableProfileResult],
    duckdb_con: duckdb.DuckDBPyConnection,
    candidate_keys: Any = None,
) -> dict[str, dict[str, str | None]]:
    """Per table and time column, the low-cardinality column that with it forms the grain (one series
    per value), or None when the column is a single series. Uses topology's `candidate_keys` when present."""
    types = tcols.column_types(type_decisions)
    profiles = {p.table_name: p for p in table_profiles}
    keys: dict[str, list[list[str]]] = dict(candidate_keys or {})
    return {
        table.table_name: series_columns(
            duckdb_con, table.typed_table, tcols.time_columns(types[table.table_name]), types[table.table_name],
            profiles.get(table.table_name), keys.get(table.table_name),
        )
        for table in typed_tables
        if table.table_name in types
    }


def temporal_profiles(
    typed_tables: list[TypedTableResult],
    type_decisions: list[ColumnTypeDecision],
    temporal_series_columns: dict[str, dict[str, str | None]],
    duckdb_con: duckdb.DuckDBPyConnection,
    candidate_keys: Any = None,
) -> list[TemporalProfileResult]:
    """Temporal profile of every DATE/TIMESTAMP/TIMESTAMPTZ column of the typed layer: range,
    granularity, gaps, completeness, seasonality and trend, on the whole column and per series."""
    types = tcols.column_types(type_decisions)
    keys: dict[str, list[list[str]]] = dict(candidate_keys or {})
    # Work items (positions in the result, call): a column split into series alone; a table's
    # other time columns with the same measure in batches of `BATCH_CELLS` values (a big table's
    # one by one), a batch in five queries for all its columns.
    items: list[tuple[list[int], Callable[[Any], list[TemporalProfileResult]]]] = []
    position = 0
    rows = max((table.row_count for table in typed_tables), default=0)
    for table in typed_tables:
        table_types = types.get(table.table_name, {})
        batches: dict[str | None, list[tuple[int, str]]] = {}
        for column, series in temporal_series_columns.get(table.table_name, {}).items():
            measure = tcols.measure_column(
                table_types, {column} | ({series} if series else set()), keys.get(table.table_name, [])
            )
            if series is None:
                batches.setdefault(measure, []).append((position, column))
            else:
                job = (table.table_name, table.typed_table, column, table_types[column], series, measure)
                items.append(([position], lambda cur, job=job: [profile_column(cur, *job)]))
            position += 1
        per_batch = max(1, tprofiler.BATCH_CELLS // max(table.row_count, 1))
        for measure, found in batches.items():
            for k in range(0, len(found), per_batch):
                part = found[k:k + per_batch]
                columns = [(column, table_types[column]) for _, column in part]
                items.append(([p for p, _ in part], _batch_call(table, columns, measure)))
    # the items several at once (`fanout`), the profiles back in column order
    done = fanout.map_on_cursors(duckdb_con, lambda cur, item: list(zip(item[0], item[1](cur), strict=True)), items, rows=rows)
    return [profile for _, profile in sorted((pair for pairs in done for pair in pairs), key=lambda pair: pair[0])]


def _batch_call(
    table: TypedTableResult, columns: list[tuple[str, str]], measure: str | None
) -> Callable[[Any], list[TemporalProfileResult]]:
    if len(columns) == 1:  # one column (of a big table): its own queries
        return lambda cur: [profile_column(cur, table.table_name, table.typed_table, *columns[0], None, measure)]
    return lambda cur: profile_columns(cur, table.table_name, table.typed_table, columns, measure)
