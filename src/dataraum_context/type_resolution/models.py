"""Values the type-resolution nodes pass along (not ORM rows)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TypeCandidateResult(BaseModel):
    """One plausible type for a column and the evidence for it."""

    data_type: str  # DuckDB type name, e.g. BIGINT, DECIMAL(8,2), DATE
    confidence: float
    parse_success_rate: float | None = None  # over the whole column's non-null values
    failed_examples: list[str] = Field(default_factory=list)
    pattern: str | None = None
    pattern_match_rate: float | None = None  # over the sample
    unit: str | None = None
    unit_confidence: float | None = None
    # DuckDB expression with {v} (the trimmed raw text) giving the typed value or NULL.
    parse_sql: str | None = Field(default=None, exclude=True, repr=False)


class ColumnTypeDecision(BaseModel):
    """The type decided for one column, with its candidates and why."""

    table_name: str
    column_name: str
    decided_type: str
    decision_source: str  # 'auto', 'rule', 'manual'
    confidence: float
    reason: str
    pattern: str | None = None
    unit: str | None = None
    parse_sql: str | None = Field(default=None, repr=False)
    candidates: list[TypeCandidateResult] = Field(default_factory=list)
    sample_values: list[str] = Field(default_factory=list)
    needs_review: bool = False
    # Share of the column's non-null values that parse under the decision (whole column).
    parse_success_rate: float | None = None
    failed_count: int = 0  # non-null values that do not parse: they go to the quarantine
    # Discount applied to the parse rate for undecided evidence (e.g. day/month order).
    evidence_factor: float = 1.0
    # Audit trail of a human decision.
    decided_by: str | None = None
    previous_type: str | None = None


class TypedTableResult(BaseModel):
    """A table of the typed layer and what its casts quarantined."""

    table_name: str
    typed_table: str  # quoted qualified name, e.g. "typed"."orders"
    row_count: int
    quarantined: dict[str, int] = Field(default_factory=dict)  # column -> cells
    quarantine_examples: dict[str, list[str]] = Field(default_factory=dict)  # column -> distinct raw values
