"""The relationship review: proposals for medium-confidence foreign keys, and applying decisions.

A foreign key scored below the auto-accept threshold (status `candidate`) becomes a
`relationship_review` proposal. Decisions (this run's, the auto policy's, or remembered
ones of earlier runs: decision memory) apply to every relationship with the same target,
proposed or not, so a relationship rejected once stays rejected while its type holds:

- approve: `confirmed` (a person, or memory of one) or `accepted` (the auto policy);
- reject: `rejected` (kept in the results, marked, so later stages and runs can see it);
- modify: `--set cardinality=one-to-one` and/or `--set relationship_type=hierarchy`, then `confirmed`.
"""

from __future__ import annotations

from typing import get_args

from dataraum_context.errors import UserError
from dataraum_context.contracts.review import (
    ReviewDecision,
    ReviewDecisions,
    ReviewProposal,
    evidence_digest,
    relationship_target,
)
from dataraum_context.topology.models import Cardinality, RelationshipResult, RelationshipType

RELATIONSHIP_REVIEW = "relationship_review"
MODIFIABLE = {"cardinality": get_args(Cardinality), "relationship_type": get_args(RelationshipType)}


class RelationshipReviewError(UserError):
    """A review decision about a relationship cannot be applied."""


def target(relationship: RelationshipResult) -> str:
    return relationship_target(
        relationship.from_table, relationship.from_columns, relationship.to_table, relationship.to_columns
    )


def evidence_basis(relationship: RelationshipResult) -> str:
    """What a decision is remembered under besides the target: the relationship type.
    Coverage and confidence drift with every load; a rejection should not."""
    return relationship.relationship_type


def relationship_proposals(candidates: list[RelationshipResult]) -> list[ReviewProposal]:
    """One proposal per foreign key that needs review, with the evidence a reviewer needs."""
    proposals = []
    for r in candidates:
        if r.relationship_type != "foreign_key" or r.status != "candidate":
            continue
        proposals.append(
            ReviewProposal(
                review_type=RELATIONSHIP_REVIEW,
                target_kind="relationship",
                table_name=r.from_table,
                from_columns=list(r.from_columns),
                to_table=r.to_table,
                to_columns=list(r.to_columns),
                suggested_action={"action": "approve", "relationship_type": r.relationship_type},
                context={
                    "relationship_type": r.relationship_type,
                    "cardinality": r.cardinality,
                    "optional": r.optional,
                    "reasons": list(r.evidence.get("reasons") or []),
                    "confidence": r.confidence,
                    "coverage": r.coverage,
                    "orphan_count": r.orphan_count,
                    "orphan_samples": r.orphan_samples,
                    "detection_method": r.detection_method,
                    "evidence": r.evidence,
                },
                evidence_key=evidence_basis(r),
            )
        )
    return proposals


def _decision(relationship: RelationshipResult, decisions: ReviewDecisions) -> ReviewDecision | None:
    key = target(relationship)
    return decisions.get(RELATIONSHIP_REVIEW, key, evidence_digest(RELATIONSHIP_REVIEW, key, evidence_basis(relationship)))


LEGACY_CARDINALITY = {"1:n": "many-to-one", "n:1": "many-to-one", "1:1": "one-to-one", "n:m": "many-to-many"}
"""Notations of earlier versions, as remembered decisions may still hold them."""


def _modified(relationship: RelationshipResult, decision: ReviewDecision) -> dict[str, object]:
    update: dict[str, object] = {}
    for name, value in decision.values.items():
        if name == "cardinality" and isinstance(value, str):
            value = LEGACY_CARDINALITY.get(value, value)
        allowed = MODIFIABLE.get(name)
        if allowed is None:
            raise RelationshipReviewError(
                f"relationship review of {decision.target}: cannot set {name!r} (settable: {', '.join(MODIFIABLE)})"
            )
        if value not in allowed:
            raise RelationshipReviewError(
                f"relationship review of {decision.target}: {name} must be one of {', '.join(allowed)}, not {value!r}"
            )
        update[name] = value
    return update


def apply_decisions(candidates: list[RelationshipResult], decisions: ReviewDecisions) -> list[RelationshipResult]:
    """The final relationships: each candidate with its review decision applied (if any)."""
    final = []
    for r in candidates:
        decision = _decision(r, decisions)
        if decision is None:
            final.append(r)
            continue
        who = decision.decided_by or ("auto" if decision.source == "auto" else None)
        update: dict[str, object] = {"decided_by": who, "decision_reason": decision.reason}
        if decision.action == "reject":
            update["status"] = "rejected"
        elif decision.action == "approve":
            update["status"] = "accepted" if decision.source == "auto" else "confirmed"
        else:
            update.update(_modified(r, decision))
            update["status"] = "confirmed"
        final.append(r.model_copy(update=update))
    return final
