"""Profiling: column statistics, value patterns on a sample, and physical units."""

from __future__ import annotations

import duckdb
from hamilton.function_modifiers import tag

from dataraum_context.detectors.patterns import PatternMatch, detect_patterns
from dataraum_context.detectors.units import UnitResult, detect_unit, unit_token_counts
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.profiling.profiler import profile_table
from dataraum_context.profiling.sampling import create_sample
from dataraum_context.staging import StagedTable

UNIT_PATTERNS = frozenset({"number_with_unit", "currency_us", "currency_eu"})


@tag(per_table="true")
def table_profiles(staged_tables: list[StagedTable], duckdb_con: duckdb.DuckDBPyConnection) -> list[TableProfileResult]:
    """Counts, nulls (null tokens included), distincts, numeric and length statistics, histograms, top values."""
    return [
        profile_table(duckdb_con, table.table_name, table.raw_table, [c.name for c in table.columns])
        for table in staged_tables
    ]


@tag(per_table="true")
def sample_tables(
    staged_tables: list[StagedTable], duckdb_con: duckdb.DuckDBPyConnection, sample_size: int, sample_seed: int
) -> dict[str, str]:
    """Per table, `sample.<table>`: a seeded uniform random sample of its raw rows (`sample_size` rows,
    fewer for a table of more than 100 columns: a budget of a million cells)."""
    return {
        table.table_name: create_sample(
            duckdb_con, table.raw_table, table.table_name, table.row_count, sample_size, sample_seed,
            len(table.columns),
        )
        for table in staged_tables
    }


@tag(per_table="true")
def column_patterns(
    staged_tables: list[StagedTable], sample_tables: dict[str, str], duckdb_con: duckdb.DuckDBPyConnection
) -> dict[str, dict[str, list[PatternMatch]]]:
    """Per table and column, the value patterns matched on the sample, with match rates and examples."""
    return {
        table.table_name: detect_patterns(duckdb_con, sample_tables[table.table_name], [c.name for c in table.columns])
        for table in staged_tables
    }


@tag(per_table="true")
def column_units(
    staged_tables: list[StagedTable],
    duckdb_con: duckdb.DuckDBPyConnection,
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
) -> dict[str, dict[str, UnitResult]]:
    """Per table and column holding numbers with unit tokens, the unit most values share (Pint)."""
    units: dict[str, dict[str, UnitResult]] = {}
    for table in staged_tables:
        per_column: dict[str, UnitResult] = {}
        for column, matches in column_patterns.get(table.table_name, {}).items():
            if not any(m.name in UNIT_PATTERNS and m.match_rate >= 0.5 for m in matches):
                continue
            tokens = unit_token_counts(duckdb_con, table.raw_table, column)
            per_column[column] = detect_unit(tokens, column_name=column)
        units[table.table_name] = per_column
    return units
