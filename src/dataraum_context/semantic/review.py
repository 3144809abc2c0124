"""`semantic_review`: uncertain annotations become proposals; decisions are applied.

A proposal is made for every column annotated below the review threshold. Decisions
(from a person, the auto policy, or remembered from earlier runs) apply to any column
they name, proposed this run or not, while the column's evidence (decided type,
pattern, unit) is unchanged:

- `modify --set role=measure entity_type=... business_name=... description=... ontology_term=...`
  sets those fields; the annotation becomes `manual`, confidence 1, annotated by the reviewer;
- `approve` keeps the suggestion (confirmed by a person: confidence 1);
- `reject` clears the role and ontology term (not known), recorded as `manual`.
"""

from __future__ import annotations

from typing import Any

from dataraum_context.errors import UserError
from dataraum_context.ontology.matching import ColumnFacts
from dataraum_context.ontology.schema import ROLES
from dataraum_context.contracts.review import ReviewDecision, ReviewDecisions, ReviewProposal, evidence_digest
from dataraum_context.semantic.models import ColumnAnnotation

SEMANTIC_REVIEW = "semantic_review"
DEFAULT_THRESHOLD = 0.6
# `review modify --set KEY=VALUE` keys (and accepted aliases) -> annotation fields.
MODIFIABLE = {
    "role": "role", "semantic_role": "role",
    "entity_type": "entity_type", "entity": "entity_type",
    "business_name": "business_name", "name": "business_name",
    "description": "description", "business_description": "description",
    "ontology_term": "ontology_term", "concept": "ontology_term",
}


def evidence_basis(facts: ColumnFacts | None) -> str:
    """What an annotation rests on: the column's decided type, pattern and unit."""
    if facts is None:
        return "?"
    return f"{facts.decided_type}|{facts.pattern}|{facts.unit}"


def _facts_index(facts: list[ColumnFacts]) -> dict[tuple[str, str], ColumnFacts]:
    return {(f.table_name, f.column_name): f for f in facts}


def proposals(annotations: list[ColumnAnnotation], facts: list[ColumnFacts], threshold: float) -> list[ReviewProposal]:
    """A proposal per annotation below `threshold`, with the evidence a reviewer needs."""
    index = _facts_index(facts)
    result = []
    for a in annotations:
        if a.confidence >= threshold:
            continue
        f = index.get((a.table_name, a.column_name))
        result.append(
            ReviewProposal(
                review_type=SEMANTIC_REVIEW,
                target_kind="column",
                table_name=a.table_name,
                column_name=a.column_name,
                suggested_action={
                    "action": "annotate",
                    "role": a.role,
                    "entity_type": a.entity_type,
                    "business_name": a.business_name,
                    "ontology_term": a.ontology_term,
                },
                context={
                    "confidence": a.confidence,
                    "source": a.source,
                    "annotated_by": a.annotated_by,
                    "evidence": a.evidence,
                    "description": a.description,
                    "decided_type": f.decided_type if f else None,
                    "pattern": f.pattern if f else None,
                    "unit": f.unit if f else None,
                    "references": a.references,
                    "roles": list(ROLES),
                },
                evidence_key=evidence_basis(f),
            )
        )
    return result


def _modified(annotation: ColumnAnnotation, decision: ReviewDecision) -> dict[str, Any]:
    update: dict[str, Any] = {}
    for key, value in decision.values.items():
        field = MODIFIABLE.get(key.strip().lower())
        if field is None:
            raise UserError(
                f"{SEMANTIC_REVIEW} of {annotation.target}: cannot set {key!r} "
                f"(use role, entity_type, business_name, description or ontology_term)"
            )
        text = value.strip()
        if field == "role":
            if text not in ROLES:
                raise UserError(f"{SEMANTIC_REVIEW} of {annotation.target}: role {text!r} is not one of {', '.join(ROLES)}")
            if text != "foreign_key":
                update["references"] = None
        update[field] = text or None
    return update


def apply_decisions(
    annotations: list[ColumnAnnotation], facts: list[ColumnFacts], decisions: ReviewDecisions
) -> list[ColumnAnnotation]:
    """The annotations with every applicable semantic_review decision applied."""
    index = _facts_index(facts)
    final = []
    for a in annotations:
        basis = evidence_basis(index.get((a.table_name, a.column_name)))
        decision = decisions.get(SEMANTIC_REVIEW, a.target, evidence_digest(SEMANTIC_REVIEW, a.target, basis))
        if decision is None:
            final.append(a)
            continue
        who = decision.decided_by or ("auto" if decision.source == "auto" else "user")
        note = f" ({decision.reason})" if decision.reason else ""
        if decision.action == "modify":
            update = _modified(a, decision)
            update.update(source="manual", annotated_by=who, confidence=1.0,
                          evidence=[f"set in review by {who}{note}", *a.evidence])
        elif decision.action == "reject":
            update = {"role": None, "ontology_term": None, "references": None, "source": "manual",
                      "annotated_by": who, "confidence": 1.0,
                      "evidence": [f"rejected in review by {who}{note}", *a.evidence]}
        elif decision.source == "auto":
            update = {"evidence": [f"accepted by the auto review policy{note}", *a.evidence]}
        else:
            update = {"confidence": 1.0, "evidence": [f"approved in review by {who}{note}", *a.evidence]}
        final.append(a.model_copy(update=update))
    return final
