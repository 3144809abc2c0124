"""Temporal: granularity, gaps, completeness, seasonality and trend of every time column."""

from __future__ import annotations

from typing import Any

import duckdb

from dataraum_context import fanout
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.temporal import columns as tcols
from dataraum_context.temporal.models import TemporalProfileResult
from dataraum_context.temporal.profiler import profile_column
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
    jobs: list[tuple[str, str, str, str, str | None, str | None]] = []
    rows = max((table.row_count for table in typed_tables), default=0)
    for table in typed_tables:
        table_types = types.get(table.table_name, {})
        for column, series in temporal_series_columns.get(table.table_name, {}).items():
            measure = tcols.measure_column(
                table_types, {column} | ({series} if series else set()), keys.get(table.table_name, [])
            )
            jobs.append((table.table_name, table.typed_table, column, table_types[column], series, measure))
    # each time column on its own: several at once (`fanout`), results in this order
    return fanout.map_on_cursors(duckdb_con, lambda cur, job: profile_column(cur, *job), jobs, rows=rows)
