"""Topology: candidate keys, foreign keys, hierarchies, correlations, join paths; relationship review gate."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from hamilton.function_modifiers import tag

from dataraum_context import fanout

from dataraum_context.contracts.review import ReviewDecisions, ReviewProposal
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.topology import dependencies, foreign_keys, keys, paths, review
from dataraum_context.topology.columns import collect_column_facts
from dataraum_context.topology.models import ColumnFacts, FkScreening, JoinPathResult, RelationshipResult
from dataraum_context.type_resolution.models import TypedTableResult


def topology_columns(
    typed_tables: list[TypedTableResult], table_profiles: list[TableProfileResult], duckdb_con: duckdb.DuckDBPyConnection
) -> dict[str, list[ColumnFacts]]:
    """Per table, its typed-layer columns with type family and the profile counts and ranges topology prunes by."""
    return collect_column_facts(duckdb_con, typed_tables, table_profiles)


def candidate_keys(
    topology_columns: dict[str, list[ColumnFacts]], duckdb_con: duckdb.DuckDBPyConnection
) -> dict[str, list[list[str]]]:
    """Per table, its minimal unique non-null column sets (1 to 3 columns), verified on the typed layer, best first."""
    return keys.find_candidate_keys(duckdb_con, topology_columns)


def fk_screening(
    topology_columns: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> FkScreening:
    """Foreign-key pairs screened by profiles, and the exact containment measurements of the survivors."""
    return foreign_keys.screen_foreign_keys(duckdb_con, topology_columns, candidate_keys)


def foreign_key_judgements(
    fk_screening: FkScreening,
    topology_columns: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    auto_accept_threshold: float,
) -> list[RelationshipResult]:
    """Every measured pair judged with its reasons (`evidence.reasons`): `accepted` at or above the
    auto-accept threshold, `candidate` (for review) below, `dismissed` when not a reference."""
    return foreign_keys.judge_foreign_keys(fk_screening, topology_columns, candidate_keys, auto_accept_threshold)


def foreign_key_candidates(foreign_key_judgements: list[RelationshipResult]) -> list[RelationshipResult]:
    """The foreign keys reported: `accepted` and `candidate` (dismissed ones stay in the judgements)."""
    return [r for r in foreign_key_judgements if r.status != "dismissed"]


def column_hierarchies(
    topology_columns: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> list[RelationshipResult]:
    """Within-table functional dependencies (city -> country), verified on the typed layer."""
    def one(cur: duckdb.DuckDBPyConnection, table: str) -> list[RelationshipResult]:
        single_keys = {key[0] for key in candidate_keys.get(table, []) if len(key) == 1}
        return dependencies.table_hierarchies(cur, topology_columns[table], single_keys)

    return _per_table(duckdb_con, one, topology_columns)


def column_correlations(
    topology_columns: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    foreign_key_candidates: list[RelationshipResult],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> list[RelationshipResult]:
    """Strong Pearson correlations between numeric columns of one table that are neither keys nor foreign keys."""
    def one(cur: duckdb.DuckDBPyConnection, table: str) -> list[RelationshipResult]:
        excluded = {name for key in candidate_keys.get(table, []) for name in key}
        excluded |= {name for r in foreign_key_candidates if r.from_table == table for name in r.from_columns}
        excluded |= {name for r in foreign_key_candidates if r.to_table == table for name in r.to_columns}
        return dependencies.table_correlations(cur, topology_columns[table], excluded)

    return _per_table(duckdb_con, one, topology_columns)


def _per_table(
    con: duckdb.DuckDBPyConnection,
    one: Callable[[duckdb.DuckDBPyConnection, str], list[RelationshipResult]],
    topology_columns: dict[str, list[ColumnFacts]],
) -> list[RelationshipResult]:
    """`one` of every table, several tables at once (`fanout`: read-only queries, each table on a
    cursor), the results concatenated in the tables' order: what the loop over tables gives."""
    found: list[RelationshipResult] = []
    for part in fanout.map_on_cursors(con, one, list(topology_columns), rows=keys.largest_table(topology_columns)):
        found += part
    return found


def relationship_candidates(
    foreign_key_candidates: list[RelationshipResult],
    column_hierarchies: list[RelationshipResult],
    column_correlations: list[RelationshipResult],
) -> list[RelationshipResult]:
    """All detected relationships before review: foreign keys, then hierarchies, then correlations
    (one per column pair, in that order of precedence)."""
    seen: set[tuple[str, str, str, str]] = set()
    merged: list[RelationshipResult] = []
    for r in [*foreign_key_candidates, *column_hierarchies, *column_correlations]:
        ends = (r.from_table, r.from_columns[0], r.to_table, r.to_columns[0])
        if ends not in seen:
            seen.add(ends)
            merged.append(r)
    return merged


@tag(gate="relationship_review")
def relationship_review_proposals(relationship_candidates: list[RelationshipResult]) -> list[ReviewProposal]:
    """Review proposals: foreign keys of medium confidence, with coverage, orphans and scoring evidence."""
    return review.relationship_proposals(relationship_candidates)


def relationships(
    relationship_candidates: list[RelationshipResult], review_decisions: ReviewDecisions
) -> list[RelationshipResult]:
    """The final relationships: review decisions (and remembered ones) applied; rejected ones kept, marked `rejected`."""
    return review.apply_decisions(relationship_candidates, review_decisions)


def join_paths(relationships: list[RelationshipResult]) -> list[JoinPathResult]:
    """Simple paths (up to 4 steps) between connected tables over accepted and confirmed foreign keys."""
    return paths.find_join_paths(relationships)
