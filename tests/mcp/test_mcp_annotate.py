"""Annotations and review decisions by an agent, and the HTTP transport's bearer token.

Writing tools run on a copy of the demo workspace, through the SDK's client connected
in-process to the same server `dataraum mcp` runs; their error paths (which write
nothing) also go over stdio and HTTP."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import DEMO_DATA
from mcp_support import TOKEN, SyncSession, text_of

from dataraum_context import Workspace
from dataraum_context.mcp.server import build_server

REJECTED = "shipments(order_id) -> orders(order_id)"
REFINED = "order_items(order_id) -> orders(order_id)"


def _in_process(ws: Workspace, work: Callable[[Any], Any], allow_review: bool = True) -> Any:
    from mcp import Client

    async def main() -> Any:
        async with Client(build_server(ws, allow_review=allow_review)) as client:
            return await work(client)

    return asyncio.run(main())


def test_bad_annotations_are_tool_errors(client: SyncSession) -> None:
    cases = [
        ({"target": "orders.nope", "values": {"business_name": "X"}, "reason": "r"}, "unknown target"),
        ({"target": "orders.status", "values": {"role": "boss"}, "reason": "r"}, "bad role"),
        ({"target": "orders.status", "values": {"colour": "red"}, "reason": "r"}, "cannot set 'colour'"),
        ({"target": "orders.status", "values": {"business_name": "X"}, "reason": " "}, "needs a reason"),
        ({"target": "orders.status", "values": {}, "reason": "r"}, "at least one"),
        ({"target": REJECTED, "values": {"cardinality": "lots"}, "reason": "r"}, "bad cardinality"),
        ({"target": REJECTED, "values": {"status": "rejected", "cardinality": "one-to-one"}, "reason": "r"}, "no other values"),
    ]
    for arguments, expected in cases:
        result = client.call("annotate", arguments)
        assert result.is_error and expected in text_of(result), (arguments, text_of(result))
    pending = client.call("list_review_items", {"pending": True}).structured_content["items"]
    assert [i["target"] for i in pending] == ["orders.total_amount"]
    result = client.call("decide", {"item_id": pending[0]["id"], "decision": "reject"})
    assert result.is_error and "reason" in text_of(result)
    result = client.call("decide", {"item_id": "zzzz", "decision": "approve"})
    assert result.is_error and "review item" in text_of(result)


def test_review_tools_only_with_allow_review(mcp_workspace: Workspace) -> None:
    names = _in_process(mcp_workspace, lambda c: c.list_tools(), allow_review=False)
    assert {t.name for t in names.tools} == {"get_context", "describe", "search", "query", "get_metrics", "run_metric", "annotate"}


def test_annotation_is_a_decision_in_review_and_the_next_run(
    mcp_workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(mcp_workspace.path, copy)
    ws = Workspace(copy)

    async def annotate(client: Any) -> list[Any]:
        results = [
            await client.call_tool("annotate", {
                "target": "orders.order_date",
                "values": {"business_name": "Purchase date", "description": "Day the customer paid."},
                "reason": "the shop books orders when paid",
            }),
            await client.call_tool("annotate", {
                "target": REJECTED, "values": {"status": "rejected"}, "reason": "shipments carry a different order number",
            }),
            await client.call_tool("annotate", {
                "target": REFINED, "values": {"cardinality": "many-to-one"}, "reason": "one order per line",
            }),
        ]
        pending = (await client.call_tool("list_review_items", {"pending": True})).structured_content["items"]
        results.append(await client.call_tool("decide", {"item_id": pending[0]["id"], "decision": "approve"}))
        return results

    results = _in_process(ws, annotate)
    for result in results:
        assert not result.is_error, text_of(result)
    named = results[0].structured_content
    assert named["status"] == "modified" and named["reviewed_by"] == "agent"
    assert named["decision"] == {"business_name": "Purchase date", "description": "Day the customer paid."}
    assert results[1].structured_content["status"] == "rejected"
    assert results[3].structured_content["items"][0]["status"] == "approved"

    # in `review list` (the CLI's code path), with who and why
    from dataraum_context.cli import main

    capsys.readouterr()
    assert main(["review", "list", "--json", "-w", str(copy)]) == 0
    items = {i["target"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    assert items["orders.order_date"]["reviewed_by"] == "agent"
    assert items["orders.order_date"]["notes"] == "the shop books orders when paid"
    assert items[REJECTED]["status"] == "rejected"
    assert items["orders.total_amount"]["reviewed_by"] == "agent"

    # in the document's provenance at once; the values themselves change with the next run
    column = ws.describe("orders", "order_date")["column"]
    assert column["semantic"]["decision"]["source"] == "agent"
    assert column["semantic"]["business_name"] == "Order date"

    result = ws.run([DEMO_DATA], review="defer")
    assert result.status == "completed", result.error
    doc = ws.context()
    semantic = next(c for c in next(t for t in doc["tables"] if t["name"] == "orders")["columns"] if c["name"] == "order_date")["semantic"]
    assert semantic["business_name"] == "Purchase date"
    assert semantic["description"] == "Day the customer paid."
    assert semantic["source"] == "manual" and semantic["annotated_by"] == "agent"
    assert semantic["decision"]["by"] == "agent"
    rels = {(r["from_table"], r["to_table"], tuple(r["from_columns"])): r for r in doc["relationships"]}
    assert rels[("shipments", "orders", ("order_id",))]["status"] == "rejected"
    assert rels[("order_items", "orders", ("order_id",))]["cardinality"] == "many-to-one"
    # the original workspace is untouched
    assert mcp_workspace.describe("orders", "order_date")["column"]["semantic"]["business_name"] == "Order date"


def test_http_needs_the_bearer_token(http_server: str) -> None:
    import httpx2

    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Bearer {TOKEN}x"}):
        response = httpx2.post(http_server, json=hello, headers={**headers, **auth}, timeout=30)
        assert response.status_code == 401, auth
        assert "token" in response.text
    ok = httpx2.post(http_server, json=hello, headers={**headers, "Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert ok.status_code == 200


def test_sdk_client_with_a_wrong_token_is_refused(http_server: str) -> None:
    import httpx2
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def main() -> None:
        async with httpx2.AsyncClient(headers={"Authorization": "Bearer wrong"}, timeout=httpx2.Timeout(30.0)) as http:
            async with streamable_http_client(http_server, http_client=http) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=30) as session:
                    await session.initialize()

    with pytest.raises(BaseException) as caught:
        asyncio.run(asyncio.wait_for(main(), 60))
    # the SDK reports the 401 answer to `initialize` as an error response
    assert "401" in repr(caught.value) or "error response" in repr(caught.value), repr(caught.value)
