"""Values the topology nodes pass along (pydantic v2, JSON round-trippable; not ORM rows).

Direction: a relationship goes from the referencing side (`from_*`, the child: the
foreign key, the finer level of a hierarchy) to the referenced side (`to_*`, the
parent: the key, the coarser level). Cardinality is written from the child, in words:
`many-to-one` (many child rows per parent row: the usual foreign key), `one-to-one` (the
child side is unique too), `many-to-many` (the referenced side is not unique). `optional`
says whether some child rows have no parent (a null or an orphan value).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

RelationshipType = Literal["foreign_key", "hierarchy", "correlation"]
Cardinality = Literal["many-to-one", "one-to-one", "many-to-many"]
CARDINALITIES: tuple[str, ...] = ("many-to-one", "one-to-one", "many-to-many")
RelationshipStatus = Literal["accepted", "candidate", "rejected", "confirmed", "dismissed"]
"""accepted: the machine is sure enough; candidate: needs review (medium confidence);
rejected: a person rejected it (now or in an earlier run); confirmed: a person approved it;
dismissed: measured and judged not a reference by the machine (kept with its reasons in the
node output, never stored or reported)."""

TypeFamily = Literal["integer", "decimal", "float", "string", "uuid", "date", "timestamp", "boolean", "other"]


class ColumnFacts(BaseModel):
    """What topology knows about one column before it queries data: its typed-layer type
    and the raw profile's counts and ranges."""

    table_name: str
    column_name: str
    typed_table: str
    """Quoted `typed.<table>`."""
    position: int
    data_type: str
    family: TypeFamily
    row_count: int
    null_count: int
    distinct_count: int | None
    min_value: float | None = None
    max_value: float | None = None
    p25: float | None = None
    p75: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    avg_length: float | None = None

    @property
    def non_null_count(self) -> int:
        return self.row_count - self.null_count


class FkMeasurement(BaseModel):
    """Exact containment of a child column set's distinct values in a parent key (DuckDB)."""

    from_table: str
    from_columns: list[str]
    to_table: str
    to_columns: list[str]
    child_rows: int
    """Child rows with every referencing column non-null."""
    child_distinct: int
    matched_distinct: int
    """Distinct child values (tuples) found in the parent."""
    orphan_rows: int
    """Child rows whose value is missing in the parent."""
    orphan_samples: list[str] = Field(default_factory=list)
    parent_distinct: int
    parent_rows: int
    """Parent rows with every key column non-null."""
    child_unique: bool
    local_density: float | None = None
    """Single integer keys: share of the integers between the smallest and largest matched
    child value that are parent values (1.0: any values in that range would match)."""
    child_density: float | None = None
    """Single integer keys: share of the integers between the smallest and largest matched
    child value that the child holds (1.0: the child is a dense range such as 1..k)."""
    composite_density: float | None = None
    """Composite keys: parent tuples / product of the parent columns' distinct counts."""


class FkScreening(BaseModel):
    """How foreign-key candidates were narrowed: counts at each step, and the measurements."""

    pairs_considered: int = 0
    """Type-compatible (child column set, parent key) pairs (composite keys: combinations counted, not enumerated)."""
    pairs_measured: int = 0
    """Pairs that survived the profile checks and were measured exactly."""
    pairs_skipped: int = 0
    """Pairs that survived the profile checks but were not measured (over the per-child or per-run bound)."""
    measurements: list[FkMeasurement] = Field(default_factory=list)


class RelationshipResult(BaseModel):
    """One detected relationship between columns (see the module docstring for direction)."""

    from_table: str
    from_columns: list[str]
    to_table: str
    to_columns: list[str]
    relationship_type: RelationshipType
    cardinality: Cardinality | None = None
    """Foreign keys and hierarchies, from the child; None for correlations."""
    optional: bool | None = None
    """Foreign keys: some child rows have no parent (null or orphan value); None when not measured."""
    confidence: float
    coverage: float | None = None
    """Share of the distinct non-null child values found in the parent (foreign keys, hierarchies)."""
    orphan_count: int | None = None
    """Child rows whose value is missing in the parent (foreign keys)."""
    orphan_samples: list[str] = Field(default_factory=list)
    detection_method: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    status: RelationshipStatus = "accepted"
    decided_by: str | None = None
    """Who confirmed or rejected it (review), when someone did."""
    decision_reason: str | None = None

    @property
    def key(self) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
        return (self.from_table, tuple(self.from_columns), self.to_table, tuple(self.to_columns))


class JoinStep(BaseModel):
    """One hop of a join path: join `from_table(from_columns)` to `to_table(to_columns)`."""

    from_table: str
    from_columns: list[str]
    to_table: str
    to_columns: list[str]


class JoinPathResult(BaseModel):
    """A way to join `from_table` to `to_table` through accepted foreign keys."""

    from_table: str
    to_table: str
    steps: list[JoinStep]
    length: int
    total_confidence: float
    """Product of the confidences of the relationships used."""
