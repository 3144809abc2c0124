"""Write the topology stage's results to the metadata store.

- Candidate keys go to the raw-layer `tables` row (`Table.candidate_keys`, JSON).
- Relationships are upserted by (from_column_id, to_column_id), the spec's unique key;
  a composite key is stored under its first column on each side with the full lists in
  `from_columns`/`to_columns`. Human knowledge survives re-runs: a row once `rejected`
  stays rejected unless a person now confirms it, and a `confirmed` row stays confirmed
  (with `is_confirmed`, `confirmed_by`, `confirmed_at`) unless a person now rejects it.
  Machine-detected rows (`accepted`, `candidate`) of these tables that this run did not
  find again are deleted.
- Join paths of these tables are replaced; a path over a relationship kept rejected here
  is not stored.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.errors import DataraumError
from dataraum_context.contracts.run_context import RunContext
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.core import Column, Source, Table
from dataraum_context.topology.db_models import JoinPath, Relationship
from dataraum_context.topology.models import JoinPathResult, RelationshipResult

MACHINE_STATUSES = ("accepted", "candidate")


class TopologyPersistError(DataraumError):
    """Topology results refer to a table the metadata store does not know."""


async def raw_tables(session: AsyncSession, names: set[str]) -> dict[str, Table]:
    """table name -> its raw-layer row (of the most recently updated source when several have one)."""
    rows = (
        await session.execute(
            sa.select(Table, Source.updated_at)
            .outerjoin(Source, Source.source_id == Table.source_id)
            .where(Table.layer == "raw", Table.table_name.in_(sorted(names)))
            .order_by(Source.updated_at, Table.created_at)
        )
    ).all()
    found = {table.table_name: table for table, _ in rows}
    missing = sorted(names - set(found))
    if missing:
        raise TopologyPersistError(f"cannot store topology: no raw table {missing[0]!r} in the metadata")
    return found


async def _columns(session: AsyncSession, tables: dict[str, Table]) -> dict[tuple[str, str], Column]:
    by_id = {table.table_id: name for name, table in tables.items()}
    rows = (await session.execute(sa.select(Column).where(Column.table_id.in_(list(by_id))))).scalars()
    return {(by_id[c.table_id], c.column_name): c for c in rows}


def _status(previous: Relationship | None, new: str) -> str:
    """The status to store: a person's earlier decision stands unless a person now decides otherwise."""
    if previous is not None and new in MACHINE_STATUSES and previous.status in ("rejected", "confirmed"):
        return previous.status
    return new


def _apply(row: Relationship, r: RelationshipResult, status: str) -> None:
    row.relationship_type = r.relationship_type
    row.cardinality = r.cardinality
    row.confidence = r.confidence
    row.detection_method = r.detection_method
    row.evidence = {
        **r.evidence, "orphan_samples": r.orphan_samples, "decision_reason": r.decision_reason, "optional": r.optional,
    }
    row.from_columns = list(r.from_columns)
    row.to_columns = list(r.to_columns)
    row.coverage = r.coverage
    row.orphan_count = r.orphan_count
    row.detected_at = utcnow()
    if status == "confirmed":
        if r.status == "confirmed" and r.decided_by is not None:
            row.confirmed_by = r.decided_by
        if not row.is_confirmed:
            row.confirmed_at = utcnow()
        row.is_confirmed = True
    else:
        row.is_confirmed = False
        row.confirmed_by = None
        row.confirmed_at = None
    row.status = status


