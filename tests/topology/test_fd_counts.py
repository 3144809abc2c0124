"""The grouped functional-dependency counts equal their definition: per pair (a, b), over the
rows where both are set, count(DISTINCT a), count(DISTINCT (a, b)) and count(*); the min/max
bounds give the same figures wherever a pair can pass and reject the same pairs."""

from __future__ import annotations

import random
from unittest.mock import patch

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataraum_context.topology import dependencies
from dataraum_context.topology.dependencies import MIN_FD_STRENGTH, _fd_bounds, _fd_counts
from dataraum_context.topology.models import ColumnFacts


def _facts(name: str) -> ColumnFacts:
    return ColumnFacts(
        table_name="t", column_name=name, typed_table="t", position=0, data_type="VARCHAR",
        family="string", row_count=0, null_count=0, distinct_count=0,
    )


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    rng = random.Random(7)
    con = duckdb.connect()
    con.execute('CREATE TABLE t (city VARCHAR, country VARCHAR, "odd name" INTEGER, flag BOOLEAN)')
    rows = []
    for _ in range(500):
        city = rng.choice([None, *[f"c{i}" for i in range(40)]])
        country = None if rng.random() < 0.1 else (f"k{int(city[1:]) % 5}" if city and rng.random() < 0.97 else "kx")
        rows.append((city, country, rng.choice([None, 1, 2, 3]), rng.choice([None, True, False])))
    rows += [("lonely", None, None, None), ("lonely", None, 4, None)]  # a value of `a` never with a `b`
    con.execute(f"INSERT INTO t VALUES {', '.join(_literal_row(r) for r in rows)}")
    return con


def _literal_row(row: tuple) -> str:
    return "(" + ", ".join("NULL" if v is None else f"'{v}'" if isinstance(v, str) else str(v) for v in row) + ")"


_SCRATCH = duckdb.connect()


def _definition(con: duckdb.DuckDBPyConnection, a: str, b: str, where: str) -> tuple[int, int, int]:
    qa, qb = f'"{a}"', f'"{b}"'
    both = f"{qa} IS NOT NULL AND {qb} IS NOT NULL" + (f" AND {where}" if where else "")
    row = con.execute(f"SELECT count(DISTINCT {qa}), count(DISTINCT ({qa}, {qb})), count(*) FROM t WHERE {both}").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


@pytest.mark.parametrize("where", ["", "hash(city) % 2 = 0"])
def test_grouped_counts_equal_the_definition(con: duckdb.DuckDBPyConnection, where: str) -> None:
    names = ["city", "country", "odd name", "flag"]
    pairs = [(_facts(a), _facts(b)) for a in names for b in names if a != b]
    got = _fd_counts(con, "t", pairs, where=where)
    expected = [_definition(con, a.column_name, b.column_name, where) for a, b in pairs]
    assert got == expected
    assert any(distinct_a != distinct_ab for distinct_a, distinct_ab, _ in got)  # some pairs are not FDs


def _strength(counts: tuple[int, int, int]) -> float:
    return counts[0] / counts[1] if counts[1] else 0.0


@pytest.mark.parametrize("where", ["", "hash(city) % 2 = 0"])
def test_bounds_are_exact_wherever_the_strength_can_pass(con: duckdb.DuckDBPyConnection, where: str) -> None:
    names = ["city", "country", "odd name", "flag"]
    pairs = [(_facts(a), _facts(b)) for a in names for b in names if a != b]
    exact = _fd_counts(con, "t", pairs, where=where)
    got = _fd_bounds(con, "t", pairs, where=where)
    for found, truth in zip(got, exact, strict=True):
        if _strength(truth) >= MIN_FD_STRENGTH or _strength(found) >= MIN_FD_STRENGTH:
            assert found == truth
        else:  # rejected either way; distinct (a, b) a lower bound, the rest exact
            assert (found[0], found[2]) == (truth[0], truth[2]) and found[1] <= truth[1]


_cell = st.one_of(st.none(), st.integers(0, 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_cell, _cell, _cell), min_size=0, max_size=300), st.sampled_from([0.99, 0.75, 0.5]))
def test_bounds_decide_like_the_exact_counts(rows: list[tuple], minimum: float) -> None:
    """Any table, any threshold: the same pairs pass, with the same figures."""
    con = _SCRATCH
    con.execute("CREATE OR REPLACE TABLE t (a INTEGER, b INTEGER, c INTEGER)")
    if rows:
        con.execute(f"INSERT INTO t VALUES {', '.join(_literal_row(r) for r in rows)}")
    pairs = [(_facts(x), _facts(y)) for x in "abc" for y in "abc" if x != y]
    with patch.object(dependencies, "MIN_FD_STRENGTH", minimum):
        got = _fd_bounds(con, "t", pairs)
    exact = _fd_counts(con, "t", pairs)
    for found, truth in zip(got, exact, strict=True):
        assert (found[0], found[2]) == (truth[0], truth[2])
        if _strength(truth) >= minimum:
            assert found == truth
        else:
            assert _strength(found) < minimum and found[1] <= truth[1]
