"""Write the temporal stage's results to the metadata store.

One `temporal_profiles` row per time column, upserted by column. Profiles of columns
of the run's tables that are no longer time columns are deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.storage.base import utcnow
from dataraum_context.temporal.db_models import TemporalProfile
from dataraum_context.temporal.models import TemporalProfileResult
from dataraum_context.storage.lookup import raw_columns


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _apply(row: TemporalProfile, profile: TemporalProfileResult) -> None:
    row.min_timestamp = _when(profile.min_timestamp)
    row.max_timestamp = _when(profile.max_timestamp)
    row.detected_granularity = profile.detected_granularity
    row.granularity_confidence = profile.granularity_confidence
    row.granularity_step = profile.granularity_step
    row.dominant_gap_seconds = profile.dominant_gap_seconds
    row.expected_periods = profile.expected_periods
    row.actual_periods = profile.actual_periods
    row.completeness_ratio = profile.completeness_ratio
    row.gap_count = profile.gap_count
    row.missing_periods = profile.missing_periods
    row.largest_gap_seconds = profile.largest_gap_seconds
    row.gap_details = [gap.model_dump() for gap in profile.gap_details]
    row.has_seasonality = profile.has_seasonality
    row.seasonality_period = profile.seasonality_period
    row.seasonality_strength = profile.seasonality_strength
    row.trend_direction = profile.trend_direction
    row.trend_p_value = profile.trend_p_value
    row.trend_slope = profile.trend_slope
    row.signal = profile.signal
    row.series_column = profile.series_column
    row.series_profiles = [s.model_dump(mode="json") for s in profile.series] if profile.series_column else None
    row.profiled_at = utcnow()


async def persist_temporal(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Upsert one profile per time column; returns the profiled columns for the checkpoint."""
    profiles: list[TemporalProfileResult] = results.get("temporal_profiles") or []
    series: dict[str, dict[str, str | None]] = results.get("temporal_series_columns") or {}
    tables = set(series) | {p.table_name for p in profiles}
    if not tables:
        return {}
    columns = await raw_columns(session, tables)
    column_ids = [c.column_id for c in columns.values()]
    existing = {
        row.column_id: row
        for row in (
            await session.execute(sa.select(TemporalProfile).where(TemporalProfile.column_id.in_(column_ids)))
        ).scalars()
    }
    kept = set()
    for profile in profiles:
        column = columns.get((profile.table_name, profile.column_name))
        if column is None:
            continue
        row = existing.get(column.column_id)
        if row is None:
            row = TemporalProfile(column_id=column.column_id)
            session.add(row)
        _apply(row, profile)
        kept.add(column.column_id)
    stale = [cid for cid in existing if cid not in kept]
    if stale:
        await session.execute(sa.delete(TemporalProfile).where(TemporalProfile.column_id.in_(stale)))
    ctx.summary["temporal_columns"] = len(kept)
    return {"temporal_profiles": sorted(f"{p.table_name}.{p.column_name}" for p in profiles)}
