"""The LLM side of the semantic stage: briefs for the annotator, and merging its proposals.

Briefs describe each column by name, decided type, pattern, unit and statistics, with
up to five sample values for columns not flagged as personal data (`is_pii`: the top
detector pattern is PII, the column holds an e-mail/phone/address/person-name concept,
or a `name` column of people holds capitalised personal names). The LLM package
enforces the same privacy rules again before anything is sent.

Merging: a valid column proposal replaces the rule annotation (`source='llm'`,
`annotated_by` = the model); an ontology term outside the ontology is dropped (the
rules' term stays); columns the model skipped keep their rule annotation. Structure is
measured, not proposed: a column whose `key` / `foreign_key` role follows topology's keys
and relationships keeps it (the model's other role is noted in the evidence), and a table
whose kind structure decided (referenced by others, or a bridge) keeps it. The briefs carry
that structure so the model can agree with it in the first place.
"""

from __future__ import annotations

import duckdb
from pydantic import BaseModel, Field

from dataraum_context.llm.models import (
    ColumnBrief,
    LLMRunReport,
    TableAnnotationProposal,
    TableBrief,
)
from dataraum_context.ontology.loader import LoadedOntology
from dataraum_context.semantic import grain as grain_mod
from dataraum_context.semantic import structure
from dataraum_context.semantic.facts import ColumnView
from dataraum_context.semantic.models import ColumnAnnotation, TableEntityResult
from dataraum_context.topology.models import RelationshipResult
from dataraum_context.type_resolution.models import ColumnTypeDecision

MAX_SAMPLES = 5


class LLMAnnotations(BaseModel):
    """What the LLM proposed per table (None: keep the rules), and the run report."""

    proposals: dict[str, TableAnnotationProposal | None] = Field(default_factory=dict)
    report: LLMRunReport | None = None

    @property
    def model(self) -> str | None:
        return self.report.model if self.report and self.report.model else None


def _samples(view: ColumnView, decision: ColumnTypeDecision | None) -> list[str]:
    values = list(decision.sample_values) if decision else []
    if not values and view.profile is not None:
        values = [str(v.get("value")) for v in view.profile.top_values]
    return [str(v) for v in values if v is not None][:MAX_SAMPLES]


def build_briefs(
    views: dict[str, list[ColumnView]],
    annotations: list[ColumnAnnotation],
    decisions: list[ColumnTypeDecision],
    rows: dict[str, int],
    ontology: LoadedOntology,
    keys: dict[str, list[list[str]]] | None = None,
    relationships: list[RelationshipResult] | None = None,
) -> list[TableBrief]:
    """One brief per table. `annotations` are the structural ones (`structure.reconcile`): with
    `keys` and `relationships` from topology the brief carries what was measured (candidate keys,
    key and foreign-key columns with their references, referencing tables, a kind structure
    decided) so the model does not contradict it."""
    pii = {(a.table_name, a.column_name): a.is_pii for a in annotations}
    keys = keys or {}
    relationships = relationships or []
    referenced = structure.referenced_by(relationships)
    bridges = structure.bridge_tables({t: [v.name for v in cols] for t, cols in views.items()}, keys, relationships)
    measured = structure.measured_roles(annotations, keys, relationships)
    by_decision = {(d.table_name, d.column_name): d for d in decisions}
    concepts = [c.name for c in ontology.definition.concepts]
    briefs = []
    for table, columns in views.items():
        column_briefs = []
        for view in columns:
            key = (table, view.name)
            is_pii = pii.get(key, False)
            p = view.profile
            stats = {}
            if p is not None:
                stats = {
                    k: v
                    for k, v in {
                        "min": p.min_value, "max": p.max_value, "mean": p.mean_value,
                        "min_length": p.min_length, "max_length": p.max_length, "avg_length": p.avg_length,
                    }.items()
                    if v is not None
                }
            a = measured.get(key)
            role = a.role if a is not None else None
            ref = (a.references or {}) if a is not None and role == "foreign_key" else {}
            column_briefs.append(
                ColumnBrief(
                    structure_role=role,
                    references=f"{ref['table']}.{ref['column']}" if ref.get("table") and ref.get("column") else None,
                    name=view.name,
                    resolved_type=view.facts.decided_type,
                    pattern=view.facts.pattern,
                    unit=view.facts.unit,
                    null_ratio=p.null_ratio if p else None,
                    distinct_count=p.distinct_count if p else None,
                    cardinality_ratio=p.cardinality_ratio if p else None,
                    is_pii=is_pii,
                    sample_values=[] if is_pii else _samples(view, by_decision.get(key)),
                    stats=stats,
                )
            )
        briefs.append(
            TableBrief(
                table_name=table,
                row_count=rows.get(table, 0),
                columns=column_briefs,
                ontology=ontology.name,
                ontology_concepts=concepts,
                candidate_keys=[list(k) for k in keys.get(table) or []],
                referenced_by=sorted(set(referenced.get(table, []))),
                kind="bridge" if table in bridges else ("dimension" if referenced.get(table) else None),
            )
        )
    return briefs


