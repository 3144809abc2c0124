"""Values the type-resolution nodes pass along (not ORM rows)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dataraum_context.type_resolution.formats import ValueFormat


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
    # How the values are written; the lossless parse is generated from it (formats.parse_sql).
    value_format: ValueFormat | None = None


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
    # How the values are written; the lossless parse is generated from it (formats.parse_sql).
    value_format: ValueFormat | None = None
    candidates: list[TypeCandidateResult] = Field(default_factory=list)
    sample_values: list[str] = Field(default_factory=list)
    needs_review: bool = False
    # Share of the column's non-null values that parse under the decision (whole column).
    parse_success_rate: float | None = None
    failed_count: int = 0  # non-null values that do not parse: they go to the quarantine
    # Discount applied to the parse rate for undecided evidence (e.g. day/month order).
    evidence_factor: float = 1.0
    # Kept as text although this type reads most values (too many or too varied failures,
    # or two readings): what a reviewer may choose instead.
    proposed_type: str | None = None
    failed_distinct: int = 0  # distinct raw values among the failures
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


def decision_parse_sql(decision: ColumnTypeDecision, v: str) -> str | None:
    """The lossless parse of the trimmed text `v` under the decision; None for text columns.

    A typed decision without a value format is refused (never read as text by accident)."""
    from dataraum_context.errors import DataraumError
    from dataraum_context.type_resolution.formats import parse_sql

    if decision.decided_type.upper() == "VARCHAR":
        return None
    if decision.value_format is None:
        raise DataraumError(
            f"type decision for {decision.table_name}.{decision.column_name} ({decision.decided_type}) "
            "has no value format: refusing to build its column"
        )
    return parse_sql(decision.value_format, decision.decided_type, v)