async def _store_relationships(
    session: AsyncSession,
    relationships: list[RelationshipResult],
    tables: dict[str, Table],
    columns: dict[tuple[str, str], Column],
) -> tuple[dict[str, int], set[tuple]]:
    """Upsert; returns (rows per stored status, keys of relationships stored as rejected)."""
    table_ids = [t.table_id for t in tables.values()]
    existing = {
        (row.from_column_id, row.to_column_id): row
        for row in (
            await session.execute(
                sa.select(Relationship).where(
                    sa.or_(Relationship.from_table_id.in_(table_ids), Relationship.to_table_id.in_(table_ids))
                )
            )
        ).scalars()
    }
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    counts: dict[str, int] = {}
    rejected: set[tuple] = set()
    for r in relationships:
        if r.status == "dismissed":
            continue
        from_column = columns.get((r.from_table, r.from_columns[0]))
        to_column = columns.get((r.to_table, r.to_columns[0]))
        if from_column is None or to_column is None:
            raise TopologyPersistError(
                f"cannot store relationship {r.from_table}.{r.from_columns[0]} -> {r.to_table}.{r.to_columns[0]}: "
                "column not in the metadata"
            )
        pair = (from_column.column_id, to_column.column_id)
        if pair in seen:
            continue
        seen.add(pair)
        row = existing.get(pair)
        status = _status(row, r.status)
        if row is None:
            row = Relationship(
                from_table_id=tables[r.from_table].table_id,
                from_column_id=from_column.column_id,
                to_table_id=tables[r.to_table].table_id,
                to_column_id=to_column.column_id,
            )
            session.add(row)
        _apply(row, r, status)
        counts[status] = counts.get(status, 0) + 1
        if status == "rejected":
            rejected.add(r.key)
    for pair, row in existing.items():
        if pair not in seen and row.status in MACHINE_STATUSES:
            await session.delete(row)
    return counts, rejected


def _uses(path: JoinPathResult, rejected: set[tuple]) -> bool:
    for step in path.steps:
        forward = (step.from_table, tuple(step.from_columns), step.to_table, tuple(step.to_columns))
        backward = (step.to_table, tuple(step.to_columns), step.from_table, tuple(step.from_columns))
        if forward in rejected or backward in rejected:
            return True
    return False


async def _store_join_paths(
    session: AsyncSession, paths: list[JoinPathResult], tables: dict[str, Table], rejected: set[tuple]
) -> int:
    table_ids = [t.table_id for t in tables.values()]
    await session.execute(
        sa.delete(JoinPath).where(sa.or_(JoinPath.from_table_id.in_(table_ids), JoinPath.to_table_id.in_(table_ids)))
    )
    stored = 0
    for path in paths:
        if _uses(path, rejected) or path.from_table not in tables or path.to_table not in tables:
            continue
        session.add(
            JoinPath(
                from_table_id=tables[path.from_table].table_id,
                to_table_id=tables[path.to_table].table_id,
                path_steps=[step.model_dump() for step in path.steps],
                path_length=path.length,
                total_confidence=path.total_confidence,
            )
        )
        stored += 1
    return stored


async def persist_topology(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Store candidate keys, relationships and join paths; returns small references for the checkpoint."""
    keys: dict[str, list[list[str]]] = results.get("candidate_keys") or {}
    relationships: list[RelationshipResult] = results.get("relationships") or []
    paths: list[JoinPathResult] = results.get("join_paths") or []
    names = set(keys) | {r.from_table for r in relationships} | {r.to_table for r in relationships}
    if not names:
        return {}
    tables = await raw_tables(session, names)
    for name, table_keys in keys.items():
        tables[name].candidate_keys = [list(key) for key in table_keys]
    columns = await _columns(session, tables)
    counts, rejected = await _store_relationships(session, relationships, tables, columns)
    await session.flush()
    stored_paths = await _store_join_paths(session, paths, tables, rejected)
    screening = results.get("fk_screening")
    if screening is not None:
        ctx.summary["fk_pairs"] = {
            "considered": screening.pairs_considered,
            "measured": screening.pairs_measured,
            "skipped": screening.pairs_skipped,
        }
    judged = results.get("foreign_key_judgements") or []
    dismissed = [r for r in judged if r.status == "dismissed"]
    if judged:
        # The dismissed pairs are not stored; their reasons stay in the node output (checkpoint).
        ctx.summary["fk_dismissed"] = len(dismissed)
    ctx.summary["relationships"] = dict(sorted(counts.items()))
    ctx.summary["join_paths"] = stored_paths
    return {"relationships": sum(counts.values()), "join_paths": stored_paths}
