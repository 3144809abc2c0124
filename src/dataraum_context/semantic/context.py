"""The semantic stage's part of the context document.

- each column's `semantic`: {role, entity_type, business_name, ontology_term, source,
  confidence, description, annotated_by};
- each table's `entity`: {type, is_fact, kind, grain, header_of, measures_at_own_grain
  [{column, per, repeats_in, note}], description, confidence, source};
- top level `ontology`: {name, description, selection, matched_concepts (names),
  concept_columns [{concept, table, column}], metrics [{name, table, sql, description}]}.

Where the stage has not run, the keys stay `null`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.ontology.db_models import Ontology, OntologyApplication
from dataraum_context.semantic.db_models import SemanticAnnotation, TableEntity
from dataraum_context.storage.core import Column, Table


async def contribute(session: AsyncSession, doc: dict[str, Any]) -> None:
    """Fill this stage's keys of `doc` in place (tables and columns are looked up by name)."""
    rows = await session.execute(
        sa.select(Table.table_name, Column.column_name, SemanticAnnotation)
        .join(Column, Column.column_id == SemanticAnnotation.column_id)
        .join(Table, Table.table_id == Column.table_id)
        .where(Table.layer == "raw")
    )
    semantic = {(t, c): a for t, c, a in rows.all()}
    entity_rows = await session.execute(
        sa.select(Table.table_name, TableEntity)
        .join(Table, Table.table_id == TableEntity.table_id)
        .where(Table.layer == "raw")
        .order_by(TableEntity.detected_at)
    )
    entities = {t: e for t, e in entity_rows.all()}
    for table in doc.get("tables") or []:
        e = entities.get(table["name"])
        if e is not None:
            table["entity"] = {
                "type": e.detected_entity_type,
                "is_fact": e.is_fact_table,
                "kind": (e.evidence or {}).get("kind")
                or (None if e.is_fact_table is None else ("fact" if e.is_fact_table else "dimension")),
                "grain": e.grain_columns,
                # A table other tables reference: the line tables it heads, and its measures at its own
                # grain (they repeat on every referencing row after a join; never sum them there).
                "header_of": (e.evidence or {}).get("header_of"),
                "measures_at_own_grain": (e.evidence or {}).get("measures_at_own_grain"),
                "description": e.description,
                "confidence": e.confidence,
                "source": e.detection_source,
            }
        for column in table.get("columns") or []:
            a = semantic.get((table["name"], column["name"]))
            if a is None:
                continue
            column["semantic"] = {
                "role": a.semantic_role,
                "entity_type": a.entity_type,
                "business_name": a.business_name,
                "ontology_term": a.ontology_term,
                "source": a.annotation_source,
                "confidence": a.confidence,
                "description": a.business_description,
                "annotated_by": a.annotated_by,
            }
    doc["ontology"] = await _ontology(session, {t["name"] for t in doc.get("tables") or []})


async def _ontology(session: AsyncSession, tables: set[str]) -> dict[str, Any] | None:
    rows = (
        await session.execute(
            sa.select(Table.table_name, OntologyApplication, Ontology)
            .join(Table, Table.table_id == OntologyApplication.table_id)
            .join(Ontology, Ontology.ontology_id == OntologyApplication.ontology_id)
            .where(Table.layer == "raw")
            .order_by(OntologyApplication.applied_at.desc(), Table.table_name)
        )
    ).all()
    rows = [r for r in rows if r[0] in tables]
    if not rows:
        return None
    # The ontology of the latest application; applications of that ontology per table.
    latest = rows[0][2]
    apps = {}
    for table_name, app, ontology in rows:
        if ontology.ontology_id == latest.ontology_id and table_name not in apps:
            apps[table_name] = app
    concept_columns = []
    metrics = []
    for table_name in sorted(apps):
        app = apps[table_name]
        for m in app.matched_concepts or []:
            concept_columns.append({"concept": m.get("concept"), "table": table_name, "column": m.get("column")})
        for metric in app.applicable_metrics or []:
            metrics.append(
                {
                    "name": metric.get("name"),
                    "table": table_name,
                    "sql": metric.get("sql"),
                    "expression": metric.get("expression"),
                    "description": metric.get("description"),
                }
            )
    selection = next((a.selection for a in apps.values() if a.selection), None)
    return {
        "name": latest.name,
        "description": latest.description,
        "is_builtin": latest.is_builtin,
        "selection": selection,
        "matched_concepts": sorted({c["concept"] for c in concept_columns if c["concept"]}),
        "concept_columns": concept_columns,
        "metrics": metrics,
    }
