"""Finding the metadata rows a stage's results belong to (by table and column name)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.storage.core import Column, Table

IN_CHUNK = 500  # values per IN (...) list
T = TypeVar("T")


def in_chunks(values: list[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, for `IN (...)` lists that stay well under the
    drivers' parameter limits."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def raw_tables(session: AsyncSession, table_names: set[str]) -> dict[str, Table]:
    """table name -> its `raw`-layer Table row."""
    rows = await session.execute(
        sa.select(Table).where(Table.layer == "raw", Table.table_name.in_(sorted(table_names))).order_by(Table.created_at)
    )
    return {t.table_name: t for t in rows.scalars()}


async def raw_columns(session: AsyncSession, table_names: set[str]) -> dict[tuple[str, str], Column]:
    """(table, column) -> Column row of the raw layer."""
    rows = await session.execute(
        sa.select(Table.table_name, Column)
        .join(Column, Column.table_id == Table.table_id)
        .where(Table.layer == "raw", Table.table_name.in_(sorted(table_names)))
    )
    return {(table_name, column.column_name): column for table_name, column in rows.all()}
