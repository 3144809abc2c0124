"""The result store: node outputs stored once, named by their content.

A checkpoint saves the outputs of the nodes it covers and the memo entries that the
next run may reuse (`pipeline/memo.py`). Both are JSON values; most of them are the
same from one run to the next (an unchanged re-run recomputes nothing). Each distinct
value is stored once in `node_results`, keyed by the sha256 of its canonical JSON;
the checkpoint's state holds only those hashes:

    {"results": {node: hash}, "memo": {memo_key: {"node": node, "result": hash}}, ...}

and `checkpoint_results` lists the hashes a checkpoint refers to, so that retention
deletes the checkpoints of old runs and then every result no checkpoint refers to,
in two statements.

Checkpoints written before the result store (schema revision 0001) hold their values
inline (`"outputs": {node: value}`, memo entries with `"value"`); they are read as they are.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.errors import DataraumError
from dataraum_context.pipeline.db_models import CheckpointResult, NodeResult
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.lookup import in_chunks


def canonical(value: Any) -> str:
    """The JSON text a value is hashed and compared by (sorted keys, no whitespace)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:  # NaN or infinity: not JSON, would not load back
        raise DataraumError(f"a node result is not valid JSON ({exc})") from None


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def put_results(session: AsyncSession, checkpoint_id: uuid.UUID, values: dict[str, Any]) -> dict[str, str]:
    """Store `values` ({label: JSON value}; labels `out:<node>` / `memo:<key>`) for the
    checkpoint `checkpoint_id` (already added to the session) and return {label: hash}.
    A value stored before is not stored again."""
    texts: dict[str, str] = {}
    for label, value in values.items():
        try:
            texts[label] = canonical(value)
        except DataraumError as exc:
            raise DataraumError(f"{label.split(':', 1)[-1]}: {exc}") from None
    hashes = {label: content_hash(text) for label, text in texts.items()}
    now = utcnow()
    by_hash = {hashes[label]: (values[label], len(texts[label].encode("utf-8"))) for label in values}
    wanted = sorted(by_hash)
    existing: set[str] = set()
    for chunk in in_chunks(wanted):
        rows = await session.execute(sa.select(NodeResult.content_hash).where(NodeResult.content_hash.in_(chunk)))
        existing.update(rows.scalars())
    new = [h for h in wanted if h not in existing]
    await session.flush()  # the checkpoint exists before anything refers to it
    if new:  # one multi-row INSERT (results are written once, never updated)
        await session.execute(
            sa.insert(NodeResult),
            [{"content_hash": h, "value": by_hash[h][0], "size_bytes": by_hash[h][1], "created_at": now} for h in new],
        )
    if wanted:
        await session.execute(
            sa.insert(CheckpointResult), [{"checkpoint_id": checkpoint_id, "content_hash": h} for h in wanted]
        )
    return hashes


async def get_results(session: AsyncSession, hashes: Iterable[str]) -> dict[str, Any]:
    """{hash: JSON value} of the stored results named; a missing one is an error (a store
    that lost a result a checkpoint refers to cannot be resumed from that checkpoint)."""
    wanted = sorted(set(hashes))
    found: dict[str, Any] = {}
    for chunk in in_chunks(wanted):
        rows = await session.execute(
            sa.select(NodeResult.content_hash, NodeResult.value).where(NodeResult.content_hash.in_(chunk))
        )
        found.update({h: v for h, v in rows.all()})
    missing = [h for h in wanted if h not in found]
    if missing:
        raise DataraumError(f"the metadata store lost {len(missing)} saved result(s) (first {missing[0][:12]})")
    return found


async def checkpoint_outputs(session: AsyncSession, state: dict[str, Any]) -> dict[str, Any]:
    """The node outputs a checkpoint saved, as JSON ({node: value})."""
    if "results" in state:
        refs: dict[str, str] = state.get("results") or {}
        values = await get_results(session, refs.values())
        return {node: values[h] for node, h in refs.items()}
    return dict(state.get("outputs") or {})  # written before the result store


async def checkpoint_memo(session: AsyncSession, states: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The memo entries saved by checkpoints: {memo key: {"node": name, "value": JSON}}."""
    entries: dict[str, dict[str, Any]] = {}
    refs: dict[str, dict[str, Any]] = {}
    for state in states:
        for key, entry in (state.get("memo") or {}).items():
            if "result" in entry:
                refs[key] = entry
            else:
                entries[key] = entry
    values = await get_results(session, (entry["result"] for entry in refs.values()))
    for key, entry in refs.items():
        entries[key] = {"node": entry["node"], "value": values[entry["result"]]}
    return entries


async def prune_unreferenced(session: AsyncSession) -> int:
    """Delete every stored result that no checkpoint refers to; returns the count."""
    referenced = sa.select(CheckpointResult.content_hash)
    result = await session.execute(sa.delete(NodeResult).where(NodeResult.content_hash.not_in(referenced)))
    return int(result.rowcount or 0)


async def stored_size(session: AsyncSession) -> tuple[int, int]:
    """(number of stored results, their JSON bytes)."""
    row = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(NodeResult.size_bytes), 0)).select_from(NodeResult)
        )
    ).one()
    return int(row[0]), int(row[1])
