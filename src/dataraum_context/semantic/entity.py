"""Table entities: what one row is, fact or dimension, and the grain.

Fact signals: several foreign keys, additive measures, a date, many rows compared
with the other tables. Dimension signals: referenced by other tables' foreign keys,
few rows, mostly descriptive columns (no additive measure). The side with more
points wins; the margin gives the confidence. Every point is listed in the evidence.
"""

from __future__ import annotations

from statistics import median

import duckdb

from dataraum_context.ontology.loader import LoadedOntology
from dataraum_context.semantic import grain as grain_mod
from dataraum_context.semantic import naming
from dataraum_context.semantic.facts import ColumnView
from dataraum_context.semantic.models import ColumnAnnotation, TableEntityResult

MANY_ROWS = 100_000
FEW_ROWS = 100


def _additive(annotation: ColumnAnnotation, ontology: LoadedOntology) -> bool:
    if annotation.role != "measure":
        return False
    concept = ontology.definition.concept(annotation.ontology_term) if annotation.ontology_term else None
    return concept is None or concept.temporal_behavior in (None, "additive")


def classify(
    table: str,
    rows: int,
    all_rows: dict[str, int],
    annotations: list[ColumnAnnotation],
    referenced_by: list[str],
    ontology: LoadedOntology,
) -> tuple[bool, float, dict[str, list[str]]]:
    """(is_fact, confidence, {"fact": reasons, "dimension": reasons})."""
    fact: list[tuple[float, str]] = []
    dim: list[tuple[float, str]] = []
    fks = [a.column_name for a in annotations if a.role == "foreign_key"]
    additive = [a.column_name for a in annotations if _additive(a, ontology)]
    dates = [a.column_name for a in annotations if a.role == "timestamp"]
    descriptive = [a for a in annotations if a.role in ("attribute", "dimension")]
    others = [a for a in annotations if a.role not in ("key", "foreign_key")]
    if len(fks) >= 2:
        fact.append((2.0, f"{len(fks)} foreign keys ({', '.join(fks)})"))
    elif fks:
        fact.append((1.0, f"foreign key {fks[0]}"))
    if additive:
        fact.append((min(2.0, float(len(additive))), f"additive measures ({', '.join(additive)})"))
    if dates:
        fact.append((1.0, f"dates ({', '.join(dates)})"))
    sizes = list(all_rows.values())
    mid = median(sizes) if sizes else rows
    if rows >= MANY_ROWS or (len(sizes) > 1 and rows >= mid and rows > min(sizes)):
        fact.append((1.0, f"many rows ({rows}; median over tables {mid:g})"))
    elif rows <= FEW_ROWS or (len(sizes) > 1 and rows < mid):
        dim.append((1.0, f"few rows ({rows}; median over tables {mid:g})"))
    if referenced_by:
        dim.append((2.0, f"referenced by {', '.join(sorted(set(referenced_by)))}"))
    if not additive and others and len(descriptive) * 2 >= len(others):
        dim.append((1.0, f"descriptive columns ({len(descriptive)} of {len(others)}), no additive measure"))
    if not fks:
        dim.append((0.5, "no foreign keys"))
    f_score = sum(p for p, _ in fact)
    d_score = sum(p for p, _ in dim)
    is_fact = f_score > d_score
    total = f_score + d_score
    margin = abs(f_score - d_score) / total if total else 0.0
    confidence = round(0.5 + 0.45 * margin, 3)
    return is_fact, confidence, {"fact": [r for _, r in fact], "dimension": [r for _, r in dim]}


def table_entities(
    con: duckdb.DuckDBPyConnection,
    views: dict[str, list[ColumnView]],
    annotations: list[ColumnAnnotation],
    typed: dict[str, tuple[str, int]],
    ontology: LoadedOntology,
) -> list[TableEntityResult]:
    """The entity of every table (`typed`: table -> (typed table, rows))."""
    by_table: dict[str, list[ColumnAnnotation]] = {}
    for a in annotations:
        by_table.setdefault(a.table_name, []).append(a)
    referenced: dict[str, list[str]] = {}
    for a in annotations:
        if a.role == "foreign_key" and a.references and a.references.get("table"):
            referenced.setdefault(a.references["table"], []).append(a.table_name)
    all_rows = {t: typed[t][1] for t in views if t in typed}
    result: list[TableEntityResult] = []
    for table, columns in views.items():
        if table not in typed:
            continue
        typed_table, rows = typed[table]
        mine = by_table.get(table, [])
        is_fact, confidence, reasons = classify(table, rows, all_rows, mine, referenced.get(table, []), ontology)
        found = grain_mod.find_grain(con, typed_table, rows, columns, {a.column_name: a for a in mine})
        entity = naming.snake(naming.entity_words(table))
        kind = "fact" if is_fact else "dimension"
        grain_text = f" by ({', '.join(found.columns)})" if found.columns else ""
        result.append(
            TableEntityResult(
                table_name=table,
                entity_type=entity,
                description=f"{naming.business_name(entity.split('_'))} records ({kind} table), {rows} rows{grain_text}.",
                is_fact=is_fact,
                is_dimension=not is_fact,
                grain=found.columns,
                grain_verified=found.columns is not None,
                confidence=confidence,
                evidence={**reasons, "grain": found.evidence, "grain_checks": found.checks},
                source="rules",
            )
        )
    return result
