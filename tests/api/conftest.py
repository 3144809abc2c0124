"""The Python API's demo workspace: one `review="block"` run, paused at its first gate,
then approved and resumed to completion (once per session)."""

from __future__ import annotations

import pytest
from api_support import BlockedRun
from helpers import DEMO_DATA

from dataraum_context import Workspace


@pytest.fixture(scope="session")
def blocked(tmp_path_factory: pytest.TempPathFactory) -> BlockedRun:
    ws = Workspace(tmp_path_factory.mktemp("api") / "ws")
    first = ws.run([DEMO_DATA], review="block")
    pending = ws.review.list(pending=True)
    shown = ws.review.show(pending[0]["id"][:8]) if pending else {}
    approved = ws.review.approve(all_pending=True, who="tester")
    resumed = ws.resume()
    while resumed.status == "paused":  # a later gate may ask too
        approved += ws.review.approve(all_pending=True, who="tester")
        resumed = ws.resume()
    return BlockedRun(ws, first, pending, shown, approved, resumed)


@pytest.fixture
def ws(blocked: BlockedRun) -> Workspace:
    assert blocked.resumed.status == "completed", blocked.resumed
    return blocked.ws
