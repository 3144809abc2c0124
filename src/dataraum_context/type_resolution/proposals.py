"""Review proposals of the type-resolution stage (type_review, quarantine_review)."""

from __future__ import annotations

from dataraum_context.type_resolution.models import ColumnTypeDecision, ReviewProposal, TypedTableResult


def _candidates_context(decision: ColumnTypeDecision) -> list[dict]:
    return [
        {
            "type": c.data_type,
            "confidence": c.confidence,
            "parse_success_rate": c.parse_success_rate,
            "pattern": c.pattern,
            "unit": c.unit,
            "failed_examples": c.failed_examples,
        }
        for c in decision.candidates
    ]


def type_proposals(decisions: list[ColumnTypeDecision], typed_tables: list[TypedTableResult]) -> list[ReviewProposal]:
    """A `type_review` for each decision below the auto threshold and a `quarantine_review`
    for each column with quarantined cells, with the evidence a reviewer needs."""
    quarantined = {t.table_name: t for t in typed_tables}
    result: list[ReviewProposal] = []
    for decision in decisions:
        table = quarantined.get(decision.table_name)
        cells = table.quarantined.get(decision.column_name, 0) if table else 0
        context = {
            "decided_type": decision.decided_type,
            "confidence": decision.confidence,
            "reason": decision.reason,
            "pattern": decision.pattern,
            "unit": decision.unit,
            "sample_values": decision.sample_values,
            "candidates": _candidates_context(decision),
        }
        if decision.needs_review:
            result.append(
                ReviewProposal(
                    review_type="type_review",
                    table_name=decision.table_name,
                    column_name=decision.column_name,
                    suggested_action={"action": "set_type", "type": decision.decided_type},
                    context=context,
                )
            )
        if cells:
            result.append(
                ReviewProposal(
                    review_type="quarantine_review",
                    table_name=decision.table_name,
                    column_name=decision.column_name,
                    suggested_action={"action": "quarantine", "type": decision.decided_type, "cells": cells},
                    context={
                        **context,
                        "quarantined_count": cells,
                        "failed_examples": table.quarantine_examples.get(decision.column_name, []) if table else [],
                    },
                )
            )
    return result
