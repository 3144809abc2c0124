"""Values the semantic nodes pass along (pydantic; JSON-checkpointable, not ORM rows)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


Source = Literal["rules", "llm", "manual"]


class ColumnAnnotation(BaseModel):
    """What one column means."""

    table_name: str
    column_name: str
    role: str | None  # key | foreign_key | measure | dimension | attribute | timestamp (None: rejected in review)
    entity_type: str | None = None
    business_name: str | None = None
    description: str | None = None
    ontology_term: str | None = None
    confidence: float = 0.0
    evidence: list[str] = Field(default_factory=list)  # which signals decided
    source: Source = "rules"
    annotated_by: str | None = None  # 'rules', a model name, or the reviewer
    # A foreign key's referenced table and column, when name evidence found one.
    references: dict[str, str] | None = None
    is_pii: bool = False

    @property
    def target(self) -> str:
        return f"{self.table_name}.{self.column_name}"


class TableEntityResult(BaseModel):
    """What one table holds: its entity, fact or dimension, and its grain."""

    table_name: str
    entity_type: str
    description: str | None = None
    is_fact: bool
    is_dimension: bool
    grain: list[str] | None  # a minimal unique column set verified in DuckDB; None when none was found
    grain_verified: bool = False
    confidence: float
    evidence: dict[str, Any] = Field(default_factory=dict)
    source: Source = "rules"


class MatchedConcept(BaseModel):
    """A concept found in a column of a table."""

    concept: str
    column: str
    confidence: float  # of the column's annotation
    source: str  # who decided the column holds the concept: rules, llm or manual


class ApplicableMetric(BaseModel):
    """A metric of the ontology computable on one table, as SQL over its typed layer."""

    name: str
    description: str = ""
    required_concepts: list[str]
    columns: dict[str, str]  # concept -> column
    expression: str  # the formula over quoted column names
    sql: str  # a full query over the typed table


class OntologyApplicationResult(BaseModel):
    """One ontology applied to one table."""

    table_name: str
    ontology: str
    matched_concepts: list[MatchedConcept] = Field(default_factory=list)
    metrics: list[ApplicableMetric] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)  # instantiated quality rules
