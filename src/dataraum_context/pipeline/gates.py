"""Review gates: storing proposals as review items, decisions in and out, checkpoints.

A gate is declared once, on the node that returns a stage's proposals:
`@tag(gate="type_review,quarantine_review")`. The runner calls the functions here;
stages never write review items themselves.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from hamilton.graph_types import HamiltonNode
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.pipeline import results
from dataraum_context.pipeline.db_models import Checkpoint, ReviewItem, Run
from dataraum_context.contracts.review import ReviewDecision, ReviewDecisions, ReviewProposal
from dataraum_context.storage.base import utcnow
from dataraum_context.storage import lookup

DECIDED = ("approved", "rejected", "modified")
_ACTION_OF_STATUS = {"approved": "approve", "rejected": "reject", "modified": "modify"}
_ITEM_NAMESPACE = uuid.UUID("6f1d3c9e-3b1a-4d6e-9a43-2b8f1f0c7d51")


def gate_types(nodes: list[HamiltonNode], gate_node: str) -> list[str]:
    """The review types a gate node declares in its `gate` tag."""
    for node in nodes:
        if node.name == gate_node:
            raw = node.tags.get("gate") or ""
            values = raw if isinstance(raw, list) else str(raw).split(",")
            return [v.strip() for v in values if v.strip()]
    return []


async def item_ids(session: AsyncSession, proposals: list[ReviewProposal]) -> list[uuid.UUID]:
    """The metadata id each proposal is about: a column, a table (of the raw layer), or
    (relationships, which may not be stored yet, and targets not in the store) a stable id
    derived from the target. The tables and columns named are read at once (`storage.lookup`),
    not one query per proposal: a gate on a 2,000-column table asks 2,000 questions."""
    names = {p.table_name for p in proposals if p.target_kind in ("column", "table")}
    tables = await lookup.raw_tables(session, names) if names else {}
    columns = await lookup.raw_columns(session, names) if any(p.target_kind == "column" for p in proposals) else {}
    ids: list[uuid.UUID] = []
    for proposal in proposals:
        found: uuid.UUID | None = None
        if proposal.target_kind == "table" and proposal.table_name in tables:
            found = tables[proposal.table_name].table_id
        elif proposal.target_kind == "column" and (proposal.table_name, proposal.column_name) in columns:
            found = columns[(proposal.table_name, proposal.column_name)].column_id
        ids.append(found if found is not None else uuid.uuid5(_ITEM_NAMESPACE, f"{proposal.review_type}|{proposal.target}"))
    return ids


async def store_proposals(
    session: AsyncSession,
    run_id: uuid.UUID | None,
    stage: str,
    proposals: list[ReviewProposal],
    decisions: ReviewDecisions,
) -> list[ReviewItem]:
    """Store proposals as review items; returns the ones left pending.

    A proposal that a known decision settles (this run's, or a remembered one made on
    the same evidence) is stored already decided, so the same question is not asked
    twice. Pending items of earlier runs about the same targets are superseded. The
    statements are per gate, not per proposal (one UPDATE per review type and 500
    targets, the two id queries of `item_ids`, one flush of the new items). Should a gate
    propose the same target twice, the later proposal stands and the earlier item is
    stored superseded.
    """
    targets: dict[str, set[str]] = {}
    for proposal in proposals:
        targets.setdefault(proposal.review_type, set()).add(proposal.target)
    for review_type, named in sorted(targets.items()):
        for chunk in lookup.in_chunks(sorted(named)):
            await session.execute(
                sa.update(ReviewItem)
                .where(
                    ReviewItem.review_type == review_type,
                    ReviewItem.target.in_(chunk),
                    ReviewItem.status == "pending",
                )
                .values(status="superseded")
            )
    ids = await item_ids(session, proposals)
    pending: dict[tuple[str, str], ReviewItem] = {}
    for proposal, item_id in zip(proposals, ids, strict=True):
        item = ReviewItem(
            run_id=run_id,
            stage=stage,
            review_type=proposal.review_type,
            item_id=item_id,
            target=proposal.target,
            context_data=proposal.context,
            suggested_action=proposal.suggested_action,
            evidence_key=proposal.effective_evidence_key(),
            status="pending",
        )
        decision = decisions.decides(proposal)
        if decision is not None:
            item.status = {"approve": "approved", "reject": "rejected", "modify": "modified"}[decision.action]
            item.reviewed_at = utcnow()
            item.reviewed_by = decision.decided_by
            item.decision_values = dict(decision.values) or None
            item.review_notes = (
                "decision memory" + (f": {decision.reason}" if decision.reason else "")
                if decision.source == "memory"
                else decision.reason
            )
        key = (proposal.review_type, proposal.target)
        earlier = pending.pop(key, None)
        if earlier is not None:
            earlier.status = "superseded"
        if decision is None:
            pending[key] = item
        session.add(item)
    await session.flush()
    return list(pending.values())


async def auto_approve(session: AsyncSession, items: list[ReviewItem]) -> list[ReviewDecision]:
    """The `auto` policy: accept each suggestion, recorded as automatic."""
    decided: list[ReviewDecision] = []
    for item in items:
        item.status = "approved"
        item.reviewed_at = utcnow()
        item.reviewed_by = "auto"
        item.review_notes = "accepted automatically (--review auto)"
        decided.append(
            ReviewDecision(
                review_type=item.review_type, target=item.target or "", action="approve",
                decided_by="auto", source="auto", evidence_key=item.evidence_key,
            )
        )
    await session.flush()
    return decided


async def pending_items(session: AsyncSession, run_id: uuid.UUID) -> list[ReviewItem]:
    return list(
        (
            await session.execute(
                sa.select(ReviewItem).where(ReviewItem.run_id == run_id, ReviewItem.status == "pending")
            )
        ).scalars()
    )


async def pending_count(session: AsyncSession, run_id: uuid.UUID) -> int:
    return (
        await session.execute(
            sa.select(sa.func.count()).select_from(ReviewItem).where(
                ReviewItem.run_id == run_id, ReviewItem.status == "pending"
            )
        )
    ).scalar_one()


def _decision(item: ReviewItem, source: str) -> ReviewDecision:
    return ReviewDecision(
        review_type=item.review_type,
        target=item.target or "",
        action=_ACTION_OF_STATUS[item.status],  # type: ignore[arg-type]
        values={str(k): str(v) for k, v in (item.decision_values or {}).items()},
        reason=item.review_notes,
        decided_by=item.reviewed_by,
        source=source,  # type: ignore[arg-type]
        evidence_key=item.evidence_key,
    )


async def remembered_decisions(session: AsyncSession, exclude_run: uuid.UUID | None = None) -> ReviewDecisions:
    """Human decisions of earlier runs (decision memory), oldest first so the latest wins."""
    query = (
        sa.select(ReviewItem)
        .where(ReviewItem.status.in_(DECIDED), sa.or_(ReviewItem.reviewed_by.is_(None), ReviewItem.reviewed_by != "auto"))
        .order_by(ReviewItem.reviewed_at, ReviewItem.created_at)
    )
    if exclude_run is not None:
        query = query.where(sa.or_(ReviewItem.run_id.is_(None), ReviewItem.run_id != exclude_run))
    items = (await session.execute(query)).scalars()
    return ReviewDecisions(items=[_decision(item, "memory") for item in items if not _is_memory_echo(item)])


def _is_memory_echo(item: ReviewItem) -> bool:
    """Items settled by decision memory repeat an older decision; the older one is the memory."""
    return bool(item.review_notes and item.review_notes.startswith("decision memory"))


async def run_decisions(session: AsyncSession, run_id: uuid.UUID) -> ReviewDecisions:
    """Everything decided for a run: remembered decisions, then this run's own."""
    decisions = await remembered_decisions(session, exclude_run=run_id)
    own = (
        await session.execute(
            sa.select(ReviewItem)
            .where(ReviewItem.run_id == run_id, ReviewItem.status.in_(DECIDED))
            .order_by(ReviewItem.reviewed_at, ReviewItem.created_at)
        )
    ).scalars()
    for item in own:
        source = "memory" if _is_memory_echo(item) else ("auto" if item.reviewed_by == "auto" else "manual")
        decisions.items.append(_decision(item, source))
    return decisions


