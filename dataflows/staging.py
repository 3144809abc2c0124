"""Staging: read every source into the raw layer (all text, stable `_row_id`)."""

from __future__ import annotations

import duckdb
from hamilton.function_modifiers import tag

from dataraum_context.staging import SourceSpec, StagedTable, discover_sources, stage_source


@tag(memo="never")  # reads the files: their content is not in its inputs
def source_specs(source_paths: list[str]) -> list[SourceSpec]:
    """The sources at the given paths: one per file, one per database URL."""
    return discover_sources(source_paths)


@tag(per_table="true")
def staged_tables(source_specs: list[SourceSpec], duckdb_con: duckdb.DuckDBPyConnection) -> list[StagedTable]:
    """Every source read into `raw.<table>`; rows the reader cannot parse go to the rejects table."""
    tables: list[StagedTable] = []
    for spec in source_specs:
        tables.extend(stage_source(duckdb_con, spec))
    return tables
