"""The typed layer built with value maps (columns with few distinct values parsed once per value
and joined back on the raw text) is the typed layer built row by row: the same rows, values,
types and order, and the same quarantine rows. Real files (with their garbage, null tokens and
blanks) and generated columns, one decision per column from the real candidate search."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from dataraum_context.detectors.patterns import detect_patterns
from dataraum_context.sqlutil import quote_ident
from dataraum_context.type_resolution import candidates as cands
from dataraum_context.type_resolution import typed
from dataraum_context.type_resolution.formats import install_macros
from dataraum_context.type_resolution.models import ColumnTypeDecision

REPO = Path(__file__).resolve().parents[2]
REAL = [
    REPO / "tests" / "corpus_slice" / "macrodata.csv",
    REPO / "tests" / "corpus_slice" / "penguins.csv",
    REPO / "tests" / "corpus_slice" / "seattle-weather.csv",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_invoice.csv.gz",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_track.csv.gz",
]


def _decisions(con: duckdb.DuckDBPyConnection, columns: list[str]) -> list[ColumnTypeDecision]:
    """Per column its best typed candidate (failures and all), else text."""
    found = cands.table_candidates(con, "raw.t", columns, detect_patterns(con, "raw.t", columns), {})
    decisions = []
    for column in columns:
        best = max((c for c in found[column] if c.data_type != "VARCHAR" and c.parsed), key=lambda c: c.rate, default=None)
        decisions.append(ColumnTypeDecision(
            table_name="t", column_name=column, decided_type=best.data_type if best else "VARCHAR",
            decision_source="auto", confidence=1.0, reason="test", pattern=best.label if best else None,
            value_format=best.fmt if best else None,
        ))
    return decisions


def _build(con: duckdb.DuckDBPyConnection, decisions: list[ColumnTypeDecision], mapped: bool, monkeypatch) -> tuple:
    rows = con.execute("SELECT count(*) FROM raw.t").fetchone()[0]
    distinct = {d.column_name: 0 for d in decisions} if mapped else None
    with monkeypatch.context() as m:
        m.setattr(typed, "MAP_ROWS", 0)  # every table is big enough for maps when they are asked for
        if mapped:
            assert typed.value_maps(decisions, rows, distinct) == {
                d.column_name for d in decisions if d.decided_type != "VARCHAR"
            }
        result = typed.build_typed_table(con, "t", "raw.t", rows, decisions, None, distinct)
    con.execute(f"CREATE OR REPLACE TABLE {'mapped' if mapped else 'plain'} AS SELECT * FROM typed.t")
    quarantine = con.execute(
        "SELECT column_name, _row_id, raw_value, target_type, reason FROM quarantine.cast_failures ORDER BY ALL"
    ).fetchall()
    return result.model_dump(), quarantine, con.execute("DESCRIBE typed.t").fetchall()


def _assert_same(con: duckdb.DuckDBPyConnection, columns: list[str], monkeypatch) -> None:
    install_macros(con)
    decisions = _decisions(con, columns)
    assert _build(con, decisions, True, monkeypatch) == _build(con, decisions, False, monkeypatch)
    # the same rows in the same order (`_row_id` order, every value equal, NULLs included)
    differ = con.execute(
        "SELECT count(*) FROM mapped POSITIONAL JOIN plain AS p WHERE NOT (mapped = p)"
    ).fetchone()[0]
    assert differ == 0
    assert con.execute("SELECT count(*) FROM mapped").fetchone() == con.execute("SELECT count(*) FROM raw.t").fetchone()


def _stage(con: duckdb.DuckDBPyConnection, select: str, params: list) -> list[str]:
    con.execute("CREATE SCHEMA raw")
    con.execute(f"CREATE TABLE raw.t AS SELECT row_number() OVER () AS _row_id, * FROM ({select})", params)
    return [row[0] for row in con.execute("DESCRIBE raw.t").fetchall() if row[0] != "_row_id"]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_files(path: Path, monkeypatch) -> None:
    con = duckdb.connect()
    columns = _stage(con, "SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    _assert_same(con, columns, monkeypatch)


values = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "NA", "null", "-", "n/a", "x1", " 12 ", "007", "1,5", "2024-02-30", "yes"]),
    st.integers(-10**6, 10**6).map(str),
    st.decimals(-10**4, 10**4, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.dates().map(lambda d: d.isoformat()),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(values, min_size=1, max_size=12), min_size=1, max_size=3), st.integers(1, 60))
def test_generated_columns(columns: list[list[str | None]], rows: int) -> None:
    con = duckdb.connect()
    names = [f"c{k}" for k in range(len(columns))] + ["v", "x", "r"]  # names the maps and the raw alias use
    data = [[c[i % len(c)] for c in columns] + [str(i % 3), None, "1"] for i in range(rows)]
    con.execute("CREATE TABLE src (" + ", ".join(f"{quote_ident(n)} VARCHAR" for n in names) + ")")
    con.executemany(f"INSERT INTO src VALUES ({', '.join('?' for _ in names)})", data)
    _stage(con, "SELECT * FROM src", [])
    with pytest.MonkeyPatch.context() as monkeypatch:
        _assert_same(con, names, monkeypatch)
