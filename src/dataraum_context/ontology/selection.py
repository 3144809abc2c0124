"""Which ontology a run applies: the one the settings name, or the best-matching shipped one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dataraum_context.ontology import loader
from dataraum_context.ontology.matching import MIN_DOMAIN_CONCEPTS, ColumnFacts, OntologyScore, rank_ontologies


class OntologyChoice(BaseModel):
    """The ontology a run applies and how it was chosen."""

    ontology: loader.LoadedOntology
    mode: Literal["given", "auto"]
    # Auto: every shipped domain ontology's score, best first. Given: the given one's score.
    scores: list[OntologyScore] = Field(default_factory=list)
    reason: str = ""

    @property
    def name(self) -> str:
        return self.ontology.name


def choose(spec: str | None, columns: list[ColumnFacts]) -> OntologyChoice:
    """`spec` (a shipped name or a YAML path) when given; otherwise the shipped domain ontology
    matching the most of its own concepts over all tables, or `generic` when none matches at
    least `MIN_DOMAIN_CONCEPTS`."""
    if spec:
        chosen = loader.resolve(spec)
        score = rank_ontologies([chosen.definition], columns)
        return OntologyChoice(ontology=chosen, mode="given", scores=score, reason=f"given: {spec}")
    shipped = loader.load_all_builtin()
    domains = [o for o in shipped if o.name != loader.GENERIC]
    ranked = rank_ontologies([o.definition for o in domains], columns)
    best = ranked[0] if ranked else None
    if best is not None and best.count >= MIN_DOMAIN_CONCEPTS:
        chosen = next(o for o in domains if o.name == best.name)
        runner_up = f", next {ranked[1].name} with {ranked[1].count}" if len(ranked) > 1 else ""
        reason = f"best match: {best.count} of its concepts found{runner_up}"
    else:
        chosen = loader.load_builtin(loader.GENERIC)
        reason = "no domain ontology matched at least " f"{MIN_DOMAIN_CONCEPTS} concepts"
    return OntologyChoice(ontology=chosen, mode="auto", scores=ranked, reason=reason)
