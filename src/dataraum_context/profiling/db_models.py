"""Profiling metadata: per-column statistical profiles and column-pair correlations.

Profiles are versioned: every profiling pass adds a row, and `v_latest_profiles`
(storage/views.py) picks the newest per column. Rows hang off `columns` with
ON DELETE CASCADE, so deleting a table or source removes its profiles.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class ColumnProfile(Base):
    """Statistical profile of one column at one point in time (spec: column_profiles)."""

    __tablename__ = "column_profiles"

    profile_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )
    profiled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    # Counts
    total_count: Mapped[int] = mapped_column(sa.BigInteger(), nullable=False)
    null_count: Mapped[int] = mapped_column(sa.BigInteger(), nullable=False)
    distinct_count: Mapped[int | None] = mapped_column(sa.BigInteger())

    # Numeric columns
    min_value: Mapped[float | None] = mapped_column(sa.Double())
    max_value: Mapped[float | None] = mapped_column(sa.Double())
    mean_value: Mapped[float | None] = mapped_column(sa.Double())
    stddev_value: Mapped[float | None] = mapped_column(sa.Double())
    percentiles: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # {p25, p50, p75, p95, p99}

    # String columns
    min_length: Mapped[int | None] = mapped_column(sa.Integer())
    max_length: Mapped[int | None] = mapped_column(sa.Integer())
    avg_length: Mapped[float | None] = mapped_column(sa.Double())

    # Distribution
    histogram: Mapped[list[Any] | None] = mapped_column(JSONType)  # [{bucket, count}, ...]
    top_values: Mapped[list[Any] | None] = mapped_column(JSONType)  # [{value, count}, ...]

    # Computed metrics
    cardinality_ratio: Mapped[float | None] = mapped_column(sa.Double())  # distinct / non-null
    null_ratio: Mapped[float | None] = mapped_column(sa.Double())  # null / total
    # Extensions: non-null values that parse as numbers, and which null tokens occurred.
    numeric_count: Mapped[int | None] = mapped_column(sa.BigInteger())
    null_token_counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


# Latest profile lookup (spec: idx_column_profiles_latest on (column_id, profiled_at DESC)).
sa.Index(
    "idx_column_profiles_latest",
    ColumnProfile.column_id,
    ColumnProfile.profiled_at.desc(),
)


class ColumnCorrelation(Base):
    """Correlation between two columns, by one method, at one point in time.

    Versioned like profiles (a new row per profiling pass). The pair is ordered as
    the profiler computed it; a column is never correlated with itself.
    `method` is e.g. 'pearson', 'spearman', 'cramers_v'.
    """

    __tablename__ = "column_correlations"
    __table_args__ = (
        sa.CheckConstraint("column_a_id <> column_b_id", name="distinct_columns"),
        sa.Index("idx_column_correlations_pair", "column_a_id", "column_b_id"),
        sa.Index("idx_column_correlations_b", "column_b_id"),
    )

    correlation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    column_a_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )
    column_b_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )
    method: Mapped[str] = mapped_column(sa.String(), nullable=False)
    coefficient: Mapped[float] = mapped_column(sa.Double(), nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
