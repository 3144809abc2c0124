"""`from dataraum_context import Workspace`: run, review, resume, context, query, notebooks."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from api_support import BlockedRun

from dataraum_context import RunResult, Workspace
from dataraum_context.api import QueryError
from dataraum_context.context.document import load_context
from dataraum_context.errors import UserError


def test_import_stays_cheap() -> None:
    code = (
        "import sys, dataraum_context as d; "
        "print(sorted(m for m in ('sqlalchemy', 'duckdb', 'pyarrow', 'mcp', 'dataraum_context.api') if m in sys.modules)); "
        "print(d.Workspace.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.splitlines() == ["[]", "Workspace"]
    import dataraum_context

    with pytest.raises(AttributeError):
        dataraum_context.Nope  # noqa: B018


def test_block_run_pauses_then_review_and_resume(blocked: BlockedRun) -> None:
    ws, first = blocked.ws, blocked.first
    assert first.status == "paused" and first.ok and first.review_pending >= 1, first
    assert blocked.pending and all(i["status"] == "pending" for i in blocked.pending)
    assert blocked.shown["id"] == blocked.pending[0]["id"] and blocked.shown["suggested_action"]
    assert {d["status"] for d in blocked.approved} == {"approved"}
    assert {d["reviewed_by"] for d in blocked.approved} == {"tester"}
    assert blocked.resumed.status == "completed", blocked.resumed
    assert blocked.resumed.run_id == first.run_id
    assert ws.review.list(pending=True) == []
    with pytest.raises(UserError, match="already approved"):
        ws.review.reject([blocked.pending[0]["id"]], reason="too late")
    with pytest.raises(UserError, match="reason"):
        ws.review.reject([blocked.pending[0]["id"]], reason=" ")
    doc = ws.context()
    assert doc == load_context(ws.settings)  # the same document the CLI prints
    assert doc["run"]["status"] == "completed"
    assert [t["name"] for t in ws.context(tables="orders")["tables"]] == ["orders"]


def test_query_is_read_only_arrow(ws: Workspace) -> None:
    table = ws.query("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status")
    assert isinstance(table, pa.Table) and table.column_names == ["status", "n"]
    assert sum(table.column("n").to_pylist()) == 1001
    assert ws.query("SELECT * FROM raw.orders", limit=3).num_rows == 3
    assert ws.query_result("SELECT * FROM orders", limit=3).truncated is True
    for sql in ("DELETE FROM orders", "SELECT * FROM read_csv('/etc/passwd')", "SELECT 1; SELECT 2"):
        with pytest.raises(QueryError):
            ws.query(sql)
    for sql in ("SELECT * FROM checkpoint()", "SELECT * FROM duckdb_secrets()", "SELECT * FROM enable_profiling()",
                "SELECT * FROM orders, (SELECT * FROM arrow_scan(1, 2, 3))"):
        with pytest.raises(QueryError, match="table function"):
            ws.query(sql)
    assert ws.query("SELECT count(*) AS n FROM range(3)").column("n").to_pylist() == [3]
    with pytest.raises(QueryError, match="stopped"):
        ws.query("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT max(i) FROM r", timeout=0.5)
    with pytest.raises(QueryError, match="limit"):
        ws.query("SELECT 1", limit=0)
    assert ws.query("SELECT count(*) AS n FROM orders").column("n").to_pylist() == [1001]


def test_works_inside_a_running_event_loop(ws: Workspace) -> None:

    async def notebook_cell() -> list[str]:
        return [t["name"] for t in ws.context()["tables"]]

    assert asyncio.run(notebook_cell()) == ["customers", "order_items", "orders", "products", "shipments"]


def test_html_repr_is_escaped(ws: Workspace, tmp_path: Path) -> None:
    page = ws._repr_html_()
    assert "orders" in page and "<table>" in page
    hostile = RunResult(run_id=None, status="failed", tables=["<b>t</b>"], error="<script>alert(1)</script>")
    page = hostile._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>t</b>" not in page and "&lt;b&gt;t&lt;/b&gt;" in page
    assert "empty" in Workspace(tmp_path / "nothing")._repr_html_()


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    empty = Workspace(tmp_path / "nothing")
    with pytest.raises(UserError, match="no dataraum workspace"):
        empty.context()
    with pytest.raises(UserError):
        empty.run([tmp_path / "missing.csv"])
    with pytest.raises(UserError, match="review"):
        empty.run([tmp_path], review="sometimes")
    assert not (tmp_path / "nothing" / "metadata.db").exists()


@pytest.mark.postgres
def test_metadata_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    from helpers import DEMO_DATA

    ws = Workspace(tmp_path / "ws", metadata_url=pg_url)
    result = ws.run([DEMO_DATA], review="defer")
    assert result.status == "completed", result.error
    item = ws.annotate("customers.email", {"business_name": "Contact e-mail"}, reason="named by the CRM", agent="pg")
    assert item["reviewed_by"] == "agent:pg" and item["run_id"] is None
    assert ws.review.show(item["id"][:8])["decision"] == {"business_name": "Contact e-mail"}
    assert ws.describe("customers", "email")["column"]["semantic"]["decision"]["source"] == "agent"
    assert ws.query("SELECT count(*) AS n FROM customers").column("n").to_pylist() == [200]
    assert not (tmp_path / "ws" / "metadata.db").exists()
