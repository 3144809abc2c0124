"""`dataraum mcp --http` accepts connections as soon as it has said where it listens.

CI once failed every HTTP test at setup with "All connection attempts failed": the server
printed its URL after bind() but before uvicorn's listen(), and on a busy machine the client
connected in between. Here uvicorn's serving is held back entirely, so a connection can only
succeed if the socket already listens when the URL is printed.
"""

from __future__ import annotations

import queue
import socket
import threading
from typing import Any

import pytest

from dataraum_context import Workspace
from dataraum_context.mcp import server as mcp_server


class _Lines:
    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.lines.put(line)
        return len(text)

    def flush(self) -> None:
        pass


def test_the_printed_url_already_accepts_connections(mcp_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import anyio
    import uvicorn

    release = threading.Event()
    served: list[list[socket.socket]] = []

    async def held_back(self: Any, sockets: list[socket.socket] | None = None) -> None:
        served.append(sockets or [])
        await anyio.to_thread.run_sync(lambda: release.wait(120))
        for sock in sockets or []:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "serve", held_back)
    out = _Lines()
    monkeypatch.setattr(mcp_server.sys, "stderr", out)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            mcp_server.serve(mcp_workspace, http=True, port=0, token="t")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        url = None
        while url is None:
            line = out.lines.get(timeout=120)
            if " on http://" in line:
                url = line.rsplit(" on ", 1)[1]
        host, port = url.removeprefix("http://").split("/", 1)[0].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30):
            pass  # refused (ConnectionRefusedError) if the socket did not listen yet
    finally:
        release.set()
        thread.join(timeout=120)
    assert not errors, errors
    assert served and len(served[0]) == 1
