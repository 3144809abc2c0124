"""What goes into the LLM annotator and what comes out of it (pydantic v2).

`TableBrief` / `ColumnBrief` are built by the semantic stage from profiles, patterns,
units and type decisions. They are the only data the annotator sends (after
`privacy.prepare_brief` has stripped what must not leave the machine).

`TableAnnotationProposal` is both the structured-output schema given to the model
(tool `input_schema` / `response_format` JSON schema) and the validated result.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SemanticRole = Literal["key", "foreign_key", "measure", "dimension", "attribute", "timestamp"]


class ColumnBrief(BaseModel):
    """One column as the model sees it: type, pattern, unit, statistics, a few samples."""

    name: str
    resolved_type: str | None
    pattern: str | None
    unit: str | None
    null_ratio: float | None
    distinct_count: int | None
    cardinality_ratio: float | None
    is_pii: bool
    sample_values: list[str] = Field(default_factory=list)
    stats: dict[str, Any] = Field(default_factory=dict)
    structure_role: Literal["key", "foreign_key"] | None = None
    """Measured by topology, not guessed: the column is the table's key, or a foreign key."""
    references: str | None = None
    """For a measured foreign key: the `table.column` it references."""


class TableBrief(BaseModel):
    """One table as the model sees it, with the ontology chosen for the run and the structure
    topology measured (candidate keys, the tables that reference it, a kind structure decided)."""

    table_name: str
    row_count: int
    columns: list[ColumnBrief]
    ontology: str | None = None
    ontology_concepts: list[str] = Field(default_factory=list)
    candidate_keys: list[list[str]] = Field(default_factory=list)
    referenced_by: list[str] = Field(default_factory=list)
    kind: Literal["dimension", "bridge"] | None = None
    """Decided by structure: `dimension` when other tables reference it, `bridge` when its key is
    made of foreign keys to two or more tables and nothing else; None: not decided by structure."""


class ColumnAnnotationProposal(BaseModel):
    """The model's annotation of one column."""

    model_config = ConfigDict(extra="forbid")

    column_name: str = Field(description="The column's name, exactly as given.")
    semantic_role: SemanticRole = Field(description="What the column is for in queries.")
    entity_type: str | None = Field(
        description="The business entity the column identifies or describes (e.g. customer), or null."
    )
    business_name: str = Field(description="A short human name for the column.")
    description: str = Field(description="One sentence saying what the column holds.")
    ontology_term: str | None = Field(
        description="The matching ontology concept, one of the listed concepts, or null."
    )
    confidence: float = Field(ge=0.0, le=1.0, description="How sure you are, 0..1.")


class TableAnnotationProposal(BaseModel):
    """The model's annotation of one table and all its columns."""

    model_config = ConfigDict(extra="forbid")

    table_name: str = Field(description="The table's name, exactly as given.")
    entity_type: str = Field(description="The business entity one row represents (e.g. order line).")
    is_fact: bool = Field(description="True for a fact table (events, transactions), false for a dimension.")
    description: str = Field(description="One sentence saying what the table holds.")
    grain: list[str] = Field(description="The column names that identify one row.")
    columns: list[ColumnAnnotationProposal] = Field(description="One entry per column of the table.")


class LLMRunReport(BaseModel):
    """What one `annotate_tables` call did: calls, cache hits, tokens, cost, give-up."""

    provider: str
    model: str
    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    gave_up: bool = False
    messages: list[str] = Field(default_factory=list)
