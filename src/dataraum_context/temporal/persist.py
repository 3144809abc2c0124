"""Write the temporal stage's results to the metadata store."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.pipeline.context import RunContext


async def persist_temporal(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Store what the stage's nodes returned; returns small references for the checkpoint."""
    return {}
