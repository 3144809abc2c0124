"""Topology metadata: relationships between columns, and join paths between tables.

The spec leaves these table/column foreign keys without an ON DELETE action; here
they are ON DELETE CASCADE so that deleting a table, column or source never leaves
a relationship or join path pointing at nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow

RELATIONSHIP_STATUSES = ("candidate", "confirmed", "rejected")


class Relationship(Base):
    """A detected link from one column to another (spec: relationships).

    For a composite key, `from_column_id`/`to_column_id` hold the first column of
    each side and `from_columns`/`to_columns` the full ordered lists of column
    names; for a single-column key the lists hold one name (or are left NULL).
    `status` is the review state ('candidate', 'confirmed', 'rejected'); the spec's
    `is_confirmed` is kept and is true exactly when a reviewer or rule confirmed it.
    `coverage` (share of child values found in the parent) and `orphan_count`
    (child values without a parent) are the two numbers the context document
    reports per relationship; `evidence` keeps everything else.
    """

    __tablename__ = "relationships"
    __table_args__ = (
        sa.UniqueConstraint("from_column_id", "to_column_id"),
        sa.Index("idx_relationships_from", "from_table_id"),
        sa.Index("idx_relationships_to", "to_table_id"),
        sa.Index("idx_relationships_to_column", "to_column_id"),
    )

    relationship_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    # Source side
    from_table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )
    from_column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )

    # Target side
    to_table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )
    to_column_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("columns.column_id", ondelete="CASCADE"), nullable=False
    )

    # Classification
    # 'foreign_key', 'hierarchy', 'correlation', 'semantic'
    relationship_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    cardinality: Mapped[str | None] = mapped_column(sa.String())  # '1:1', '1:n', 'n:m'

    # Confidence
    confidence: Mapped[float] = mapped_column(sa.Double(), nullable=False)
    detection_method: Mapped[str | None] = mapped_column(sa.String())  # 'tda', 'value_overlap', ...
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    # Verification
    is_confirmed: Mapped[bool] = mapped_column(
        sa.Boolean(), nullable=False, default=False, server_default=sa.false()
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(sa.String())

    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    # Beyond the spec (see the class docstring)
    status: Mapped[str] = mapped_column(
        sa.String(), nullable=False, default="candidate", server_default="candidate"
    )
    from_columns: Mapped[list[Any] | None] = mapped_column(JSONType)
    to_columns: Mapped[list[Any] | None] = mapped_column(JSONType)
    coverage: Mapped[float | None] = mapped_column(sa.Double())
    orphan_count: Mapped[int | None] = mapped_column(sa.BigInteger())


def join_path_key(path_steps: Any) -> str:
    """A stable key for a join path's steps: sha256 of their canonical JSON.

    Canonical means sorted object keys and no whitespace, so the same steps give
    the same key whatever order their dicts were built in. UUIDs and other
    non-JSON values are keyed by their `str()`.
    """
    canonical = json.dumps(path_steps, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _path_key_default(context: Any) -> str:
    # Core inserts that do not give a path_key get it from their path_steps.
    return join_path_key(context.get_current_parameters()["path_steps"])


class JoinPath(Base):
    """A way to join one table to another through relationships (spec: join_paths).

    The spec's UNIQUE(from_table_id, to_table_id, path_steps) cannot be portable:
    PostgreSQL cannot put a JSON column in a unique constraint (JSONB can be, but
    JSON on SQLite is text compared byte-for-byte, so key order would matter).
    `path_key` is the sha256 of the steps' canonical JSON (`join_path_key`), set
    whenever `path_steps` is assigned through the ORM and by a column default on
    Core inserts; the unique constraint is on (from_table_id, to_table_id, path_key).
    A Core UPDATE of `path_steps` must set `path_key=join_path_key(steps)` itself.
    """

    __tablename__ = "join_paths"
    __table_args__ = (
        sa.UniqueConstraint("from_table_id", "to_table_id", "path_key"),
        sa.Index("idx_join_paths_to", "to_table_id"),
    )

    path_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    from_table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )
    to_table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tables.table_id", ondelete="CASCADE"), nullable=False
    )

    # [{from_col, to_table, to_col}, ...]
    path_steps: Mapped[list[Any]] = mapped_column(JSONType, nullable=False)
    path_key: Mapped[str] = mapped_column(sa.String(64), nullable=False, default=_path_key_default)
    path_length: Mapped[int] = mapped_column(sa.Integer(), nullable=False)
    total_confidence: Mapped[float | None] = mapped_column(sa.Double())

    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @validates("path_steps")
    def _set_path_key(self, _key: str, value: Any) -> Any:
        self.path_key = join_path_key(value)
        return value
