"""Composite candidate keys need evidence beyond "happens to be unique in few rows" (issue 13):
measured on real DuckDB tables built here, with the facts computed from the data."""

from __future__ import annotations

import random

import duckdb
import pytest

from dataraum_context.topology.keys import MIN_CHANCE_REPEATS, chance_repeats, table_candidate_keys
from dataraum_context.topology.models import ColumnFacts

FAMILY = {"BIGINT": "integer", "VARCHAR": "string", "DATE": "date", "TIMESTAMP": "timestamp"}


def _load(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], rows: list[tuple]) -> list[ColumnFacts]:
    con.execute("CREATE SCHEMA IF NOT EXISTS typed")
    con.execute(f'CREATE TABLE typed."{table}" ({", ".join(f"{c} {t}" for c, t in columns.items())})')
    con.executemany(f'INSERT INTO typed."{table}" VALUES ({", ".join("?" for _ in columns)})', rows)
    facts = []
    for position, (column, data_type) in enumerate(columns.items()):
        distinct, nulls, longest = con.execute(
            f'SELECT count(DISTINCT {column}), count(*) - count({column}), max(length(CAST({column} AS VARCHAR))) '
            f'FROM typed."{table}"'
        ).fetchall()[0]
        facts.append(ColumnFacts(
            table_name=table, column_name=column, typed_table=f'"typed"."{table}"', position=position,
            data_type=data_type, family=FAMILY[data_type], row_count=len(rows), null_count=nulls,
            distinct_count=distinct, max_length=longest,
        ))
    return facts


@pytest.fixture()
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_chance_repeats_bound() -> None:
    # 200 customers, ~190 names and ~180 dates: well under one expected repeat -> no evidence
    assert chance_repeats([190, 180], 200) < 0.1
    # 5 sites x 48 hours over 240 rows, 15000 orders x 7 line numbers over 60175 lines: plenty
    assert chance_repeats([5, 48], 240) > 90 and chance_repeats([15000, 7], 60175) > 10_000
    # a nearly unique column repeats once: a 3-valued partner separates it by chance easily
    assert chance_repeats([199, 3], 200) < MIN_CHANCE_REPEATS


def test_unique_by_chance_on_a_small_table_is_no_key(con) -> None:
    rnd = random.Random(7)
    first = ["Ann", "Ben", "Cem", "Dan", "Eva", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Lea"]
    rows, seen = [], set()
    while len(rows) < 60:
        name, day = rnd.choice(first) + " " + rnd.choice(first), f"2024-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
        if (name, day) not in seen:
            seen.add((name, day))
            rows.append((f"C{len(rows):04d}", name, day))
    facts = _load(con, "customers", {"customer_id": "VARCHAR", "name": "VARCHAR", "signup_date": "DATE"}, rows)
    names = {f.column_name: f for f in facts}
    assert con.execute('SELECT count(DISTINCT (name, signup_date)) FROM typed."customers"').fetchall()[0][0] == 60
    assert chance_repeats([names["name"].distinct_count, names["signup_date"].distinct_count], 60) < MIN_CHANCE_REPEATS
    assert table_candidate_keys(con, facts) == [["customer_id"]]  # the unique pair is luck, not a key


def test_true_composites_stay(con) -> None:
    # readings: every site at every hour (the pair is forced unique by design: many expected repeats)
    rows = [(f"S{s}", f"2024-03-01 {h:02d}:00:00", 1.5) for s in range(5) for h in range(24)]
    facts = _load(con, "readings", {"site": "VARCHAR", "hour_ts": "TIMESTAMP", "temp": "BIGINT"}, [r[:2] + (i,) for i, r in enumerate(rows)])
    assert ["site", "hour_ts"] in table_candidate_keys(con, facts)
    # a tiny bridge with no single-column key: key-like names carry it even without the numbers
    pairs = [(1, 10), (1, 11), (2, 10), (3, 12), (4, 11)]
    facts = _load(con, "bill_product", {"bill_id": "BIGINT", "product_id": "BIGINT"}, pairs)
    assert chance_repeats([4, 3], 5) < MIN_CHANCE_REPEATS
    assert table_candidate_keys(con, facts) == [["bill_id", "product_id"]]
