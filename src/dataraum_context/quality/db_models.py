"""Quality metadata: rules, their execution results, and aggregate scores.

The spec leaves the table/column foreign keys of `quality_rules` and
`quality_scores` without an ON DELETE action; here they are ON DELETE CASCADE so
that deleting a table, column or source never leaves rules or scores behind
(results go with their rule, as the spec says).

Extension columns (nullable, added by the quality stage):
- `quality_rules.dimension`: the score dimension the rule's failures count against
  ('completeness', 'validity', 'consistency', 'uniqueness', 'timeliness').
- `quality_results.run_id`, `status` ('ok' | 'invalid'), `error_message` (why an
  invalid rule could not run) and `details` (extra figures, e.g. duplicate values).
- `quality_scores.run_id` and `evidence` (per dimension, the figures it came from).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class QualityRule(Base):
    """A check on a table or one of its columns (spec: quality_rules).

    `column_id` is NULL for a table-level rule.
    """

    __tablename__ = "quality_rules"
    __table_args__ = (
        sa.Index("idx_quality_rules_table", "table_id"),
        sa.Index("idx_quality_rules_column", "column_id"),
    )

    rule_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    # Scope
    table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )
    column_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE")
    )

    # Rule definition
    rule_name: Mapped[str] = mapped_column(sa.String(), nullable=False)
    # 'not_null', 'unique', 'range', 'pattern', 'referential', 'custom'
    rule_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    rule_expression: Mapped[str | None] = mapped_column(sa.Text())  # DuckDB SQL expression
    rule_parameters: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # {min, max, pattern, ...}

    # Metadata
    severity: Mapped[str] = mapped_column(
        sa.String(), nullable=False, default="warning", server_default="warning"
    )  # 'error', 'warning', 'info'
    source: Mapped[str] = mapped_column(sa.String(), nullable=False)  # 'llm', 'ontology', 'default', 'manual'
    description: Mapped[str | None] = mapped_column(sa.Text())
    dimension: Mapped[str | None] = mapped_column(sa.String())  # extension

    # Status
    is_active: Mapped[bool] = mapped_column(
        sa.Boolean(), nullable=False, default=True, server_default=sa.true()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    created_by: Mapped[str | None] = mapped_column(sa.String())

    results: Mapped[list[QualityResult]] = relationship(
        back_populates="rule",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QualityResult.executed_at",
    )


class QualityResult(Base):
    """One execution of a quality rule (spec: quality_results)."""

    __tablename__ = "quality_results"
    __table_args__ = (sa.Index("idx_quality_results_rule", "rule_id", "executed_at"),)

    result_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    rule_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("quality_rules.rule_id", ondelete="CASCADE"), nullable=False
    )

    executed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    # Results
    total_records: Mapped[int | None] = mapped_column(sa.BigInteger())
    passed_records: Mapped[int | None] = mapped_column(sa.BigInteger())
    failed_records: Mapped[int | None] = mapped_column(sa.BigInteger())
    pass_rate: Mapped[float | None] = mapped_column(sa.Double())

    # Failure details
    failure_samples: Mapped[list[Any] | None] = mapped_column(JSONType)

    # Trend
    previous_pass_rate: Mapped[float | None] = mapped_column(sa.Double())
    trend_direction: Mapped[str | None] = mapped_column(sa.String())  # 'improving', 'degrading', 'stable'

    # Extensions
    run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    status: Mapped[str | None] = mapped_column(sa.String())  # 'ok' | 'invalid'
    error_message: Mapped[str | None] = mapped_column(sa.Text())
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    rule: Mapped[QualityRule] = relationship(back_populates="results")


class QualityScore(Base):
    """Aggregate quality scores (0-1) of a table or of a column (spec: quality_scores).

    A table-level score has `column_id` NULL; a column-level score sets
    `column_id` (and may set `table_id` too). At least one of them is set.
    """

    __tablename__ = "quality_scores"
    __table_args__ = (
        sa.CheckConstraint("table_id IS NOT NULL OR column_id IS NOT NULL", name="scope"),
        sa.Index("idx_quality_scores_table", "table_id"),
        sa.Index("idx_quality_scores_column", "column_id", "computed_at"),
    )

    score_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    # Scope (one of these is set)
    table_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE")
    )
    column_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE")
    )

    # Scores by dimension (0-1)
    completeness_score: Mapped[float | None] = mapped_column(sa.Double())
    validity_score: Mapped[float | None] = mapped_column(sa.Double())
    consistency_score: Mapped[float | None] = mapped_column(sa.Double())
    uniqueness_score: Mapped[float | None] = mapped_column(sa.Double())
    timeliness_score: Mapped[float | None] = mapped_column(sa.Double())

    # Overall
    overall_score: Mapped[float | None] = mapped_column(sa.Double())

    # Extensions
    run_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid())
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
