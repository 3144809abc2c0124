"""Quality rules, results and scores on injected defects: exact counts (real DuckDB, Hamilton driver).

Topology's `relationships` and `candidate_keys` are given as Hamilton overrides, so the
test holds whether or not the topology stage has landed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from quality_fixtures import (
    CANDIDATE_KEYS,
    RELATIONSHIPS,
    RULES_YAML,
    write_tables,
)

from dataraum_context.config import load_settings
from dataraum_context.pipeline.graph import build_driver, dag_inputs
from dataraum_context.contracts.review import ReviewDecisions
from dataraum_context.storage.workspace import open_workspace
from dataraum_context.topology.models import RelationshipResult

NODES = ["quality_rules", "quality_results", "quality_scores", "temporal_profiles"]


def run_nodes(root: Path, overrides: dict[str, Any], rules_file: Path | None = None) -> dict[str, Any]:
    paths = write_tables(root / "data")
    settings = load_settings(workspace=root / "ws", review="auto", rules_file=rules_file)
    settings.workspace.mkdir(parents=True, exist_ok=True)
    con = open_workspace(settings.duckdb_path)
    try:
        inputs = dag_inputs(settings, paths, con, ReviewDecisions())
        out = build_driver().execute(NODES, inputs=inputs, overrides=overrides)
        out["typed_orders_exists"] = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'typed' AND table_name = 'orders'"
        ).fetchall()[0][0] == 1
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("defects")
    rules = root / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    # Overrides stand in for node outputs: give them the nodes' own types.
    relationships = [RelationshipResult(detection_method="test fixture", **r) for r in RELATIONSHIPS]
    return run_nodes(root, {"relationships": relationships, "candidate_keys": CANDIDATE_KEYS}, rules)


def result(outputs: dict[str, Any], table: str, column: str | None, name: str) -> Any:
    found = [
        r for r in outputs["quality_results"]
        if (r.table_name, r.column_name, r.rule_name) == (table, column, name)
    ]
    assert len(found) == 1, f"{table}.{column} {name}: {[(r.table_name, r.column_name, r.rule_name) for r in outputs['quality_results']]}"
    return found[0]


@pytest.mark.parametrize(
    ("column", "name", "failed"),
    [
        ("order_id", "not_null", 2),                  # nulls in the key
        ("order_id", "unique", 5),                    # 100 x2, 200 x3
        ("customer_id", "references customers(customer_id)", 3),  # orphans
        ("amount", "range", 3),                       # 100000, 250000, -50
        ("order_date", "not_in_future", 2),           # 2035
        ("ship_date", "ship_date >= order_date", 4),  # shipped before ordered
        ("status", "allowed_values", 1),              # 'shiped'
        ("ship_date", "not_in_future", 0),
    ],
)
def test_injected_defects_are_counted_exactly(outputs: dict[str, Any], column: str, name: str, failed: int) -> None:
    r = result(outputs, "orders", column, name)
    assert r.status == "ok" and r.error is None
    assert (r.total_records, r.failed_records, r.passed_records) == (300, failed, 300 - failed)
    assert r.pass_rate == pytest.approx((300 - failed) / 300)
    assert len(r.failure_samples) == min(failed, 5)
    assert all("_row_id" in sample for sample in r.failure_samples)


def test_failure_samples_point_at_the_failing_rows(outputs: dict[str, Any]) -> None:
    orphans = result(outputs, "orders", "customer_id", "references customers(customer_id)")
    assert [(s["_row_id"], s["customer_id"]) for s in orphans.failure_samples] == [
        (7, "C900"), (77, "C901"), (177, "C902")
    ]
    dup = result(outputs, "orders", "order_id", "unique")
    assert dup.details == {"duplicate_values": 2}
    assert sorted(s["order_id"] for s in dup.failure_samples) == ["100", "100", "200", "200", "200"]
    order = result(outputs, "orders", "ship_date", "ship_date >= order_date")
    assert [s["_row_id"] for s in order.failure_samples] == [50, 60, 70, 80]
    assert set(order.failure_samples[0]) == {"_row_id", "order_date", "ship_date"}


def test_clean_tables_pass_their_rules(outputs: dict[str, Any]) -> None:
    customers = [r for r in outputs["quality_results"] if r.table_name == "customers"]
    assert {r.rule_name for r in customers} >= {"not_null", "unique", "allowed_values"}
    assert all(r.status == "ok" and r.failed_records == 0 for r in customers)


def test_invalid_manual_rules_are_reported_and_the_others_run(outputs: dict[str, Any]) -> None:
    manual = {r.rule_name: r for r in outputs["quality_results"] if r.source == "manual"}
    assert manual["amount_non_negative"].status == "ok" and manual["amount_non_negative"].failed_records == 1
    assert manual["shipped_orders_have_a_ship_date"].failed_records == 0
    assert manual["order_id_unique"].failed_records == 5
    for name, fragment in [
        ("broken_syntax", "Parser Error"),
        ("unknown_column", "no_such_column"),
        ("not_boolean", "not BOOLEAN"),
        ("fails_at_run_time", "Conversion Error"),
        ("statement_injection", "single SQL expression"),
        ("unknown_table", "no table 'nope'"),
    ]:
        r = manual[name]
        assert r.status == "invalid", name
        assert fragment in (r.error or ""), (name, r.error)
        assert r.failed_records is None and r.pass_rate is None
    assert outputs["typed_orders_exists"]
    # Evidence rules still ran alongside (the fallback path re-ran the survivors).
    assert result(outputs, "orders", "amount", "range").failed_records == 3


def score(outputs: dict[str, Any], table: str, column: str | None) -> Any:
    return next(s for s in outputs["quality_scores"] if (s.table_name, s.column_name) == (table, column))


def test_scores_follow_the_documented_formulas(outputs: dict[str, Any]) -> None:
    order_id = score(outputs, "orders", "order_id")
    assert order_id.completeness == pytest.approx(298 / 300)
    assert order_id.uniqueness == pytest.approx(295 / 300)
    assert order_id.consistency is None and order_id.timeliness is None
    # range and amount_non_negative both read amount: rows failing either (3), of 300 present values.
    assert score(outputs, "orders", "amount").validity == pytest.approx(1 - 3 / 300)
    assert score(outputs, "orders", "customer_id").consistency == pytest.approx(1 - 3 / 300)
    assert score(outputs, "orders", "order_date").timeliness == pytest.approx(1 - 2 / 300)
    table = score(outputs, "orders", None)
    # referential (3 rows) and date order (4 rows) and the manual table-level rule (0): 7 distinct rows.
    assert table.consistency == pytest.approx(1 - 7 / 300)
    assert table.uniqueness == pytest.approx(295 / 300)
    dims = [table.completeness, table.validity, table.consistency, table.uniqueness, table.timeliness]
    assert table.overall == pytest.approx(sum(dims) / 5, abs=1e-6)
    customers = score(outputs, "customers", None)
    assert customers.timeliness is None and customers.consistency is None  # no evidence: null, not 1.0
    assert customers.overall == pytest.approx(
        sum(v for v in [customers.completeness, customers.validity, customers.uniqueness] if v is not None)
        / len([v for v in [customers.completeness, customers.validity, customers.uniqueness] if v is not None]),
        abs=1e-6,
    )


def test_without_topology_results_only_near_keys_and_no_referential_rules(tmp_path: Path) -> None:
    out = run_nodes(tmp_path, {"relationships": [], "candidate_keys": {}})
    rules = [r for r in out["quality_rules"] if r.source == "default"]
    assert not [r for r in rules if r.rule_type == "referential"]
    # customer_id is id-like and unique: a near key; orders.order_id has 1.7% duplicates + nulls: not one.
    assert sorted((r.table_name, r.column_name) for r in rules if r.rule_type == "unique") == [("customers", "customer_id")]
    assert [r for r in rules if r.rule_type == "date_order"]
