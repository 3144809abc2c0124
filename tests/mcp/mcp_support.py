"""A synchronous handle on an MCP client session (the SDK's `ClientSession`), for tests.

The session lives in a background event loop thread for a whole test module: the
server process starts once per transport, and each test calls tools through it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from mcp.client.session import ClientSession

TIMEOUT_S = 120.0
TOKEN = "test-token-5f2c1e"  # the HTTP server's bearer token
# A query that runs forever is stopped after this many seconds (the servers' setting).
QUERY_TIMEOUT_S = "1"


class SyncSession:
    def __init__(self, connect: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
        self._connect = connect
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-test-client", daemon=True)
        self._thread.start()
        self._ready: concurrent.futures.Future[ClientSession] = concurrent.futures.Future()
        self._stop: asyncio.Event | None = None
        self._main = asyncio.run_coroutine_threadsafe(self._hold(), self._loop)
        try:
            self.session = self._ready.result(timeout=TIMEOUT_S)
        except BaseException:
            self._shutdown_loop()
            raise

    async def _hold(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with self._connect() as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    self._ready.set_result(session)
                    await self._stop.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def run(self, work: Callable[[ClientSession], Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(work(self.session), self._loop).result(timeout=TIMEOUT_S)

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """The tool's `CallToolResult`."""
        return self.run(lambda s: s.call_tool(name, arguments or {}))

    def close(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        try:
            self._main.result(timeout=TIMEOUT_S)
        finally:
            self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=TIMEOUT_S)


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content or [])
