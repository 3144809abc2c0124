"""A small table's candidates measured in long form (`_measure_long`: one expression chain per
distinct format over the columns' values one under another), and a column's candidates measured
over its distinct values weighted by their counts (`_measure_grouped`, and `measure` choosing it
from distinct counts), give exactly the figures of the side-by-side measure (`_measure_columns`:
one chain per candidate over every row): on real files and on generated columns of numbers,
dates, booleans, null tokens and blanks."""

from __future__ import annotations

import copy
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context.detectors.patterns import detect_patterns
from dataraum_context.type_resolution import candidates as cands
from dataraum_context.type_resolution.formats import install_macros
from dataraum_context.sqlutil import quote_ident
from helpers import REAL_TABLES

REAL = REAL_TABLES


def _candidates(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], monkeypatch) -> list[cands.Candidate]:
    found: list[cands.Candidate] = []
    with monkeypatch.context() as m:  # the candidates the search would measure, unmeasured
        m.setattr(cands, "measure", lambda con, table, candidates, grouped=frozenset(): found.extend(candidates))
        cands.table_candidates(con, table, columns, detect_patterns(con, table, columns), {})
    return found


def _figures(measured: list[cands.Candidate]) -> list[tuple]:
    return [(c.column, c.label, c.fmt, c.data_type, c.parsed, c.nonnull) for c in measured]


def _assert_same(con: duckdb.DuckDBPyConnection, table: str, found: list[cands.Candidate]) -> None:
    side, long, grouped, chosen = (copy.deepcopy(found) for _ in range(4))
    cands._measure_columns(con, table, side)
    cands._measure_long(con, table, long)
    assert _figures(long) == _figures(side)
    for column in dict.fromkeys(c.column for c in grouped):
        cands._measure_grouped(con, table, [c for c in grouped if c.column == column])
    assert _figures(grouped) == _figures(side)
    # `measure` on a "big" table: columns with few distinct values (every other one here) grouped
    columns = list(dict.fromkeys(c.column for c in chosen))
    distinct = {c: 0 if k % 2 == 0 else 10**9 for k, c in enumerate(columns)}
    original = cands.LONG_CELLS
    cands.LONG_CELLS = 0
    try:
        cands.measure(con, table, chosen, cands.grouped_columns(con, table, columns, distinct))
    finally:
        cands.LONG_CELLS = original
    assert _figures(chosen) == _figures(side)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path, monkeypatch) -> None:
    con = duckdb.connect()
    install_macros(con)
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    columns = [row[0] for row in con.execute("DESCRIBE t").fetchall()]
    found = _candidates(con, "t", columns, monkeypatch)
    assert found, "no candidates: nothing compared"
    _assert_same(con, "t", found)


noise = st.one_of(st.none(), st.sampled_from(["", " ", "NA", "null", "-", "n/a", "x1", "1e3", "0x1F", " 12 "]))
kinds = [  # columns of one kind each (with some noise), so that formats repeat across columns
    st.integers(-10**20, 10**20).map(str),
    st.decimals(-10**6, 10**6, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.decimals(-10**4, 10**4, places=2, allow_nan=False, allow_infinity=False).map(lambda d: str(d).replace(".", ",")),
    st.integers(0, 10**7).map(lambda n: f"{n:,}"),
    st.integers(0, 10**7).map(lambda n: f"{n:,}".replace(",", ".")),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3e}"),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.sampled_from(["yes", "no", "Yes", "NO"]),
]
column = st.sampled_from(range(len(kinds))).flatmap(
    lambda k: st.lists(st.one_of(kinds[k], kinds[k], kinds[k], kinds[k], noise), min_size=1, max_size=25)
)


@settings(max_examples=30, deadline=None)
@given(st.lists(column, min_size=1, max_size=5))
def test_generated_columns(columns: list[list[str | None]]) -> None:
    rows = max(len(c) for c in columns)
    con = duckdb.connect()
    install_macros(con)
    names = [f"c{k}" for k in range(len(columns))]
    con.execute("CREATE TABLE t (" + ", ".join(f"{quote_ident(n)} VARCHAR" for n in names) + ")")
    con.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})",
        [[c[i] if i < len(c) else None for c in columns] for i in range(rows)],
    )
    found: list[cands.Candidate] = []
    original = cands.measure
    cands.measure = lambda con, table, candidates, grouped=frozenset(): found.extend(candidates)
    try:
        cands.table_candidates(con, "t", names, detect_patterns(con, "t", names), {})
    finally:
        cands.measure = original
    if found:
        _assert_same(con, "t", found)
