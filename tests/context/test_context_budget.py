"""`--tables` and `--max-tokens`: the context document within a budget (demo data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from context_support import sections, tables
from helpers import run_cli

from dataraum_context.context.budget import (
    BudgetTooSmallError,
    UnknownTableError,
    estimate_tokens,
    fit_markdown,
    least_connected,
    parse_table_names,
    select_tables,
)
from dataraum_context.context.markdown import render_markdown


@pytest.fixture(scope="module")
def workspace(demo_workspace: tuple[Path, dict[str, Any]]) -> Path:
    return demo_workspace[0]


@pytest.fixture(scope="module")
def doc(demo_workspace: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return demo_workspace[1]


def _cli(workspace: Path, *args: str) -> Any:
    return run_cli("context", "-w", str(workspace), *args)


# --- --tables ---------------------------------------------------------------------


def test_select_tables_keeps_what_lies_among_them(doc: dict[str, Any]) -> None:
    chosen = select_tables(doc, ["orders", "customers"])
    assert [t["name"] for t in chosen["tables"]] == ["customers", "orders"]
    assert chosen["selection"] == {"tables": ["customers", "orders"], "total_tables": 5}
    assert [(r["from_table"], r["to_table"]) for r in chosen["relationships"]] == [("orders", "customers")]
    assert {(p["from_table"], p["to_table"]) for p in chosen["join_paths"]} == {
        ("customers", "orders"), ("orders", "customers"),
    }
    assert {m["table"] for m in chosen["ontology"]["metrics"]} == {"customers", "orders"}
    assert {c["table"] for c in chosen["ontology"]["concept_columns"]} == {"customers", "orders"}
    assert [i["target"] for i in chosen["review"]["items"]] == ["orders.total_amount"]
    assert chosen["review"]["pending"] == 1
    assert "selection" not in doc and len(doc["tables"]) == 5  # the input is not changed


def test_select_tables_drops_paths_through_unselected_tables(doc: dict[str, Any]) -> None:
    chosen = select_tables(doc, ["customers", "order_items", "products"])
    # customers -> order_items goes through orders, which is not selected.
    assert all(
        s["from_table"] != "orders" and s["to_table"] != "orders"
        for p in chosen["join_paths"] for s in p["steps"]
    )
    assert {(p["from_table"], p["to_table"]) for p in chosen["join_paths"]} == {
        ("order_items", "products"), ("products", "order_items"),
    }
    assert (chosen["review"]["items"], chosen["review"]["pending"]) == ([], 0)


def test_parse_table_names(doc: dict[str, Any]) -> None:
    known = [t["name"] for t in doc["tables"]]
    assert parse_table_names(["orders, customers", "orders"], known) == ["orders", "customers"]
    assert parse_table_names(["a,b"], [*known, "a,b"]) == ["a,b"]  # an exact name wins over splitting
    with pytest.raises(UnknownTableError, match="'nope'"):
        parse_table_names(["orders,nope"], known)


def test_cli_tables_json(workspace: Path) -> None:
    result = _cli(workspace, "--format", "json", "--tables", "orders,customers")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] and doc["run"]["status"] == "completed"
    assert [t["name"] for t in doc["tables"]] == ["customers", "orders"]
    assert all({r["from_table"], r["to_table"]} <= {"customers", "orders"} for r in doc["relationships"])
    for key in ("candidate_keys", "entity", "quality", "columns"):
        assert key in doc["tables"][0]


def test_cli_tables_md(workspace: Path) -> None:
    result = _cli(workspace, "--format", "md", "--tables", "orders", "--tables", "customers")
    assert result.returncode == 0, result.stderr
    heads = [h for h in sections(result.stdout) if h.startswith("Table ")]
    assert heads == ["Table `customers`", "Table `orders`"]
    assert "`orders.customer_id`" in sections(result.stdout)["Relationships"]
    assert "order_items" not in result.stdout


def test_cli_unknown_table_is_a_usage_error(workspace: Path) -> None:
    result = _cli(workspace, "--format", "md", "--tables", "orders,no_such_table")
    assert result.returncode == 2
    assert "no_such_table" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


# --- --max-tokens -----------------------------------------------------------------


def test_least_connected_first(doc: dict[str, Any]) -> None:
    order = least_connected(doc)
    assert order[-1] == "orders"  # three relationships
    assert order.index("products") < order.index("order_items")


def test_full_document_when_it_fits(doc: dict[str, Any]) -> None:
    full = render_markdown(doc)
    assert fit_markdown(doc, estimate_tokens(full)) == full
    assert "## Left out" not in full


@pytest.mark.parametrize("share", [0.9, 0.6, 0.4, 0.25, 0.15])
def test_budget_respected_and_overview_kept(doc: dict[str, Any], share: float) -> None:
    full = render_markdown(doc)
    budget = int(estimate_tokens(full) * share)
    text = fit_markdown(doc, budget)
    assert len(text) / 4 <= budget
    parts = sections(text)
    assert "Overview" in parts and "`orders`" in parts["Overview"]
    assert "To stay within" in parts["Left out"]
    for table in tables(text):
        assert {len(r) for r in table} == {len(table[0])}


def test_detail_goes_in_the_documented_order(doc: dict[str, Any]) -> None:
    full = estimate_tokens(render_markdown(doc))
    lighter = fit_markdown(doc, full - 50)
    assert "descriptions" in sections(lighter)["Left out"]
    assert "## Table `orders`" in lighter and "| description |" not in lighter
    # A tighter budget summarizes the least connected tables first, keeps `orders` whole.
    budgets = range(full - 50, 0, -100)
    text = next(t for b in budgets if "(details left out)" in (t := fit_markdown(doc, b)))
    summarized = [h for h, body in sections(text).items() if "(details left out)" in body]
    assert summarized and "Table `orders`" not in summarized
    assert "Table `products`" in summarized
    assert "| `order_id` | BIGINT |" in sections(text)["Table `orders`"]


def test_budget_below_the_overview_is_a_usage_error(doc: dict[str, Any], workspace: Path) -> None:
    with pytest.raises(BudgetTooSmallError, match="--max-tokens 50 is too small"):
        fit_markdown(doc, 50)
    result = _cli(workspace, "--format", "md", "--max-tokens", "50")
    assert result.returncode == 2 and "too small" in result.stderr


def test_cli_max_tokens(workspace: Path) -> None:
    result = _cli(workspace, "--format", "md", "--max-tokens", "1500")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) / 4 <= 1500
    assert "## Overview" in result.stdout and "## Left out" in result.stdout
    refused = _cli(workspace, "--format", "json", "--max-tokens", "1500")
    assert refused.returncode == 2 and "--max-tokens" in refused.stderr


def test_selection_keeps_header_notes_about_selected_tables_only(doc: dict[str, Any]) -> None:
    def orders(d: dict[str, Any]) -> dict[str, Any]:
        return next(t for t in d["tables"] if t["name"] == "orders")["entity"]

    both = orders(select_tables(doc, ["orders", "order_items"]))
    assert both["header_of"] == ["order_items"]
    assert [m["repeats_in"] for m in both["measures_at_own_grain"]] == [["order_items"]]
    assert "joined to order_items it repeats" in both["measures_at_own_grain"][0]["note"]
    alone = orders(select_tables(doc, ["orders", "customers"]))
    assert alone["header_of"] is None and alone["measures_at_own_grain"] is None
    assert orders(doc)["header_of"] == ["order_items", "shipments"]  # the full document is untouched
