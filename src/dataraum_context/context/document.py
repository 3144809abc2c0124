"""Assembling the context document from the metadata store.

The document reflects the workspace's current metadata and the latest run.
A value a stage has not computed is `null`, never a made-up default; the
`stages` key says which stages have produced results.

Provenance: every decision stands next to what it changed, with who made it, when,
why and what it replaced (`source` is `auto`, `rule`, `manual`, `agent` (an AI agent's
correction, see `api/annotate.py`), `memory` (an earlier decision re-applied), or the
annotating stage's source):

- each column's `type_decision`: {type, source, by, at, reason, previous_type, reviews}
  (`reviews`: the decided type and quarantine review items of the column, oldest first);
- each column's `semantic.decision`: {source, status, by, at, reason, values, proposed};
- each relationship's `decision`: {source, status, by, at, reason, values, proposed}
  (a rejection keeps its reason);

`reviews` / `status` / `values` / `proposed` come from the review items that decided it
(empty or `null` when no review was asked for). An automatic decision is made again by
every run, so its `at` is `null`: it is the time of the run (`run.started_at`). This keeps
an unchanged re-run's document identical.
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


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _review_source(item: ReviewItem) -> str:
    """Who settled a review item: a person, an agent (`annotate`, `decide` over MCP or the
    API: `reviewed_by` is `agent` or `agent:<name>`), the auto policy, or decision memory."""
    if item.reviewed_by == "auto":
        return "auto"
    if item.review_notes and item.review_notes.startswith("decision memory"):
        return "memory"
    if item.reviewed_by and (item.reviewed_by == "agent" or item.reviewed_by.startswith("agent:")):
        return "agent"
    return "manual"


def _review_ref(item: ReviewItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "id": str(item.review_id),
        "review_type": item.review_type,
        "status": item.status,
        "by": item.reviewed_by,
        "at": _iso(item.reviewed_at),
        "reason": item.review_notes,
        "values": item.decision_values,
    }


def _type_decision(decision: TypeDecision | None, reviews: list[ReviewItem]) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "type": decision.decided_type,
        "source": decision.decision_source,
        "by": decision.decided_by,
        "at": _iso(reviews[-1].reviewed_at if reviews else decision.decided_at)
        if decision.decision_source != "auto" else None,
        "reason": decision.decision_reason,
        "previous_type": decision.previous_type,
        "reviews": [_review_ref(item) for item in reviews],
    }


def _column_entry(
    column: Column, decision: TypeDecision | None, profile: ColumnProfile | None,
    reviews: list[ReviewItem] | None = None,
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
        "type_decision": _type_decision(decision, reviews or []),
        "null_count": profile.null_count if profile else None,
        "distinct_count": profile.distinct_count if profile else None,
        "semantic": None,
        "temporal": None,
        "quality": None,
    }


def _table_entry(
    table: Table, decisions: dict[Any, TypeDecision], profiles: dict[Any, ColumnProfile],
    reviews: dict[tuple[str, str], ReviewItem] | None = None,
) -> dict[str, Any]:
    reviews = reviews or {}
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
            _column_entry(
                column, decisions.get(column.column_id), profiles.get(column.column_id),
                _decided(reviews, ("type_review", "quarantine_review"), f"{table.table_name}.{column.column_name}"),
            )
            for column in table.columns
        ],
    }


async def _open_review_items(session: AsyncSession) -> list[dict[str, Any]]:
    """Pending review items, as much of each as a reader needs to decide it."""
    from dataraum_context.pipeline.review import list_items

    keys = ("id", "review_type", "target", "suggested_action")
    return [{key: item[key] for key in keys} for item in await list_items(session, include_decided=False)]


def _decided(
    reviews: dict[tuple[str, str], ReviewItem], review_types: tuple[str, ...], target: str
) -> list[ReviewItem]:
    """The latest decided review item of each of `review_types` about `target`, oldest first."""
    found = [reviews[(t, target)] for t in review_types if (t, target) in reviews]
    return sorted(found, key=lambda i: (i.reviewed_at is not None, i.reviewed_at or i.created_at))


async def _decided_reviews(session: AsyncSession) -> dict[tuple[str, str], ReviewItem]:
    """The latest decided review item per (review type, target)."""
    items = (
        await session.execute(
            sa.select(ReviewItem)
            .where(ReviewItem.status.in_(("approved", "rejected", "modified")))
            .order_by(ReviewItem.reviewed_at, ReviewItem.created_at)
        )
    ).scalars()
    return {(item.review_type, item.target or ""): item for item in items}


def _decision_from_review(item: ReviewItem) -> dict[str, Any]:
    return {
        "source": _review_source(item),
        "status": item.status,
        "by": item.reviewed_by,
        "at": _iso(item.reviewed_at),
        "reason": item.review_notes,
        "values": item.decision_values,
        "proposed": item.suggested_action,
        "review_id": str(item.review_id),
    }


async def _annotation_times(session: AsyncSession) -> dict[tuple[str, str], Any]:
    from dataraum_context.semantic.db_models import SemanticAnnotation

    rows = await session.execute(
        sa.select(Table.table_name, Column.column_name, SemanticAnnotation.annotated_at)
        .join(Column, Column.column_id == SemanticAnnotation.column_id)
        .join(Table, Table.table_id == Column.table_id)
        .where(Table.layer == "raw")
    )
    return {(t, c): at for t, c, at in rows.all()}


async def _relationship_rows(session: AsyncSession) -> dict[str, Any]:
    """Stored relationships by review target: who confirmed them, when, and a decision's reason."""
    from dataraum_context.contracts.review import relationship_target
    from dataraum_context.topology.context import relationship_rows

    return {
        relationship_target(ft, list(r.from_columns or [fc]), tt, list(r.to_columns or [tc])): r
        for r, ft, fc, tt, tc in await relationship_rows(session)
    }


