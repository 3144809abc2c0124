"""Type resolution metadata: type candidates from pattern detection, and type decisions.

A column has many candidates (one per plausible type) and at most one active
decision (UNIQUE(column_id)); both cascade away with their column.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class TypeCandidate(Base):
    """One plausible type for a column, with the evidence for it (spec: type_candidates)."""

    __tablename__ = "type_candidates"
    __table_args__ = (sa.Index("idx_type_candidates_column", "column_id"),)

    candidate_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    data_type: Mapped[str] = mapped_column(sa.String(), nullable=False)  # DuckDB type name
    confidence: Mapped[float] = mapped_column(sa.Double(), nullable=False)
    parse_success_rate: Mapped[float | None] = mapped_column(sa.Double())
    failed_examples: Mapped[list[Any] | None] = mapped_column(JSONType)  # sample of unparseable values

    # Pattern info
    detected_pattern: Mapped[str | None] = mapped_column(sa.String())  # 'iso_date', 'uuid', 'email', ...
    pattern_match_rate: Mapped[float | None] = mapped_column(sa.Double())

    # Unit detection (Pint)
    detected_unit: Mapped[str | None] = mapped_column(sa.String())  # 'kg', 'm/s', 'USD', ...
    unit_confidence: Mapped[float | None] = mapped_column(sa.Double())


class TypeDecision(Base):
    """The one active type decision for a column, human-reviewable (spec: type_decisions)."""

    __tablename__ = "type_decisions"
    __table_args__ = (sa.UniqueConstraint("column_id"),)

    decision_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )

    decided_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    decision_source: Mapped[str] = mapped_column(sa.String(), nullable=False)  # 'auto', 'manual', 'rule'
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    decided_by: Mapped[str | None] = mapped_column(sa.String())  # 'system' or a user identifier

    # Audit trail
    previous_type: Mapped[str | None] = mapped_column(sa.String())
    decision_reason: Mapped[str | None] = mapped_column(sa.String())
    # Extensions: what the context document shows next to the type.
    confidence: Mapped[float | None] = mapped_column(sa.Double())
    detected_pattern: Mapped[str | None] = mapped_column(sa.String())
    detected_unit: Mapped[str | None] = mapped_column(sa.String())
    quarantined_count: Mapped[int | None] = mapped_column(sa.BigInteger())
