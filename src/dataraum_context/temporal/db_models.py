"""Temporal metadata: one profile per time column (range, granularity, gaps, trend).

The spec's INTERVAL columns are stored as a float number of seconds
(`dominant_gap_seconds`, `largest_gap_seconds`): portable, exact enough for gaps
between timestamps, and easy to turn back into `datetime.timedelta(seconds=...)`.
Calendar gaps ('1 month') are stored as their length in seconds for the observed
data; `detected_granularity` carries the calendar unit.

Extension columns (all nullable, added by the temporal stage): `granularity_step`
(periods are `step` x `detected_granularity`, e.g. 15 x minute), `missing_periods`,
`seasonality_strength` (autocorrelation at the seasonal lag), `trend_p_value` and
`trend_slope` (Mann-Kendall p-value, Sen's slope per period), `signal` (what
seasonality and trend were measured on), `series_column` and `series_profiles`
(the same figures per series, JSON, when the table holds several series).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class TemporalProfile(Base):
    """Temporal behaviour of one time column (spec: temporal_profiles)."""

    __tablename__ = "temporal_profiles"
    __table_args__ = (sa.UniqueConstraint("column_id"),)

    temporal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )

    # Range
    min_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Granularity: 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'
    detected_granularity: Mapped[str | None] = mapped_column(sa.String())
    granularity_confidence: Mapped[float | None] = mapped_column(sa.Double())
    dominant_gap_seconds: Mapped[float | None] = mapped_column(sa.Double())  # spec: dominant_gap INTERVAL

    # Completeness
    expected_periods: Mapped[int | None] = mapped_column(sa.Integer())
    actual_periods: Mapped[int | None] = mapped_column(sa.Integer())
    completeness_ratio: Mapped[float | None] = mapped_column(sa.Double())

    # Gaps
    gap_count: Mapped[int | None] = mapped_column(sa.Integer())
    largest_gap_seconds: Mapped[float | None] = mapped_column(sa.Double())  # spec: largest_gap INTERVAL
    gap_details: Mapped[list[Any] | None] = mapped_column(JSONType)  # [{start, end, missing_periods}, ...]

    # Patterns
    has_seasonality: Mapped[bool | None] = mapped_column(sa.Boolean())
    seasonality_period: Mapped[str | None] = mapped_column(sa.String())
    trend_direction: Mapped[str | None] = mapped_column(sa.String())  # 'increasing', 'decreasing', 'stable'

    # Extensions (nullable; see module docstring)
    granularity_step: Mapped[int | None] = mapped_column(sa.Integer())
    missing_periods: Mapped[int | None] = mapped_column(sa.Integer())
    seasonality_strength: Mapped[float | None] = mapped_column(sa.Double())
    trend_p_value: Mapped[float | None] = mapped_column(sa.Double())
    trend_slope: Mapped[float | None] = mapped_column(sa.Double())
    signal: Mapped[str | None] = mapped_column(sa.String())
    series_column: Mapped[str | None] = mapped_column(sa.String())
    series_profiles: Mapped[list[Any] | None] = mapped_column(JSONType)

    profiled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
