"""Write the profiling stage's column profiles to the metadata store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.errors import DataraumError
from dataraum_context.contracts.run_context import RunContext
from dataraum_context.profiling.db_models import ColumnProfile
from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.core import Column, Table


class ProfilingPersistError(DataraumError):
    """Profiles refer to a table or column the metadata store does not know."""


async def _raw_table(session: AsyncSession, profile: TableProfileResult) -> Table:
    """The raw-layer `Table` row a profile belongs to (matched on `duckdb_path` when
    two sources have a raw table of the same name)."""
    rows = (
        (await session.execute(sa.select(Table).where(Table.layer == "raw", Table.table_name == profile.table_name)))
        .scalars()
        .all()
    )
    if len(rows) > 1 and profile.raw_table is not None:
        rows = [row for row in rows if row.duckdb_path == profile.raw_table]
    if len(rows) != 1:
        found = "no" if not rows else "more than one"
        raise ProfilingPersistError(f"cannot store profiles: {found} raw table {profile.table_name!r} in the metadata")
    return rows[0]


def _profile_row(column_id: Any, profile: ColumnProfileResult, profiled_at: Any) -> ColumnProfile:
    return ColumnProfile(
        column_id=column_id,
        profiled_at=profiled_at,
        total_count=profile.total_count,
        null_count=profile.null_count,
        distinct_count=profile.distinct_count,
        min_value=profile.min_value,
        max_value=profile.max_value,
        mean_value=profile.mean_value,
        stddev_value=profile.stddev_value,
        percentiles=profile.percentiles,
        min_length=profile.min_length,
        max_length=profile.max_length,
        avg_length=profile.avg_length,
        histogram=profile.histogram,
        top_values=profile.top_values,
        cardinality_ratio=profile.cardinality_ratio,
        null_ratio=profile.null_ratio,
        numeric_count=profile.numeric_count,
        null_token_counts=profile.null_token_counts,
    )


async def persist_profiling(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Add one `ColumnProfile` row per profiled column (profiles are versioned: every run
    adds rows, `v_latest_profiles` picks the newest) and stamp `Table.last_profiled_at`.

    Every profile of one call shares one `profiled_at`. Returns checkpoint references:
    `{"profiled_tables": {table_name: number_of_columns}}`.
    """
    table_profiles: list[TableProfileResult] = results.get("table_profiles") or []
    profiled_at = utcnow()
    references: dict[str, int] = {}
    for table_profile in table_profiles:
        table = await _raw_table(session, table_profile)
        columns = {
            column.column_name: column.column_id
            for column in (await session.execute(sa.select(Column).where(Column.table_id == table.table_id))).scalars()
        }
        missing = [p.column_name for p in table_profile.columns if p.column_name not in columns]
        if missing:
            raise ProfilingPersistError(
                f"cannot store profiles of {table_profile.table_name!r}: unknown columns {', '.join(map(repr, missing))}"
            )
        session.add_all(_profile_row(columns[p.column_name], p, profiled_at) for p in table_profile.columns)
        table.last_profiled_at = profiled_at
        references[table_profile.table_name] = len(table_profile.columns)
    await session.flush()
    ctx.summary["profiled_tables"] = sorted(references)
    ctx.summary["profiled_columns"] = sum(references.values())
    return {"profiled_tables": references}
