"""What profiling produces: one statistical profile per raw column (pydantic v2).

These are the values the `profiling` DAG nodes return; `profiling.persist` writes
them to `column_profiles` (spec: DATA_MODEL.md). Every figure is computed by DuckDB
over the raw (all-VARCHAR) layer; see `profiling.profiler` for the exact semantics.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PERCENTILE_KEYS = ("p25", "p50", "p75", "p95", "p99")


class ColumnProfileResult(BaseModel):
    """Statistics of one raw column.

    Null means "raw null": SQL NULL or a value whose trimmed text is a null token
    (`NA`, `-`, `''`, ...). Numeric figures cover the non-null values that parse as
    finite numbers (`TRY_CAST(trim(v) AS DOUBLE)`); they are None when none do.
    """

    table_name: str
    column_name: str

    total_count: int
    """Rows in the table."""
    null_count: int
    """SQL NULLs plus null tokens."""
    distinct_count: int | None
    """Exact number of distinct non-null raw values (None only if not computed)."""

    min_value: float | None = None
    max_value: float | None = None
    mean_value: float | None = None
    stddev_value: float | None = None
    """Sample standard deviation (None with fewer than two numeric values)."""
    percentiles: dict[str, float] | None = None
    """`quantile_cont` at p25, p50, p75, p95, p99 of the numeric values."""

    min_length: int | None = None
    max_length: int | None = None
    avg_length: float | None = None
    """Character lengths of the non-null raw values."""

    histogram: list[dict[str, Any]] | None = None
    """Numeric columns only: `[{"bucket", "lower", "upper", "count"}, ...]`, lower-inclusive
    buckets, the last one closed. See `profiler.profile_table` for how buckets are chosen."""
    top_values: list[dict[str, Any]] = Field(default_factory=list)
    """Up to 10 most frequent non-null raw values `[{"value", "count"}]`, count desc then value asc."""

    cardinality_ratio: float | None = None
    """distinct_count / non-null count (None when every value is null)."""
    null_ratio: float | None = None
    """null_count / total_count (None for an empty table)."""

    numeric_count: int = 0
    """Non-null values that parse as finite numbers."""
    null_token_counts: dict[str, int] = Field(default_factory=dict)
    """Null tokens that occurred (trimmed text -> count); SQL NULLs are not tokens and are
    not listed here (they are `null_count - sum(null_token_counts.values())`)."""

    @property
    def non_null_count(self) -> int:
        return self.total_count - self.null_count


class TableProfileResult(BaseModel):
    """Profiles of every column of one raw table."""

    table_name: str
    row_count: int
    columns: list[ColumnProfileResult]
    raw_table: str | None = None
    """The quoted DuckDB table that was profiled (`"raw"."orders"`), when known."""

    def column(self, name: str) -> ColumnProfileResult:
        """The profile of the column called `name` (KeyError when there is none)."""
        for profile in self.columns:
            if profile.column_name == name:
                return profile
        raise KeyError(name)
