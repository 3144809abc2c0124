"""Ontology metadata: ontology definitions and the log of their application to tables.

The spec leaves `ontology_applications`' foreign keys without an ON DELETE action;
here they are ON DELETE CASCADE so that deleting a table (or source) or an
ontology never leaves an application record pointing at nothing.

Extensions of the spec (nullable): `ontology_applications.run_id` (the run that applied
it; SET NULL when the run is deleted) and `ontology_applications.selection` (how the
ontology was chosen: `{"mode": "given"|"auto", "reason", "scores": [{name,
concepts_matched, strength}]}`), so the automatic choice is recorded with its evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class Ontology(Base):
    """A domain ontology: concepts, metrics, default rules, naming hints (spec: ontologies)."""

    __tablename__ = "ontologies"

    ontology_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    name: Mapped[str] = mapped_column(sa.String(), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text())
    version: Mapped[str | None] = mapped_column(sa.String())

    # Content
    # [{name, indicators, temporal_behavior}, ...]
    concepts: Mapped[list[Any] | None] = mapped_column(JSONType)
    metrics: Mapped[list[Any] | None] = mapped_column(JSONType)  # [{name, formula, required_concepts}, ...]
    quality_rules: Mapped[list[Any] | None] = mapped_column(JSONType)  # default rules for this ontology
    semantic_hints: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # column name patterns

    # Metadata
    is_builtin: Mapped[bool] = mapped_column(
        sa.Boolean(), nullable=False, default=False, server_default=sa.false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class OntologyApplication(Base):
    """One application of an ontology to a table, and what it found (spec: ontology_applications)."""

    __tablename__ = "ontology_applications"
    __table_args__ = (
        sa.Index("idx_ontology_applications_table", "table_id"),
        sa.Index("idx_ontology_applications_ontology", "ontology_id"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )
    ontology_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ontologies.ontology_id", ondelete="CASCADE"), nullable=False
    )

    # Results
    matched_concepts: Mapped[list[Any] | None] = mapped_column(JSONType)
    applicable_metrics: Mapped[list[Any] | None] = mapped_column(JSONType)
    applied_rules: Mapped[list[Any] | None] = mapped_column(JSONType)

    # Extensions (see the module docstring).
    run_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("runs.run_id", ondelete="SET NULL"))
    selection: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
