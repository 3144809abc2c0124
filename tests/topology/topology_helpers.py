"""Shared by the topology tests: run the flow up to topology and read the context document."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dataraum_context.config import Settings, load_settings
from dataraum_context.context.document import build_context
from dataraum_context.pipeline.runner import execute_run
from dataraum_context.storage.engine import create_engine, session_factory


def run_until_topology(source: Path, workspace: Path, **settings: Any) -> Settings:
    """Run staging .. topology on `source` in a fresh workspace (review policy `defer`)."""
    config = load_settings(workspace=workspace, review="defer", **settings)
    config.workspace.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(execute_run(config, [str(source)], stop_after="topology"))
    assert outcome.status == "completed", outcome.error
    return config


def context_document(settings: Settings) -> dict[str, Any]:
    async def build() -> dict[str, Any]:
        engine = create_engine(settings.resolved_metadata_url)
        try:
            async with session_factory(engine)() as session:
                return await build_context(session)
        finally:
            await engine.dispose()

    return asyncio.run(build())
