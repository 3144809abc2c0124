"""What the temporal nodes return (pydantic, JSON round-trippable; not ORM rows).

Conventions (see `temporal.profiler` for how each figure is computed):

- Times are UTC ISO-8601 strings (`2024-03-05T13:22:00Z`; DATE columns give midnight).
  TIMESTAMP WITH TIME ZONE values are converted to UTC in DuckDB; naive TIMESTAMP and
  DATE values are taken as UTC.
- A *period* is one step of the detected granularity: `granularity_step` units of
  `granularity` (`15` x `minute` for quarter-hourly data). Calendar units (month,
  quarter, year) always have step 1.
- Gap lengths are seconds between consecutive distinct observed times.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

GRANULARITIES = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")


class GapDetail(BaseModel):
    """A run of missing periods between two observed times."""

    start: str
    """The last observed time before the gap (UTC ISO)."""
    end: str
    """The first observed time after the gap (UTC ISO)."""
    missing_periods: int


class TemporalSeriesProfile(BaseModel):
    """Temporal behaviour of one series (all of a column, or the rows of one series key)."""

    series_key: str | None = None
    """The series column's value (as text) for a per-series profile; None for the whole column."""
    value_count: int = 0
    """Non-null time values."""
    distinct_count: int = 0
    min_timestamp: str | None = None
    max_timestamp: str | None = None

    detected_granularity: str | None = None
    granularity_step: int | None = None
    granularity_confidence: float | None = None
    dominant_gap_seconds: float | None = None
    largest_gap_seconds: float | None = None

    expected_periods: int | None = None
    actual_periods: int | None = None
    completeness_ratio: float | None = None
    gap_count: int | None = None
    missing_periods: int | None = None
    gap_details: list[GapDetail] = Field(default_factory=list)
    """The largest gaps (at most `profiler.MAX_GAP_DETAILS`), by size then start."""

    signal: str | None = None
    """What seasonality and trend were measured on: 'row_count' per period, or 'mean(<column>)'."""
    has_seasonality: bool | None = None
    seasonality_period: str | None = None
    """e.g. '7 days', '24 hours', '12 months' (None when not seasonal)."""
    seasonality_name: str | None = None
    """'daily', 'weekly' or 'yearly' (None when not seasonal)."""
    seasonality_strength: float | None = None
    """Autocorrelation of the detrended signal at the seasonal lag (the best tested lag)."""
    trend_direction: str | None = None
    """'increasing', 'decreasing' or 'stable' (Mann-Kendall, two-sided, alpha 0.05)."""
    trend_p_value: float | None = None
    trend_slope: float | None = None
    """Sen's slope of the signal, per period."""


class TemporalProfileResult(TemporalSeriesProfile):
    """The temporal profile of one DATE / TIMESTAMP / TIMESTAMPTZ column of the typed layer."""

    table_name: str
    column_name: str
    data_type: str
    series_column: str | None = None
    """Low-cardinality column that, with this time column, is the table's grain (one series per value)."""
    series: list[TemporalSeriesProfile] = Field(default_factory=list)
    """Per-series profiles when `series_column` is set (at most `profiler.MAX_SERIES`)."""
