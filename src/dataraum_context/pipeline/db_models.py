"""Run, node-execution, checkpoint and review-queue records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow

RUN_STATUSES = ("running", "paused", "interrupted", "completed", "failed")


class Run(Base):
    """One `dataraum run`: what it was given, where it is, how it ended.

    `version` is bumped on every status change so that claiming a run is a
    compare-and-swap; the lease fields say which process holds it.
    """

    __tablename__ = "runs"
    __table_args__ = (sa.Index("idx_runs_status", "status"),)

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(sa.String(), nullable=False, default="running")
    version: Mapped[int] = mapped_column(sa.Integer(), nullable=False, default=0)
    review_policy: Mapped[str] = mapped_column(sa.String(), nullable=False, default="block")
    paths: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    options: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    current_stage: Mapped[str | None] = mapped_column(sa.String())
    completed_stages: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    graph_fingerprint: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_message: Mapped[str | None] = mapped_column(sa.Text())
    dataraum_version: Mapped[str | None] = mapped_column(sa.String())
    lease_host: Mapped[str | None] = mapped_column(sa.String())
    lease_pid: Mapped[int | None] = mapped_column(sa.Integer())
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    node_executions: Mapped[list[NodeExecution]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class NodeExecution(Base):
    """One execution of one DAG node in one run."""

    __tablename__ = "node_executions"
    __table_args__ = (sa.Index("idx_node_executions_run", "run_id"),)

    execution_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False
    )
    stage: Mapped[str] = mapped_column(sa.String(), nullable=False)
    node_name: Mapped[str] = mapped_column(sa.String(), nullable=False)
    code_version: Mapped[str | None] = mapped_column(sa.String())
    inputs_hash: Mapped[str | None] = mapped_column(sa.String())
    status: Mapped[str] = mapped_column(sa.String(), nullable=False)  # 'success', 'failed', 'skipped'
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    duration_ms: Mapped[float | None] = mapped_column(sa.Float())
    error_message: Mapped[str | None] = mapped_column(sa.Text())

    run: Mapped[Run] = relationship(back_populates="node_executions")


class Checkpoint(Base):
    """A stage boundary of a run: references to its committed results, and its review state."""

    __tablename__ = "checkpoints"
    __table_args__ = (sa.Index("idx_checkpoints_status", "status"),)

    checkpoint_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("runs.run_id", ondelete="CASCADE")
    )
    dataflow_name: Mapped[str] = mapped_column(sa.String(), nullable=False)
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sources.source_id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(sa.String(), nullable=False)
    checkpoint_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer(), nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkpoint_state: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    result_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_message: Mapped[str | None] = mapped_column(sa.Text())


class ReviewItem(Base):
    """One proposal waiting for (or having had) a human decision."""

    __tablename__ = "review_queue"

    review_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    checkpoint_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("checkpoints.checkpoint_id", ondelete="CASCADE")
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("runs.run_id", ondelete="CASCADE")
    )
    review_type: Mapped[str] = mapped_column(sa.String(), nullable=False)
    item_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid(), nullable=False)
    target: Mapped[str | None] = mapped_column(sa.String())
    context_data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    suggested_action: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(), nullable=False, default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(sa.String())
    review_notes: Mapped[str | None] = mapped_column(sa.Text())
    # Extensions: the stage that proposed it, what the decision set (`modify --set`),
    # and a key of the evidence it was made on (decision memory re-applies a decision
    # to later runs only while this key is unchanged).
    stage: Mapped[str | None] = mapped_column(sa.String())
    decision_values: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    evidence_key: Mapped[str | None] = mapped_column(sa.String())


# Partial index of pending items (PostgreSQL and SQLite both support WHERE on indexes).
sa.Index(
    "idx_review_queue_status",
    ReviewItem.status,
    postgresql_where=ReviewItem.status == "pending",
    sqlite_where=ReviewItem.status == "pending",
)


class NodeResult(Base):
    """One node output as JSON, stored once and named by the sha256 of its canonical JSON.

    Checkpoints and memo entries name results by that hash (`checkpoint_results` keeps
    the references relational, so that pruning is one query)."""

    __tablename__ = "node_results"

    content_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    size_bytes: Mapped[int] = mapped_column(sa.Integer(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CheckpointResult(Base):
    """A checkpoint's reference to a stored result (a node output or a memo entry)."""

    __tablename__ = "checkpoint_results"
    __table_args__ = (sa.Index("idx_checkpoint_results_hash", "content_hash"),)

    checkpoint_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("checkpoints.checkpoint_id", ondelete="CASCADE"), primary_key=True
    )
    content_hash: Mapped[str] = mapped_column(
        sa.String(64), sa.ForeignKey("node_results.content_hash"), primary_key=True
    )
