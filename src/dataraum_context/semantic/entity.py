"""Table entities: what one row is, fact or dimension, and the grain.

Fact signals: several foreign keys, additive measures, a date, many rows compared
with the other tables. Dimension signals: referenced by other tables' foreign keys,
few rows, mostly descriptive columns (no additive measure). The side with more
points wins; the margin gives the confidence. Every point is listed in the evidence.

Structure first (when the topology stage's keys and relationships are given): a table
that other tables reference is a dimension of the tables that reference it, also when its
rows are events with measures of their own (an order header referenced by its lines, an
invoice by its invoice lines: issue 13's acceptance, "every table referenced by another
labelled a dimension"). Such a table's additive measures are flagged as measures at its own
grain (`measures_at_own_grain`; `header_of` names the line tables of an event header, one
with a date): joined to a referencing table they repeat on every one of its rows, so they
must be aggregated over the header table itself, never summed after the join. A bridge
table (two foreign keys making its key, nothing else) is a bridge, neither fact nor
dimension. The grain is one of the table's candidate keys (the one whose columns the
annotations prefer), so the grain and the candidate keys never contradict each other; no
candidate key, no grain.
"""

from __future__ import annotations

from statistics import median

import duckdb

from dataraum_context.ontology.loader import LoadedOntology
from dataraum_context.semantic import grain as grain_mod
from dataraum_context.semantic import naming
from dataraum_context.semantic.facts import ColumnView
from dataraum_context.semantic.models import ColumnAnnotation, TableEntityResult
from dataraum_context.semantic import structure
from dataraum_context.topology.models import RelationshipResult

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
    if referenced_by:
        referencing = ", ".join(sorted(set(referenced_by)))
        if additive:
            reason = (
                f"structure: referenced by {referencing}, so a dimension of them; its measures ({', '.join(additive)}) "
                "are at its own grain and repeat on every referencing row after a join"
            )
        else:
            reason = f"structure: referenced by {referencing} and no measures of its own"
        return False, 0.9, {"fact": [r for _, r in fact], "dimension": [reason, *(r for _, r in dim)]}
    f_score = sum(p for p, _ in fact)
    d_score = sum(p for p, _ in dim)
    is_fact = f_score > d_score
    total = f_score + d_score
    margin = abs(f_score - d_score) / total if total else 0.0
    confidence = round(0.5 + 0.45 * margin, 3)
    return is_fact, confidence, {"fact": [r for _, r in fact], "dimension": [r for _, r in dim]}


def own_grain_measures(
    table: str, entity: str, annotations: list[ColumnAnnotation], referenced_by: list[str], ontology: LoadedOntology
) -> list[dict[str, object]]:
    """The additive measures of a table other tables reference, each with where it repeats and
    a note: `orders.o_totalprice` is per order; joined to `lineitem` it repeats on every line."""
    return [
        {
            "column": a.column_name,
            "per": entity,
            "repeats_in": list(referenced_by),
            "note": structure.own_grain_note(table, a.column_name, entity, referenced_by),
        }
        for a in annotations
        if _additive(a, ontology)
    ]


def _grain_from_keys(
    keys: list[list[str]], annotations: dict[str, ColumnAnnotation], views: list[ColumnView]
) -> grain_mod.GrainResult:
    """The candidate key the annotations prefer (key, then foreign keys with a line number, ...)."""
    if not keys:
        return grain_mod.GrainResult(None, 0, ["no candidate key: no set of up to three columns is unique and non-null"])
    by_name = {v.name: v for v in views}

    def rank(key: list[str]) -> tuple[float, int, int]:
        ranks = [
            grain_mod._rank(by_name[c], annotations.get(c)) if c in by_name else None
            for c in key
        ]
        return (len(key), sum(3.5 if r is None else r for r in ranks), keys.index(key))

    best = min(keys, key=rank)
    others = [k for k in keys if k != best]
    evidence = [f"({', '.join(best)}) is a candidate key (unique and non-null, verified by topology)"]
    if others:
        evidence.append("other candidate keys: " + "; ".join(f"({', '.join(k)})" for k in others[:5]))
    return grain_mod.GrainResult(list(best), 0, evidence)


