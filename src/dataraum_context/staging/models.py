"""Pydantic models describing what staging was asked to read and what it produced."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

FILE_KINDS = ("csv", "tsv", "parquet", "json", "ndjson")
SOURCE_KINDS = (*FILE_KINDS, "database")


class SourceSpec(BaseModel):
    """One source the user named: a file (one table) or a database (many tables)."""

    name: str
    """Table name (the file stem, kept exactly) or, for a database, its redacted URL."""
    kind: str
    """'csv' | 'tsv' | 'parquet' | 'json' | 'ndjson' | 'database'."""
    location: str
    """Absolute file path, or the database URL with the password redacted."""
    renamed_from: str | None = None
    """Set when `name` had to be made unique (`orders` -> `orders_2`): the stem it came from."""
    content_hash: str = ""
    """Files: sha256 of the bytes. Databases: a value unique to this discovery (their
    content is only known by reading them), so a database source never counts as unchanged."""
    in_folder: bool = False
    """Found inside a folder the user named (not named itself): if it cannot be staged,
    the other sources still are and it is reported in `failed_sources`."""
    error: str | None = None
    """Set when discovery already found the file unusable (empty, binary...): the one-line
    reason, raised as a SourceError when it is staged."""


class FailedSource(BaseModel):
    """A source found in a folder that could not be staged."""

    location: str
    error: str


class StagedColumn(BaseModel):
    """One column of a raw table."""

    name: str
    """Unique column name used in DuckDB (the original unless empty or duplicate)."""
    original_name: str
    """Exactly as in the source header ('' for an empty header cell)."""
    position: int
    """0-based position among the data columns (`_row_id` excluded)."""
    raw_type: str
    """'VARCHAR' for text files; the source's own type for parquet/json/database."""


class StagedTable(BaseModel):
    """One table in the DuckDB `raw` schema, every value stored as text."""

    table_name: str
    source_name: str
    source_type: str
    location: str
    content_hash: str
    row_count: int
    rejected_rows: int
    raw_table: str
    columns: list[StagedColumn]
    options: dict[str, Any] = Field(default_factory=dict)
