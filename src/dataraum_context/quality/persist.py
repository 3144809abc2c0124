"""Write the quality stage's results to the metadata store.

- `quality_rules`: upserted by (table, column, rule name, source); rules of the run's
  tables that were not produced this time are deactivated (`is_active = false`), never
  deleted, so their result history stays.
- `quality_results`: appended, one per rule and run. The trend compares the pass rate
  with the previous result of the same rule (the latest stored before this run):
  'improving' / 'degrading' when it moved by more than `TREND_EPSILON`, else 'stable';
  None without a previous pass rate or for an invalid rule.
- `quality_scores`: appended, one per table and per column.
Rules naming a table unknown to the metadata store are not stored (they are reported
as invalid results in the run summary).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.quality.db_models import QualityResult, QualityRule, QualityScore
from dataraum_context.quality.models import (
    QualityResultRecord,
    QualityRuleSpec,
    QualityScoreRecord,
    TableQualityExecution,
)
from dataraum_context.storage.base import new_id, utcnow
from dataraum_context.storage.core import Column, Table
from dataraum_context.storage.lookup import raw_columns, raw_tables

TREND_EPSILON = 1e-9

RuleKey = tuple[uuid.UUID, "uuid.UUID | None", str, str]


def trend(previous: float | None, current: float | None) -> str | None:
    if previous is None or current is None:
        return None
    if current > previous + TREND_EPSILON:
        return "improving"
    if current < previous - TREND_EPSILON:
        return "degrading"
    return "stable"


async def _raw_tables(session: AsyncSession, names: set[str]) -> tuple[dict[str, Table], dict[tuple[str, str], Column]]:
    return await raw_tables(session, names), await raw_columns(session, names)


async def _previous_pass_rates(session: AsyncSession, rule_ids: list[uuid.UUID]) -> dict[uuid.UUID, float | None]:
    if not rule_ids:
        return {}
    latest = (
        sa.select(QualityResult.rule_id, sa.func.max(QualityResult.executed_at).label("at"))
        .where(QualityResult.rule_id.in_(rule_ids))
        .group_by(QualityResult.rule_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(QualityResult.rule_id, QualityResult.pass_rate).join(
            latest, sa.and_(QualityResult.rule_id == latest.c.rule_id, QualityResult.executed_at == latest.c.at)
        )
    )
    return {rule_id: rate for rule_id, rate in rows.all()}


def _apply(row: QualityRule, spec: QualityRuleSpec) -> None:
    row.rule_type = spec.rule_type
    row.rule_expression = spec.expression
    row.rule_parameters = spec.parameters
    row.severity = spec.severity
    row.description = spec.description
    row.dimension = spec.effective_dimension
    row.created_by = spec.created_by or ("system" if spec.source == "default" else spec.source)
    row.is_active = True


async def persist_quality(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Upsert rules, append results (with trend) and scores; returns counts for the checkpoint."""
    specs: list[QualityRuleSpec] = results.get("quality_rules") or []
    records: list[QualityResultRecord] = results.get("quality_results") or []
    scores: list[QualityScoreRecord] = results.get("quality_scores") or []
    executions: list[TableQualityExecution] = results.get("quality_execution") or []
    names = {s.table_name for s in specs} | {e.table_name for e in executions}
    if not names:
        return {}
    tables, columns = await _raw_tables(session, names)

    existing: dict[RuleKey, QualityRule] = {
        (r.table_id, r.column_id, r.rule_name, r.source): r
        for r in (
            await session.execute(
                sa.select(QualityRule).where(QualityRule.table_id.in_([t.table_id for t in tables.values()]))
            )
        ).scalars()
    }
    by_spec: dict[tuple[str, str | None, str, str], QualityRule] = {}
    for spec in specs:
        table = tables.get(spec.table_name)
        if table is None:
            continue
        column = columns.get((spec.table_name, spec.column_name)) if spec.column_name else None
        if spec.column_name and column is None:
            continue
        key = (table.table_id, column.column_id if column else None, spec.rule_name, spec.source)
        row = existing.get(key)
        if row is None:
            row = QualityRule(
                table_id=key[0], column_id=key[1], rule_name=spec.rule_name, rule_type=spec.rule_type, source=spec.source
            )
            session.add(row)
            existing[key] = row
        _apply(row, spec)
        by_spec[spec.key] = row
    produced = {id(row) for row in by_spec.values()}
    run_tables = {tables[e.table_name].table_id for e in executions if e.table_name in tables}
    deactivated = 0
    for row in existing.values():
        if row.table_id in run_tables and id(row) not in produced and row.is_active:
            row.is_active = False
            deactivated += 1
    await session.flush()

    previous = await _previous_pass_rates(session, [r.rule_id for r in by_spec.values()])
    now = utcnow()
    stored = invalid = 0
    result_rows: list[dict[str, Any]] = []
    score_rows: list[dict[str, Any]] = []
    for record in records:
        rule = by_spec.get((record.table_name, record.column_name, record.rule_name, record.source))
        if record.status == "invalid":
            invalid += 1
        if rule is None:
            continue
        before = previous.get(rule.rule_id)
        result_rows.append(dict(
            result_id=new_id(), rule_id=rule.rule_id, executed_at=now, run_id=ctx.run_id,
            total_records=record.total_records, passed_records=record.passed_records,
            failed_records=record.failed_records, pass_rate=record.pass_rate,
            failure_samples=record.failure_samples, previous_pass_rate=before,
            trend_direction=None if record.status == "invalid" else trend(before, record.pass_rate),
            status=record.status, error_message=record.error, details=record.details or None,
        ))
        stored += 1
    for score in scores:
        table = tables.get(score.table_name)
        if table is None:
            continue
        column = columns.get((score.table_name, score.column_name)) if score.column_name else None
        if score.column_name and column is None:
            continue
        score_rows.append(dict(
            score_id=new_id(), table_id=table.table_id, column_id=column.column_id if column else None,
            run_id=ctx.run_id, completeness_score=score.completeness, validity_score=score.validity,
            consistency_score=score.consistency, uniqueness_score=score.uniqueness,
            timeliness_score=score.timeliness, overall_score=score.overall,
            evidence=score.evidence or None, computed_at=now,
        ))
    # results and scores are appended, never updated: one multi-row INSERT each, not an ORM object per row
    if result_rows:
        await session.execute(sa.insert(QualityResult), result_rows)
    if score_rows:
        await session.execute(sa.insert(QualityScore), score_rows)
    ctx.summary["quality_rules"] = len(by_spec)
    ctx.summary["quality_rules_invalid"] = invalid
    ctx.summary["quality_rules_failing"] = sum(1 for r in records if r.failed_records)
    return {"rules": len(by_spec), "results": stored, "invalid": invalid, "deactivated": deactivated}
