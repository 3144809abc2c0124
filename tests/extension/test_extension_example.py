"""examples/custom_node from the command line, on the demo data: recorded, in the DAG, rules applied."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from helpers import DEMO_DATA, REPO

EXAMPLE = REPO / "examples" / "custom_node" / "my_nodes.py"


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One CLI run of the demo data with the example module; what the checks below read."""
    from helpers import run_cli

    tmp = tmp_path_factory.mktemp("custom_node")
    env = {"DATARAUM_WORKSPACE": str(tmp / "ws")}
    run = run_cli("run", str(DEMO_DATA), "--review", "defer", "--module", str(EXAMPLE), "--json", cwd=tmp, env=env)
    assert run.returncode == 0, run.stderr
    run_id = json.loads(run.stdout)["run_id"]
    status = run_cli("status", run_id, "--json", cwd=tmp, env=env)
    assert status.returncode == 0, status.stderr
    context = run_cli("context", "--format", "json", cwd=tmp, env=env)
    assert context.returncode == 0, context.stderr
    dag = run_cli("dag", "--module", str(EXAMPLE), cwd=tmp, env=env)
    assert dag.returncode == 0, dag.stderr
    return {
        "status": json.loads(status.stdout),
        "context": json.loads(context.stdout),
        "dag": dag.stdout,
        "duckdb": tmp / "ws" / "data.duckdb",
        "metadata": tmp / "ws" / "metadata.db",
        "run_id": run_id,
    }


def test_custom_nodes_are_recorded(example_run: dict) -> None:
    nodes = {n["node"]: n for n in example_run["status"]["nodes"]}
    assert nodes["order_value_by_country"]["stage"] == "custom"
    assert nodes["order_value_by_country"]["status"] == "success"
    assert nodes["order_value_by_country"]["code_version"]
    # The rule contributor feeds the quality stage, so it runs there.
    assert nodes["order_status_quality_rules"]["stage"] == "quality"
    assert nodes["custom_quality_rules"]["stage"] == "quality"
    assert "custom" in example_run["status"]["completed_stages"]


def test_custom_output_is_checkpointed_and_matches_duckdb(example_run: dict) -> None:
    import sqlite3

    with sqlite3.connect(example_run["metadata"]) as con:
        (state,) = con.execute(
            "SELECT checkpoint_state FROM checkpoints WHERE dataflow_name = 'custom'"
        ).fetchone()
        digest = json.loads(state)["results"]["order_value_by_country"]
        (value,) = con.execute("SELECT value FROM node_results WHERE content_hash = ?", (digest,)).fetchone()
    rows = json.loads(value)
    con = duckdb.connect(str(example_run["duckdb"]), read_only=True)
    try:
        orders, total = con.execute('SELECT count(*), sum(total_amount) FROM typed.orders').fetchall()[0]
        countries = con.execute('SELECT count(DISTINCT country) FROM typed.customers').fetchall()[0][0]
    finally:
        con.close()
    assert sum(r["orders"] for r in rows) == orders
    assert sum(float(r["total_amount"]) for r in rows) == pytest.approx(float(total))
    assert {r["country"] for r in rows} - {None} and len([r for r in rows if r["country"]]) == countries
    values = [float(r["total_amount"]) for r in rows]
    assert values == sorted(values, reverse=True)


def test_contributed_rule_is_in_the_context_document(example_run: dict) -> None:
    orders = next(t for t in example_run["context"]["tables"] if t["name"] == "orders")
    rules = [
        (column["name"], rule)
        for column in orders["columns"]
        for rule in column["quality"]["rules"]
        if rule["name"] == "ship_date_matches_status"
    ]
    assert rules, "the custom rule is missing from the context document"
    column, rule = rules[0]
    assert column == "ship_date"
    assert rule["source"] == "custom" and rule["rule_type"] == "custom"
    # The demo's orders are consistent: shipped/returned exactly when they have a ship date.
    assert rule["status"] == "ok" and rule["pass_rate"] == 1.0 and rule["failed_records"] == 0


def test_custom_nodes_are_in_the_dag(example_run: dict) -> None:
    dot = example_run["dag"]
    assert '"order_value_by_country"' in dot and '"order_status_quality_rules"' in dot
    assert 'subgraph "cluster_custom"' in dot
    assert '"order_status_quality_rules" -> "custom_quality_rules"' in dot
    assert '"custom_quality_rules" -> "contributed_quality_rules"' in dot


def test_paused_run_resumes_with_the_custom_nodes(tmp_path: Path) -> None:
    from helpers import run_cli

    env = {"DATARAUM_WORKSPACE": str(tmp_path / "ws")}

    def cli(*args: str):
        return run_cli(*args, cwd=tmp_path, env=env)

    first = cli("run", str(DEMO_DATA), "--review", "block", "--module", str(EXAMPLE), "--json")
    assert first.returncode == 3, first.stderr
    run_id = json.loads(first.stdout)["run_id"]
    assert cli("review", "approve", "--all").returncode == 0
    resumed = cli("resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
    nodes = json.loads(cli("status", run_id, "--json").stdout)["nodes"]
    stages = {n["node"]: n["stage"] for n in nodes}
    assert stages["order_value_by_country"] == "custom"
    assert stages["order_status_quality_rules"] == "quality"
