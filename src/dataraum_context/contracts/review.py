"""The review contract between stages and the runner.

A stage declares a gate with a node tagged `@tag(gate="<review_type>[,<review_type>]")`
that returns `list[ReviewProposal]`: what is uncertain, the evidence, the suggested
action. The runner stores the proposals as `review_queue` items (resolving their
metadata ids after the stage's results are committed) and applies the run's review
policy. Human decisions come back into the DAG as the input `review_decisions`
(`ReviewDecisions`): nodes downstream of a gate look their targets up in it. The same
object carries remembered decisions of earlier runs (decision memory).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

REVIEW_TYPES = ("type_review", "quarantine_review", "semantic_review", "relationship_review")


def column_target(table: str, column: str) -> str:
    return f"{table}.{column}"


def evidence_digest(review_type: str, target: str, basis: str) -> str:
    """The key a decision about `target` is remembered under: same evidence, same key."""
    return hashlib.sha256(f"{review_type}|{target}|{basis}".encode()).hexdigest()[:32]


def relationship_target(from_table: str, from_columns: list[str], to_table: str, to_columns: list[str]) -> str:
    return f"{from_table}({', '.join(from_columns)}) -> {to_table}({', '.join(to_columns)})"


class ReviewProposal(BaseModel):
    """One uncertain machine proposal for a person to decide."""

    review_type: str  # one of REVIEW_TYPES
    target_kind: Literal["column", "table", "relationship"]
    table_name: str
    column_name: str | None = None
    # Relationships: from `table_name(from_columns)` to `to_table(to_columns)`.
    from_columns: list[str] = Field(default_factory=list)
    to_table: str | None = None
    to_columns: list[str] = Field(default_factory=list)
    suggested_action: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    # What the proposal rests on, as a short stable string (e.g. the candidate types and
    # patterns). A remembered human decision is re-applied only while it is unchanged.
    # Default: the suggested action.
    evidence_key: str | None = None

    def effective_evidence_key(self) -> str:
        basis = self.evidence_key if self.evidence_key is not None else json.dumps(self.suggested_action, sort_keys=True)
        return evidence_digest(self.review_type, self.target, basis)

    @property
    def target(self) -> str:
        if self.target_kind == "column":
            return column_target(self.table_name, self.column_name or "")
        if self.target_kind == "relationship":
            return relationship_target(self.table_name, self.from_columns, self.to_table or "", self.to_columns)
        return self.table_name


class ReviewDecision(BaseModel):
    """What a person (or the auto policy, or decision memory) decided about one target."""

    review_type: str
    target: str
    action: Literal["approve", "reject", "modify"]
    values: dict[str, str] = Field(default_factory=dict)  # `modify --set KEY=VALUE` pairs
    reason: str | None = None
    decided_by: str | None = None
    source: Literal["manual", "auto", "memory"] = "manual"
    evidence_key: str | None = None  # the effective evidence key of the proposal decided


class ReviewDecisions(BaseModel):
    """All decisions known to a run, looked up by review type and target."""

    items: list[ReviewDecision] = Field(default_factory=list)

    def get(self, review_type: str, target: str, evidence_key: str | None = None) -> ReviewDecision | None:
        """The latest decision about `target`. Given the current `evidence_key`
        (`evidence_digest(...)`), a remembered decision made on other evidence is ignored."""
        for item in reversed(self.items):
            if item.review_type == review_type and item.target == target:
                if item.source == "memory" and evidence_key is not None and item.evidence_key != evidence_key:
                    continue
                return item
        return None

    def decides(self, proposal: ReviewProposal) -> ReviewDecision | None:
        """The decision that settles `proposal` (a remembered one only if made on the same evidence)."""
        return self.get(proposal.review_type, proposal.target, proposal.effective_evidence_key())

    def of_type(self, review_type: str) -> dict[str, ReviewDecision]:
        return {item.target: item for item in self.items if item.review_type == review_type}
