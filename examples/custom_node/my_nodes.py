"""Custom DAG nodes for the demo shop data: `dataraum run DATA --module my_nodes.py`.

Every public function here is a node: its name is what it returns, its parameters are
the nodes (built-in or custom) and run inputs it needs, by name. Helpers start with `_`.

- `order_value_by_country` computes a small aggregate in DuckDB on the TYPED layer; it runs
  in the `custom` stage after every built-in stage, and its output is checkpointed and
  recorded like a built-in node's.
- `order_status_quality_rules` ends in `_quality_rules`: its rules join the quality stage's
  rules (source `custom`), are executed with them and appear in the context document.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
from pydantic import BaseModel

from dataraum_context.sqlutil import quote_ident
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypedTableResult


class CountryOrderValue(BaseModel):
    """Orders and their total value for one customer country (None: no matching customer)."""

    country: str | None
    orders: int
    total_amount: Decimal


def _columns(type_decisions: list[ColumnTypeDecision], table: str) -> set[str]:
    return {d.column_name for d in type_decisions if d.table_name == table}


def order_value_by_country(
    typed_tables: list[TypedTableResult],
    type_decisions: list[ColumnTypeDecision],
    duckdb_con: duckdb.DuckDBPyConnection,
) -> list[CountryOrderValue]:
    """Number and total value of orders per customer country, largest value first (empty when the
    sources have no orders/customers tables with the columns it needs)."""
    typed = {t.table_name: t.typed_table for t in typed_tables}
    if "orders" not in typed or "customers" not in typed:
        return []
    if not {"customer_id", "total_amount"} <= _columns(type_decisions, "orders"):
        return []
    if not {"customer_id", "country"} <= _columns(type_decisions, "customers"):
        return []
    customer_id, country, total = quote_ident("customer_id"), quote_ident("country"), quote_ident("total_amount")
    rows = duckdb_con.execute(
        f"""
        SELECT c.{country}, count(*), coalesce(sum(o.{total}), 0)
        FROM {typed["orders"]} AS o
        LEFT JOIN {typed["customers"]} AS c ON c.{customer_id} = o.{customer_id}
        GROUP BY ALL
        ORDER BY 3 DESC, 1 NULLS LAST
        """
    ).fetchall()
    return [
        CountryOrderValue(country=None if c is None else str(c), orders=n, total_amount=Decimal(str(v)))
        for c, n, v in rows
    ]


def order_status_quality_rules(type_decisions: list[ColumnTypeDecision]) -> list[dict]:
    """A business rule for the quality stage: an order has a ship date exactly when its status is
    'shipped' or 'returned' (only when `orders` has both columns)."""
    if not {"status", "ship_date"} <= _columns(type_decisions, "orders"):
        return []
    return [
        {
            "table_name": "orders",
            "column_name": "ship_date",
            "rule_name": "ship_date_matches_status",
            "rule_type": "custom",
            "expression": "(\"ship_date\" IS NOT NULL) = (\"status\" IN ('shipped', 'returned'))",
            "parameters": {"columns": ["ship_date", "status"]},
            "severity": "error",
            "dimension": "consistency",
            "description": "orders are shipped or returned exactly when they have a ship date",
        }
    ]
