"""Helpers of the semantic tests: whole pipeline runs and their context documents."""

from __future__ import annotations

from dataraum_context.context.document import load_context

import asyncio
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataraum_context.config import Settings, load_settings
from dataraum_context.pipeline.runner import RunOutcome, execute_run


@dataclass
class PipelineRun:
    settings: Settings
    outcome: RunOutcome
    doc: dict[str, Any]

    def table(self, name: str) -> dict[str, Any]:
        return next(t for t in self.doc["tables"] if t["name"] == name)

    def column(self, table: str, column: str) -> dict[str, Any]:
        return next(c for c in self.table(table)["columns"] if c["name"] == column)

    def role(self, table: str, column: str) -> str | None:
        return self.column(table, column)["semantic"]["role"]

    def query(self, statement: Any) -> list[Any]:
        """Rows of a SQLAlchemy statement on the run's metadata store."""
        from dataraum_context.storage.engine import create_engine, session_factory

        async def go() -> list[Any]:
            engine = create_engine(self.settings.resolved_metadata_url)
            try:
                async with session_factory(engine)() as session:
                    return list((await session.execute(statement)).all())
            finally:
                await engine.dispose()

        return asyncio.run(go())


def build_doc(settings: Settings) -> dict[str, Any]:
    return load_context(settings)


def run_pipeline(paths: list[Path], workspace: Path, **overrides: Any) -> PipelineRun:
    """The whole flow in-process, review deferred, no LLM."""
    settings = load_settings(workspace=workspace, review="defer", **overrides)
    settings.workspace.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(execute_run(settings, [str(p) for p in paths]))
    return PipelineRun(settings, outcome, build_doc(settings))


def tpchgen_binary() -> str | None:
    found = shutil.which("tpchgen-cli")
    if found:
        return found
    beside = Path(sys.executable).with_name("tpchgen-cli")
    return str(beside) if beside.exists() else None


