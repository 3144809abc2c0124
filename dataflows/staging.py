"""Staging: read every source into the raw layer (all text, stable `_row_id`)."""

from __future__ import annotations

import duckdb
from hamilton.function_modifiers import tag

from dataraum_context.errors import SourceError
from dataraum_context.staging import FailedSource, SourceSpec, StagedTable, discover_sources, stage_source
from dataraum_context.staging.sources import source_url
from dataraum_context.staging.common import failed_source_error, forget_failed_source, record_failed_source


@tag(memo="never")  # reads the files: their content is not in its inputs
def source_specs(source_paths: list[str]) -> list[SourceSpec]:
    """The sources at the given paths: one per file, one per database URL."""
    return discover_sources(source_paths)


@tag(per_table="true")
def staged_tables(
    source_specs: list[SourceSpec], source_paths: list[str], duckdb_con: duckdb.DuckDBPyConnection
) -> list[StagedTable]:
    """Every source read into `raw.<table>`; rows the reader cannot parse go to the rejects table.

    A file found in a folder that cannot be staged is skipped and recorded in
    `quarantine.failed_sources` (see `failed_sources`); a file or database named
    directly that cannot be staged stops the run."""
    tables: list[StagedTable] = []
    for spec in source_specs:
        try:
            staged = stage_source(duckdb_con, spec, source_url(spec, source_paths))
        except SourceError as exc:
            if not spec.in_folder:
                raise
            record_failed_source(duckdb_con, spec.location, spec.content_hash, str(exc))
            continue
        if spec.in_folder:
            forget_failed_source(duckdb_con, spec.location)
        tables.extend(staged)
    return tables


@tag(memo="never")  # reads what staging recorded in DuckDB, also when staging was reused
def failed_sources(
    source_specs: list[SourceSpec], staged_tables: list[StagedTable], duckdb_con: duckdb.DuckDBPyConnection
) -> list[FailedSource]:
    """The folder files that could not be staged, with the reason; the run goes on
    without them. When no source at all could be staged, the run stops."""
    staged = {table.source_name for table in staged_tables}
    failed: list[FailedSource] = []
    for spec in source_specs:
        if spec.in_folder and spec.name not in staged:
            error = failed_source_error(duckdb_con, spec.location, spec.content_hash) or spec.error
            failed.append(FailedSource(location=spec.location, error=error or f"{spec.location}: not staged"))
    if failed and not staged_tables:
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise SourceError(f"no source could be staged: {failed[0].error}{more}")
    return failed
