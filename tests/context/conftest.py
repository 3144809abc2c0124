"""The demo data run once for all context document tests (review deferred)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from context_support import run_demo
from helpers import DEMO_DATA


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(workspace, context document) of a completed run of the demo data."""
    workspace = tmp_path_factory.mktemp("context_demo") / "ws"
    return workspace, run_demo(workspace, DEMO_DATA)
