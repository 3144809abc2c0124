"""Write the staging stage's results to the metadata store."""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.run_context import RunContext
from dataraum_context.staging import StagedTable
from dataraum_context.storage.base import new_id, utcnow
from dataraum_context.storage.core import Column, Source, Table


def _source_hash(tables: list[StagedTable]) -> str:
    if len(tables) == 1:
        return tables[0].content_hash
    joined = "\n".join(f"{t.table_name}:{t.content_hash}" for t in sorted(tables, key=lambda t: t.table_name))
    return hashlib.sha256(joined.encode()).hexdigest()


def _upsert_source(session: AsyncSession, existing: dict[str, Source], name: str, tables: list[StagedTable]) -> Source:
    first = tables[0]
    content_hash = _source_hash(tables)
    config = {"location": first.location}
    source = existing.get(name)
    if source is None:
        source = Source(
            source_id=new_id(), name=name, source_type=first.source_type, connection_config=config,
            content_hash=content_hash,
        )
        session.add(source)
    else:
        source.source_type = first.source_type
        source.connection_config = config
        source.content_hash = content_hash
        source.updated_at = utcnow()
    return source


def _sync_columns(session: AsyncSession, table: Table, existing: dict[str, Column], staged: StagedTable) -> None:
    """Make the table's column rows match the staged columns, keeping rows (and their
    downstream metadata) for columns that are still there (those gone are deleted before)."""
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
    """Upsert sources, raw-layer tables and their columns; return checkpoint references.

    The rows already stored are read in three queries (sources, their raw tables, those
    tables' columns), not three per table."""
    staged_tables: list[StagedTable] = results["staged_tables"]
    by_source: dict[str, list[StagedTable]] = {}
    for staged in staged_tables:
        by_source.setdefault(staged.source_name, []).append(staged)
    names = sorted(by_source)
    sources = {
        s.name: s for s in (await session.execute(sa.select(Source).where(Source.name.in_(names)))).scalars()
    } if names else {}
    known_ids = [s.source_id for s in sources.values()]
    raw_tables = {
        (t.source_id, t.table_name): t
        for t in (
            await session.execute(sa.select(Table).where(Table.layer == "raw", Table.source_id.in_(known_ids)))
        ).scalars()
    } if known_ids else {}
    table_ids = [t.table_id for t in raw_tables.values()]
    columns: dict[Any, dict[str, Column]] = {}
    if table_ids:
        for column in (await session.execute(sa.select(Column).where(Column.table_id.in_(table_ids)))).scalars():
            columns.setdefault(column.table_id, {})[column.column_name] = column

    references: dict[str, Any] = {}
    changed: list[str] = []
    pending: list[tuple[Table, StagedTable]] = []
    for source_name in by_source:  # in the order staged
        tables = by_source[source_name]
        source = _upsert_source(session, sources, source_name, tables)
        for staged in tables:
            table = raw_tables.get((source.source_id, staged.table_name))
            if table is None:
                table = Table(table_id=new_id(), source_id=source.source_id, table_name=staged.table_name, layer="raw")
                session.add(table)
                changed.append(staged.table_name)
            elif table.content_hash != staged.content_hash:
                changed.append(staged.table_name)
            table.duckdb_path = staged.raw_table
            table.row_count = staged.row_count
            table.rejected_rows = staged.rejected_rows
            table.content_hash = staged.content_hash
            table.read_options = staged.options
            wanted = {column.name for column in staged.columns}
            for name, column in columns.get(table.table_id, {}).items():
                if name not in wanted:
                    await session.delete(column)
            pending.append((table, staged))
            references[staged.table_name] = {
                "raw_table": staged.raw_table,
                "content_hash": staged.content_hash,
                "row_count": staged.row_count,
                "rejected_rows": staged.rejected_rows,
            }
    await session.flush()  # sources, tables, and the columns that are gone, before new columns
    for table, staged in pending:
        _sync_columns(session, table, columns.get(table.table_id, {}), staged)
    ctx.summary["tables"] = sorted(references)
    ctx.summary["tables_changed"] = sorted(changed)
    failed = results.get("failed_sources") or []
    ctx.summary["failed_sources"] = [
        f.model_dump() if hasattr(f, "model_dump") else dict(f) for f in failed
    ]
    return {"tables": references}
