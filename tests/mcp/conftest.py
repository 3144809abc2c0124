"""Fixtures of the MCP tests: the demo workspace (built once, with the Python API), and
SDK client sessions to `dataraum mcp` over stdio and over streamable HTTP (one server
process per transport for the whole session)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from helpers import DEMO_DATA
from mcp_support import QUERY_TIMEOUT_S, TOKEN, SyncSession

from dataraum_context import Workspace



@pytest.fixture(scope="session")
def mcp_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("mcp") / "ws")
    result = ws.run([DEMO_DATA], review="defer")
    assert result.status == "completed", result.error
    return ws


def _server_args(ws: Workspace, *extra: str) -> list[str]:
    return ["-m", "dataraum_context", "mcp", "-w", str(ws.path), "--allow-review", *extra]


@pytest.fixture(scope="session")
def stdio_client(mcp_workspace: Workspace) -> Iterator[SyncSession]:
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=_server_args(mcp_workspace), env={"DATARAUM_QUERY_TIMEOUT_SECONDS": QUERY_TIMEOUT_S}
    )
    client = SyncSession(lambda: stdio_client(params))
    yield client
    client.close()


@pytest.fixture(scope="session")
def http_server(mcp_workspace: Workspace) -> Iterator[str]:
    """The URL of `dataraum mcp --http` on a free port, with the bearer token TOKEN."""
    proc = subprocess.Popen(
        [sys.executable, *_server_args(mcp_workspace, "--http", "--port", "0", "--token", TOKEN)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DATARAUM_QUERY_TIMEOUT_SECONDS": QUERY_TIMEOUT_S},
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    url = None
    seen: list[str] = []
    try:
        while url is None:
            try:
                line = lines.get(timeout=120)
            except queue.Empty:
                pytest.fail(f"dataraum mcp --http did not say where it listens: {''.join(seen)}")
            seen.append(line)
            if " on http://" in line:
                url = line.rsplit(" on ", 1)[1].strip()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture(scope="session")
def http_client(http_server: str) -> Iterator[SyncSession]:
    from mcp.client.streamable_http import streamable_http_client
    import httpx2

    @asynccontextmanager
    async def connect() -> AsyncIterator[Any]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=httpx2.Timeout(60.0)) as http:
            async with streamable_http_client(http_server, http_client=http) as streams:
                yield streams

    session = SyncSession(connect)
    yield session
    session.close()


@pytest.fixture(params=["stdio", "http"])
def client(request: pytest.FixtureRequest) -> SyncSession:
    return request.getfixturevalue(f"{request.param}_client")  # type: ignore[no-any-return]
