"""A `unique` rule on a key topology verified (`candidate_keys`: no NULL, as many distinct values
as rows, counted on the typed table) is not grouped again (`execute_table(verified_keys=...)`):
the results must be exactly those of running every unique rule, on real files and on generated
tables with repeats and NULLs, and rules on column sets that are not verified keys still run."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context.quality import execute, generate
from dataraum_context.quality.models import QualityRuleSpec
from dataraum_context.topology.columns import type_family
from dataraum_context.topology.keys import table_candidate_keys
from dataraum_context.topology.models import ColumnFacts
from helpers import REAL_TABLES

TYPED = '"typed"."t"'


def _facts(con: duckdb.DuckDBPyConnection) -> list[ColumnFacts]:
    rows = con.execute(f"SELECT count(*) FROM {TYPED}").fetchone()[0]
    facts = []
    for position, (name, data_type, *_) in enumerate(con.execute(f"DESCRIBE {TYPED}").fetchall()):
        if name == "_row_id":
            continue
        column = f'"{name}"'
        distinct, nulls, longest = con.execute(
            f"SELECT count(DISTINCT {column}), count(*) - count({column}), "
            f"max(length(CAST({column} AS VARCHAR))) FROM {TYPED}"
        ).fetchall()[0]
        facts.append(ColumnFacts(
            table_name="t", column_name=name, typed_table=TYPED, position=position, data_type=data_type,
            family=type_family(data_type), row_count=rows, null_count=nulls, distinct_count=distinct,
            max_length=longest,
        ))
    return facts


def _unique_rules(columns: list[str], keys: list[list[str]]) -> list[QualityRuleSpec]:
    """The generated rules of the keys, and a unique rule on every column and pair of columns
    (most of them with duplicates)."""
    rules = generate.key_rules("t", keys)
    sets = [[c] for c in columns] + [list(pair) for pair in itertools.combinations(columns[:6], 2)]
    rules += [
        QualityRuleSpec(table_name="t", rule_name=f"unique_{'_'.join(s)}", rule_type="unique",
                        parameters={"columns": s})
        for s in sets
    ]
    return rules


def _compare(con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Run the rules with and without the verified keys; same results; only unverified keys grouped."""
    facts = _facts(con)
    keys = table_candidate_keys(con, facts)
    types = {f.column_name: f.data_type for f in facts}
    rules = _unique_rules(list(types), keys)
    every = execute.execute_table(con, "t", TYPED, types, rules)

    grouped: list[frozenset[str]] = []
    real_unique = execute._unique

    def spy(con, typed_table, rule, columns, rows):  # noqa: ANN001, ANN202 - test double
        grouped.append(frozenset(rule.columns()))
        return real_unique(con, typed_table, rule, columns, rows)

    monkeypatch.setattr(execute, "_unique", spy)
    skipped = execute.execute_table(con, "t", TYPED, types, rules, verified_keys=keys)
    monkeypatch.setattr(execute, "_unique", real_unique)

    assert skipped.model_dump() == every.model_dump()
    verified = {frozenset(k) for k in keys}
    assert not verified & set(grouped), "a verified key was grouped again"
    wanted = {frozenset(r.columns()) for r in rules if r.rule_type == "unique"} - verified
    assert set(grouped) == wanted, "every other unique rule runs its query"
    return keys


@pytest.mark.parametrize("path", REAL_TABLES, ids=lambda p: p.name)
def test_real_files(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA typed")
    con.execute(f"CREATE TABLE {TYPED} AS SELECT row_number() OVER () AS _row_id, * FROM read_csv(?)", [str(path)])
    _compare(con, monkeypatch)


def test_a_real_key_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chinook's invoices have a key: the comparison above is not vacuous."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA typed")
    path = next(p for p in REAL_TABLES if p.name.startswith("chinook_invoice"))
    con.execute(f"CREATE TABLE {TYPED} AS SELECT row_number() OVER () AS _row_id, * FROM read_csv(?)", [str(path)])
    assert ["id"] in _compare(con, monkeypatch)


cells = st.one_of(st.none(), st.integers(0, 4))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), cells, st.integers(0, 2), cells), min_size=2, max_size=40))
def test_generated_tables(rows: list[tuple]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        con = duckdb.connect()
        con.execute("CREATE SCHEMA typed")
        con.execute(f"CREATE TABLE {TYPED} (_row_id BIGINT, a BIGINT, b BIGINT, c VARCHAR, d BIGINT)")
        con.executemany(
            f"INSERT INTO {TYPED} VALUES (?, ?, ?, ?, ?)",
            [(i + 1, a, b, f"c{c}", d) for i, (a, b, c, d) in enumerate(rows)],
        )
        _compare(con, monkeypatch)