def table_entities(
    con: duckdb.DuckDBPyConnection,
    views: dict[str, list[ColumnView]],
    annotations: list[ColumnAnnotation],
    typed: dict[str, tuple[str, int]],
    ontology: LoadedOntology,
    keys: dict[str, list[list[str]]] | None = None,
    relationships: list[RelationshipResult] | None = None,
) -> list[TableEntityResult]:
    """The entity of every table (`typed`: table -> (typed table, rows)). With `keys` (candidate
    keys) and `relationships` from topology, structure decides references, bridges and grain."""
    by_table: dict[str, list[ColumnAnnotation]] = {}
    for a in annotations:
        by_table.setdefault(a.table_name, []).append(a)
    referenced: dict[str, list[str]] = {}
    if relationships is None:
        for a in annotations:
            if a.role == "foreign_key" and a.references and a.references.get("table"):
                referenced.setdefault(a.references["table"], []).append(a.table_name)
    else:
        referenced = structure.referenced_by(relationships)
    bridges = (
        structure.bridge_tables({t: [v.name for v in cols] for t, cols in views.items()}, keys or {}, relationships)
        if relationships is not None
        else set()
    )
    prefix = structure.shared_prefix([t for t in views if t in typed])
    all_rows = {t: typed[t][1] for t in views if t in typed}
    result: list[TableEntityResult] = []
    for table, columns in views.items():
        if table not in typed:
            continue
        typed_table, rows = typed[table]
        mine = by_table.get(table, [])
        is_fact, confidence, reasons = classify(table, rows, all_rows, mine, referenced.get(table, []), ontology)
        by_column = {a.column_name: a for a in mine}
        if keys is not None and table in keys:
            found = _grain_from_keys(keys[table], by_column, columns)
        else:
            found = grain_mod.find_grain(con, typed_table, rows, columns, by_column)
        entity = structure.entity_name(table, prefix)
        kind = "fact" if is_fact else "dimension"
        is_dimension = not is_fact
        if table in bridges:
            kind, is_fact, is_dimension = "bridge", False, False
            reasons = {**reasons, "bridge": ["structure: its key is made of foreign keys to two or more tables, nothing else"]}
            confidence = 0.9
        refs = sorted(set(referenced.get(table, [])))
        structural: dict[str, object] = {}
        if refs and table not in bridges:
            structural["decided_by"] = "structure"
            own = own_grain_measures(table, entity, mine, refs, ontology)
            if own:
                structural["measures_at_own_grain"] = own
                if any(a.role == "timestamp" for a in mine):
                    structural["header_of"] = refs
        elif table in bridges:
            structural["decided_by"] = "structure"
        grain_text = f" by ({', '.join(found.columns)})" if found.columns else ""
        result.append(
            TableEntityResult(
                table_name=table,
                entity_type=entity,
                description=f"{naming.business_name(entity.split('_'))} records ({kind} table), {rows} rows{grain_text}.",
                is_fact=is_fact,
                is_dimension=is_dimension,
                grain=found.columns,
                grain_verified=found.columns is not None,
                confidence=confidence,
                evidence={
                    **reasons, "kind": kind, "grain": found.evidence, "grain_checks": found.checks, **structural,
                },
                source="rules",
            )
        )
    return result


def keep_grain_in_keys(
    entities: list[TableEntityResult], rules: list[TableEntityResult], keys: dict[str, list[list[str]]]
) -> list[TableEntityResult]:
    """A grain (an LLM's) that is none of the table's candidate keys gives way to the rules' grain,
    so the document never shows a grain next to candidate keys that contradict it."""
    by_table = {e.table_name: e for e in rules}
    result = []
    for e in entities:
        table_keys = keys.get(e.table_name)
        rule = by_table.get(e.table_name)
        if table_keys is not None and rule is not None and e.grain is not None and e.grain not in table_keys:
            e = e.model_copy(update={
                "grain": rule.grain, "grain_verified": rule.grain_verified,
                "evidence": {**e.evidence, "grain_not_a_key": e.grain},
            })
        result.append(e)
    return result