def merge_columns(
    annotations: list[ColumnAnnotation],
    llm: LLMAnnotations,
    ontology: LoadedOntology,
    keys: dict[str, list[list[str]]] | None = None,
    relationships: list[RelationshipResult] | None = None,
) -> list[ColumnAnnotation]:
    """Rule annotations with valid LLM proposals applied; a `key` / `foreign_key` role that
    follows measured structure (`keys`, `relationships`) stays whatever the model says."""
    model = llm.model or "llm"
    measured = structure.measured_roles(annotations, keys or {}, relationships or [])
    proposed = {
        (table, c.column_name): c
        for table, proposal in llm.proposals.items()
        if proposal is not None
        for c in proposal.columns
    }
    merged = []
    for a in annotations:
        p = proposed.get((a.table_name, a.column_name))
        if p is None:
            merged.append(a)
            continue
        term = p.ontology_term if p.ontology_term and ontology.definition.concept(p.ontology_term) else a.ontology_term
        dropped = [f"llm ontology term {p.ontology_term!r} is not in {ontology.name}"] if p.ontology_term and term != p.ontology_term else []
        role, entity_type = p.semantic_role, p.entity_type or a.entity_type
        if (a.table_name, a.column_name) in measured and role != a.role:
            dropped.append(f"llm role {role!r} contradicts the measured structure: {a.role} stays")
            role, entity_type = a.role, a.entity_type
        merged.append(
            a.model_copy(
                update={
                    "role": role,
                    "entity_type": entity_type,
                    "business_name": p.business_name or a.business_name,
                    "description": p.description or a.description,
                    "ontology_term": term,
                    "confidence": round(p.confidence, 3),
                    "source": "llm",
                    "annotated_by": model,
                    "references": a.references if role == "foreign_key" else None,
                    "evidence": [f"llm {model}", *dropped, f"rules said {a.role} ({a.confidence})", *a.evidence],
                }
            )
        )
    return merged


def merge_entities(
    con: duckdb.DuckDBPyConnection,
    entities: list[TableEntityResult],
    llm: LLMAnnotations,
    typed: dict[str, tuple[str, int]],
) -> list[TableEntityResult]:
    """Rule entities with the LLM's entity type, fact flag and description; its grain only
    when DuckDB confirms it is unique (otherwise the rules' grain stays). The fact flag of a
    table whose kind structure decided (referenced by others, or a bridge) stays."""
    model = llm.model or "llm"
    result = []
    for entity in entities:
        p = llm.proposals.get(entity.table_name)
        if p is None:
            result.append(entity)
            continue
        evidence = {**entity.evidence, "llm": model, "rules_is_fact": entity.is_fact}
        update: dict[str, object] = {
            "entity_type": p.entity_type or entity.entity_type,
            "description": p.description or entity.description,
            "source": "llm",
        }
        if entity.evidence.get("decided_by") == "structure":
            # Referenced by other tables, or a bridge: measured structure decides the kind; the
            # model's opinion is kept in the evidence only.
            evidence["llm_is_fact"] = p.is_fact
        else:
            update.update(is_fact=p.is_fact, is_dimension=not p.is_fact)
            evidence["kind"] = "fact" if p.is_fact else "dimension"
        update["evidence"] = evidence
        table, rows = typed.get(entity.table_name, ("", 0))
        if p.grain and p.grain != entity.grain and table and grain_mod.is_unique(con, table, rows, p.grain):
            update.update(grain=list(p.grain), grain_verified=True)
        result.append(entity.model_copy(update=update))
    return result
