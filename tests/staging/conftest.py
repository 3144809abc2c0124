"""Fixtures for staging tests: a fresh DuckDB connection and a helper that stages a path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from dataraum_context.staging import StagedTable, discover_sources, stage_source


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def stage(con: duckdb.DuckDBPyConnection) -> Callable[[Path | str], list[StagedTable]]:
    def _stage(path: Path | str) -> list[StagedTable]:
        return [table for spec in discover_sources([str(path)]) for table in stage_source(con, spec)]

    return _stage


@pytest.fixture
def rows(con: duckdb.DuckDBPyConnection) -> Callable[[StagedTable], list[tuple]]:
    """All rows of a staged raw table, `_row_id` first, in `_row_id` order."""

    def _rows(table: StagedTable) -> list[tuple]:
        return con.execute(f"SELECT * FROM {table.raw_table} ORDER BY _row_id").fetchall()

    return _rows


@pytest.fixture
def rejected(con: duckdb.DuckDBPyConnection) -> Callable[[str], list[tuple]]:
    """(line_number, raw_text, error) of a table's quarantined rows."""

    def _rejected(name: str) -> list[tuple]:
        return con.execute(
            "SELECT line_number, raw_text, error FROM quarantine.rejected_rows "
            "WHERE table_name = ? ORDER BY line_number",
            [name],
        ).fetchall()

    return _rejected
