"""Result store: node outputs stored once, by content hash.

`node_results` holds each distinct node output (canonical JSON) once; `checkpoint_results`
says which checkpoint refers to which result, so retention can delete unreferenced
results in one statement. Checkpoints written before this revision keep their inline
`outputs`/`memo` JSON and are still read (see `pipeline/results.py`).

Revision ID: 0002_result_store
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dataraum_context.storage.base
from sqlalchemy.dialects import postgresql

revision = "0002_result_store"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_results",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", dataraum_context.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    op.create_table(
        "checkpoint_results",
        sa.Column("checkpoint_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["checkpoint_id"], ["checkpoints.checkpoint_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["content_hash"], ["node_results.content_hash"]),
        sa.PrimaryKeyConstraint("checkpoint_id", "content_hash"),
    )
    op.create_index("idx_checkpoint_results_hash", "checkpoint_results", ["content_hash"], unique=False)


def downgrade() -> None:
    op.drop_index("idx_checkpoint_results_hash", table_name="checkpoint_results")
    op.drop_table("checkpoint_results")
    op.drop_table("node_results")
