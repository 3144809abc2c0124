"""The grouped functional-dependency counts equal their definition: per pair (a, b), over the
rows where both are set, count(DISTINCT a), count(DISTINCT (a, b)) and count(*)."""

from __future__ import annotations

import random

import duckdb
import pytest

from dataraum_context.topology.dependencies import _fd_counts
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
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    return con


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
