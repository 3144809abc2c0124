"""Applying the chosen ontology to each table: concepts found, metrics computable, rules.

Concepts come from the final annotations (`ontology_term`), so a reviewer's correction
counts. A metric applies to a table when every concept it requires is held by a column
of that table; its formula's `{concept}` placeholders become quoted column names and
the SQL is a query over the typed table. A quality rule applies to every column holding
its concept; `{column}` becomes the quoted column name.
"""

from __future__ import annotations

from typing import Any

from dataraum_context.ontology.loader import LoadedOntology
from dataraum_context.ontology.schema import Metric, formula_placeholders
from dataraum_context.semantic.models import (
    ApplicableMetric,
    ColumnAnnotation,
    MatchedConcept,
    OntologyApplicationResult,
)
from dataraum_context.sqlutil import quote_ident


def metric_expression(metric: Metric, columns: dict[str, str]) -> str:
    """The formula with each `{concept}` replaced by its quoted column."""
    expression = metric.formula
    for concept in set(formula_placeholders(metric.formula)):
        expression = expression.replace("{" + concept + "}", quote_ident(columns[concept]))
    return expression


def rule_sql(expression: str, column: str) -> str:
    return expression.replace("{column}", quote_ident(column))


def apply_ontology(
    ontology: LoadedOntology,
    annotations: list[ColumnAnnotation],
    typed_tables: dict[str, str],
) -> list[OntologyApplicationResult]:
    """One application per table (`typed_tables`: table -> quoted typed table)."""
    definition = ontology.definition
    by_table: dict[str, list[ColumnAnnotation]] = {}
    for annotation in annotations:
        by_table.setdefault(annotation.table_name, []).append(annotation)
    results: list[OntologyApplicationResult] = []
    for table, typed in typed_tables.items():
        matched = [
            MatchedConcept(
                concept=a.ontology_term, column=a.column_name, confidence=a.confidence, source=a.source
            )
            for a in by_table.get(table, [])
            if a.ontology_term and definition.concept(a.ontology_term) is not None
        ]
        best: dict[str, MatchedConcept] = {}
        for m in matched:
            if m.concept not in best or m.confidence > best[m.concept].confidence:
                best[m.concept] = m
        columns = {concept: m.column for concept, m in best.items()}
        metrics = []
        for metric in definition.metrics:
            if all(c in columns for c in metric.required_concepts):
                expression = metric_expression(metric, columns)
                metrics.append(
                    ApplicableMetric(
                        name=metric.name,
                        description=metric.description,
                        required_concepts=list(metric.required_concepts),
                        columns={c: columns[c] for c in metric.required_concepts},
                        expression=expression,
                        sql=f"SELECT {expression} AS {quote_ident(metric.name)} FROM {typed}",
                    )
                )
        rules: list[dict[str, Any]] = []
        for rule in definition.quality_rules:
            for m in matched:
                if m.concept != rule.concept:
                    continue
                rules.append(
                    {
                        "rule_name": f"{rule.concept}_{rule.rule_type}",
                        "table_name": table,
                        "column_name": m.column,
                        "concept": rule.concept,
                        "rule_type": rule.rule_type,
                        "expression": rule.expression,
                        "sql": rule_sql(rule.expression, m.column),
                        "severity": rule.severity,
                        "description": rule.description,
                        "source": "ontology",
                        "ontology": definition.name,
                    }
                )
        results.append(
            OntologyApplicationResult(
                table_name=table, ontology=definition.name, matched_concepts=matched, metrics=metrics, rules=rules
            )
        )
    return results