async def _attach_decisions(session: AsyncSession, doc: dict[str, Any], reviews: dict[tuple[str, str], ReviewItem]) -> None:
    """Provenance of the semantic and relationship decisions, next to what they changed."""
    from dataraum_context.contracts.review import relationship_target

    annotated_at: dict[tuple[str, str], Any] | None = None
    automatic = ("rules", "llm", "auto", None)
    for table in doc.get("tables") or []:
        for column in table.get("columns") or []:
            semantic = column.get("semantic")
            if not isinstance(semantic, dict):
                continue
            item = reviews.get(("semantic_review", f"{table['name']}.{column['name']}"))
            if item is not None:
                semantic["decision"] = _decision_from_review(item)
                continue
            at = None
            if semantic.get("source") not in automatic:
                if annotated_at is None:
                    annotated_at = await _annotation_times(session)
                at = _iso(annotated_at.get((table["name"], column["name"])))
            semantic["decision"] = {
                "source": semantic.get("source"), "status": None, "by": semantic.get("annotated_by"),
                "at": at, "reason": None,
                "values": None, "proposed": None, "review_id": None,
            }
    relationships = doc.get("relationships")
    if not relationships:
        return
    stored = await _relationship_rows(session)
    for rel in relationships:
        target = relationship_target(rel["from_table"], rel["from_columns"], rel["to_table"], rel["to_columns"])
        item = reviews.get(("relationship_review", target))
        if item is not None:
            rel["decision"] = _decision_from_review(item)
            continue
        row = stored.get(target)
        evidence = (row.evidence or {}) if row is not None else {}
        rel["decision"] = {
            "source": "auto" if rel.get("status") in ("accepted", "candidate") else None,
            "status": rel.get("status"),
            "by": (row.confirmed_by if row is not None else None) or "system",
            "at": _iso(row.confirmed_at) if row is not None else None,
            "reason": evidence.get("decision_reason"),
            "values": None, "proposed": None, "review_id": None,
        }


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
    reviews = await _decided_reviews(session)
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
        "tables": [_table_entry(table, decisions, profiles, reviews) for table in tables],
        "relationships": None,
        "join_paths": None,
        "review": {"pending": pending, "items": await _open_review_items(session)},
    }
    # Each later stage fills its own keys (semantic, entity, relationships, temporal, quality ...).
    import importlib

    from dataraum_context.pipeline.stages import context_contributors

    for module in context_contributors():
        await importlib.import_module(module).contribute(session, doc)
    await _attach_decisions(session, doc, reviews)
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
