"""What the quality nodes return (pydantic, JSON round-trippable; not ORM rows).

A rule's `expression` is a boolean DuckDB SQL predicate over the columns of the
table's TYPED layer (`typed.<table>`); a row passes when it is true *or NULL* (a
rule does not apply to missing values: `not_null` rules check those), and fails
when it is false. `unique` rules are table-level and run as a GROUP BY on
`parameters["columns"]`; their expression (a window predicate) documents the same
check.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

RULE_TYPES = (
    "not_null", "unique", "range", "pattern", "allowed_values", "referential",
    "date_order", "future_date", "custom",
)
RULE_SOURCES = ("default", "ontology", "llm", "manual")
DIMENSIONS = ("completeness", "validity", "consistency", "uniqueness", "timeliness")

# The dimension a rule's failures count against (see `quality.scores`).
DEFAULT_DIMENSION = {
    "not_null": "completeness",
    "unique": "uniqueness",
    "range": "validity",
    "pattern": "validity",
    "allowed_values": "validity",
    "referential": "consistency",
    "date_order": "consistency",
    "future_date": "timeliness",
}


def default_dimension(rule_type: str, column_name: str | None) -> str:
    """Custom rules: validity when they concern one column, consistency when table-level."""
    return DEFAULT_DIMENSION.get(rule_type, "validity" if column_name else "consistency")


class QualityRuleSpec(BaseModel):
    """One quality rule on a table (column_name None: table-level)."""

    table_name: str
    column_name: str | None = None
    rule_name: str
    rule_type: str = "custom"
    expression: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    """e.g. {"columns": [...]} (columns the rule reads), {"min", "max"}, {"values"}, {"to_table", ...}."""
    severity: Literal["error", "warning", "info"] = "warning"
    source: str = "default"  # 'default' (evidence), 'ontology', 'llm', 'manual'
    dimension: str | None = None
    description: str | None = None
    created_by: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str, str]:
        return (self.table_name, self.column_name, self.rule_name, self.source)

    @property
    def effective_dimension(self) -> str:
        return self.dimension or default_dimension(self.rule_type, self.column_name)

    def columns(self) -> list[str]:
        """Columns the rule reads (for failure samples and per-column scores)."""
        cols = self.parameters.get("columns")
        if isinstance(cols, list) and cols:
            return [str(c) for c in cols]
        return [self.column_name] if self.column_name else []


class QualityResultRecord(BaseModel):
    """One execution of one rule."""

    table_name: str
    column_name: str | None
    rule_name: str
    rule_type: str
    source: str
    dimension: str
    status: Literal["ok", "invalid"] = "ok"
    error: str | None = None
    """Why the rule could not run (status 'invalid'): the DuckDB error, one line."""
    total_records: int | None = None
    passed_records: int | None = None
    failed_records: int | None = None
    pass_rate: float | None = None
    failure_samples: list[dict[str, Any]] = Field(default_factory=list)
    """A few failing rows, `_row_id` first, then the rule's columns as text."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Extra figures, e.g. {"duplicate_values": n} for unique rules."""


class DimensionCounts(BaseModel):
    """Rows failing at least one valid rule of a dimension, for a column or a whole table."""

    rules: int = 0
    failed_rows: int = 0


class ColumnEvidence(BaseModel):
    """Per-column figures from the execution scan that the scores use."""

    column_name: str
    data_type: str
    typed_nulls: int
    quarantined: int = 0
    failing: dict[str, DimensionCounts] = Field(default_factory=dict)  # dimension -> counts


class TableQualityExecution(BaseModel):
    """The results of all rules of one table and the evidence gathered in the same scans."""

    table_name: str
    row_count: int
    results: list[QualityResultRecord] = Field(default_factory=list)
    columns: list[ColumnEvidence] = Field(default_factory=list)
    failing: dict[str, DimensionCounts] = Field(default_factory=dict)  # table-wide, dimension -> counts


class QualityScoreRecord(BaseModel):
    """Scores (0-1, None without evidence) of a table (column_name None) or of one column."""

    table_name: str
    column_name: str | None = None
    completeness: float | None = None
    validity: float | None = None
    consistency: float | None = None
    uniqueness: float | None = None
    timeliness: float | None = None
    overall: float | None = None
    evidence: dict[str, str] = Field(default_factory=dict)
    """Per dimension, the figures it was computed from (human-readable)."""
