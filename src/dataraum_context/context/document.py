"""Assembling the context document from the metadata store.

The document reflects the workspace's current metadata and the latest run.
A value a stage has not computed is `null`, never a made-up default; the
`stages` key says which stages have produced results.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.pipeline.db_models import ReviewItem, Run
from dataraum_context.profiling.db_models import ColumnProfile
from dataraum_context.storage.core import Column, Table
from dataraum_context.type_resolution.db_models import TypeDecision

SCHEMA_VERSION = "1.0"

_SCORE_KEYS = ("completeness", "validity", "consistency", "uniqueness", "timeliness", "overall")


def _column_entry(
    column: Column, decision: TypeDecision | None, profile: ColumnProfile | None
) -> dict[str, Any]:
    return {
        "name": column.column_name,
        "original_name": column.original_name,
        "position": column.column_position,
        "raw_type": column.raw_type,
        "resolved_type": column.resolved_type,
        "decision_source": decision.decision_source if decision else None,
        "type_confidence": decision.confidence if decision else None,
        "type_reason": decision.decision_reason if decision else None,
        "pattern": decision.detected_pattern if decision else None,
        "unit": decision.detected_unit if decision else None,
        "quarantined_count": decision.quarantined_count if decision else None,
        "null_count": profile.null_count if profile else None,
        "distinct_count": profile.distinct_count if profile else None,
        "semantic": None,
        "temporal": None,
        "quality": None,
    }


def _table_entry(
    table: Table, decisions: dict[Any, TypeDecision], profiles: dict[Any, ColumnProfile]
) -> dict[str, Any]:
    source = table.source
    return {
        "name": table.table_name,
        "source": source.name if source else None,
        "source_type": source.source_type if source else None,
        "row_count": table.row_count,
        "rejected_rows": table.rejected_rows,
        "content_hash": table.content_hash,
        "candidate_keys": None,
        "entity": None,
        "quality": {"scores": {key: None for key in _SCORE_KEYS}},
        "columns": [
            _column_entry(column, decisions.get(column.column_id), profiles.get(column.column_id))
            for column in table.columns
        ],
    }


async def _open_review_items(session: AsyncSession) -> list[dict[str, Any]]:
    """Pending review items, as much of each as a reader needs to decide it."""
    from dataraum_context.pipeline.review import list_items

    keys = ("id", "review_type", "target", "suggested_action")
    return [{key: item[key] for key in keys} for item in await list_items(session, include_decided=False)]


async def build_context(session: AsyncSession) -> dict[str, Any]:
    """The context document as a JSON-ready dict."""
    from sqlalchemy.orm import selectinload

    latest = (
        await session.execute(sa.select(Run).order_by(Run.started_at.desc(), Run.run_id).limit(1))
    ).scalar_one_or_none()
    tables = (
        (
            await session.execute(
                sa.select(Table)
                .where(Table.layer == "raw")
                .options(selectinload(Table.columns), selectinload(Table.source))
                .order_by(Table.table_name, Table.table_id)
            )
        )
        .scalars()
        .all()
    )
    decisions = {d.column_id: d for d in (await session.execute(sa.select(TypeDecision))).scalars()}
    latest_profile = (
        sa.select(ColumnProfile.column_id, sa.func.max(ColumnProfile.profiled_at).label("at"))
        .group_by(ColumnProfile.column_id)
        .subquery()
    )
    profiles = {
        p.column_id: p
        for p in (
            await session.execute(
                sa.select(ColumnProfile).join(
                    latest_profile,
                    sa.and_(
                        ColumnProfile.column_id == latest_profile.c.column_id,
                        ColumnProfile.profiled_at == latest_profile.c.at,
                    ),
                )
            )
        ).scalars()
    }
    pending = (
        await session.execute(sa.select(sa.func.count()).select_from(ReviewItem).where(ReviewItem.status == "pending"))
    ).scalar_one()
    completed_stages = list(latest.completed_stages or []) if latest else []
    doc = {
        "schema_version": SCHEMA_VERSION,
        "run": (
            {
                "id": str(latest.run_id),
                "status": latest.status,
                "started_at": latest.started_at.isoformat(),
                "finished_at": latest.finished_at.isoformat() if latest.finished_at else None,
                "error": latest.error_message,
            }
            if latest
            else None
        ),
        "stages": completed_stages,
        "failed_sources": list((latest.summary or {}).get("failed_sources", [])) if latest else [],
        "tables": [_table_entry(table, decisions, profiles) for table in tables],
        "relationships": None,
        "join_paths": None,
        "review": {"pending": pending, "items": await _open_review_items(session)},
    }
    # Each later stage fills its own keys (semantic, entity, relationships, temporal, quality ...).
    from dataraum_context.quality import context as quality_context
    from dataraum_context.semantic import context as semantic_context
    from dataraum_context.temporal import context as temporal_context
    from dataraum_context.topology import context as topology_context

    for contributor in (semantic_context, topology_context, temporal_context, quality_context):
        await contributor.contribute(session, doc)
    return doc


def load_context(settings: Any) -> dict[str, Any]:
    """The context document of the workspace `settings` points at, for Python callers
    (notebooks, tests, agents embedding dataraum). Not for use inside a running event loop."""
    import asyncio

    from dataraum_context.storage.engine import create_engine, session_factory

    async def build() -> dict[str, Any]:
        engine = create_engine(settings.resolved_metadata_url)
        try:
            async with session_factory(engine)() as session:
                return await build_context(session)
        finally:
            await engine.dispose()

    return asyncio.run(build())
