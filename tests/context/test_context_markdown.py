"""The Markdown context document of the demo data: every section, exact contents, escaping."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from context_support import sections, table_with, tables
from helpers import DEMO_DATA

from dataraum_context.context.markdown import code, render_markdown

DEFECTS = json.loads((DEMO_DATA.parent / "defects.json").read_text(encoding="utf-8"))
DEMO_TABLES = ("customers", "order_items", "orders", "products", "shipments")


@pytest.fixture(scope="module")
def doc(demo_workspace: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return demo_workspace[1]


@pytest.fixture(scope="module")
def md(doc: dict[str, Any]) -> str:
    return render_markdown(doc)


def _table(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in doc["tables"] if t["name"] == name)


def test_every_section_is_there(md: str) -> None:
    found = list(sections(md))
    expected = [
        "Overview", *(f"Table `{name}`" for name in DEMO_TABLES),
        "Relationships", "Metrics", "Quality summary", "Open review items",
    ]
    assert found == expected
    assert "### Join paths" in sections(md)["Relationships"]
    assert "None" not in md  # nulls render as —, never as Python's None


def test_overview_names_run_stages_ontology_and_tables(doc: dict[str, Any], md: str) -> None:
    overview = sections(md)["Overview"]
    assert f"`{doc['run']['id']}` **completed**" in overview
    assert "- Stages run: staging, profiling, type_resolution, topology, semantic, temporal, quality" in overview
    assert "- Ontology: `retail`" in overview
    rows = {r["table"]: r for r in table_with(overview, "table", "entity", "kind", "rows")}
    assert list(rows) == [f"`{name}`" for name in DEMO_TABLES]
    records = DEFECTS["data_records"]
    assert rows["`orders`"]["rows"] == str(records["orders.csv"]["well_formed"])
    assert rows["`orders`"]["rejected rows"] == str(records["orders.csv"]["ragged"])
    assert rows["`customers`"]["rows"] == str(records["customers.csv"])
    # orders is referenced by order_items and shipments: their header, a dimension (issue 13)
    assert rows["`order_items`"]["kind"] == "fact" and rows["`orders`"]["kind"] == "dimension"
    assert rows["`customers`"]["kind"] == "dimension"


def test_table_section_orders(doc: dict[str, Any], md: str) -> None:
    section = sections(md)["Table `orders`"]
    assert "- Entity: order, dimension table; grain `order_id`" in section
    # the header's own measure carries its warning (issue 13)
    assert "- Measures at this table's own grain (header of `order_items`, `shipments`; do not sum them after a join):" in section
    assert "  - `total_amount`: orders.total_amount is per order;" in section
    # Time coverage from the temporal profile: the first order date and the injected 2031 dates.
    future = DEFECTS["defects"]["orders.future_order_date_2031"]
    assert len(future) == 2
    coverage = next(line for line in section.splitlines() if line.startswith("  - `order_date`"))
    assert "2024-01-02 to 2031-" in coverage and "granularity day" in coverage
    columns = {r["column"]: r for r in table_with(section, "column", "type", "unit", "role")}
    assert list(columns) == [f"`{c['name']}`" for c in _table(doc, "orders")["columns"]]
    amount = columns["`total_amount`"]
    assert (amount["type"], amount["unit"], amount["role"]) == ("DECIMAL(9,2)", "USD", "measure")
    assert amount["business name"] == "Total amount"
    assert columns["`note`"]["unit"] == "—"  # not known -> —
    # Per-column quality: the duplicated order id fails the uniqueness rule on exactly its rows.
    rules = table_with(section, "column", "rule", "dimension")
    unique = next(r for r in rules if r["column"] == "`order_id`" and r["rule"] == "unique")
    assert unique["failed records"] == str(DEFECTS["defects"]["orders.duplicated_order_id"]["rows"])
    ship = next(r for r in rules if r["column"] == "`ship_date`")
    assert ship["failed records"] == str(len(DEFECTS["defects"]["orders.ship_before_order"]))
    assert "Quarantined values" in section and "`total_amount` 16" in section
    assert "- Quality scores: completeness " in section


def test_table_section_dimension_with_candidate_keys(md: str) -> None:
    section = sections(md)["Table `customers`"]
    assert "- Entity: customer, dimension table; grain `customer_id`" in section
    assert "- Candidate keys: `customer_id`" in section
    assert "  - `signup_date`: 2021-01-06 to 2024-10-25" in section


def test_relationships_with_orphans(md: str) -> None:
    section = sections(md)["Relationships"]
    rows = table_with(section, "from", "to", "type", "cardinality", "coverage", "orphans")
    orders = next(r for r in rows if r["from"] == "`orders.customer_id`")
    assert orders["to"] == "`customers.customer_id`"
    assert orders["orphans"] == str(len(DEFECTS["defects"]["orders.orphan_customer_ids"]))
    assert orders["status"] == "accepted" and orders["type"] == "foreign_key"
    assert orders["coverage"].endswith("%") and orders["coverage"] != "100.0%"


def test_join_paths_are_readable_and_listed_once_per_pair(doc: dict[str, Any], md: str) -> None:
    section = sections(md)["Relationships"].split("### Join paths", 1)[1]
    assert "`customers.customer_id -> orders.customer_id`" in section
    assert "`order_items.order_id -> orders.order_id -> shipments.order_id`" in section
    pairs = {frozenset((p["from_table"], p["to_table"])) for p in doc["join_paths"]}
    listed = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(listed) == len(pairs)


def test_metrics_with_sql_blocks(doc: dict[str, Any], md: str) -> None:
    section = sections(md)["Metrics"]
    assert "ontology `retail`" in section
    assert '```sql\nSELECT SUM("total_amount") AS "sales_amount" FROM "typed"."orders"\n```' in section
    for metric in doc["ontology"]["metrics"]:
        assert f"```sql\n{metric['sql']}\n```" in section
    assert section.count("```sql") == len(doc["ontology"]["metrics"])


def test_quality_summary(doc: dict[str, Any], md: str) -> None:
    section = sections(md)["Quality summary"]
    scores = table_with(section, "table", "completeness", "validity")
    assert [r["table"] for r in scores] == [f"`{name}`" for name in DEMO_TABLES]
    worst = table_with(section, "table", "column", "rule")
    failed = [int(r["failed records"]) for r in worst]
    assert failed == sorted(failed, reverse=True) and failed[0] > 0
    referential = next(r for r in worst if r["rule"] == "references customers(customer_id)")
    assert referential["failed records"] == str(len(DEFECTS["defects"]["orders.orphan_customer_ids"]))


def test_open_review_items(doc: dict[str, Any], md: str) -> None:
    items = doc["review"]["items"]
    assert len(items) == doc["review"]["pending"] >= 1
    assert set(items[0]) == {"id", "review_type", "target", "suggested_action"}
    section = sections(md)["Open review items"]
    rows = table_with(section, "id", "type", "target", "suggested action")
    assert [r["id"] for r in rows] == [f"`{i['id']}`" for i in items]
    quarantine = next(r for r in rows if r["target"] == "`orders.total_amount`")
    assert quarantine["type"] == "quarantine_review" and "action=quarantine" in quarantine["suggested action"]


def test_every_table_row_has_its_header_width(md: str) -> None:
    parsed = tables(md)
    assert len(parsed) >= 10
    for table in parsed:
        assert {len(r) for r in table} == {len(table[0])}
    # The same row count as the source lines: no row split or swallowed.
    source_rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    assert sum(len(t) for t in parsed) == len(source_rows)


def test_pipe_and_newline_in_names_keep_rows_valid(doc: dict[str, Any]) -> None:
    hostile = copy.deepcopy(doc)
    orders = _table(hostile, "orders")
    column = orders["columns"][0]
    column["name"] = column["original_name"] = "id|x\ny"
    orders["columns"][1]["name"] = orders["columns"][1]["original_name"] = "back\\|slash"
    column["semantic"]["business_name"] = "Order | id"
    column["semantic"]["description"] = "line one\nline | two"
    text = render_markdown(hostile)
    section = sections(text)["Table `orders`"]
    rows = table_with(section, "column", "type", "unit", "role", "business name")
    assert len(rows) == len(orders["columns"])
    first = rows[0]
    assert first["column"] == "`id|x\\ny`"  # exact name, newline shown as \n
    # GFM cannot show a backslash right before a pipe in a cell exactly: one extra backslash.
    assert rows[1]["column"] == "`back\\\\|slash`"
    assert rows[1]["type"] == orders["columns"][1]["resolved_type"]
    assert first["business name"] == "Order | id"
    assert first["description"] == "line one line | two"
    assert first["type"] == "BIGINT"
    for table in tables(text):
        assert {len(r) for r in table} == {len(table[0])}


def test_unknown_values_render_as_dash(doc: dict[str, Any]) -> None:
    bare = copy.deepcopy(doc)
    bare.update(relationships=None, join_paths=None, ontology=None, stages=[])
    for table in bare["tables"]:
        table.update(entity=None, candidate_keys=None, quality=None)
        for column in table["columns"]:
            column.update(semantic=None, temporal=None, quality=None, unit=None)
    text = render_markdown(bare)
    parts = sections(text)
    assert "- Ontology: —" in parts["Overview"] and "- Stages run: —" in parts["Overview"]
    orders = parts["Table `orders`"]
    assert "- Entity: —" in orders and "- Candidate keys: —" in orders and "- Time coverage: —" in orders
    assert "Quality rules: —" in orders
    row = table_with(orders, "column", "type", "unit", "role")[0]
    assert (row["unit"], row["role"], row["business name"], row["description"]) == ("—", "—", "—", "—")
    assert "— (relationships not detected yet)" in parts["Relationships"]
    assert "None" not in text


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("plain", "`plain`"), ("has `tick`", "`` has `tick` ``"), ("a `b` c", "``a `b` c``"),
        ("`edge", "`` `edge ``"), ("", "(empty name)"), ("tab\there", "`tab\\there`"), (None, "—"),
    ],
)
def test_code_spans_show_names_exactly(name: str | None, shown: str) -> None:
    assert code(name) == shown


def test_json_has_review_items_key_and_schema_version(doc: dict[str, Any]) -> None:
    assert doc["schema_version"]
    assert {"run", "tables", "relationships", "join_paths", "review"} <= set(doc)
    json.dumps(doc)  # JSON-ready as built
