"""Shared by the topology tests: run the flow up to topology and read the context document."""

from __future__ import annotations

from dataraum_context.context.document import load_context

import asyncio
from pathlib import Path
from typing import Any

from dataraum_context.config import Settings, load_settings
from dataraum_context.pipeline.runner import execute_run


def run_until_topology(source: Path, workspace: Path, **settings: Any) -> Settings:
    """Run staging .. topology on `source` in a fresh workspace (review policy `defer`)."""
    config = load_settings(workspace=workspace, review="defer", **settings)
    config.workspace.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(execute_run(config, [str(source)], stop_after="topology"))
    assert outcome.status == "completed", outcome.error
    return config


def context_document(settings: Settings) -> dict[str, Any]:
    return load_context(settings)
