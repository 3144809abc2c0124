"""Acceptance on TPC-H SF 0.01 with no LLM: roles, facts and dimensions, grain, ontology, metrics."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa

from dataraum_context.context.markdown import render_markdown
from dataraum_context.ontology.db_models import Ontology, OntologyApplication
from dataraum_context.semantic.db_models import SemanticAnnotation, TableEntity

KEYS = {"customer": "c_custkey", "orders": "o_orderkey", "part": "p_partkey", "supplier": "s_suppkey",
        "nation": "n_nationkey", "region": "r_regionkey"}
FOREIGN_KEYS = {
    ("lineitem", "l_orderkey"): ("orders", "o_orderkey"),
    ("lineitem", "l_partkey"): ("part", "p_partkey"),
    ("lineitem", "l_suppkey"): ("supplier", "s_suppkey"),
    ("orders", "o_custkey"): ("customer", "c_custkey"),
    ("customer", "c_nationkey"): ("nation", "n_nationkey"),
    ("supplier", "s_nationkey"): ("nation", "n_nationkey"),
    ("nation", "n_regionkey"): ("region", "r_regionkey"),
    ("partsupp", "ps_partkey"): ("part", "p_partkey"),
    ("partsupp", "ps_suppkey"): ("supplier", "s_suppkey"),
}
MEASURES = [("lineitem", "l_quantity"), ("lineitem", "l_extendedprice"), ("lineitem", "l_discount"),
            ("lineitem", "l_tax"), ("orders", "o_totalprice"), ("part", "p_retailprice"),
            ("partsupp", "ps_supplycost"), ("partsupp", "ps_availqty"), ("customer", "c_acctbal")]
TIMESTAMPS = [("lineitem", "l_shipdate"), ("lineitem", "l_commitdate"), ("lineitem", "l_receiptdate"),
              ("orders", "o_orderdate")]
DIMENSIONS = [("lineitem", "l_returnflag"), ("lineitem", "l_linestatus"), ("lineitem", "l_shipmode"),
              ("orders", "o_orderstatus"), ("orders", "o_orderpriority"), ("customer", "c_mktsegment")]


def test_keys(tpch_run) -> None:
    for table, column in KEYS.items():
        assert tpch_run.role(table, column) == "key", (table, column)


@pytest.mark.parametrize(("source", "target"), list(FOREIGN_KEYS.items()))
def test_foreign_keys_by_name(tpch_run, source, target) -> None:
    column = tpch_run.column(*source)
    assert column["semantic"]["role"] == "foreign_key"
    assert column["semantic"]["entity_type"] == target[0].removesuffix("s")  # singular entity
    assert column["semantic"]["description"].endswith(f"{target[0]}.{target[1]}.")


def test_measures_timestamps_dimensions(tpch_run) -> None:
    assert {c: tpch_run.role(*c) for c in MEASURES} == dict.fromkeys(MEASURES, "measure")
    assert {c: tpch_run.role(*c) for c in TIMESTAMPS} == dict.fromkeys(TIMESTAMPS, "timestamp")
    assert {c: tpch_run.role(*c) for c in DIMENSIONS} == dict.fromkeys(DIMENSIONS, "dimension")


def test_business_names_strip_prefixes_and_expand(tpch_run) -> None:
    names = {
        ("lineitem", "l_extendedprice"): "Extended price",
        ("lineitem", "l_linenumber"): "Line number",
        ("partsupp", "ps_availqty"): "Available quantity",
        ("customer", "c_acctbal"): "Account balance",
        ("orders", "o_custkey"): "Customer key",
    }
    for (table, column), name in names.items():
        assert tpch_run.column(table, column)["semantic"]["business_name"] == name


def test_facts_and_dimensions(tpch_run) -> None:
    entity = {t["name"]: t["entity"] for t in tpch_run.doc["tables"]}
    assert entity["lineitem"]["is_fact"] is True and entity["lineitem"]["kind"] == "fact"
    # Issue 5 asserted "lineitem and orders are facts". Issue 13's acceptance ("every table
    # referenced by another labelled a dimension") supersedes it: `orders` is referenced by
    # `lineitem` (l_orderkey), so it is the header dimension of its lines. Its own measure
    # o_totalprice is flagged as per order (it repeats on every line after the join), below.
    assert entity["orders"]["is_fact"] is False and entity["orders"]["kind"] == "dimension"
    for table in ("nation", "region", "customer", "part", "supplier"):
        assert entity[table]["is_fact"] is False, table
    assert entity["lineitem"]["type"] == "line_item"
    # a table referenced by nothing keeps no header note
    assert entity["lineitem"]["measures_at_own_grain"] is None and entity["lineitem"]["header_of"] is None


def test_header_measures_are_flagged_at_their_own_grain(tpch_run) -> None:
    orders = {t["name"]: t["entity"] for t in tpch_run.doc["tables"]}["orders"]
    assert orders["header_of"] == ["lineitem"]
    own = {m["column"]: m for m in orders["measures_at_own_grain"]}
    assert set(own) == {"o_totalprice"}
    assert own["o_totalprice"]["repeats_in"] == ["lineitem"]
    assert "do not sum it after the join" in own["o_totalprice"]["note"]
    section = render_markdown(tpch_run.doc).split("## Table `orders`")[1].split("\n## ")[0]
    assert "Measures at this table's own grain (header of `lineitem`; do not sum them after a join)" in section
    assert "`o_totalprice`: orders.o_totalprice is per order; joined to lineitem it repeats" in section


def test_metrics_on_a_header_aggregate_over_the_header(tpch_run) -> None:
    # A metric on a header measure reads the header table alone (no join that would repeat it).
    metrics = [m for m in tpch_run.doc["ontology"]["metrics"] if m["table"] == "orders"]
    assert metrics
    for m in metrics:
        assert m["sql"].endswith('FROM "typed"."orders"') and "JOIN" not in m["sql"].upper(), m


def test_grain_is_minimal_and_unique_in_duckdb(tpch_run) -> None:
    entity = {t["name"]: t["entity"] for t in tpch_run.doc["tables"]}
    assert entity["lineitem"]["grain"] == ["l_orderkey", "l_linenumber"]
    assert entity["partsupp"]["grain"] == ["ps_partkey", "ps_suppkey"]
    assert entity["orders"]["grain"] == ["o_orderkey"]
    con = duckdb.connect(str(tpch_run.settings.duckdb_path), read_only=True)
    try:
        rows = con.execute('SELECT count(*) FROM "typed"."lineitem"').fetchall()[0][0]
        pairs = con.execute('SELECT count(DISTINCT (l_orderkey, l_linenumber)) FROM "typed"."lineitem"').fetchall()[0][0]
        singles = con.execute(
            'SELECT count(DISTINCT l_orderkey), count(DISTINCT l_linenumber) FROM "typed"."lineitem"'
        ).fetchall()[0]
    finally:
        con.close()
    assert pairs == rows and max(singles) < rows  # unique, and no single column of it is


def test_retail_ontology_chosen_and_recorded(tpch_run) -> None:
    onto = tpch_run.doc["ontology"]
    assert onto["name"] == "retail"
    assert onto["selection"]["mode"] == "auto"
    scores = {s["name"]: len(s["concepts_matched"]) for s in onto["selection"]["scores"]}
    assert scores["retail"] > max(v for k, v in scores.items() if k != "retail")
    assert {"order_id", "extended_price", "discount", "quantity"} <= set(onto["matched_concepts"])
    rows = tpch_run.query(sa.select(Ontology.name, Ontology.is_builtin))
    assert rows == [("retail", True)]
    apps = tpch_run.query(sa.select(sa.func.count()).select_from(OntologyApplication))
    assert apps[0][0] == 8  # one per table


def test_metric_sql_runs_and_is_right(tpch_run) -> None:
    metrics = {(m["table"], m["name"]): m["sql"] for m in tpch_run.doc["ontology"]["metrics"]}
    con = duckdb.connect(str(tpch_run.settings.duckdb_path), read_only=True)
    try:
        revenue = con.execute(metrics[("lineitem", "revenue")]).fetchall()[0][0]
        expected = con.execute(
            'SELECT SUM(l_extendedprice * (1 - l_discount)) FROM "typed"."lineitem"'
        ).fetchall()[0][0]
        orders = con.execute(metrics[("orders", "order_count")]).fetchall()[0][0]
    finally:
        con.close()
    assert isinstance(revenue, Decimal) and revenue == expected
    assert orders == 15000


def test_everything_offline_says_rules(tpch_run) -> None:
    sources = {c["semantic"]["source"] for t in tpch_run.doc["tables"] for c in t["columns"]}
    assert sources == {"rules"}
    count = tpch_run.query(sa.select(sa.func.count()).select_from(SemanticAnnotation))[0][0]
    assert count == sum(len(t["columns"]) for t in tpch_run.doc["tables"])
    assert tpch_run.query(sa.select(sa.func.count()).select_from(TableEntity))[0][0] == 8
