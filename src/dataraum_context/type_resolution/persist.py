"""Write type candidates, decisions, layer tables and the resolved column types to the metadata store."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.storage.base import new_id, utcnow
from dataraum_context.storage.core import Table
from dataraum_context.storage.lookup import raw_columns
from dataraum_context.type_resolution.db_models import TypeCandidate, TypeDecision
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypeCandidateResult, TypedTableResult
from dataraum_context.type_resolution.typed import QUARANTINE_TABLE


def _upsert_layer(
    session: AsyncSession, layers: dict[tuple[Any, str, str], Table], raw: Table, layer: str, path: str, rows: int
) -> None:
    """The `layer` row of the raw table's name and source (`layers`: those that exist, read at once)."""
    table = layers.get((raw.source_id, raw.table_name, layer))
    if table is None:
        table = Table(source_id=raw.source_id, table_name=raw.table_name, layer=layer)
        session.add(table)
    table.duckdb_path = path
    table.row_count = rows


def _candidate_row(column_id: uuid.UUID, candidate: TypeCandidateResult) -> dict[str, Any]:
    """A `type_candidates` row, for one multi-row INSERT of all of them (not an ORM object each)."""
    return dict(
        candidate_id=new_id(),
        detected_at=utcnow(),
        column_id=column_id,
        data_type=candidate.data_type,
        confidence=candidate.confidence,
        parse_success_rate=candidate.parse_success_rate,
        failed_examples=candidate.failed_examples,
        detected_pattern=candidate.pattern,
        pattern_match_rate=candidate.pattern_match_rate,
        detected_unit=candidate.unit,
        unit_confidence=candidate.unit_confidence,
    )


async def persist_type_resolution(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Candidates, the final decisions (with the audit trail), resolved column types, and the
    typed/quarantine layer rows. Review items are stored by the runner's gate."""
    decisions: list[ColumnTypeDecision] = results["type_decisions"]
    typed_tables: list[TypedTableResult] = results["typed_tables"]
    tables = {d.table_name for d in decisions} | {t.table_name for t in typed_tables}
    columns = await raw_columns(session, tables)
    quarantined = {(t.table_name, c): n for t in typed_tables for c, n in t.quarantined.items()}

    column_ids = [c.column_id for c in columns.values()]
    if column_ids:
        await session.execute(sa.delete(TypeCandidate).where(TypeCandidate.column_id.in_(column_ids)))
    existing = {
        d.column_id: d
        for d in (
            await session.execute(sa.select(TypeDecision).where(TypeDecision.column_id.in_(column_ids)))
        ).scalars()
    }
    candidate_rows: list[dict[str, Any]] = []
    for decision in decisions:
        column = columns.get((decision.table_name, decision.column_name))
        if column is None:
            continue
        candidate_rows += [_candidate_row(column.column_id, candidate) for candidate in decision.candidates]
        row = existing.get(column.column_id)
        if row is None:
            row = TypeDecision(column_id=column.column_id, decided_type=decision.decided_type, decision_source=decision.decision_source)
            session.add(row)
        if decision.previous_type is not None:
            row.previous_type = decision.previous_type
        elif row.decided_type != decision.decided_type:
            row.previous_type = row.decided_type
        row.decided_type = decision.decided_type
        row.decision_source = decision.decision_source
        row.decided_at = utcnow()
        row.decided_by = decision.decided_by or "system"
        row.decision_reason = decision.reason
        row.confidence = decision.confidence
        row.detected_pattern = decision.pattern
        row.detected_unit = decision.unit
        row.quarantined_count = quarantined.get((decision.table_name, decision.column_name), 0)
        column.resolved_type = decision.decided_type
    if candidate_rows:
        await session.execute(sa.insert(TypeCandidate), candidate_rows)

    raw_tables = {
        t.table_name: t
        for t in (
            await session.execute(sa.select(Table).where(Table.layer == "raw", Table.table_name.in_(sorted(tables))))
        ).scalars()
    }
    layers = {
        (t.source_id, t.table_name, t.layer): t
        for t in (
            await session.execute(
                sa.select(Table).where(Table.layer.in_(("typed", "quarantine")), Table.table_name.in_(sorted(tables)))
            )
        ).scalars()
    }
    for typed in typed_tables:
        raw = raw_tables.get(typed.table_name)
        if raw is None:
            continue
        _upsert_layer(session, layers, raw, "typed", typed.typed_table, typed.row_count)
        _upsert_layer(session, layers, raw, "quarantine", QUARANTINE_TABLE, sum(typed.quarantined.values()))
    ctx.summary["quarantined_cells"] = sum(quarantined.values())
    return {
        "typed_tables": {t.table_name: t.typed_table for t in typed_tables},
        "quarantined": {f"{t}.{c}": n for (t, c), n in quarantined.items()},
    }
