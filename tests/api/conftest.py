"""The Python API's demo workspace: one `review="block"` run, paused at its first gate."""

from __future__ import annotations

import pytest
from helpers import DEMO_DATA

from dataraum_context import RunResult, Workspace


@pytest.fixture(scope="session")
def paused(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, RunResult]:
    ws = Workspace(tmp_path_factory.mktemp("api") / "ws")
    return ws, ws.run([DEMO_DATA], review="block")
