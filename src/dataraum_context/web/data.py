"""What the pages show, read from the metadata store as plain dicts.

The tables, columns, relationships and quality come from the context document
(`context.document.build_context`), so the browser shows what agents read; profiles
(histograms, top values), rule failure samples and score history are read next to it.
Review items come from `pipeline.review` (the API the CLI uses).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.context.document import build_context
from dataraum_context.pipeline import review
from dataraum_context.pipeline.db_models import Run
from dataraum_context.pipeline.history import quality_by_run
from dataraum_context.pipeline.history import run_dict as history_run_dict
from dataraum_context.pipeline.review_text import describe
from dataraum_context.quality.db_models import QualityResult, QualityRule, QualityScore
from dataraum_context.storage import views
from dataraum_context.storage.core import Column, Table

KINDS = {
    "type_review": "type",
    "quarantine_review": "quarantine",
    "semantic_review": "meaning",
    "relationship_review": "relationship",
}


def run_dict(row: Run) -> dict[str, Any]:
    """The run record (as `status --json`), its start to the second and the gate it waits at."""
    return {
        **history_run_dict(row),
        "started_at": row.started_at.isoformat()[:19].replace("T", " "),
        "gate": ((row.summary or {}).get("paused_at") or row.current_stage) if row.status == "paused" else None,
    }


async def runs(session: AsyncSession, limit: int = 50) -> list[dict[str, Any]]:
    """The run history, newest first, with open items per gate and the mean quality score."""
    rows = (await session.execute(sa.select(Run).order_by(Run.started_at.desc()).limit(limit))).scalars().all()
    quality = await quality_by_run(session, [r.run_id for r in rows])
    pending = await review.list_items(session, include_decided=False)
    found = []
    for row in rows:
        item = run_dict(row)
        mine = [i for i in pending if i["run_id"] == item["id"]]
        per_stage: dict[str, int] = {}
        for i in mine:
            per_stage[i["stage"] or "?"] = per_stage.get(i["stage"] or "?", 0) + 1
        item["open_items"] = len(mine)
        item["open_by_gate"] = per_stage
        item["quality"] = quality.get(row.run_id)
        found.append(item)
    return found


async def resumable_run(session: AsyncSession) -> dict[str, Any] | None:
    from dataraum_context.pipeline.runstore import latest_resumable

    row = await latest_resumable(session)
    return run_dict(row) if row is not None else None


def _evidence_view(item: dict[str, Any]) -> dict[str, Any]:
    """The item's evidence as fields a template lays out (values stay raw; the template escapes)."""
    ctx = dict(item.get("context") or {})
    return {
        "sample_values": list(ctx.get("sample_values") or [])[:12],
        "failed_examples": list(ctx.get("failed_examples") or [])[:12],
        "quarantined_count": ctx.get("quarantined_count"),
        "candidates": [
            {
                "type": c.get("type"), "pattern": c.get("pattern"), "unit": c.get("unit"),
                "rate": c.get("parse_success_rate"), "confidence": c.get("confidence"),
                "failed": list(c.get("failed_examples") or [])[:5],
            }
            for c in ctx.get("candidates") or []
        ],
        "coverage": ctx.get("coverage"),
        "orphan_count": ctx.get("orphan_count"),
        "orphan_samples": list(ctx.get("orphan_samples") or [])[:8],
        "cardinality": ctx.get("cardinality"),
        "optional": ctx.get("optional"),
        "reasons": list(ctx.get("reasons") or []),
        "reason": ctx.get("reason"),
        "confidence": ctx.get("confidence"),
        "preview": ctx.get("preview"),
    }


def item_view(item: dict[str, Any]) -> dict[str, Any]:
    """A review item for the pages: its fields, its evidence, and the CLI's text of it."""
    target = str(item.get("target") or "")
    table, _, column = target.partition(".")
    text = describe(item)
    proposal = next((line.removeprefix("proposal: ") for line in text if line.startswith("proposal: ")), "")
    return {
        **item,
        "kind": KINDS.get(item["review_type"], item["review_type"]),
        "table": table,
        "column": column,
        "evidence": _evidence_view(item),
        "allowed_keys": review.ALLOWED_KEYS.get(item["review_type"], ()),
        "text": text,
        "proposal": proposal,
    }


async def review_queue(
    session: AsyncSession, *, gate: str = "", table: str = "", kind: str = "", status: str = "pending",
) -> dict[str, Any]:
    """Review items filtered by gate (stage), table and type; with the choices for the filters."""
    items = await review.list_items(session, include_decided=status != "pending")
    if status not in ("pending", "all"):
        items = [i for i in items if i["status"] == status]
    views = [item_view(i) for i in items]
    choices = {
        "gate": sorted({v["stage"] for v in views if v["stage"]}),
        "table": sorted({v["table"] for v in views if v["table"]}),
        "kind": sorted({v["review_type"] for v in views}),
    }
    shown = [
        v for v in views
        if (not gate or v["stage"] == gate) and (not table or v["table"] == table) and (not kind or v["review_type"] == kind)
    ]
    return {"items": shown, "choices": choices, "total": len(views)}


