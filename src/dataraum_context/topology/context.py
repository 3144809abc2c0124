"""The topology stage's part of the context document: candidate keys, relationships, join paths.

Relationships are listed with their review status (`accepted`, `candidate`, `confirmed`,
`rejected`: a rejected one is kept so readers know it was looked at and turned down).
Nothing is filled in before the stage has run: the keys stay `null`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dataraum_context.storage.core import Column, Table
from dataraum_context.topology.db_models import JoinPath, Relationship


async def relationship_rows(session: AsyncSession) -> list[tuple[Any, str, str, str, str]]:
    """Stored relationships with their names: (row, from table, first from column, to table, first to column)."""
    from_table, to_table = aliased(Table), aliased(Table)
    from_column, to_column = aliased(Column), aliased(Column)
    rows = await session.execute(
        sa.select(Relationship, from_table.table_name, from_column.column_name, to_table.table_name, to_column.column_name)
        .join(from_table, from_table.table_id == Relationship.from_table_id)
        .join(to_table, to_table.table_id == Relationship.to_table_id)
        .join(from_column, from_column.column_id == Relationship.from_column_id)
        .join(to_column, to_column.column_id == Relationship.to_column_id)
    )
    return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def _relationships(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await relationship_rows(session)
    entries = [
        {
            "from_table": ft,
            "from_columns": list(r.from_columns or [fc]),
            "to_table": tt,
            "to_columns": list(r.to_columns or [tc]),
            "relationship_type": r.relationship_type,
            "cardinality": r.cardinality,
            "optional": (r.evidence or {}).get("optional"),
            "confidence": r.confidence,
            "coverage": r.coverage,
            "orphan_count": r.orphan_count,
            "status": r.status,
            "is_confirmed": r.is_confirmed,
            "detection_method": r.detection_method,
            "reasons": list((r.evidence or {}).get("reasons") or []),
        }
        for r, ft, fc, tt, tc in rows
    ]
    entries.sort(key=lambda e: (e["relationship_type"], e["from_table"], e["from_columns"], e["to_table"], e["to_columns"]))
    return entries


async def _join_paths(session: AsyncSession) -> list[dict[str, Any]]:
    from_table, to_table = aliased(Table), aliased(Table)
    rows = await session.execute(
        sa.select(JoinPath, from_table.table_name, to_table.table_name)
        .join(from_table, from_table.table_id == JoinPath.from_table_id)
        .join(to_table, to_table.table_id == JoinPath.to_table_id)
    )
    entries = [
        {
            "from_table": ft,
            "to_table": tt,
            "steps": list(p.path_steps),
            "length": p.path_length,
            "total_confidence": p.total_confidence,
        }
        for p, ft, tt in rows.all()
    ]
    entries.sort(key=lambda e: (e["from_table"], e["to_table"], e["length"], -(e["total_confidence"] or 0), str(e["steps"])))
    return entries


async def contribute(session: AsyncSession, doc: dict[str, Any]) -> None:
    """Fill `relationships`, `join_paths` and each table's `candidate_keys` (when topology has run)."""
    keys = {
        name: value
        for name, value in (
            await session.execute(sa.select(Table.table_name, Table.candidate_keys).where(Table.layer == "raw"))
        ).all()
        if value is not None
    }
    for table in doc.get("tables") or []:
        if table.get("name") in keys:
            table["candidate_keys"] = keys[table["name"]]
    relationships = await _relationships(session)
    join_paths = await _join_paths(session)
    ran = bool(keys) or bool(relationships) or "topology" in (doc.get("stages") or [])
    if ran:
        doc["relationships"] = relationships
        doc["join_paths"] = join_paths
