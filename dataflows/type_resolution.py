"""Type resolution: candidates, decisions, the typed layer and the cast quarantine."""

from __future__ import annotations

import duckdb
from hamilton.function_modifiers import tag

from dataraum_context.detectors.patterns import PatternMatch
from dataraum_context.detectors.units import UnitResult
from dataraum_context.contracts.review import ReviewDecisions, ReviewProposal
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.staging import StagedTable
from dataraum_context.type_resolution import proposals, resolver, typed
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypeCandidateResult, TypedTableResult


@tag(per_table="true")
def type_candidates(
    staged_tables: list[StagedTable],
    sample_tables: dict[str, str],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
    column_units: dict[str, dict[str, UnitResult]],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> dict[str, dict[str, list[TypeCandidateResult]]]:
    """Per table and column, the plausible types with their parse success rates on the sample."""
    return {
        table.table_name: resolver.evaluate_candidates(
            duckdb_con,
            sample_tables[table.table_name],
            column_patterns.get(table.table_name, {}),
            column_units.get(table.table_name, {}),
        )
        for table in staged_tables
    }


@tag(per_table="true")
def proposed_type_decisions(
    staged_tables: list[StagedTable],
    table_profiles: list[TableProfileResult],
    type_candidates: dict[str, dict[str, list[TypeCandidateResult]]],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
    column_units: dict[str, dict[str, UnitResult]],
    duckdb_con: duckdb.DuckDBPyConnection,
    type_rules: dict[str, str],
    auto_accept_threshold: float,
) -> list[ColumnTypeDecision]:
    """One type per column, decided by rules and sample evidence, then checked on the whole column;
    low-confidence ones flagged for review."""
    return resolver.decide_tables(
        duckdb_con, staged_tables, table_profiles, type_candidates, column_patterns, column_units,
        rules=type_rules, threshold=auto_accept_threshold,
    )


@tag(gate="type_review,quarantine_review", per_table="true")
def type_review_proposals(
    proposed_type_decisions: list[ColumnTypeDecision],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
) -> list[ReviewProposal]:
    """Review proposals: decisions below the auto threshold, and columns whose cells would be quarantined."""
    failed = {
        f"{table}.{column}": next((m.failed_examples for m in matches if m.failed_examples), [])
        for table, columns in column_patterns.items()
        for column, matches in columns.items()
    }
    return proposals.type_proposals(proposed_type_decisions, failed)


@tag(per_table="true")
def type_decisions(
    proposed_type_decisions: list[ColumnTypeDecision],
    review_decisions: ReviewDecisions,
    staged_tables: list[StagedTable],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> list[ColumnTypeDecision]:
    """The final type of every column: the decisions with human (or auto) review decisions applied."""
    raw_tables = {table.table_name: table.raw_table for table in staged_tables}
    return proposals.apply_type_decisions(duckdb_con, raw_tables, proposed_type_decisions, review_decisions)


@tag(per_table="true")
def typed_tables(
    staged_tables: list[StagedTable],
    type_decisions: list[ColumnTypeDecision],
    duckdb_con: duckdb.DuckDBPyConnection,
    table_profiles: list[TableProfileResult] | None = None,
) -> list[TypedTableResult]:
    """`typed.<table>` for every table (every raw row kept) and its failed casts in the quarantine."""
    by_table: dict[str, list[ColumnTypeDecision]] = {}
    for decision in type_decisions:
        by_table.setdefault(decision.table_name, []).append(decision)
    non_null = {
        p.table_name: {c.column_name: c.total_count - c.null_count for c in p.columns} for p in table_profiles or []
    }
    return [
        typed.build_typed_table(
            duckdb_con, table.table_name, table.raw_table, table.row_count, by_table.get(table.table_name, []),
            non_null.get(table.table_name),
        )
        for table in staged_tables
    ]

