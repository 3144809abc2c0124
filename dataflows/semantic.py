"""Semantic enrichment: ontology, column roles and meaning, table entities and grain.

Runs after topology: its candidate keys and (reviewed) relationships decide key and
foreign-key roles, entity kind and grain.

rules (offline, always) -> structure (topology's keys and relationships) ->
LLM proposals (only with `settings.llm`) -> merged ->
[semantic_review gate] -> final annotations -> table entities, ontology application.
"""

from __future__ import annotations

import duckdb
from hamilton.function_modifiers import tag

from dataraum_context.config import Settings
from dataraum_context.detectors.patterns import PatternMatch
from dataraum_context.detectors.semantic_values import sample_values
from dataraum_context.detectors.units import UnitResult
from dataraum_context.errors import ConfigError
from dataraum_context.llm.models import TableBrief
from dataraum_context.ontology import loader, selection
from dataraum_context.ontology.matching import ColumnFacts
from dataraum_context.ontology.selection import OntologyChoice
from dataraum_context.contracts.review import ReviewDecisions, ReviewProposal
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.semantic import annotator, application, entity, facts, llm_merge, review, structure
from dataraum_context.semantic.llm_merge import LLMAnnotations
from dataraum_context.semantic.models import ColumnAnnotation, OntologyApplicationResult, TableEntityResult
from dataraum_context.staging import StagedTable
from dataraum_context.topology.models import RelationshipResult
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypedTableResult


def semantic_column_facts(
    staged_tables: list[StagedTable],
    type_decisions: list[ColumnTypeDecision],
    column_units: dict[str, dict[str, UnitResult]],
) -> list[ColumnFacts]:
    """Every column's words (prefix stripped, abbreviations expanded), decided type, pattern and unit."""
    return facts.column_facts(staged_tables, type_decisions, column_units)


@tag(memo="never")  # reads the ontology files
def ontology_files(ontology: str | None) -> str:
    """A hash of the ontology files this run may read (shipped ones and an `--ontology` path)."""
    return loader.files_fingerprint(ontology)


def ontology_choice(
    ontology: str | None, semantic_column_facts: list[ColumnFacts], ontology_files: str
) -> OntologyChoice:
    """The ontology applied: `ontology` (`--ontology`: name or YAML path), else the best-matching shipped one."""
    return selection.choose(ontology, semantic_column_facts)


@tag(per_table="true")
def column_value_samples(
    staged_tables: list[StagedTable], sample_tables: dict[str, str], duckdb_con: duckdb.DuckDBPyConnection
) -> dict[str, dict[str, list[list]]]:
    """Per table and column, the most frequent distinct values of the row sample (for the value detectors)."""
    return {
        table.table_name: sample_values(duckdb_con, sample_tables[table.table_name], [c.name for c in table.columns])
        for table in staged_tables
    }


def rule_annotations(
    staged_tables: list[StagedTable],
    table_profiles: list[TableProfileResult],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
    column_value_samples: dict[str, dict[str, list[list]]],
    semantic_column_facts: list[ColumnFacts],
    ontology_choice: OntologyChoice,
) -> list[ColumnAnnotation]:
    """Deterministic annotation of every column: role, entity, business name, description, term, evidence
    (meaning from the name and the values: `annotator.meaning`)."""
    views = facts.column_views(
        semantic_column_facts, staged_tables, table_profiles, column_patterns, column_value_samples
    )
    return annotator.annotate(views, ontology_choice.ontology)


def structural_annotations(
    rule_annotations: list[ColumnAnnotation],
    candidate_keys: dict[str, list[list[str]]],
    relationships: list[RelationshipResult],
) -> list[ColumnAnnotation]:
    """The rule annotations reconciled with topology's keys and relationships (after its review):
    key and foreign-key roles follow them, entity names drop a prefix every table shares."""
    return structure.reconcile(rule_annotations, candidate_keys, relationships)


def semantic_briefs(
    llm: str | None,
    staged_tables: list[StagedTable],
    table_profiles: list[TableProfileResult],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
    type_decisions: list[ColumnTypeDecision],
    semantic_column_facts: list[ColumnFacts],
    structural_annotations: list[ColumnAnnotation],
    ontology_choice: OntologyChoice,
    candidate_keys: dict[str, list[list[str]]],
    relationships: list[RelationshipResult],
) -> list[TableBrief]:
    """What the LLM may see of each table (samples only from non-PII columns), with the structure
    topology measured (keys, foreign keys and what they reference, referencing tables, kind) so
    the model does not contradict it; empty without an LLM."""
    if not llm:
        return []
    views = facts.column_views(semantic_column_facts, staged_tables, table_profiles, column_patterns)
    rows = {t.table_name: t.row_count for t in staged_tables}
    return llm_merge.build_briefs(
        views, structural_annotations, type_decisions, rows, ontology_choice.ontology, candidate_keys, relationships
    )


