"""`dataraum mcp` through the SDK's own client, over stdio and over streamable HTTP:
every tool on the demo data, hostile SQL refused or stopped with nothing changed."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pytest
from mcp_support import SyncSession, text_of

from dataraum_context import Workspace
from dataraum_context.context.budget import estimate_tokens

READ_TOOLS = {"get_context", "describe", "search", "query", "get_metrics", "run_metric"}
ALL_TOOLS = READ_TOOLS | {"annotate", "list_review_items", "decide"}


def _ok(result: Any) -> Any:
    assert not result.is_error, text_of(result)
    return result.structured_content


def _error(result: Any) -> str:
    assert result.is_error, f"expected a tool error, got: {text_of(result)[:300]}"
    return text_of(result)


def test_tools_have_schemas_and_descriptions(client: SyncSession) -> None:
    tools = {t.name: t for t in client.run(lambda s: s.list_tools()).tools}
    assert set(tools) == ALL_TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) < 600
        assert tool.input_schema["type"] == "object"
    assert tools["query"].input_schema["required"] == ["sql"]
    assert set(tools["annotate"].input_schema["required"]) == {"target", "values", "reason"}
    assert tools["query"].annotations.read_only_hint is True
    assert tools["annotate"].annotations.read_only_hint is False


def test_get_context_is_budgeted_as_the_cli(client: SyncSession, mcp_workspace: Workspace) -> None:
    full = text_of(client.call("get_context"))
    assert "orders" in full and "order_date" in full
    budgeted = text_of(client.call("get_context", {"max_tokens": 600}))
    assert estimate_tokens(budgeted) <= 600
    assert budgeted == mcp_workspace.context_markdown(max_tokens=600)
    assert len(budgeted) < len(full)
    narrowed = text_of(client.call("get_context", {"tables": ["orders"]}))
    assert "shipments" not in narrowed.split("## Relationships")[0] or "orders" in narrowed
    message = _error(client.call("get_context", {"tables": ["no_such_table"]}))
    assert "no_such_table" in message and "customers" in message
    message = _error(client.call("get_context", {"max_tokens": 5}))
    assert "token" in message


def test_describe_table_and_column(client: SyncSession, mcp_workspace: Workspace) -> None:
    column = _ok(client.call("describe", {"table": "orders", "column": "order_date"}))
    assert column["column"]["resolved_type"] == "DATE"
    assert column["column"]["type_decision"]["type"] == "DATE"
    assert column["column"]["semantic"]["role"] == "timestamp"
    table = _ok(client.call("describe", {"table": "orders"}))
    assert table["table"]["row_count"] == 1001
    assert {c["name"] for c in table["table"]["columns"]} >= {"order_id", "customer_id", "total_amount"}
    assert any(r["from_table"] == "orders" or r["to_table"] == "orders" for r in table["relationships"])
    amount = _ok(client.call("describe", {"table": "orders", "column": "total_amount"}))
    assert {m["name"] for m in amount["metrics"]} == {"sales_amount", "average_order_value"}
    assert amount["column"]["quarantined_count"] == 16 and amount["open_review_items"][0]["target"] == "orders.total_amount"
    message = _error(client.call("describe", {"table": "nope"}))
    assert "no table 'nope'" in message and "orders" in message
    message = _error(client.call("describe", {"table": "orders", "column": "nope"}))
    assert "order_date" in message


def test_search_by_name_and_meaning(client: SyncSession) -> None:
    matches = _ok(client.call("search", {"text": "total_amount"}))["matches"]
    assert {"kind": "column", "table": "orders", "column": "total_amount"}.items() <= matches[0].items()
    by_meaning = _ok(client.call("search", {"text": "customer"}))["matches"]
    assert any(m["kind"] == "table" and m["table"] == "customers" for m in by_meaning)
    assert _ok(client.call("search", {"text": "zzz-not-there"}))["matches"] == []
    assert "text" in _error(client.call("search", {"text": "  "}))


def test_query_rows_types_and_limit(client: SyncSession, mcp_workspace: Workspace) -> None:
    with duckdb.connect(str(mcp_workspace.duckdb_path), read_only=True) as con:
        expected = con.execute("SELECT count(*) FROM typed.orders WHERE status = 'shipped'").fetchone()[0]
    result = _ok(client.call("query", {"sql": "SELECT count(*) AS n FROM orders WHERE status = 'shipped'"}))
    assert result["rows"] == [[expected]] and result["columns"] == [{"name": "n", "type": "BIGINT"}]
    assert result["truncated"] is False
    some = _ok(client.call("query", {"sql": "SELECT order_id, total_amount FROM orders ORDER BY order_id", "limit": 5}))
    assert some["row_count"] == 5 and some["truncated"] is True
    assert some["columns"][1]["type"].startswith("DECIMAL")
    assert isinstance(some["rows"][0][1], str)  # a DECIMAL stays exact text
    assert _error(client.call("query", {"sql": "SELECT nope FROM orders"})).count("nope") >= 1


def test_metrics_with_sql_and_values(client: SyncSession, mcp_workspace: Workspace) -> None:
    metrics = _ok(client.call("get_metrics", {"table": "orders"}))["metrics"]
    sales = next(m for m in metrics if m["name"] == "sales_amount")
    with duckdb.connect(str(mcp_workspace.duckdb_path), read_only=True) as con:
        total = con.execute(sales["sql"]).fetchone()[0]
    assert sales["value"] == str(total) and sales["error"] is None
    assert all(m["table"] == "orders" for m in metrics)
    one = _ok(client.call("run_metric", {"name": "orders.sales_amount"}))
    assert one["value"] == str(total)
    assert "several tables" in _error(client.call("run_metric", {"name": "order_count"}))
    assert "no metric" in _error(client.call("run_metric", {"name": "nope"}))


def _state(ws: Workspace) -> tuple[str, dict[str, int]]:
    """A checksum of the DuckDB file and the row count of every metadata table."""
    digest = hashlib.sha256(ws.duckdb_path.read_bytes()).hexdigest()
    con = sqlite3.connect(f"file:{ws.path / 'metadata.db'}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        con.close()
    return digest, counts


def test_hostile_sql_is_refused_or_stopped_and_nothing_changes(
    client: SyncSession, mcp_workspace: Workspace, tmp_path: Path
) -> None:
    before = _state(mcp_workspace)
    target = tmp_path / "leak.csv"
    refused = {
        "INSERT INTO orders SELECT * FROM orders": "not INSERT",
        "CREATE TABLE evil AS SELECT 1": "not CREATE",
        "DROP TABLE orders": "not DROP",
        "DELETE FROM orders": "not DELETE",
        "UPDATE orders SET status = 'x'": "not UPDATE",
        f"ATTACH '{tmp_path / 'other.db'}' AS other": "not ATTACH",
        f"COPY orders TO '{target}'": "not COPY",
        f"COPY (SELECT * FROM orders) TO '{target}'": "not COPY",
        "INSTALL httpfs": "not LOAD",  # DuckDB parses INSTALL as a LOAD statement
        "LOAD httpfs": "not LOAD",
        "PRAGMA database_list": "not PRAGMA",
        "SET threads = 1": "not SET",
        "EXPORT DATABASE '/tmp/x'": "not EXPORT",
        "SELECT * FROM read_csv('/etc/passwd')": "read_csv() is not allowed",
        "SELECT * FROM read_text('/etc/passwd')": "read_text() is not allowed",
        "SELECT * FROM read_parquet('/tmp/*.parquet')": "read_parquet() is not allowed",
        "SELECT * FROM glob('/etc/*')": "glob() is not allowed",
        "SELECT * FROM orders WHERE order_id IN (SELECT 1 FROM read_json_auto('/etc/x.json'))": "read_json_auto() is not allowed",
        "SELECT * FROM query('SELECT 1')": "query() is not allowed",
        "SELECT 1; DROP TABLE orders": "exactly one statement",
        "SELECT 1; SELECT 2": "exactly one statement",
        "": "empty query",
    }
    for sql, expected in refused.items():
        message = _error(client.call("query", {"sql": sql}))
        assert expected in message, (sql, message)
    # A file path in FROM is a table name here: the connection cannot reach files at all.
    assert "passwd" in _error(client.call("query", {"sql": "SELECT * FROM '/etc/passwd'"}))
    forever = {
        "cross join": "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
        "recursive": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT max(i) FROM r",
    }
    for sql in forever.values():
        assert "was stopped" in _error(client.call("query", {"sql": sql}))
    # still serving after all that
    assert _ok(client.call("query", {"sql": "SELECT 1 AS one"}))["rows"] == [[1]]
    assert not target.exists() and not (tmp_path / "other.db").exists()
    assert _state(mcp_workspace) == before


def test_context_resources(client: SyncSession, mcp_workspace: Workspace) -> None:
    uris = {str(r.uri) for r in client.run(lambda s: s.list_resources()).resources}
    assert uris == {"dataraum://context.json", "dataraum://context.md"}
    md = client.run(lambda s: s.read_resource("dataraum://context.md")).contents[0].text
    assert md == mcp_workspace.context_markdown()
    import json

    doc = json.loads(client.run(lambda s: s.read_resource("dataraum://context.json")).contents[0].text)
    assert [t["name"] for t in doc["tables"]] == ["customers", "order_items", "orders", "products", "shipments"]
