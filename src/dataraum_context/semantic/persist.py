"""Write the semantic stage's results to the metadata store.

- `semantic_annotations`: upserted by column (one row per column);
- `table_entities`: replaced per table;
- `ontologies`: the applied ontology upserted by name (`is_builtin` for shipped files);
- `ontology_applications`: replaced per table, with the run and how the ontology was chosen.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.ontology.db_models import Ontology, OntologyApplication
from dataraum_context.ontology.selection import OntologyChoice
from dataraum_context.contracts.run_context import RunContext
from dataraum_context.semantic.db_models import SemanticAnnotation, TableEntity
from dataraum_context.semantic.llm_merge import LLMAnnotations
from dataraum_context.semantic.models import ColumnAnnotation, OntologyApplicationResult, TableEntityResult
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.core import Column, Table
from dataraum_context.storage.lookup import raw_columns, raw_tables


async def _store_annotations(
    session: AsyncSession, annotations: list[ColumnAnnotation], columns: dict[tuple[str, str], Column], domain: str | None
) -> int:
    ids = [c.column_id for c in columns.values()]
    existing = {
        row.column_id: row
        for row in (
            await session.execute(sa.select(SemanticAnnotation).where(SemanticAnnotation.column_id.in_(ids)))
        ).scalars()
    }
    stored = 0
    for a in annotations:
        column = columns.get((a.table_name, a.column_name))
        if column is None:
            continue
        row = existing.get(column.column_id)
        if row is None:
            row = SemanticAnnotation(column_id=column.column_id)
            session.add(row)
        row.semantic_role = a.role
        row.entity_type = a.entity_type
        row.business_name = a.business_name
        row.business_description = a.description
        row.business_domain = domain
        row.ontology_term = a.ontology_term
        row.annotation_source = a.source
        row.annotated_by = a.annotated_by
        row.annotated_at = utcnow()
        row.confidence = a.confidence
        stored += 1
    return stored


async def _store_entities(session: AsyncSession, entities: list[TableEntityResult], tables: dict[str, Table]) -> None:
    ids = [tables[e.table_name].table_id for e in entities if e.table_name in tables]
    if ids:
        await session.execute(sa.delete(TableEntity).where(TableEntity.table_id.in_(ids)))
    for e in entities:
        table = tables.get(e.table_name)
        if table is None:
            continue
        session.add(
            TableEntity(
                table_id=table.table_id,
                detected_entity_type=e.entity_type,
                description=e.description,
                confidence=e.confidence,
                evidence={**e.evidence, "grain_verified": e.grain_verified},
                grain_columns=e.grain,
                is_fact_table=e.is_fact,
                is_dimension_table=e.is_dimension,
                detection_source=e.source,
            )
        )


async def _store_ontology(session: AsyncSession, choice: OntologyChoice) -> Ontology:
    definition = choice.ontology.definition
    row = (await session.execute(sa.select(Ontology).where(Ontology.name == definition.name))).scalar_one_or_none()
    if row is None:
        row = Ontology(name=definition.name)
        session.add(row)
    row.description = definition.description
    row.version = definition.version
    row.concepts = [c.model_dump(mode="json", exclude_none=True) for c in definition.concepts]
    row.metrics = [m.model_dump(mode="json") for m in definition.metrics]
    row.quality_rules = [r.model_dump(mode="json") for r in definition.quality_rules]
    row.semantic_hints = {
        "source": choice.ontology.source,
        "extends": definition.extends,
        "hints": [h.model_dump(mode="json", exclude_none=True) for h in definition.semantic_hints],
    }
    row.is_builtin = choice.ontology.is_builtin
    await session.flush()
    return row


async def _store_applications(
    session: AsyncSession,
    ctx: RunContext,
    applications: list[OntologyApplicationResult],
    tables: dict[str, Table],
    ontology: Ontology,
    choice: OntologyChoice,
) -> None:
    ids = [tables[a.table_name].table_id for a in applications if a.table_name in tables]
    if ids:
        await session.execute(sa.delete(OntologyApplication).where(OntologyApplication.table_id.in_(ids)))
    selection = {
        "mode": choice.mode,
        "reason": choice.reason,
        "scores": [s.model_dump(mode="json") for s in choice.scores],
    }
    for app in applications:
        table = tables.get(app.table_name)
        if table is None:
            continue
        session.add(
            OntologyApplication(
                table_id=table.table_id,
                ontology_id=ontology.ontology_id,
                matched_concepts=[m.model_dump(mode="json") for m in app.matched_concepts],
                applicable_metrics=[m.model_dump(mode="json") for m in app.metrics],
                applied_rules=app.rules,
                run_id=ctx.run_id,
                selection=selection,
            )
        )


async def persist_semantic(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Store what the stage's nodes returned; returns small references for the checkpoint."""
    annotations: list[ColumnAnnotation] = results.get("semantic_annotations") or []
    entities: list[TableEntityResult] = results.get("table_entities") or []
    applications: list[OntologyApplicationResult] = results.get("ontology_applications") or []
    choice: OntologyChoice | None = results.get("ontology_choice")
    llm: LLMAnnotations | None = results.get("llm_annotations")
    names = {a.table_name for a in annotations} | {e.table_name for e in entities} | {a.table_name for a in applications}
    tables = await raw_tables(session, names)
    columns = await raw_columns(session, names)
    domain = choice.ontology.definition.domain if choice else None
    stored = await _store_annotations(session, annotations, columns, domain)
    await _store_entities(session, entities, tables)
    if choice is not None:
        ontology = await _store_ontology(session, choice)
        await _store_applications(session, ctx, applications, tables, ontology, choice)
        ctx.summary["ontology"] = {"name": choice.name, "mode": choice.mode, "reason": choice.reason}
    sources: dict[str, int] = {}
    for a in annotations:
        sources[a.source] = sources.get(a.source, 0) + 1
    ctx.summary["semantic"] = {"annotations": stored, "sources": sources}
    if llm is not None and llm.report is not None:
        ctx.summary["llm"] = llm.report.model_dump(mode="json")
    return {"annotations": stored, "ontology": choice.name if choice else None}
