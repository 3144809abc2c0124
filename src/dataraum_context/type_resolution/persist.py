"""Write type candidates, decisions, layer tables and review proposals to the metadata store."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.pipeline.context import RunContext
from dataraum_context.pipeline.db_models import ReviewItem
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.core import Column, Table
from dataraum_context.type_resolution.db_models import TypeCandidate, TypeDecision
from dataraum_context.type_resolution.models import (
    ColumnTypeDecision,
    ReviewProposal,
    TypeCandidateResult,
    TypedTableResult,
)
from dataraum_context.type_resolution.typed import QUARANTINE_TABLE


async def raw_columns(session: AsyncSession, table_names: set[str]) -> dict[tuple[str, str], Column]:
    """(table, column) -> Column row of the raw layer."""
    rows = await session.execute(
        sa.select(Table.table_name, Column)
        .join(Column, Column.table_id == Table.table_id)
        .where(Table.layer == "raw", Table.table_name.in_(sorted(table_names)))
    )
    return {(table_name, column.column_name): column for table_name, column in rows.all()}


async def _upsert_layer(session: AsyncSession, raw: Table, layer: str, path: str, rows: int) -> None:
    table = (
        await session.execute(
            sa.select(Table).where(
                Table.source_id == raw.source_id, Table.table_name == raw.table_name, Table.layer == layer
            )
        )
    ).scalar_one_or_none()
    if table is None:
        table = Table(source_id=raw.source_id, table_name=raw.table_name, layer=layer)
        session.add(table)
    table.duckdb_path = path
    table.row_count = rows


async def _replace_pending(
    session: AsyncSession, ctx: RunContext, proposals: list[ReviewProposal], columns: dict[tuple[str, str], Column]
) -> int:
    """Pending items of earlier runs for the same column and review type are replaced."""
    count = 0
    for proposal in proposals:
        column = columns.get((proposal.table_name, proposal.column_name))
        if column is None:
            continue
        await session.execute(
            sa.delete(ReviewItem).where(
                ReviewItem.item_id == column.column_id,
                ReviewItem.review_type == proposal.review_type,
                ReviewItem.status == "pending",
            )
        )
        session.add(
            ReviewItem(
                run_id=ctx.run_id,
                review_type=proposal.review_type,
                item_id=column.column_id,
                target=proposal.target,
                context_data=proposal.context,
                suggested_action=proposal.suggested_action,
                status="pending",
            )
        )
        count += 1
    return count


def _candidate_row(column_id: uuid.UUID, candidate: TypeCandidateResult) -> TypeCandidate:
    return TypeCandidate(
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
    decisions: list[ColumnTypeDecision] = results["type_decisions"]
    typed_tables: list[TypedTableResult] = results["typed_tables"]
    proposals: list[ReviewProposal] = results["type_review_proposals"]
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
    for decision in decisions:
        column = columns.get((decision.table_name, decision.column_name))
        if column is None:
            continue
        for candidate in decision.candidates:
            session.add(_candidate_row(column.column_id, candidate))
        row = existing.get(column.column_id)
        if row is None:
            row = TypeDecision(column_id=column.column_id, decided_type=decision.decided_type, decision_source=decision.decision_source)
            session.add(row)
        elif row.decided_type != decision.decided_type:
            row.previous_type = row.decided_type
        row.decided_type = decision.decided_type
        row.decision_source = decision.decision_source
        row.decided_at = utcnow()
        row.decided_by = "system"
        row.decision_reason = decision.reason
        row.confidence = decision.confidence
        row.detected_pattern = decision.pattern
        row.detected_unit = decision.unit
        row.quarantined_count = quarantined.get((decision.table_name, decision.column_name), 0)
        column.resolved_type = decision.decided_type

    raw_tables = {
        t.table_name: t
        for t in (
            await session.execute(sa.select(Table).where(Table.layer == "raw", Table.table_name.in_(sorted(tables))))
        ).scalars()
    }
    for typed in typed_tables:
        raw = raw_tables.get(typed.table_name)
        if raw is None:
            continue
        await _upsert_layer(session, raw, "typed", typed.typed_table, typed.row_count)
        await _upsert_layer(session, raw, "quarantine", QUARANTINE_TABLE, sum(typed.quarantined.values()))
    pending = await _replace_pending(session, ctx, proposals, columns)
    ctx.summary["review_pending"] = ctx.summary.get("review_pending", 0) + pending
    ctx.summary["quarantined_cells"] = sum(quarantined.values())
    return {
        "typed_tables": {t.table_name: t.typed_table for t in typed_tables},
        "quarantined": {f"{t}.{c}": n for (t, c), n in quarantined.items()},
    }
