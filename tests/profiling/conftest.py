"""Fixtures for profiling tests: a DuckDB connection and a helper that builds raw tables."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from dataraum_context.sqlutil import qualified, quote_ident

sys.path.insert(0, str(Path(__file__).parent))  # mixed_table.py


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute('CREATE SCHEMA "raw"')
    yield connection
    connection.close()


@pytest.fixture
def make_raw(con: duckdb.DuckDBPyConnection) -> Callable[[str, dict[str, list[str | None]]], str]:
    """`make_raw(name, {column: [values...]})` creates `raw.<name>` (VARCHAR columns + `_row_id`)
    with bound-parameter inserts; returns the quoted table name."""

    def _make(name: str, data: dict[str, list[str | None]]) -> str:
        table = qualified("raw", name)
        columns = list(data)
        n_rows = len(next(iter(data.values())))
        definition = ", ".join(f"{quote_ident(c)} VARCHAR" for c in columns)
        con.execute(f"CREATE TABLE {table} ({definition}, _row_id BIGINT)")
        placeholders = ", ".join("?" for _ in range(len(columns) + 1))
        if n_rows:
            con.executemany(
                f"INSERT INTO {table} VALUES ({placeholders})",
                [[data[c][r] for c in columns] + [r] for r in range(n_rows)],
            )
        return table

    return _make
