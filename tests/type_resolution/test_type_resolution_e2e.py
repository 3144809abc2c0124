"""Type resolution on a hand-made messy file: exact types, patterns, units, quarantine."""

from __future__ import annotations

import asyncio
import csv
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dataraum_context.config import load_settings
from dataraum_context.context.document import load_context
from dataraum_context.pipeline.runner import execute_run

ROWS = 100
GARBAGE_ROWS = {17: "n.a.", 63: "12x"}  # 2% garbage in `qty`


def write_messy(path: Path) -> None:
    header = [
        "id", "order_date", "us_amount", "eu_amount", "weight", "discount", "active",
        "zip", "sku", "shipped_at", "qty", "visits", "note",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(1, ROWS + 1):
            day = (i % 28) + 1  # days 1..28: many > 12, so day-first is the only reading
            month = (i % 12) + 1
            writer.writerow([
                str(uuid.UUID(int=i * 7919, version=4)),
                f"{day:02d}/{month:02d}/2024",
                f"${(1000 + i * 37):,}.{i % 100:02d}",
                f"{(2000 + i * 13):,}".replace(",", ".") + f",{i % 100:02d} €",
                f"{i / 2:.1f} kg" if i % 4 else f"{i * 10} g",
                f"{i % 30}%",
                "yes" if i % 3 else "no",
                f"{i * 113 % 100000:05d}",
                f"{i:06d}",
                f"2024-03-{day:02d}T{i % 24:02d}:15:00+01:00",
                GARBAGE_ROWS.get(i, str(i * 2)),
                f"{1000 + i * 1000:,}",
                "-" if i % 5 == 0 else f"note {i}",
            ])


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("messy")
    write_messy(root / "messy.csv")
    settings = load_settings(workspace=root / "ws", review="defer")
    settings.workspace.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(execute_run(settings, [str(root / "messy.csv")]))
    assert outcome.status == "completed", outcome.error

    doc = load_context(settings)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    yield {"doc": doc, "con": con, "settings": settings, "columns": {c["name"]: c for c in doc["tables"][0]["columns"]}}
    con.close()


EXPECTED = {
    # column: (resolved_type, pattern, unit, quarantined)
    "id": ("UUID", "uuid", None, 0),
    "order_date": ("DATE", "date_dmy", None, 0),
    "us_amount": ("DECIMAL(9,2)", "currency_us", "USD", 0),
    "eu_amount": ("DECIMAL(9,2)", "currency_eu", "EUR", 0),
    "weight": ("DOUBLE", "number_with_unit", "kg", 0),
    "discount": ("DECIMAL(9,2)", "percentage", None, 0),  # 4% -> 0.04 exactly
    "active": ("BOOLEAN", "boolean", None, 0),
    "zip": ("VARCHAR", "postal_code_5digit", None, 0),
    "sku": ("VARCHAR", "leading_zero_code", None, 0),
    "shipped_at": ("TIMESTAMP WITH TIME ZONE", "datetime_offset", None, 0),
    "qty": ("BIGINT", "integer", None, 2),
    # every value is `n,000`: comma thousands (5000) or decimal comma (5.0) -- two readings, no
    # neutral one: kept as text and asked (see test_ambiguous_reading_is_a_review_question)
    "visits": ("VARCHAR", "integer_thousands_comma", None, 0),
    "note": ("VARCHAR", None, None, 0),
}


@pytest.mark.parametrize("column", sorted(EXPECTED))
def test_decided_type_pattern_unit_quarantine(messy_run: dict, column: str) -> None:
    entry = messy_run["columns"][column]
    resolved, pattern, unit, quarantined = EXPECTED[column]
    assert (entry["resolved_type"], entry["pattern"], entry["unit"], entry["quarantined_count"]) == (
        resolved, pattern, unit, quarantined,
    ), entry
    assert entry["decision_source"] == "auto"


def test_garbage_column_confidence_and_review(messy_run: dict) -> None:
    qty = messy_run["columns"]["qty"]
    assert qty["type_confidence"] == pytest.approx(0.98)
    assert messy_run["doc"]["review"]["pending"] == 2  # the quarantine of qty, the reading of visits


def _review_items(settings) -> list[dict]:
    from dataraum_context.pipeline.review import list_items
    from dataraum_context.storage.engine import create_engine, session_factory

    async def go() -> list[dict]:
        engine = create_engine(settings.resolved_metadata_url)
        try:
            async with session_factory(engine)() as session:
                return await list_items(session, include_decided=False)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_ambiguous_reading_is_a_review_question(messy_run: dict) -> None:
    items = [i for i in _review_items(messy_run["settings"]) if i["target"] == "messy.visits"]
    assert [i["review_type"] for i in items] == ["type_review"]
    assert "give different values" in items[0]["context"]["reason"]
    assert {c["type"] for c in items[0]["context"]["candidates"]} >= {"BIGINT", "DECIMAL(9,3)"}


def test_typed_values(messy_run: dict) -> None:
    con = messy_run["con"]
    row = con.execute(
        'SELECT order_date, us_amount, eu_amount, weight, discount, active, zip, sku, epoch(shipped_at), visits '
        'FROM typed."messy" WHERE _row_id = 4'
    ).fetchall()[0]
    order_date, us, eu, weight, discount, active, zip_code, sku, shipped, visits = row
    assert str(order_date) == "2024-05-05"
    assert us == Decimal(f"{1000 + 4 * 37}.04")
    assert eu == Decimal(f"{2000 + 4 * 13}.04")
    assert weight == pytest.approx(0.04)  # "40 g" normalised to kg
    assert discount == Decimal("0.04")
    assert active is True
    assert zip_code == "00452" and sku == "000004"
    assert shipped == datetime(2024, 3, 5, 3, 15, tzinfo=UTC).timestamp()  # 04:15+01:00
    assert visits == "5,000"
    assert con.execute('SELECT weight FROM typed."messy" WHERE _row_id = 3').fetchall()[0][0] == pytest.approx(1.5)


def test_invariants_hold(messy_run: dict) -> None:
    from dataraum_context.invariants import check_connection

    assert [str(v) for v in check_connection(messy_run["con"])] == []


def test_raw_equals_typed_and_quarantine_points_back(messy_run: dict) -> None:
    con = messy_run["con"]
    raw = con.execute('SELECT count(*) FROM raw."messy"').fetchall()[0][0]
    typed = con.execute('SELECT count(*) FROM typed."messy"').fetchall()[0][0]
    assert raw == typed == ROWS
    rows = con.execute(
        "SELECT q._row_id, q.raw_value, r.qty, t.qty FROM quarantine.cast_failures q "
        'JOIN raw."messy" r USING (_row_id) JOIN typed."messy" t USING (_row_id) '
        "WHERE q.table_name = 'messy' AND q.column_name = 'qty' ORDER BY q._row_id"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [(17, "n.a.", "n.a.", None), (63, "12x", "12x", None)]
    # A real null is not quarantined: `note` has '-' tokens, NULL in typed, no quarantine rows.
    assert con.execute('SELECT count(*) FROM typed."messy" WHERE note IS NULL').fetchall()[0][0] == 20
    assert con.execute("SELECT count(*) FROM quarantine.cast_failures WHERE column_name = 'note'").fetchall()[0][0] == 0
