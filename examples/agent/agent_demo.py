"""An agent's session with the Python API, end to end, on the demo data.

What an AI agent does through `dataraum mcp`, done here in plain Python: read the
context within a token budget, find the columns it needs, query the typed data
read-only, compute a metric, and record a correction that the next run applies.

    python examples/agent/agent_demo.py [WORKSPACE]

WORKSPACE defaults to a fresh temporary folder (removed at the end).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from dataraum_context import Workspace
from dataraum_context.api import QueryError

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data"


def session(ws: Workspace) -> None:
    result = ws.run([DEMO_DATA], review="defer")
    result.raise_for_error()
    print(f"1. run {result.run_id}: {result.status}, tables {', '.join(result.tables)}, "
          f"{result.review_pending} review item(s) open")

    overview = ws.context_markdown(max_tokens=800)
    print(f"2. context within 800 tokens: {len(overview)} characters; first lines:")
    for line in overview.splitlines()[:6]:
        print(f"   {line}")

    hits = ws.search("amount")
    print("3. search 'amount':", ", ".join(f"{h['table']}.{h.get('column') or h.get('metric')}" for h in hits[:5]))

    column = ws.describe("orders", "total_amount")["column"]
    print(f"4. orders.total_amount: {column['resolved_type']}, unit {column['unit']}, "
          f"{column['quarantined_count']} cell(s) quarantined, decided by {column['type_decision']['source']}")

    table = ws.query(
        "SELECT status, count(*) AS orders, sum(total_amount) AS total FROM orders GROUP BY status ORDER BY orders DESC"
    )
    print("5. orders by status (read-only query, a pyarrow.Table):")
    for row in table.to_pylist():
        print(f"   {row['status']:<10} {row['orders']:>5} {row['total']}")
    try:
        ws.query("DELETE FROM orders")
    except QueryError as exc:
        print(f"   a write is refused: {exc}")

    metric = ws.run_metric("orders.sales_amount")
    print(f"6. metric sales_amount = {metric['value']}  ({metric['sql']})")

    before = ws.describe("orders", "order_date")["column"]["semantic"]["business_name"]
    item = ws.annotate(
        "orders.order_date", {"business_name": "Purchase date"}, reason="the shop books an order when it is paid",
        agent="agent_demo",
    )
    print(f"7. annotated orders.order_date ({before!r} -> 'Purchase date'): review item {item['id'][:8]} "
          f"{item['status']} by {item['reviewed_by']}")
    listed = [i for i in ws.review.list() if i["id"] == item["id"]]
    print(f"   in review list: {bool(listed)}")

    again = ws.run([DEMO_DATA], review="defer")
    again.raise_for_error()
    semantic = ws.describe("orders", "order_date")["column"]["semantic"]
    print(f"8. next run {again.run_id}: business name {semantic['business_name']!r}, "
          f"decision source {semantic['decision']['source']} by {semantic['decision']['by']}")


def main() -> int:
    if len(sys.argv) > 1:
        session(Workspace(sys.argv[1]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        session(Workspace(Path(tmp) / "ws"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
