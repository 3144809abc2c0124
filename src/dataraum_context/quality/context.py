"""The quality stage's part of the context document.

Each column gets `quality: {"rules": [...], "scores": {...}}` (its active rules with
their latest result, and its latest scores); each table's `quality` keeps its
`scores` dict (latest table scores) and gains `rules` (its table-level rules).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.quality.db_models import QualityResult, QualityRule, QualityScore
from dataraum_context.storage.core import Column, Table

SCORE_KEYS = ("completeness", "validity", "consistency", "uniqueness", "timeliness", "overall")


def _scores(score: QualityScore | None) -> dict[str, float | None]:
    if score is None:
        return {key: None for key in SCORE_KEYS}
    return {key: getattr(score, f"{key}_score") for key in SCORE_KEYS}


def _rule_entry(rule: QualityRule, result: QualityResult | None) -> dict[str, Any]:
    return {
        "name": rule.rule_name,
        "rule_type": rule.rule_type,
        "source": rule.source,
        "dimension": rule.dimension,
        "severity": rule.severity,
        "expression": rule.rule_expression,
        "status": result.status if result else None,
        "error": result.error_message if result else None,
        "total_records": result.total_records if result else None,
        "pass_rate": result.pass_rate if result else None,
        "failed_records": result.failed_records if result else None,
        "trend_direction": result.trend_direction if result else None,
    }


async def _latest_results(session: AsyncSession) -> dict[Any, QualityResult]:
    latest = (
        sa.select(QualityResult.rule_id, sa.func.max(QualityResult.executed_at).label("at"))
        .group_by(QualityResult.rule_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(QualityResult).join(
            latest, sa.and_(QualityResult.rule_id == latest.c.rule_id, QualityResult.executed_at == latest.c.at)
        )
    )
    return {r.rule_id: r for r in rows.scalars()}


async def _latest_scores(session: AsyncSession) -> dict[tuple[Any, Any], QualityScore]:
    out: dict[tuple[Any, Any], QualityScore] = {}
    rows = await session.execute(sa.select(QualityScore).order_by(QualityScore.computed_at))
    for score in rows.scalars():
        out[(score.table_id, score.column_id)] = score  # later rows win
    return out


async def contribute(session: AsyncSession, doc: dict[str, Any]) -> None:
    """Fill `quality` of every table and column that the quality stage has scored or checked."""
    tables = {
        t.table_name: t
        for t in (await session.execute(sa.select(Table).where(Table.layer == "raw").order_by(Table.created_at))).scalars()
    }
    column_names = {
        c.column_id: (c.table_id, c.column_name)
        for c in (await session.execute(sa.select(Column).where(Column.table_id.in_([t.table_id for t in tables.values()])))).scalars()
    }
    rules = (
        await session.execute(
            sa.select(QualityRule).where(QualityRule.is_active.is_(True)).order_by(QualityRule.rule_name, QualityRule.source)
        )
    ).scalars().all()
    results = await _latest_results(session)
    scores = await _latest_scores(session)
    by_target: dict[tuple[Any, str | None], list[dict[str, Any]]] = {}
    for rule in rules:
        column = column_names[rule.column_id][1] if rule.column_id in column_names else None
        by_target.setdefault((rule.table_id, column), []).append(_rule_entry(rule, results.get(rule.rule_id)))
    ids = {target: cid for cid, target in column_names.items()}
    for entry in doc.get("tables") or []:
        table = tables.get(entry.get("name"))
        if table is None:
            continue
        table_rules = by_target.get((table.table_id, None))
        table_score = scores.get((table.table_id, None))
        if table_rules is not None or table_score is not None:
            quality = entry.get("quality") or {}
            quality["scores"] = _scores(table_score)
            quality["rules"] = table_rules or []
            entry["quality"] = quality
        for column in entry.get("columns") or []:
            name = column.get("name")
            col_rules = by_target.get((table.table_id, name))
            col_score = scores.get((table.table_id, ids.get((table.table_id, name))))
            if col_rules is None and col_score is None:
                continue
            column["quality"] = {"rules": col_rules or [], "scores": _scores(col_score)}
