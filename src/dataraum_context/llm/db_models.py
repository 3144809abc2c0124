"""LLM response cache: one row per distinct request (hash of its inputs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dataraum_context.storage.base import Base, JSONType, UTCDateTime, new_id, utcnow


class LLMCache(Base):
    """A cached LLM response (spec: llm_cache).

    `cache_key` is unique through the unique index `idx_llm_cache_key` (the spec's
    UNIQUE plus its index of the same column, as one index rather than two).
    `source_id` is ON DELETE SET NULL: the key already identifies the request, so a
    response stays reusable when its source row is deleted and re-added.
    """

    __tablename__ = "llm_cache"
    __table_args__ = (sa.Index("idx_llm_cache_key", "cache_key", unique=True),)

    cache_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)

    # Cache key (hash of inputs)
    cache_key: Mapped[str] = mapped_column(sa.String(), nullable=False)
    # 'semantic_analysis', 'quality_rules', 'suggested_queries', 'context_summary'
    feature: Mapped[str] = mapped_column(sa.String(), nullable=False)

    # Request context
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sources.source_id", ondelete="SET NULL")
    )
    table_ids: Mapped[list[Any] | None] = mapped_column(JSONType)  # table ids (as strings)
    ontology: Mapped[str | None] = mapped_column(sa.String())

    # LLM details
    provider: Mapped[str] = mapped_column(sa.String(), nullable=False)  # 'anthropic', 'openai', 'local'
    model: Mapped[str] = mapped_column(sa.String(), nullable=False)
    prompt_hash: Mapped[str | None] = mapped_column(sa.String())

    # Response
    response_json: Mapped[Any] = mapped_column(JSONType, nullable=False)
    input_tokens: Mapped[int | None] = mapped_column(sa.Integer())
    output_tokens: Mapped[int | None] = mapped_column(sa.Integer())

    # Timing
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Invalidation
    is_valid: Mapped[bool] = mapped_column(
        sa.Boolean(), nullable=False, default=True, server_default=sa.true()
    )


# Valid entries by feature and source (spec: partial index WHERE is_valid = TRUE).
sa.Index(
    "idx_llm_cache_feature",
    LLMCache.feature,
    LLMCache.source_id,
    postgresql_where=LLMCache.is_valid == sa.true(),
    sqlite_where=LLMCache.is_valid == sa.true(),
)
