"""Annotations: a correction from an agent (or a script), recorded as a review decision.

`annotate(target, values, reason)` stores what an agent knows better than the rules
(a business name, a role, a description, an ontology term; a relationship that is
wrong) as a decided review item with `reviewed_by` `agent` (or `agent:<name>`):

- an open review item about the same target is decided with these values (the same
  `review.modify` / `review.reject` a person's decision goes through);
- otherwise a new item is stored already decided, with the evidence key the stage's
  own proposal would have (`semantic.review.evidence_basis`, `topology.review.evidence_basis`).

Either way the decision is in `review list`, in the document's provenance
(`semantic.decision` / the relationship's `decision`, source `agent`), and decision
memory applies it on the next run while the column's (or relationship's) evidence holds.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.contracts.review import ReviewProposal, relationship_target
from dataraum_context.errors import UserError
from dataraum_context.pipeline import review
from dataraum_context.pipeline.db_models import ReviewItem
from dataraum_context.storage.base import utcnow

AGENT = "agent"
SEMANTIC_KEYS = ("role", "entity_type", "business_name", "description", "ontology_term")
RELATIONSHIP_KEYS = ("relationship_type", "cardinality")
_REJECT_WORDS = {"rejected", "reject", "wrong", "false", "no"}


def agent_name(name: str | None) -> str:
    """`agent`, or `agent:<name>` for a named client (one short line, no control characters)."""
    if not name:
        return AGENT
    clean = "".join(ch for ch in str(name) if ch.isprintable()).strip()[:60]
    return f"{AGENT}:{clean}" if clean else AGENT


def is_agent(reviewed_by: str | None) -> bool:
    return bool(reviewed_by) and (reviewed_by == AGENT or str(reviewed_by).startswith(AGENT + ":"))


def _column_target(doc: dict[str, Any], target: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for table in doc.get("tables") or []:
        prefix = f"{table['name']}."
        if target.startswith(prefix):
            for column in table.get("columns") or []:
                if target == prefix + column["name"]:
                    return table, column
    return None


def _relationship(doc: dict[str, Any], target: str) -> dict[str, Any] | None:
    for rel in doc.get("relationships") or []:
        if relationship_target(rel["from_table"], rel["from_columns"], rel["to_table"], rel["to_columns"]) == target:
            return rel  # type: ignore[no-any-return]
    return None


def _clean_values(values: dict[str, Any]) -> dict[str, str]:
    if not isinstance(values, dict) or not values:
        raise UserError("give at least one key=value to set (e.g. business_name=Order date)")
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        if value is None or isinstance(value, (dict, list)):
            raise UserError(f"bad value for {key!r}: give a text value")
        cleaned[str(key).strip().lower()] = str(value).strip()
    return cleaned


def _proposal(doc: dict[str, Any], target: str) -> tuple[ReviewProposal, dict[str, Any]]:
    """The proposal the stage would make about `target` (its type, evidence key, item id)."""
    from dataraum_context.semantic.review import SEMANTIC_REVIEW, evidence_basis as semantic_basis
    from dataraum_context.topology.review import RELATIONSHIP_REVIEW

    found = _column_target(doc, target)
    if found is not None:
        table, column = found
        semantic = column.get("semantic")
        if not isinstance(semantic, dict):
            raise UserError(f"{target} has no semantic annotation yet (the semantic stage has not run)")
        from dataraum_context.ontology.matching import ColumnFacts

        decided = (column.get("type_decision") or {}).get("type") or column.get("resolved_type")
        facts = ColumnFacts(
            table_name=table["name"], column_name=column["name"], words=[], raw_name="", stripped_name="",
            decided_type=decided, pattern=column.get("pattern"), unit=column.get("unit"),
        )
        current = {k: semantic.get(k) for k in ("role", "entity_type", "business_name", "ontology_term")}
        return (
            ReviewProposal(
                review_type=SEMANTIC_REVIEW, target_kind="column", table_name=table["name"],
                column_name=column["name"], suggested_action={"action": "annotate", **current},
                context={"annotated_by": AGENT, "previous": {**current, "description": semantic.get("description")},
                         "decided_type": decided, "pattern": column.get("pattern"), "unit": column.get("unit")},
                evidence_key=semantic_basis(facts),
            ),
            semantic,
        )
    rel = _relationship(doc, target)
    if rel is not None:
        return (
            ReviewProposal(
                review_type=RELATIONSHIP_REVIEW, target_kind="relationship", table_name=rel["from_table"],
                from_columns=list(rel["from_columns"]), to_table=rel["to_table"], to_columns=list(rel["to_columns"]),
                suggested_action={"action": "approve", "relationship_type": rel.get("relationship_type")},
                context={k: rel.get(k) for k in ("relationship_type", "cardinality", "confidence", "coverage",
                                                  "orphan_count", "status")},
                evidence_key=str(rel.get("relationship_type")),
            ),
            rel,
        )
    raise UserError(
        f"unknown target {target!r}: give a column as TABLE.COLUMN or a relationship as "
        "'from_table(col, ...) -> to_table(col, ...)' (see describe)"
    )


def _decision(review_type: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """('reject', []) or ('modify', ['key=value', ...]), the keys checked for the review type."""
    status = values.pop("status", None) or values.pop("action", None)
    if status is not None and status.lower() in _REJECT_WORDS:
        if values:
            raise UserError("a rejection takes no other values (give status=rejected alone)")
        return "reject", []
    if status is not None:
        raise UserError(f"bad status {status!r}: the only status an annotation sets is status=rejected")
    allowed = SEMANTIC_KEYS if review_type == "semantic_review" else RELATIONSHIP_KEYS
    for key in values:
        if key not in allowed:
            raise UserError(f"cannot set {key!r} here: use {', '.join(allowed)} (or status=rejected)")
    assignments = [f"{k}={v}" for k, v in values.items()]
    review.parse_assignments(review_type, assignments)  # every value checked before anything is written
    return "modify", assignments


async def annotate(
    session: AsyncSession, doc: dict[str, Any], target: str, values: dict[str, Any], reason: str, *,
    who: str = AGENT,
) -> dict[str, Any]:
    """Record a correction of `target` (see the module docstring); returns the review item.
    The caller commits (one transaction: all of it or nothing)."""
    from dataraum_context.pipeline.gates import item_ids

    if not isinstance(reason, str) or not reason.strip():
        raise UserError("an annotation needs a reason (why the current value is wrong)")
    target = str(target or "").strip()
    proposal, _current = _proposal(doc, target)
    action, assignments = _decision(proposal.review_type, _clean_values(values))
    pending = (
        await session.execute(
            sa.select(ReviewItem).where(
                ReviewItem.review_type == proposal.review_type, ReviewItem.target == proposal.target,
                ReviewItem.status == "pending",
            ).order_by(ReviewItem.created_at.desc())
        )
    ).scalars().first()
    if pending is not None:  # an open question about it: answer that one
        if action == "reject":
            [item] = await review.reject(session, [str(pending.review_id)], reason=reason, who=who)
            return item
        return await review.modify(session, str(pending.review_id), assignments, reason=reason.strip(), who=who)
    parsed = review.parse_assignments(proposal.review_type, assignments) if action == "modify" else None
    item = ReviewItem(
        run_id=None,
        stage="semantic" if proposal.review_type == "semantic_review" else "topology",
        review_type=proposal.review_type,
        item_id=(await item_ids(session, [proposal]))[0],
        target=proposal.target,
        context_data=proposal.context,
        suggested_action=proposal.suggested_action,
        evidence_key=proposal.effective_evidence_key(),
        status="rejected" if action == "reject" else "modified",
        reviewed_at=utcnow(),
        reviewed_by=who,
        review_notes=reason.strip(),
        decision_values=parsed,
    )
    session.add(item)
    await session.flush()
    return review.item_dict(item)