def llm_annotations(semantic_briefs: list[TableBrief], settings: Settings) -> LLMAnnotations:
    """The LLM's proposals per table (cached by content), or nothing when no LLM is configured.
    (The one node given the whole settings: provider, model, keys, budget and cache all configure it.)"""
    if not settings.llm:
        return LLMAnnotations()
    try:
        from dataraum_context.llm.annotate import annotate_tables
        from dataraum_context.llm.cache import LLMCacheStore
    except ImportError as exc:
        raise ConfigError(f"--llm {settings.llm} is set but the LLM annotator is not available: {exc}") from None
    proposals, report = annotate_tables(semantic_briefs, settings, cache=LLMCacheStore.from_settings(settings))
    return LLMAnnotations(proposals=proposals, report=report)


def merged_annotations(
    structural_annotations: list[ColumnAnnotation],
    llm_annotations: LLMAnnotations,
    ontology_choice: OntologyChoice,
    candidate_keys: dict[str, list[list[str]]],
    relationships: list[RelationshipResult],
) -> list[ColumnAnnotation]:
    """Structural annotations with the LLM's valid proposals applied (source 'llm'); key and
    foreign-key roles that follow measured structure stay."""
    return llm_merge.merge_columns(
        structural_annotations, llm_annotations, ontology_choice.ontology, candidate_keys, relationships
    )


@tag(gate="semantic_review")
def semantic_review_proposals(
    merged_annotations: list[ColumnAnnotation], semantic_column_facts: list[ColumnFacts],
    semantic_review_threshold: float,
) -> list[ReviewProposal]:
    """Annotations below `semantic_review_threshold`, with their evidence, for a person to decide."""
    return review.proposals(merged_annotations, semantic_column_facts, semantic_review_threshold)


def semantic_annotations(
    merged_annotations: list[ColumnAnnotation],
    semantic_review_proposals: list[ReviewProposal],
    semantic_column_facts: list[ColumnFacts],
    review_decisions: ReviewDecisions,
) -> list[ColumnAnnotation]:
    """The final annotation of every column: review decisions (made now or remembered) win."""
    return review.apply_decisions(merged_annotations, semantic_column_facts, review_decisions)


def table_entities(
    semantic_annotations: list[ColumnAnnotation],
    llm_annotations: LLMAnnotations,
    staged_tables: list[StagedTable],
    table_profiles: list[TableProfileResult],
    column_patterns: dict[str, dict[str, list[PatternMatch]]],
    semantic_column_facts: list[ColumnFacts],
    typed_tables: list[TypedTableResult],
    ontology_choice: OntologyChoice,
    candidate_keys: dict[str, list[list[str]]],
    relationships: list[RelationshipResult],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> list[TableEntityResult]:
    """Per table: entity type, fact, dimension or bridge (structure first), and a grain that is
    one of its candidate keys."""
    views = facts.column_views(semantic_column_facts, staged_tables, table_profiles, column_patterns)
    typed = {t.table_name: (t.typed_table, t.row_count) for t in typed_tables}
    found = entity.table_entities(
        duckdb_con, views, semantic_annotations, typed, ontology_choice.ontology, candidate_keys, relationships
    )
    merged = llm_merge.merge_entities(duckdb_con, found, llm_annotations, typed)
    return entity.keep_grain_in_keys(merged, found, candidate_keys)


def ontology_applications(
    semantic_annotations: list[ColumnAnnotation],
    ontology_choice: OntologyChoice,
    typed_tables: list[TypedTableResult],
) -> list[OntologyApplicationResult]:
    """Per table: the concepts its columns hold, the metrics computable (SQL), the rules that apply."""
    typed = {t.table_name: t.typed_table for t in typed_tables}
    return application.apply_ontology(ontology_choice.ontology, semantic_annotations, typed)


def ontology_quality_rules(ontology_applications: list[OntologyApplicationResult]) -> list[dict]:
    """Quality rules the ontology gives the matched columns: {rule_name, table_name, column_name,
    concept, rule_type, expression (template over {column}), sql, severity, description, source}."""
    return [rule for app in ontology_applications for rule in app.rules]
