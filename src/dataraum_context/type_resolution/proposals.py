"""Review proposals of the type-resolution stage, and applying the decisions made on them.

`type_review`: a decision below the auto threshold. `quarantine_review`: a column
whose decided type leaves cells that do not parse (they go to the quarantine).
Decisions: approve keeps the suggestion; reject keeps the column as text;
`modify --set type=T` sets the type. A person's decision is recorded as `manual`
(who, when, why, and the type it replaced); the `auto` review policy's as `auto`.
"""

from __future__ import annotations

from typing import Any

import duckdb

from dataraum_context.contracts.review import (
    ReviewDecision,
    ReviewDecisions,
    ReviewProposal,
    column_target,
    evidence_digest,
)
from dataraum_context.type_resolution.models import ColumnTypeDecision
from dataraum_context.type_resolution.resolver import VARCHAR, format_for_decision, verify_decisions

TYPE_REVIEW = "type_review"
QUARANTINE_REVIEW = "quarantine_review"


def type_evidence(decision: ColumnTypeDecision) -> str:
    """What a type decision rests on: the candidate types and patterns, the suggestion, and
    whether the evidence between readings was undecided (e.g. day/month order)."""
    candidates = ",".join(sorted(f"{c.data_type}:{c.pattern}" for c in decision.candidates))
    return f"{decision.decided_type}|{decision.pattern}|{candidates}|{decision.evidence_factor:g}"


def _candidates_context(decision: ColumnTypeDecision) -> list[dict[str, Any]]:
    return [
        {
            "type": c.data_type,
            "confidence": c.confidence,
            "parse_success_rate": c.parse_success_rate,
            "pattern": c.pattern,
            "unit": c.unit,
            "failed_examples": c.failed_examples,
            "value_format": c.value_format.model_dump(mode="json") if c.value_format else None,
        }
        for c in decision.candidates
    ]


def type_proposals(decisions: list[ColumnTypeDecision], failed_examples: dict[str, list[str]]) -> list[ReviewProposal]:
    """A `type_review` per decision below the threshold, a `quarantine_review` per column
    with failing cells, each with the evidence a reviewer needs."""
    result: list[ReviewProposal] = []
    for decision in decisions:
        context = {
            "table_name": decision.table_name,
            "column_name": decision.column_name,
            "decided_type": decision.decided_type,
            "confidence": decision.confidence,
            "parse_success_rate": decision.parse_success_rate,
            "reason": decision.reason,
            "pattern": decision.pattern,
            "unit": decision.unit,
            "sample_values": decision.sample_values,
            "value_format": decision.value_format.model_dump(mode="json") if decision.value_format else None,
            "proposed_type": decision.proposed_type,
            "candidates": _candidates_context(decision),
        }
        common = {"target_kind": "column", "table_name": decision.table_name, "column_name": decision.column_name}
        if decision.needs_review:
            result.append(
                ReviewProposal(
                    review_type=TYPE_REVIEW,
                    suggested_action={"action": "set_type", "type": decision.decided_type},
                    context=context,
                    evidence_key=type_evidence(decision),
                    **common,
                )
            )
        if decision.failed_count > 0 and decision.decided_type != VARCHAR:
            target = column_target(decision.table_name, decision.column_name)
            result.append(
                ReviewProposal(
                    review_type=QUARANTINE_REVIEW,
                    suggested_action={
                        "action": "quarantine", "type": decision.decided_type, "cells": decision.failed_count,
                    },
                    context={
                        **context,
                        "quarantined_count": decision.failed_count,
                        "failed_examples": failed_examples.get(target, []),
                    },
                    evidence_key=type_evidence(decision),
                    **common,
                )
            )
    return result


def _decision_for(decision: ColumnTypeDecision, review_decisions: ReviewDecisions) -> ReviewDecision | None:
    """The human (or auto) decision that applies to this column, if any: modify beats
    reject beats approve when both a type and a quarantine decision exist."""
    target = column_target(decision.table_name, decision.column_name)
    basis = type_evidence(decision)
    found = [
        d
        for d in (
            review_decisions.get(TYPE_REVIEW, target, evidence_digest(TYPE_REVIEW, target, basis)),
            review_decisions.get(QUARANTINE_REVIEW, target, evidence_digest(QUARANTINE_REVIEW, target, basis)),
        )
        if d is not None
    ]
    for action in ("modify", "reject", "approve"):
        for d in found:
            if d.action == action:
                return d
    return None


def apply_type_decisions(
    con: duckdb.DuckDBPyConnection,
    raw_tables: dict[str, str],
    decisions: list[ColumnTypeDecision],
    review_decisions: ReviewDecisions,
) -> list[ColumnTypeDecision]:
    """The final decisions: proposals with the review decisions applied, re-measured where a
    person changed the type (so the quarantine holds exactly what the new type rejects)."""
    final: list[ColumnTypeDecision] = []
    changed: dict[str, list[int]] = {}
    for decision in decisions:
        review = _decision_for(decision, review_decisions)
        if review is None:
            final.append(decision)
            continue
        source = "auto" if review.source == "auto" else "manual"
        who = review.decided_by or ("auto" if source == "auto" else None)
        why = review.reason
        if review.action == "approve":
            new_type = decision.decided_type
            reason = f"{review.review_type} approved" + (f": {why}" if why else "") + f"; {decision.reason}"
        elif review.action == "reject":
            new_type = VARCHAR
            reason = f"{review.review_type} rejected, kept as text" + (f": {why}" if why else "")
        else:
            order = review.values.get("date_order")
            new_type = review.values.get("type") or (
                next((c.data_type for c in decision.candidates if c.pattern and c.pattern.endswith("_" + order)), None)
                if order else None
            ) or decision.proposed_type or decision.decided_type
            what = f"{new_type}" + (f", {order} date order" if order else "")
            reason = f"set to {what} in review" + (f": {why}" if why else "")
        update: dict[str, Any] = {
            "decision_source": source,
            "decided_by": who,
            "reason": reason,
            "needs_review": False,
            "confidence": 1.0 if source == "manual" else decision.confidence,
        }
        order = review.values.get("date_order") if review.action == "modify" else None
        if new_type != decision.decided_type or order is not None:
            fmt = format_for_decision(decision, new_type, order)
            same = next((c for c in decision.candidates if c.value_format == fmt), None)
            update.update(
                decided_type=new_type,
                previous_type=decision.decided_type,
                value_format=fmt,
                pattern=same.pattern if same else (None if new_type == VARCHAR else decision.pattern),
                unit=same.unit if same else None,
                failed_count=0,
                proposed_type=None,
            )
            changed.setdefault(decision.table_name, []).append(len(final))
        final.append(decision.model_copy(update=update))
    for table_name, indexes in changed.items():
        measured = verify_decisions(con, raw_tables[table_name], [final[i] for i in indexes], threshold=1.0)
        for i, settled in zip(indexes, measured, strict=True):
            final[i] = settled
    return final
