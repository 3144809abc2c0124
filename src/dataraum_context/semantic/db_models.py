"""Semantic metadata: column annotations (role, business meaning, ontology term) and table entities."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class SemanticAnnotation(Base):
    """What a column means, one per column (spec: semantic_annotations)."""

    __tablename__ = "semantic_annotations"
    __table_args__ = (sa.UniqueConstraint("column_id"),)

    annotation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )

    # Classification
    # 'measure', 'dimension', 'key', 'foreign_key', 'attribute', 'timestamp'
    semantic_role: Mapped[str | None] = mapped_column(sa.String())
    entity_type: Mapped[str | None] = mapped_column(sa.String())  # 'customer', 'transaction', ...

    # Business terms
    business_name: Mapped[str | None] = mapped_column(sa.String())
    business_description: Mapped[str | None] = mapped_column(sa.Text())
    business_domain: Mapped[str | None] = mapped_column(sa.String())  # 'finance', 'marketing', ...

    # Ontology mapping
    ontology_term: Mapped[str | None] = mapped_column(sa.String())
    ontology_uri: Mapped[str | None] = mapped_column(sa.String())

    # Provenance
    annotation_source: Mapped[str | None] = mapped_column(sa.String())  # 'llm', 'manual', 'override', ...
    annotated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    annotated_by: Mapped[str | None] = mapped_column(sa.String())  # model name or user
    confidence: Mapped[float | None] = mapped_column(sa.Double())


class TableEntity(Base):
    """The business entity a table holds, and its grain (spec: table_entities).

    `grain_columns` is the spec's VARCHAR[]: a JSON list of column names, portable
    across SQLite and PostgreSQL.
    """

    __tablename__ = "table_entities"
    __table_args__ = (sa.Index("idx_table_entities_table", "table_id"),)

    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )

    detected_entity_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text())
    confidence: Mapped[float | None] = mapped_column(sa.Double())
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    # Grain
    grain_columns: Mapped[list[Any] | None] = mapped_column(JSONType)
    is_fact_table: Mapped[bool | None] = mapped_column(sa.Boolean())
    is_dimension_table: Mapped[bool | None] = mapped_column(sa.Boolean())

    # Provenance
    detection_source: Mapped[str | None] = mapped_column(sa.String())  # 'llm', 'manual', 'override', ...
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
