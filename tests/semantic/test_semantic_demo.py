"""Acceptance on the demo data with no LLM: roles, entities, grain, ontology, context, re-runs."""

from __future__ import annotations

import duckdb
import sqlalchemy as sa
from semantic_support import run_pipeline
from helpers import DEMO_DATA

from dataraum_context.ontology.db_models import Ontology, OntologyApplication
from dataraum_context.semantic.db_models import SemanticAnnotation, TableEntity

ROLES = {
    ("customers", "customer_id"): "key",
    ("products", "product_id"): "key",
    ("orders", "order_id"): "key",
    ("shipments", "shipment_id"): "key",
    ("orders", "customer_id"): "foreign_key",
    ("order_items", "order_id"): "foreign_key",
    ("order_items", "product_id"): "foreign_key",
    ("shipments", "order_id"): "foreign_key",
    ("products", "unit_price"): "measure",
    ("orders", "total_amount"): "measure",
    ("order_items", "quantity"): "measure",
    ("order_items", "discount"): "measure",
    ("products", "weight"): "measure",
    ("shipments", "distance"): "measure",
    ("orders", "order_date"): "timestamp",
    ("orders", "ship_date"): "timestamp",
    ("customers", "signup_date"): "timestamp",
    ("shipments", "shipped_at"): "timestamp",
    ("orders", "status"): "dimension",
    ("customers", "is_active"): "dimension",
    ("customers", "country"): "dimension",
    ("products", "category"): "dimension",
    ("shipments", "carrier"): "dimension",
    ("customers", "name"): "attribute",
    ("customers", "email"): "attribute",
    ("orders", "note"): "attribute",
}


def test_roles(demo_run) -> None:
    got = {key: demo_run.role(*key) for key in ROLES}
    assert got == ROLES


def test_annotation_fields_and_evidence(demo_run) -> None:
    s = demo_run.column("orders", "total_amount")["semantic"]
    assert s["business_name"] == "Total amount"
    assert s["ontology_term"] == "order_total"
    assert s["source"] == "rules" and s["annotated_by"] == "rules"
    assert 0.6 <= s["confidence"] <= 1.0
    assert "USD" in s["description"]
    fk = demo_run.column("orders", "customer_id")["semantic"]
    assert fk["entity_type"] == "customer" and "customers.customer_id" in fk["description"]
    # Not-unique key: the duplicated order id lowers the key's confidence below a clean key's.
    assert demo_run.column("orders", "order_id")["semantic"]["confidence"] < \
        demo_run.column("customers", "customer_id")["semantic"]["confidence"]


def test_entities_and_grain(demo_run) -> None:
    entity = {t["name"]: t["entity"] for t in demo_run.doc["tables"]}
    assert entity["order_items"]["is_fact"]
    assert not entity["customers"]["is_fact"] and not entity["products"]["is_fact"]
    # orders is referenced by order_items and shipments: a header dimension (issue 13's acceptance),
    # its total_amount flagged as per order (it repeats on every line after a join).
    assert not entity["orders"]["is_fact"] and entity["orders"]["kind"] == "dimension"
    assert entity["orders"]["header_of"] == ["order_items", "shipments"]
    assert [m["column"] for m in entity["orders"]["measures_at_own_grain"]] == ["total_amount"]
    assert entity["order_items"]["grain"] == ["order_id", "line_no"]
    assert entity["customers"]["grain"] == ["customer_id"]
    # orders.order_id has one duplicate (defects.json): the grain needs a second column,
    # and whatever was chosen is unique in the typed layer.
    grain = entity["orders"]["grain"]
    assert grain is not None and len(grain) == 2 and grain[0] == "order_id"
    con = duckdb.connect(str(demo_run.settings.duckdb_path), read_only=True)
    try:
        cols = ", ".join(f'"{c}"' for c in grain)
        rows, distinct = con.execute(f'SELECT count(*), count(DISTINCT ({cols})) FROM "typed"."orders"').fetchall()[0]
    finally:
        con.close()
    assert rows == distinct == 1001


def test_ontology_in_context(demo_run) -> None:
    onto = demo_run.doc["ontology"]
    assert onto["name"] == "retail"
    names = {(m["table"], m["name"]) for m in onto["metrics"]}
    assert ("orders", "sales_amount") in names and ("order_items", "units_sold") in names
    assert {"order_id", "customer_id", "unit_price", "quantity", "discount"} <= set(onto["matched_concepts"])


def test_rerun_upserts_without_duplicates(tmp_path) -> None:
    ws = tmp_path / "ws"
    first = run_pipeline([DEMO_DATA], ws)
    second = run_pipeline([DEMO_DATA], ws)
    assert first.outcome.status == second.outcome.status == "completed"
    columns = sum(len(t["columns"]) for t in second.doc["tables"])
    assert second.query(sa.select(sa.func.count()).select_from(SemanticAnnotation))[0][0] == columns
    assert second.query(sa.select(sa.func.count()).select_from(TableEntity))[0][0] == 5
    assert second.query(sa.select(sa.func.count()).select_from(OntologyApplication))[0][0] == 5
    assert second.query(sa.select(sa.func.count()).select_from(Ontology))[0][0] == 1
    runs = {r[0] for r in second.query(sa.select(OntologyApplication.run_id))}
    assert runs == {second.outcome.run_id}
    assert second.doc["tables"] == first.doc["tables"] or all(
        a["entity"] == b["entity"] for a, b in zip(first.doc["tables"], second.doc["tables"], strict=True)
    )


def test_given_ontology_by_name_and_path(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "deliveries.csv").write_text(
        "delivery_id,carrier,distance_km,weight,shipped_at\n"
        + "".join(f"{i},DHL,{i * 3}.5,{i}.2,2024-01-{i:02d}T10:00:00Z\n" for i in range(1, 21)),
        encoding="utf-8",
    )
    by_name = run_pipeline([data], tmp_path / "ws1", ontology="logistics")
    assert by_name.doc["ontology"]["name"] == "logistics"
    assert by_name.doc["ontology"]["selection"]["mode"] == "given"
    custom = tmp_path / "mine.yaml"
    custom.write_text(
        "name: my_freight\nextends: logistics\nconcepts:\n"
        "  - name: delivery_key\n    description: a delivery\n"
        "    indicators: {name_patterns: ['delivery_id']}\n    typical_role: key\n",
        encoding="utf-8",
    )
    by_path = run_pipeline([data], tmp_path / "ws2", ontology=str(custom))
    assert by_path.outcome.status == "completed", by_path.outcome.error
    assert by_path.doc["ontology"]["name"] == "my_freight"
    assert by_path.doc["ontology"]["is_builtin"] is False
    assert by_path.column("deliveries", "delivery_id")["semantic"]["ontology_term"] == "delivery_key"
    assert by_path.column("deliveries", "carrier")["semantic"]["ontology_term"] == "carrier"
    assert by_path.role("deliveries", "delivery_id") == "key"


def test_hostile_names(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = "".join(f'{i // 3},{i % 3},{i * 1.5},x{i % 5}\n' for i in range(30))
    (data / "we;ird.csv").write_text('"or""der id","line;no","amt ✓","désc"\n' + rows, encoding="utf-8")
    run = run_pipeline([data], tmp_path / "ws")
    assert run.outcome.status == "completed", run.outcome.error
    table = run.doc["tables"][0]
    assert table["entity"]["grain"] == ['or"der id', "line;no"]
    assert run.column(table["name"], "amt ✓")["semantic"]["business_name"] == "Amount"
    assert run.column(table["name"], "désc")["semantic"]["business_name"] == "Désc"
