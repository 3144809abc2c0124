"""Core metadata: sources, tables, columns, and the schema version.

Metadata describes the current state of a workspace; `runs` (pipeline/db_models.py)
record how it got there. Columns hang off the table's `raw` layer row: one row per
logical column carrying its raw and resolved type. `typed` and `quarantine` layer
rows record those layers' DuckDB tables and row counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow

# Bump when the metadata schema changes; `storage.schema` refuses other versions.
SCHEMA_VERSION = 1


class SchemaVersion(Base):
    """The metadata schema version this database was created with (one row)."""

    __tablename__ = "schema_version"

    # No Python default: an integer key without one is SERIAL on PostgreSQL, as the baseline
    # migration built it (a new store's `create_all` must equal the migrations); `init_schema`
    # always writes id 1.
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    dataraum_version: Mapped[str | None] = mapped_column(sa.String())


class Source(Base):
    """A data source: one file, or one database."""

    __tablename__ = "sources"

    source_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(), nullable=False, unique=True)
    source_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    # Never holds a password: database URLs are stored redacted.
    connection_config: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    content_hash: Mapped[str | None] = mapped_column(sa.String())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    tables: Mapped[list[Table]] = relationship(
        back_populates="source", cascade="all, delete-orphan", passive_deletes=True
    )


class Table(Base):
    """One table in one layer (`raw`, `typed`, `quarantine`)."""

    __tablename__ = "tables"
    __table_args__ = (sa.UniqueConstraint("source_id", "table_name", "layer"),)

    table_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sources.source_id", ondelete="CASCADE")
    )
    table_name: Mapped[str] = mapped_column(sa.String(), nullable=False)
    layer: Mapped[str] = mapped_column(sa.String(), nullable=False)
    duckdb_path: Mapped[str | None] = mapped_column(sa.String())
    row_count: Mapped[int | None] = mapped_column(sa.BigInteger())
    # Rows the reader could not parse; kept in the rejects table, never dropped.
    rejected_rows: Mapped[int | None] = mapped_column(sa.BigInteger())
    content_hash: Mapped[str | None] = mapped_column(sa.String())
    # How the reader read it (encoding, delimiter, header, null tokens seen ...).
    read_options: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_profiled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Topology (raw layer rows): minimal unique column sets, best first, e.g. [["id"], ["a", "b"]].
    candidate_keys: Mapped[list[Any] | None] = mapped_column(JSONType)

    source: Mapped[Source | None] = relationship(back_populates="tables")
    columns: Mapped[list[Column]] = relationship(
        back_populates="table",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Column.column_position",
    )


class Column(Base):
    """One column of a table, under a unique name; `original_name` keeps the file's header."""

    __tablename__ = "columns"
    __table_args__ = (
        sa.UniqueConstraint("table_id", "column_name"),
        sa.Index("idx_columns_table", "table_id"),
    )

    column_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )
    column_name: Mapped[str] = mapped_column(sa.String(), nullable=False)
    column_position: Mapped[int] = mapped_column(sa.Integer(), nullable=False)
    original_name: Mapped[str | None] = mapped_column(sa.String())
    raw_type: Mapped[str | None] = mapped_column(sa.String())
    resolved_type: Mapped[str | None] = mapped_column(sa.String())

    table: Mapped[Table] = relationship(back_populates="columns")