async def open_items_of_table(session: AsyncSession, table: str, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` pending items whose target is in `table`, and how many there are."""
    from dataraum_context.pipeline.db_models import ReviewItem

    like = table.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"
    where = sa.and_(
        ReviewItem.status == "pending",
        sa.or_(ReviewItem.target == table, ReviewItem.target.like(like, escape="\\")),
    )
    count = (await session.execute(sa.select(sa.func.count()).select_from(ReviewItem).where(where))).scalar_one()
    rows = await session.execute(
        sa.select(ReviewItem).where(where).order_by(ReviewItem.created_at, ReviewItem.target).limit(limit)
    )
    return [item_view(review.item_dict(item)) for item in rows.scalars()], int(count)


async def document(session: AsyncSession) -> dict[str, Any]:
    return await build_context(session)


async def fingerprint(session: AsyncSession) -> tuple[Any, ...]:
    """What changes whenever the document can change: every run-row change bumps its version
    (stage commits included: a stage's results commit with the run's progress), and every
    decision changes a review item's status or time."""
    from dataraum_context.pipeline.db_models import ReviewItem

    runs_row = (await session.execute(sa.select(sa.func.count(), sa.func.sum(Run.version), sa.func.max(Run.started_at)))).one()
    items_row = (
        await session.execute(
            sa.select(
                sa.func.count(), sa.func.count().filter(ReviewItem.status == "pending"), sa.func.max(ReviewItem.reviewed_at),
                sa.func.max(ReviewItem.created_at),
            )
        )
    ).one()
    return (*tuple(runs_row), *tuple(items_row))


async def table_extras(session: AsyncSession, table_name: str) -> dict[str, Any]:
    """For one table: each column's latest profile (histogram, top values, stats), the latest
    result of each quality rule with its failing examples, and the table's score per run."""
    table = (
        await session.execute(sa.select(Table).where(Table.layer == "raw", Table.table_name == table_name))
    ).scalars().first()
    if table is None:
        return {"profiles": {}, "failures": {}, "trend": []}
    profiles = await _latest_profiles(session, table.table_id)
    results = await session.execute(
        sa.select(QualityRule.rule_name, Column.column_name, QualityResult.failure_samples, QualityResult.executed_at)
        .join(QualityRule, QualityRule.rule_id == QualityResult.rule_id)
        .outerjoin(Column, Column.column_id == QualityRule.column_id)
        .where(QualityRule.table_id == table.table_id, QualityResult.failed_records > 0)
        .order_by(QualityResult.executed_at.desc())
    )
    failures: dict[tuple[str | None, str], list[Any]] = {}
    for rule, column, samples, _ in results.all():
        failures.setdefault((column, rule), list(samples or [])[:5])
    scores = await session.execute(
        sa.select(QualityScore.run_id, QualityScore.overall_score, QualityScore.computed_at)
        .where(QualityScore.table_id == table.table_id, QualityScore.column_id.is_(None))
        .order_by(QualityScore.computed_at)
    )
    trend = [{"run_id": str(r), "overall": s} for r, s, _ in scores.all()]
    return {"profiles": profiles, "failures": failures, "trend": trend[-20:]}


async def _latest_profiles(
    session: AsyncSession, table_id: Any, column_name: str | None = None
) -> dict[str, dict[str, Any]]:
    """Each column's latest profile (the store's `v_latest_profiles` view), by column name."""
    p = views.v_latest_profiles
    query = sa.select(Column.column_name, p).join(p, p.c.column_id == Column.column_id).where(Column.table_id == table_id)
    if column_name is not None:
        query = query.where(Column.column_name == column_name)
    return {
        row.column_name: {
            "histogram": row.histogram, "top_values": row.top_values, "min": row.min_value, "max": row.max_value,
            "mean": row.mean_value, "stddev": row.stddev_value, "percentiles": row.percentiles,
            "total": row.total_count, "nulls": row.null_count, "distinct": row.distinct_count,
            "min_length": row.min_length, "max_length": row.max_length, "null_tokens": row.null_token_counts,
        }
        for row in (await session.execute(query)).all()
    }


async def column_profile(session: AsyncSession, table_name: str, column_name: str) -> dict[str, Any] | None:
    """The latest profile of one column (histogram, top values), for a review item's page."""
    table_id = (
        await session.execute(sa.select(Table.table_id).where(Table.layer == "raw", Table.table_name == table_name))
    ).scalar()
    if table_id is None:
        return None
    return (await _latest_profiles(session, table_id, column_name)).get(column_name)


async def table_trends(session: AsyncSession) -> dict[str, list[float | None]]:
    """Per table: its overall score in each run, oldest first (the last 20)."""
    rows = await session.execute(
        sa.select(Table.table_name, QualityScore.overall_score)
        .join(Table, Table.table_id == QualityScore.table_id)
        .where(QualityScore.column_id.is_(None), Table.layer == "raw")
        .order_by(QualityScore.computed_at)
    )
    trends: dict[str, list[float | None]] = {}
    for name, score in rows.all():
        trends.setdefault(name, []).append(score)
    return {k: v[-20:] for k, v in trends.items()}


def run_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
