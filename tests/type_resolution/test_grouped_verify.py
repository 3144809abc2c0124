"""Checking decisions on the whole column over the distinct values with their counts (columns
with few values of a big table) settles every decision exactly as the per-row check does: the
same types, sizes, parse rates, failure counts and distinct failures. Every candidate of every
column of real files (with its garbage and null tokens) and of generated columns is decided
once each way."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context.detectors.patterns import detect_patterns
from dataraum_context.sqlutil import quote_ident
from dataraum_context.type_resolution import candidates as cands
from dataraum_context.type_resolution import resolver
from dataraum_context.type_resolution.formats import install_macros
from dataraum_context.type_resolution.models import ColumnTypeDecision
from helpers import REAL_TABLES

REAL = REAL_TABLES


def _decisions(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[ColumnTypeDecision]:
    """One auto decision per candidate of every column (each in a table of its own name)."""
    found = cands.table_candidates(con, table, columns, detect_patterns(con, table, columns), {})
    decisions = []
    for column, column_cands in found.items():
        for c in column_cands:
            if c.data_type != "VARCHAR" and c.parsed:
                decisions.append(ColumnTypeDecision(
                    table_name=table, column_name=column, decided_type=c.data_type, decision_source="auto",
                    confidence=1.0, reason="test", pattern=c.label, value_format=c.fmt,
                ))
    return decisions


def _settle(con: duckdb.DuckDBPyConnection, table: str, decisions: list[ColumnTypeDecision], grouped: bool) -> list[dict]:
    distinct = {d.column_name: 0 for d in decisions} if grouped else None
    original = cands.LONG_CELLS
    cands.LONG_CELLS = 0  # every table counts as big: the grouped path is taken when asked for
    try:
        out = []
        for d in decisions:  # one at a time: candidates of one column are rivals, not a table's decisions
            out += [s.model_dump() for s in resolver.verify_decisions(con, table, [d], threshold=0.9, distinct=distinct)]
        failures_plain = resolver._failures(con, table, decisions)
        failures_grouped = resolver._failures(con, table, decisions, {d.column_name for d in decisions})
        assert failures_grouped == failures_plain
        return out
    finally:
        cands.LONG_CELLS = original


def _assert_same(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    decisions = _decisions(con, table, columns)
    assert _settle(con, table, decisions, grouped=True) == _settle(con, table, decisions, grouped=False)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path) -> None:
    con = duckdb.connect()
    install_macros(con)
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    columns = [row[0] for row in con.execute("DESCRIBE t").fetchall()]
    _assert_same(con, "t", columns)


values = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "NA", "null", "-", "n/a", "x1", "1e3", "0x1F", " 12 ", "007", "1,5", "2024-02-30"]),
    st.integers(-10**20, 10**20).map(str),
    st.decimals(-10**4, 10**4, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["yes", "no", "true", "false"]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(values, min_size=1, max_size=30), min_size=1, max_size=3))
def test_generated_columns(columns: list[list[str | None]]) -> None:
    con = duckdb.connect()
    install_macros(con)
    names = [f"c{k}" for k in range(len(columns))]
    rows = max(len(c) for c in columns)
    con.execute("CREATE TABLE t (" + ", ".join(f"{quote_ident(n)} VARCHAR" for n in names) + ")")
    con.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})",
        [[c[i % len(c)] for c in columns] for i in range(rows)],  # values repeat: counts matter
    )
    _assert_same(con, "t", names)
