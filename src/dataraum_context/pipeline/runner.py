"""The stage runner: executes the DAG stage by stage and commits each stage.

For every stage it asks Hamilton for that stage's nodes, handing in earlier
stages' results as overrides (nothing upstream is recomputed), then writes the
stage's results, its node-execution records and the run's progress in one
metadata transaction. A failure marks the run `failed` with its error; what
earlier stages committed stays, nothing of the failed stage is written.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dataraum_context import __version__
from dataraum_context.config import Settings
from dataraum_context.errors import DataraumError
from dataraum_context.pipeline.context import RunContext
from dataraum_context.pipeline.db_models import NodeExecution, Run
from dataraum_context.pipeline.graph import build_driver, graph_fingerprint, node_versions, nodes_by_stage
from dataraum_context.pipeline.hooks import NodeRecord, NodeRecorder
from dataraum_context.pipeline.review_models import ReviewDecisions
from dataraum_context.pipeline.stages import STAGES
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.engine import create_engine, redact_url, session_factory
from dataraum_context.storage.schema import init_schema
from dataraum_context.storage.workspace import open_workspace


class ProgressListener(Protocol):
    def stage_started(self, stage: str, node_count: int) -> None: ...
    def node_started(self, node: str) -> None: ...
    def node_finished(self, node: str, success: bool) -> None: ...
    def stage_finished(self, stage: str) -> None: ...


class _Silent:
    def stage_started(self, stage: str, node_count: int) -> None: ...
    def node_started(self, node: str) -> None: ...
    def node_finished(self, node: str, success: bool) -> None: ...
    def stage_finished(self, stage: str) -> None: ...


@dataclass
class RunOutcome:
    run_id: uuid.UUID
    status: str
    error: DataraumError | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def _record_nodes(
    session: AsyncSession, run_id: uuid.UUID, stage: str, records: list[NodeRecord], versions: dict[str, str]
) -> None:
    for record in records:
        session.add(
            NodeExecution(
                run_id=run_id,
                stage=stage,
                node_name=record.node_name,
                code_version=versions.get(record.node_name),
                inputs_hash=record.inputs_hash,
                status=record.status,
                started_at=record.started_at,
                duration_ms=record.duration_ms,
                error_message=record.error_message,
            )
        )


async def _finish(
    sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, status: str, *, error: str | None, summary: dict[str, Any]
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            sa.update(Run)
            .where(Run.run_id == run_id)
            .values(
                status=status,
                error_message=error,
                summary=summary,
                finished_at=utcnow(),
                version=Run.version + 1,
                lease_host=None,
                lease_pid=None,
                lease_expires_at=None,
                current_stage=None,
            )
        )


async def execute_run(
    settings: Settings,
    paths: list[str],
    listener: ProgressListener | None = None,
    log_path: Path | None = None,
    *,
    stop_after: str | None = None,
) -> RunOutcome:
    """Run the flow on `paths` (all stages, or up to `stop_after`); never raises for a
    failing stage (the outcome says)."""
    listener = listener or _Silent()
    started = time.perf_counter()
    engine = create_engine(settings.resolved_metadata_url)
    try:
        await init_schema(engine)
        sessions = session_factory(engine)
        recorder = NodeRecorder()
        recorder.listener = listener
        dr = build_driver([recorder])
        options = {
            "review": settings.review,
            "ontology": settings.ontology,
            "llm": settings.llm,
            "auto_accept_threshold": settings.auto_accept_threshold,
            "sample_size": settings.sample_size,
            "sample_seed": settings.sample_seed,
            "type_rules": dict(settings.type_rules),
        }
        run = Run(
            status="running",
            review_policy=settings.review,
            # Database URLs may carry passwords: only the redacted form is stored.
            paths=[redact_url(p) if "://" in p else p for p in paths],
            options=options,
            graph_fingerprint=graph_fingerprint(dr, options),
            dataraum_version=__version__,
            lease_host=socket.gethostname(),
            lease_pid=os.getpid(),
        )
        async with sessions.begin() as session:
            session.add(run)
        ctx = RunContext(
            run_id=run.run_id,
            workspace=settings.workspace,
            duckdb_path=settings.duckdb_path,
            review_policy=settings.review,
            options=options,
        )
        versions = node_versions(dr)
        stage_nodes = nodes_by_stage(dr)
        results: dict[str, Any] = {}
        con = None
        current = "staging"
        try:
            con = open_workspace(settings.duckdb_path)
            inputs: dict[str, Any] = {
                "source_paths": list(paths),
                "duckdb_con": con,
                "sample_size": settings.sample_size,
                "sample_seed": settings.sample_seed,
                "auto_accept_threshold": settings.auto_accept_threshold,
                "type_rules": dict(settings.type_rules),
                "settings": settings,
                "review_decisions": ReviewDecisions(),
            }
            completed: list[str] = []
            for stage in STAGES:
                current = stage.name
                nodes = [node.name for node in stage_nodes[stage.name]]
                if not nodes:
                    continue
                listener.stage_started(stage.name, len(nodes))
                async with sessions.begin() as session:
                    await session.execute(
                        sa.update(Run).where(Run.run_id == run.run_id).values(current_stage=stage.name)
                    )
                try:
                    outputs = await asyncio.to_thread(dr.execute, nodes, inputs=inputs, overrides=dict(results))
                finally:
                    records = recorder.drain()
                    if any(record.status == "failed" for record in records):
                        async with sessions.begin() as session:
                            await _record_nodes(session, run.run_id, stage.name, records, versions)
                        records = []
                results.update(outputs)
                async with sessions.begin() as session:
                    if stage.persist is not None:
                        await stage.persist(session, outputs, ctx)
                    await _record_nodes(session, run.run_id, stage.name, records, versions)
                    completed.append(stage.name)
                    await session.execute(
                        sa.update(Run)
                        .where(Run.run_id == run.run_id)
                        .values(completed_stages=list(completed), version=Run.version + 1)
                    )
                listener.stage_finished(stage.name)
                if stage.name == stop_after:
                    break
        except Exception as exc:  # the run records every failure; the CLI decides the exit code
            if log_path is not None:
                log_path.parent.mkdir(parents=True, exist_ok=True)
                log_path.write_text("".join(traceback.format_exception(exc)))
            error = exc if isinstance(exc, DataraumError) else DataraumError(f"{current} failed: {_one_line(exc)}")
            await _finish(sessions, run.run_id, "failed", error=str(error), summary=ctx.summary)
            return RunOutcome(run.run_id, "failed", error, ctx.summary, time.perf_counter() - started)
        finally:
            if con is not None:
                con.close()
        await _finish(sessions, run.run_id, "completed", error=None, summary=ctx.summary)
        return RunOutcome(run.run_id, "completed", None, ctx.summary, time.perf_counter() - started)
    finally:
        await engine.dispose()
