"""The topology stage's part of the context document."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def contribute(session: AsyncSession, doc: dict[str, Any]) -> None:
    """Fill this stage's keys of `doc` in place (tables and columns are looked up by name)."""
