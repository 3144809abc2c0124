"""The typed layer is written in the raw table's scan order, without a sort: its stored rows are
the rows sorted by `_row_id`, on real files staged by the real stager; and a raw table whose rows
are not stored in `_row_id` order (the check fails) still gets a typed table in `_row_id` order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dataraum_context.staging.models import SourceSpec
from dataraum_context.staging.readers import stage_csv
from dataraum_context.type_resolution import typed
from dataraum_context.type_resolution.models import ColumnTypeDecision
from dataraum_context.type_resolution.formats import ValueFormat

REPO = Path(__file__).resolve().parents[2]
REAL = [
    REPO / "tests" / "corpus_slice" / "macrodata.csv",
    REPO / "tests" / "corpus_slice" / "seattle-weather.csv",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_track.csv.gz",
]


def _decisions(con: duckdb.DuckDBPyConnection, table: str) -> list[ColumnTypeDecision]:
    """Integers where every value is one, else text: enough to build a typed table."""
    decisions = []
    for name, *_ in con.execute(f"DESCRIBE {table}").fetchall():
        if name == "_row_id":
            continue
        whole = con.execute(
            f"SELECT bool_and(regexp_full_match(trim(\"{name}\"), '-?[0-9]{{1,15}}')) FROM {table} WHERE \"{name}\" IS NOT NULL"
        ).fetchone()[0]
        decisions.append(ColumnTypeDecision(
            table_name="t", column_name=name, decided_type="BIGINT" if whole else "VARCHAR", decision_source="auto",
            confidence=1.0, reason="test", value_format=ValueFormat(kind="integer") if whole else None,
        ))
    return decisions


def _typed(con: duckdb.DuckDBPyConnection, raw: str, sorted_by_id: bool) -> list[tuple]:
    """The typed table's rows in storage order (no ORDER BY), or sorted by `_row_id`."""
    rows = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
    typed.build_typed_table(con, "t", raw, rows, _decisions(con, raw))
    return con.execute(f"SELECT * FROM typed.t{' ORDER BY _row_id' if sorted_by_id else ''}").fetchall()


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_scan_order_is_row_id_order(path: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    stage_csv(con, SourceSpec(name="t", kind="csv", location=str(path)))
    from_scan = _typed(con, "raw.t", False)
    assert from_scan == _typed(con, "raw.t", True)
    assert [row[0] for row in from_scan] == list(range(1, len(from_scan) + 1))


def test_raw_rows_out_of_order_are_sorted(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE raw.t AS SELECT _row_id, CAST(_row_id * 7 AS VARCHAR) AS n, 'x' || _row_id AS s "
        "FROM range(1, 5001) r(_row_id) ORDER BY hash(_row_id)"
    )
    assert con.execute("SELECT count(*) FROM raw.t WHERE _row_id <> rowid + 1").fetchone()[0] > 0
    rows = _typed(con, "raw.t", False)
    assert [row[0] for row in rows] == list(range(1, 5001))
    assert rows == _typed(con, "raw.t", True)
