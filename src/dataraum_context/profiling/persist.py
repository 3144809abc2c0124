"""Write the profiling stage's column profiles to the metadata store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.errors import DataraumError
from dataraum_context.contracts.run_context import RunContext
from dataraum_context.profiling.db_models import ColumnProfile
from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult
from dataraum_context.storage.base import new_id, utcnow
from dataraum_context.storage.core import Column, Table


_CHUNK = 500  # names or ids per IN (...) list


class ProfilingPersistError(DataraumError):
    """Profiles refer to a table or column the metadata store does not know."""


async def _raw_tables(session: AsyncSession, profiles: list[TableProfileResult]) -> list[Table]:
    """The raw-layer `Table` row each profile belongs to (matched on `duckdb_path` when
    two sources have a raw table of the same name), read in one query for all profiles."""
    names = sorted({p.table_name for p in profiles})
    by_name: dict[str, list[Table]] = {}
    for start in range(0, len(names), _CHUNK):
        for row in (
            await session.execute(
                sa.select(Table).where(Table.layer == "raw", Table.table_name.in_(names[start : start + _CHUNK]))
            )
        ).scalars():
            by_name.setdefault(row.table_name, []).append(row)
    found = []
    for profile in profiles:
        rows = by_name.get(profile.table_name, [])
        if len(rows) > 1 and profile.raw_table is not None:
            rows = [row for row in rows if row.duckdb_path == profile.raw_table]
        if len(rows) != 1:
            which = "no" if not rows else "more than one"
            raise ProfilingPersistError(f"cannot store profiles: {which} raw table {profile.table_name!r} in the metadata")
        found.append(rows[0])
    return found


def _profile_row(column_id: Any, profile: ColumnProfileResult, profiled_at: Any) -> dict[str, Any]:
    return {
        "profile_id": new_id(),
        "column_id": column_id,
        "profiled_at": profiled_at,
        "total_count": profile.total_count,
        "null_count": profile.null_count,
        "distinct_count": profile.distinct_count,
        "min_value": profile.min_value,
        "max_value": profile.max_value,
        "mean_value": profile.mean_value,
        "stddev_value": profile.stddev_value,
        "percentiles": profile.percentiles,
        "min_length": profile.min_length,
        "max_length": profile.max_length,
        "avg_length": profile.avg_length,
        "histogram": profile.histogram,
        "top_values": profile.top_values,
        "cardinality_ratio": profile.cardinality_ratio,
        "null_ratio": profile.null_ratio,
        "numeric_count": profile.numeric_count,
        "null_token_counts": profile.null_token_counts,
    }


async def persist_profiling(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Add one `ColumnProfile` row per profiled column (profiles are versioned: every run
    adds rows, `v_latest_profiles` picks the newest) and stamp `Table.last_profiled_at`.

    Every profile of one call shares one `profiled_at`. Returns checkpoint references:
    `{"profiled_tables": {table_name: number_of_columns}}`.
    """
    table_profiles: list[TableProfileResult] = results.get("table_profiles") or []
    profiled_at = utcnow()
    references: dict[str, int] = {}
    tables = await _raw_tables(session, table_profiles) if table_profiles else []
    columns: dict[Any, dict[str, Any]] = {table.table_id: {} for table in tables}
    ids = list(columns)
    for start in range(0, len(ids), _CHUNK):
        for table_id, name, column_id in await session.execute(
            sa.select(Column.table_id, Column.column_name, Column.column_id).where(
                Column.table_id.in_(ids[start : start + _CHUNK])
            )
        ):
            columns[table_id][name] = column_id
    rows: list[dict[str, Any]] = []
    for table_profile, table in zip(table_profiles, tables, strict=True):
        known = columns[table.table_id]
        missing = [p.column_name for p in table_profile.columns if p.column_name not in known]
        if missing:
            raise ProfilingPersistError(
                f"cannot store profiles of {table_profile.table_name!r}: unknown columns {', '.join(map(repr, missing))}"
            )
        rows += [_profile_row(known[p.column_name], p, profiled_at) for p in table_profile.columns]
        table.last_profiled_at = profiled_at
        references[table_profile.table_name] = len(table_profile.columns)
    if rows:  # one multi-row INSERT (the ORM's unit of work cost ~1 ms per profile row)
        await session.execute(sa.insert(ColumnProfile), rows)
    await session.flush()
    ctx.summary["profiled_tables"] = sorted(references)
    ctx.summary["profiled_columns"] = sum(references.values())
    return {"profiled_tables": references}
