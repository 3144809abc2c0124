"""The temporal stage's part of the context document: each time column's `temporal` key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.storage.core import Column, Table
from dataraum_context.temporal.db_models import TemporalProfile


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def temporal_entry(p: TemporalProfile) -> dict[str, Any]:
    return {
        "granularity": p.detected_granularity,
        "granularity_step": p.granularity_step,
        "granularity_confidence": p.granularity_confidence,
        "min_timestamp": _iso(p.min_timestamp),
        "max_timestamp": _iso(p.max_timestamp),
        "dominant_gap_seconds": p.dominant_gap_seconds,
        "expected_periods": p.expected_periods,
        "actual_periods": p.actual_periods,
        "completeness_ratio": p.completeness_ratio,
        "gap_count": p.gap_count,
        "missing_periods": p.missing_periods,
        "largest_gap_seconds": p.largest_gap_seconds,
        "has_seasonality": p.has_seasonality,
        "seasonality_period": p.seasonality_period,
        "seasonality_strength": p.seasonality_strength,
        "trend_direction": p.trend_direction,
        "trend_p_value": p.trend_p_value,
        "signal": p.signal,
        "series_column": p.series_column,
        "series_count": len(p.series_profiles) if p.series_profiles else None,
    }


async def contribute(session: AsyncSession, doc: dict[str, Any]) -> None:
    """Set `temporal` on every column that has a temporal profile (others keep null)."""
    rows = await session.execute(
        sa.select(Table.table_name, Column.column_name, TemporalProfile)
        .join(Column, Column.column_id == TemporalProfile.column_id)
        .join(Table, Table.table_id == Column.table_id)
        .where(Table.layer == "raw")
    )
    by_key = {(t, c): p for t, c, p in rows.all()}
    for table in doc.get("tables") or []:
        for column in table.get("columns") or []:
            profile = by_key.get((table.get("name"), column.get("name")))
            if profile is not None:
                column["temporal"] = temporal_entry(profile)
