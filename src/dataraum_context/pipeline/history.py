"""Run history: what changed in quality from one run to the next."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.quality.db_models import QualityResult, QualityRule, QualityScore
from dataraum_context.storage.core import Column, Table


async def quality_changes(session: AsyncSession, run_id: uuid.UUID) -> list[dict[str, Any]]:
    """Rules whose pass rate moved against the previous run (improving or degrading)."""
    rows = await session.execute(
        sa.select(QualityRule.rule_name, Table.table_name, Column.column_name, QualityResult)
        .join(QualityRule, QualityRule.rule_id == QualityResult.rule_id)
        .join(Table, Table.table_id == QualityRule.table_id)
        .outerjoin(Column, Column.column_id == QualityRule.column_id)
        .where(QualityResult.run_id == run_id, QualityResult.trend_direction.in_(("improving", "degrading")))
        .order_by(Table.table_name, QualityRule.rule_name)
    )
    return [
        {
            "table": table,
            "column": column,
            "rule": rule,
            "trend": result.trend_direction,
            "previous_pass_rate": result.previous_pass_rate,
            "pass_rate": result.pass_rate,
        }
        for rule, table, column, result in rows.all()
    ]


async def quality_by_run(session: AsyncSession, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Per run: the mean overall score of its tables and how many rules improved or degraded."""
    if not run_ids:
        return {}
    scores = await session.execute(
        sa.select(QualityScore.run_id, sa.func.avg(QualityScore.overall_score))
        .where(QualityScore.run_id.in_(run_ids), QualityScore.column_id.is_(None))
        .group_by(QualityScore.run_id)
    )
    trends = await session.execute(
        sa.select(QualityResult.run_id, QualityResult.trend_direction, sa.func.count())
        .where(QualityResult.run_id.in_(run_ids))
        .group_by(QualityResult.run_id, QualityResult.trend_direction)
    )
    summary: dict[uuid.UUID, dict[str, Any]] = {
        run_id: {"overall": None, "improving": 0, "degrading": 0} for run_id in run_ids
    }
    for run_id, overall in scores.all():
        summary[run_id]["overall"] = round(float(overall), 4) if overall is not None else None
    for run_id, trend, count in trends.all():
        if trend in ("improving", "degrading"):
            summary[run_id][trend] = int(count)
    return summary


def run_dict(run_row: Any) -> dict[str, Any]:
    """A run record as plain values (what `status --json` prints and the web pages show)."""
    duration = (run_row.finished_at - run_row.started_at).total_seconds() if run_row.finished_at else None
    summary = run_row.summary or {}
    return {
        "id": str(run_row.run_id),
        "status": run_row.status,
        "started_at": run_row.started_at.isoformat(),
        "finished_at": run_row.finished_at.isoformat() if run_row.finished_at else None,
        "duration_s": duration,
        "paths": list(run_row.paths or []),
        "review_policy": run_row.review_policy,
        "completed_stages": list(run_row.completed_stages or []),
        "tables": list(summary.get("tables", [])),
        "tables_changed": list(summary.get("tables_changed", [])),
        "failed_sources": list(summary.get("failed_sources", [])),
        "error": run_row.error_message,
    }
