"""Run staging -> profiling -> type resolution in-process on one DuckDB connection (no metadata
store), through the same node functions the DAG uses; for property-based and regression tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dataraum_context.dataflows import profiling as profiling_nodes
from dataraum_context.dataflows import type_resolution as type_nodes
from dataraum_context.contracts.review import ReviewDecisions
from dataraum_context.sqlutil import qualified, quote_ident
from dataraum_context.staging import StagedColumn, StagedTable, discover_sources, stage_source
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypedTableResult


def staged_from_values(con: duckdb.DuckDBPyConnection, name: str, data: dict[str, list[str | None]]) -> StagedTable:
    """`raw.<name>` with the given text columns (and `_row_id`), as staging would leave it."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    table = qualified("raw", name)
    columns = list(data)
    rows = len(next(iter(data.values()))) if data else 0
    definition = ", ".join(f"{quote_ident(c)} VARCHAR" for c in columns)
    con.execute(f"CREATE OR REPLACE TABLE {table} (_row_id BIGINT, {definition})")
    if rows:
        con.executemany(
            f"INSERT INTO {table} VALUES ({', '.join('?' for _ in range(len(columns) + 1))})",
            [[r + 1] + [data[c][r] for c in columns] for r in range(rows)],
        )
    return StagedTable(
        table_name=name, source_name=name, source_type="csv", location=name, content_hash=name,
        row_count=rows, rejected_rows=0, raw_table=table,
        columns=[StagedColumn(name=c, original_name=c, position=i, raw_type="VARCHAR") for i, c in enumerate(columns)],
        options={},
    )


def staged_from_path(con: duckdb.DuckDBPyConnection, path: Path) -> list[StagedTable]:
    return [t for spec in discover_sources([str(path)]) for t in stage_source(con, spec)]


def resolve_types(
    con: duckdb.DuckDBPyConnection, staged: list[StagedTable], decisions: ReviewDecisions | None = None
) -> tuple[list[ColumnTypeDecision], list[TypedTableResult]]:
    """Profiles, patterns, units, candidates, decisions and the typed layer of `staged`."""
    profiles = profiling_nodes.table_profiles(staged, con)
    samples = profiling_nodes.sample_tables(staged, con, 10_000, 42)
    patterns = profiling_nodes.column_patterns(staged, samples, con)
    units = profiling_nodes.column_units(staged, con, patterns)
    candidates = type_nodes.type_candidates(staged, samples, patterns, units, con)
    proposed = type_nodes.proposed_type_decisions(staged, profiles, candidates, patterns, units, con, {}, 0.9)
    type_nodes.type_review_proposals(proposed, patterns)
    final = type_nodes.type_decisions(proposed, decisions or ReviewDecisions(), staged, con)
    return final, type_nodes.typed_tables(staged, final, con)