async def saved_outputs(
    session: AsyncSession, run_id: uuid.UUID, completed_stages: list[str]
) -> tuple[dict[str, Any], str | None]:
    """Node outputs checkpointed by a run: every completed stage's, plus those before the
    gate of the stage it stopped in. Returns (outputs as JSON, that gate's stage or None)."""
    rows = (
        await session.execute(
            sa.select(Checkpoint).where(Checkpoint.run_id == run_id).order_by(Checkpoint.created_at)
        )
    ).scalars()
    outputs: dict[str, Any] = {}
    gate_stage: str | None = None
    for checkpoint in rows.all():
        state = checkpoint.checkpoint_state or {}
        stage = state.get("stage")
        if state.get("phase") == "stage" and stage in completed_stages:
            outputs.update(await results.checkpoint_outputs(session, state))
        elif state.get("phase") == "gate" and stage not in completed_stages:
            outputs.update(await results.checkpoint_outputs(session, state))
            gate_stage = stage
    return outputs, gate_stage


async def previous_memo(session: AsyncSession) -> tuple[uuid.UUID | None, dict[str, Any]]:
    """Reusable results recorded by the workspace's most recent run (see pipeline/memo.py):
    (that run's id, its entries)."""
    last = (
        await session.execute(sa.select(Run.run_id).order_by(Run.started_at.desc()).limit(1))
    ).scalar_one_or_none()
    if last is None:
        return None, {}
    rows = (await session.execute(sa.select(Checkpoint.checkpoint_state).where(Checkpoint.run_id == last))).scalars()
    return last, await results.checkpoint_memo(session, [state or {} for state in rows.all()])


async def last_table_stamps(session: AsyncSession, run_id: uuid.UUID) -> dict[str, str] | None:
    """The DuckDB table stamps (table -> run that wrote it) at a run's last checkpoint;
    None when the run has no checkpoint (it saved nothing)."""
    rows = (
        await session.execute(
            sa.select(Checkpoint.checkpoint_state).where(Checkpoint.run_id == run_id).order_by(Checkpoint.created_at)
        )
    ).scalars().all()
    if not rows:
        return None
    return dict((rows[-1] or {}).get("tables") or {})
