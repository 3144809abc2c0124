"""Staging: turn files, folders and database URLs into DuckDB `raw` tables of text.

Every raw table has a stable `_row_id` (1..n in source order) followed by the source's
columns, all VARCHAR. Rows a reader cannot parse are kept in `quarantine.rejected_rows`.

Public API::

    specs = discover_sources(["data/", "postgresql://user:pw@host/db"])
    tables = [t for spec in specs for t in stage_source(con, spec, source_url(spec, paths))]
"""

from __future__ import annotations

import duckdb

from dataraum_context.errors import SourceError
from dataraum_context.staging.database import stage_database
from dataraum_context.staging.models import FailedSource, SourceSpec, StagedColumn, StagedTable
from dataraum_context.staging.readers import stage_csv, stage_json, stage_parquet
from dataraum_context.staging.sources import discover_sources, redact_url, source_url

__all__ = [
    "FailedSource",
    "SourceSpec",
    "StagedColumn",
    "StagedTable",
    "discover_sources",
    "redact_url",
    "source_url",
    "stage_source",
]


def stage_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, url: str | None = None) -> list[StagedTable]:
    """Stage one source into `raw.*`: one table for a file, one per table for a database
    (`url`: the database's real URL, which the spec does not hold)."""
    if spec.error is not None:
        raise SourceError(spec.error)
    if spec.kind in ("csv", "tsv"):
        return [stage_csv(con, spec)]
    if spec.kind == "parquet":
        return [stage_parquet(con, spec)]
    if spec.kind in ("json", "ndjson"):
        return [stage_json(con, spec)]
    if spec.kind == "database":
        if url is None and ":***@" not in spec.location:
            url = spec.location  # nothing was redacted: the location is the URL
        if url is None:
            raise SourceError(f"{spec.location}: give the database URL with its password to read it")
        return stage_database(con, spec, url)
    raise SourceError(f"{spec.location}: unsupported source kind {spec.kind!r}")
