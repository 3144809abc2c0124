"""Write the staging stage's results to the metadata store."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.staging import StagedTable
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.core import Column, Source, Table


async def _upsert_source(session: AsyncSession, name: str, tables: list[StagedTable]) -> Source:
    first = tables[0]
    if len(tables) == 1:
        content_hash = first.content_hash
    else:
        joined = "\n".join(f"{t.table_name}:{t.content_hash}" for t in sorted(tables, key=lambda t: t.table_name))
        content_hash = hashlib.sha256(joined.encode()).hexdigest()
    config = {"location": first.location}
    source = (await session.execute(sa.select(Source).where(Source.name == name))).scalar_one_or_none()
    if source is None:
        source = Source(name=name, source_type=first.source_type, connection_config=config, content_hash=content_hash)
        session.add(source)
        await session.flush()
    else:
        source.source_type = first.source_type
        source.connection_config = config
        source.content_hash = content_hash
        source.updated_at = utcnow()
    return source


async def _sync_columns(session: AsyncSession, table: Table, staged: StagedTable) -> None:
    """Make the table's column rows match the staged columns, keeping rows (and their
    downstream metadata) for columns that are still there."""
    existing = {
        column.column_name: column
        for column in (await session.execute(sa.select(Column).where(Column.table_id == table.table_id))).scalars()
    }
    wanted = {column.name for column in staged.columns}
    for name, column in existing.items():
        if name not in wanted:
            await session.delete(column)
    await session.flush()
    for staged_column in staged.columns:
        column = existing.get(staged_column.name)
        if column is None:
            session.add(
                Column(
                    table_id=table.table_id,
                    column_name=staged_column.name,
                    column_position=staged_column.position,
                    original_name=staged_column.original_name,
                    raw_type=staged_column.raw_type,
                )
            )
        else:
            column.column_position = staged_column.position
            column.original_name = staged_column.original_name
            if column.raw_type != staged_column.raw_type:
                column.raw_type = staged_column.raw_type
                column.resolved_type = None


async def persist_staging(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Upsert sources, raw-layer tables and their columns; return checkpoint references."""
    staged_tables: list[StagedTable] = results["staged_tables"]
    by_source: dict[str, list[StagedTable]] = {}
    for staged in staged_tables:
        by_source.setdefault(staged.source_name, []).append(staged)

    references: dict[str, Any] = {}
    changed: list[str] = []
    for source_name, tables in by_source.items():
        source = await _upsert_source(session, source_name, tables)
        for staged in tables:
            table = (
                await session.execute(
                    sa.select(Table).where(
                        Table.source_id == source.source_id,
                        Table.table_name == staged.table_name,
                        Table.layer == "raw",
                    )
                )
            ).scalar_one_or_none()
            if table is None:
                table = Table(source_id=source.source_id, table_name=staged.table_name, layer="raw")
                session.add(table)
                changed.append(staged.table_name)
            elif table.content_hash != staged.content_hash:
                changed.append(staged.table_name)
            table.duckdb_path = staged.raw_table
            table.row_count = staged.row_count
            table.rejected_rows = staged.rejected_rows
            table.content_hash = staged.content_hash
            table.read_options = staged.options
            await session.flush()
            await _sync_columns(session, table, staged)
            references[staged.table_name] = {
                "raw_table": staged.raw_table,
                "content_hash": staged.content_hash,
                "row_count": staged.row_count,
                "rejected_rows": staged.rejected_rows,
            }
    ctx.summary["tables"] = sorted(references)
    ctx.summary["tables_changed"] = sorted(changed)
    failed = results.get("failed_sources") or []
    ctx.summary["failed_sources"] = [
        f.model_dump() if hasattr(f, "model_dump") else dict(f) for f in failed
    ]
    return {"tables": references}
