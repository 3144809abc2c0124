"""Quality: rules from evidence, ontology, LLM and a manual file; their results; five-dimension scores.

Rules from other stages: any node named in `CONTRIBUTED_RULE_NODES` (e.g. the ontology
stage's `ontology_quality_rules`) that returns a list of `QualityRuleSpec` (or dicts with
its fields) is picked up by `contributed_quality_rules`; absent nodes are simply skipped.
Topology's `candidate_keys` and `relationships` are optional dependencies too.
"""

from __future__ import annotations

from hamilton.function_modifiers import tag

from typing import Any

import duckdb

from pathlib import Path
from dataraum_context import fanout
from dataraum_context.detectors.patterns import PatternMatch
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.quality import contributed, generate
from dataraum_context.quality.execute import execute_table, unknown_table
from dataraum_context.quality.models import (
    QualityResultRecord,
    QualityRuleSpec,
    QualityScoreRecord,
    TableQualityExecution,
)
from dataraum_context.quality.rules_file import load_rules_file
from dataraum_context.quality.scores import table_scores
from dataraum_context.temporal.columns import column_types
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypedTableResult

CONTRIBUTED_RULE_NODES = contributed.CONTRIBUTED_RULE_NODES


def generated_quality_rules(
    typed_tables: list[TypedTableResult],
    type_decisions: list[ColumnTypeDecision],
    table_profiles: list[TableProfileResult],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
    duckdb_con: duckdb.DuckDBPyConnection,
    candidate_keys: Any = None,
    relationships: Any = None,
) -> list[QualityRuleSpec]:
    """Rules from evidence: not null and unique for keys, robust ranges, pattern conformance, allowed
    values, referential integrity from topology's relationships, date ordering, no future dates."""
    types = column_types(type_decisions)
    profiles = {p.table_name: p for p in table_profiles}
    typed_names = {t.table_name: t.typed_table for t in typed_tables}

    def one(cur: duckdb.DuckDBPyConnection, table: TypedTableResult) -> list[QualityRuleSpec]:
        table_types = types.get(table.table_name, {})
        keys = generate.merge_keys(
            [list(k) for k in dict(candidate_keys or {}).get(table.table_name, [])],
            generate.fallback_keys(profiles.get(table.table_name), table_types),
        )
        return generate.table_rules(
            cur, table.table_name, table.typed_table, table_types, profiles.get(table.table_name),
            column_patterns.get(table.table_name, {}), keys,
        )

    # several tables at once (`fanout`: read-only queries, each table on a cursor), the rules in
    # the tables' order: what the loop over tables gives
    rules = [rule for part in fanout.map_on_cursors(duckdb_con, one, typed_tables) for rule in part]
    rules += generate.referential_rules(list(relationships or []), typed_names, types)
    return rules


@tag(memo="never")  # reads the rules file: their content is not in its inputs
def manual_quality_rules(rules_file: Path | None) -> list[QualityRuleSpec]:
    """Rules written by hand in the YAML file `rules_file` (`--rules FILE`), validated."""
    return [] if rules_file is None else load_rules_file(rules_file)


def contributed_quality_rules(
    ontology_quality_rules: Any = None, llm_quality_rules: Any = None, custom_quality_rules: Any = None
) -> list[QualityRuleSpec]:
    """Rules other nodes contribute (`CONTRIBUTED_RULE_NODES`: the ontology's, the LLM's and the
    `--module` files' `*_quality_rules` nodes gathered as `custom_quality_rules`), when they exist."""
    return contributed.collect({
        "ontology_quality_rules": ontology_quality_rules,
        "llm_quality_rules": llm_quality_rules,
        "custom_quality_rules": custom_quality_rules,
    })


def quality_rules(
    generated_quality_rules: list[QualityRuleSpec],
    manual_quality_rules: list[QualityRuleSpec],
    contributed_quality_rules: list[QualityRuleSpec],
) -> list[QualityRuleSpec]:
    """Every active rule, one per (table, column, rule name, source)."""
    merged: dict[tuple[str, str | None, str, str], QualityRuleSpec] = {}
    for rule in [*generated_quality_rules, *contributed_quality_rules, *manual_quality_rules]:
        merged.setdefault(rule.key, rule)
    return list(merged.values())


def quality_execution(
    quality_rules: list[QualityRuleSpec],
    typed_tables: list[TypedTableResult],
    type_decisions: list[ColumnTypeDecision],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> list[TableQualityExecution]:
    """Per table, every rule run on the typed layer (one aggregate scan, plus one query per unique
    rule) with the evidence the scores need; invalid rules are reported, the others run. A unique
    rule is counted even on a key topology verified: the rule checks the table, not what an
    upstream node (or an override) says of it."""
    types = column_types(type_decisions)
    by_table: dict[str, list[QualityRuleSpec]] = {}
    for rule in quality_rules:
        by_table.setdefault(rule.table_name, []).append(rule)
    known = {t.table_name for t in typed_tables}

    def one(cur: duckdb.DuckDBPyConnection, table: TypedTableResult) -> TableQualityExecution:
        return execute_table(
            cur, table.table_name, table.typed_table, types.get(table.table_name, {}),
            by_table.get(table.table_name, []), table.quarantined,
        )

    # several tables at once, as `generated_quality_rules`; the executions in the tables' order
    executions = fanout.map_on_cursors(duckdb_con, one, typed_tables)
    executions += [unknown_table(name, rules) for name, rules in by_table.items() if name not in known]
    return executions


def quality_results(quality_execution: list[TableQualityExecution]) -> list[QualityResultRecord]:
    """One result per rule: total, passed, failed, pass rate, failure samples with `_row_id`; or invalid."""
    return [result for execution in quality_execution for result in execution.results]


def quality_scores(quality_execution: list[TableQualityExecution]) -> list[QualityScoreRecord]:
    """Completeness, validity, consistency, uniqueness, timeliness and overall per table and column
    (None without evidence); formulas in `dataraum_context.quality.scores`."""
    return [
        score
        for execution in quality_execution
        if execution.columns
        for score in table_scores(execution)
    ]
