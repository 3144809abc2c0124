"""The MCP `get_context` tool on TPC-H (SF 0.01, the semantic tests' run) within 4000 tokens,
counted as `dataraum context --max-tokens` counts them. (SF 0.1: bench/bench_mcp_context.py.)"""

from __future__ import annotations

import asyncio

from semantic_support import PipelineRun

from dataraum_context import Workspace
from dataraum_context.context.budget import estimate_tokens, fit_markdown


def test_get_context_on_tpch_stays_within_4000_tokens(tpch_run: PipelineRun) -> None:
    from mcp import Client

    from dataraum_context.mcp.server import build_server

    ws = Workspace(tpch_run.settings.workspace)

    async def ask() -> str:
        async with Client(build_server(ws)) as client:
            result = await client.call_tool("get_context", {"max_tokens": 4000})
            assert not result.is_error
            return result.content[0].text  # type: ignore[no-any-return]

    text = asyncio.run(ask())
    assert estimate_tokens(text) <= 4000
    assert text == fit_markdown(ws.context(), 4000)  # what `context --format md --max-tokens 4000` prints
    assert "lineitem" in text and "orders" in text
