"""Shared test data for the quality tests: two CSV tables with an exact, known set of defects."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROWS = 300
DUPLICATES = {101: 100, 201: 200, 202: 200}  # row -> order_id it copies: 2 duplicated values, 5 rows
NULL_KEYS = {150, 250}
ORPHANS = {7: "C900", 77: "C901", 177: "C902"}
OUT_OF_RANGE = {10: "100000.00", 20: "250000.00", 30: "-50.00"}
FUTURE = {40: "2035-05-01", 41: "2035-05-02"}
SHIP_BEFORE_ORDER = {50, 60, 70, 80}
STATUS_TYPO = {90: "shiped"}

RELATIONSHIPS: list[dict[str, Any]] = [
    {
        "from_table": "orders", "from_columns": ["customer_id"], "to_table": "customers",
        "to_columns": ["customer_id"], "relationship_type": "foreign_key", "status": "accepted",
        "confidence": 0.99, "coverage": 0.99, "orphan_count": 3,
    }
]
CANDIDATE_KEYS = {"orders": [["order_id"]], "customers": [["customer_id"]]}


def write_tables(root: Path, *, clean: bool = False) -> list[str]:
    """customers.csv and orders.csv in `root`; `clean=True` leaves out every defect but the orphans."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "customers.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["customer_id", "name", "country"])
        for i in range(1, 41):
            writer.writerow([f"C{i:03d}", f"Customer {i}", ["DE", "FR", "US", "IT"][i % 4]])
    with (root / "orders.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_id", "customer_id", "order_date", "ship_date", "status", "amount"])
        for i in range(1, ROWS + 1):
            ordered = date(2024, 1, 1) + timedelta(days=i % 200)
            shipped = ordered + timedelta(days=i % 5 + 1)
            row = {
                "order_id": str(i), "customer_id": f"C{i % 40 + 1:03d}", "order_date": ordered.isoformat(),
                "ship_date": shipped.isoformat(), "status": ["shipped", "pending", "cancelled"][i % 3],
                "amount": f"{10 + (i * 37 % 900) / 10:.2f}",
            }
            if i in ORPHANS:
                row["customer_id"] = ORPHANS[i]
            if not clean:
                if i in DUPLICATES:
                    row["order_id"] = str(DUPLICATES[i])
                if i in NULL_KEYS:
                    row["order_id"] = ""
                if i in OUT_OF_RANGE:
                    row["amount"] = OUT_OF_RANGE[i]
                if i in FUTURE:
                    row["order_date"], row["ship_date"] = FUTURE[i], ""
                if i in SHIP_BEFORE_ORDER:
                    row["ship_date"] = (ordered - timedelta(days=3)).isoformat()
                if i in STATUS_TYPO:
                    row["status"] = STATUS_TYPO[i]
            writer.writerow(list(row.values()))
    return [str(root / "customers.csv"), str(root / "orders.csv")]


RULES_YAML = """
rules:
  - table: orders
    column: amount
    name: amount_non_negative
    expression: amount >= 0
    severity: error
  - table: orders
    name: broken_syntax
    expression: "amount >>> 3 AND"
  - table: orders
    name: unknown_column
    expression: no_such_column > 1
  - table: orders
    column: amount
    name: not_boolean
    expression: amount + 1
  - table: orders
    name: fails_at_run_time
    expression: CAST(status AS INTEGER) > 0
  - table: orders
    name: statement_injection
    expression: "true); DROP TABLE typed.orders; SELECT (true"
  - table: nope
    name: unknown_table
    expression: "1 = 1"
  - table: orders
    name: order_id_unique
    type: unique
    columns: [order_id]
  - table: orders
    name: shipped_orders_have_a_ship_date
    expression: status <> 'shipped' OR ship_date IS NOT NULL
"""
