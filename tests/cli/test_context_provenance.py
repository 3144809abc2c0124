"""Provenance in the context: every decision (who, when, why, what it replaced) stands next to
what it changed, in the JSON and briefly in the Markdown. A paused demo run, decisions through
the CLI, resume, then the context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import DEMO_DATA, CliResult, run_cli

# Low thresholds' opposite: every gate asks (types, meanings, relationships).
ASKING = {"DATARAUM_AUTO_ACCEPT_THRESHOLD": "0.999", "DATARAUM_SEMANTIC_REVIEW_THRESHOLD": "0.99"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def drv(request: pytest.FixtureRequest, tmp_path: Path):
    env = {"DATARAUM_WORKSPACE": str(tmp_path / "ws"), **ASKING}
    if request.param == "postgres":
        env["DATARAUM_METADATA_URL"] = request.getfixturevalue("pg_url")

    def invoke(*args: str, user: str = "ann") -> CliResult:
        return run_cli(*args, cwd=tmp_path, env={**env, "DATARAUM_USER": user})

    return invoke


def pending(drv) -> dict[str, str]:
    items = json.loads(drv("review", "list", "--pending", "--json").stdout)["items"]
    return {i["review_type"] + " " + i["target"]: i["id"] for i in items}


def test_decisions_appear_next_to_what_they_changed(drv) -> None:
    assert drv("run", str(DEMO_DATA)).returncode == 3
    items = pending(drv)
    # Types: reject the quarantine of total_amount (kept as text), with a reason.
    rejected = drv("review", "reject", items["quarantine_review orders.total_amount"], "--reason", "amounts stay text")
    assert rejected.returncode == 0, rejected.stderr
    assert drv("review", "approve", "--all", user="bob").returncode == 0
    assert drv("resume").returncode == 3  # the relationship gate (topology runs before semantic)
    items = pending(drv)
    key = "relationship_review order_items(product_id) -> products(product_id)"
    assert drv("review", "reject", items[key], "--reason", "product ids are recycled").returncode == 0
    assert drv("review", "approve", "--all", user="bob").returncode == 0
    assert drv("resume").returncode == 3  # the semantic gate
    items = pending(drv)
    modified = drv("review", "modify", items["semantic_review orders.note"], "--set", "role=dimension",
                   "--reason", "notes are categories here")
    assert modified.returncode == 0, modified.stderr
    assert drv("review", "approve", "--all", user="bob").returncode == 0
    done = drv("resume")
    assert done.returncode == 0, done.stderr

    doc = json.loads(drv("context").stdout)
    columns = {(t["name"], c["name"]): c for t in doc["tables"] for c in t["columns"]}
    amount = columns[("orders", "total_amount")]["type_decision"]
    assert (amount["type"], amount["source"], amount["by"], amount["previous_type"]) == (
        "VARCHAR", "manual", "ann", "DECIMAL(9,2)")
    assert "amounts stay text" in amount["reason"] and amount["at"]
    reviews = {r["review_type"]: r for r in amount["reviews"]}
    assert (reviews["quarantine_review"]["status"], reviews["quarantine_review"]["by"]) == ("rejected", "ann")
    assert reviews["quarantine_review"]["reason"] == "amounts stay text"
    assert (reviews["type_review"]["status"], reviews["type_review"]["by"]) == ("approved", "bob")
    automatic = columns[("orders", "order_id")]["type_decision"]
    # Made again by every run: its time is the run's, so the document of a re-run stays the same.
    assert automatic["source"] == "auto" and automatic["by"] and automatic["at"] is None and automatic["reviews"] == []

    note = columns[("orders", "note")]["semantic"]
    assert note["role"] == "dimension"
    decision = note["decision"]
    assert (decision["status"], decision["source"], decision["by"], decision["reason"]) == (
        "modified", "manual", "ann", "notes are categories here")
    assert decision["values"] == {"role": "dimension"} and decision["proposed"]["role"] != "dimension"
    approved = columns[("orders", "order_id")]["semantic"]["decision"]
    assert (approved["status"], approved["by"]) == ("approved", "bob")

    rels = {(r["from_table"], tuple(r["from_columns"]), r["to_table"]): r for r in doc["relationships"]}
    product = rels[("order_items", ("product_id",), "products")]
    assert product["status"] == "rejected"
    assert (product["decision"]["status"], product["decision"]["by"], product["decision"]["reason"]) == (
        "rejected", "ann", "product ids are recycled")
    assert rels[("orders", ("customer_id",), "customers")]["decision"]["by"] == "bob"
    # The rejection reached the semantic stage (it runs after topology): no foreign-key role.
    product_id = columns[("order_items", "product_id")]["semantic"]
    assert product_id["role"] != "foreign_key"

    md = drv("context", "--format", "md").stdout
    assert "`total_amount`: type VARCHAR (was DECIMAL(9,2)), manual by ann" in md
    assert "amounts stay text" in md
    assert "`note`: meaning (role=dimension) modified (manual) by ann" in md and "notes are categories here" in md
    assert "`order_items.product_id` -> `products.product_id`: rejected (manual) by ann" in md
    assert "product ids are recycled" in md
