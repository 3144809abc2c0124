"""The stage runner: executes the DAG stage by stage, commits each stage, stops at gates.

For every stage it asks Hamilton for that stage's nodes, handing in earlier
results as overrides (nothing upstream is recomputed), then writes the stage's
results, its node-execution records, a checkpoint (node outputs as JSON) and the
run's progress in one metadata transaction.

A stage with a gate (a node tagged `gate=<review types>`) runs in two parts: the
gate node and what it needs first; the gate's proposals become review items and
a checkpoint; then, by the run's policy, the run pauses (`block`, when items are
open), goes on leaving them open (`defer`) or accepts them (`auto`). The rest of
the stage receives the decisions as the `review_decisions` input.

Run state you can trust (see pipeline/runstore.py): every metadata write goes through
one counted transaction helper (`_tx`), and every change of the run's row is a
compare-and-swap on its version. The gate's review items, its checkpoint and the run's
`paused` status commit in one transaction, so a kill at any moment never leaves a run
that passes a gate with open items. Ctrl-C stops before the next node (and interrupts
DuckDB); the run is recorded `interrupted` and the CLI exits 130. Faults of the machine
(full disk, read-only stores, bad URLs) fail the run with one line (exit 2).

`resume_run` marks runs whose process is gone `interrupted`, refuses a run that a newer
completed run superseded or whose DuckDB tables another run has rewritten since (the
workspace's write log, storage/workspace.py), finds database passwords where the first
run found them (pipeline/source_secrets.py), claims the run with a compare-and-swap
plus a lease (host, pid, expiry), refuses upstream code drift, loads the checkpointed
outputs as overrides and continues after the gate (or with the first uncommitted stage).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import socket
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import duckdb
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dataraum_context import __version__
from dataraum_context.config import Settings
from dataraum_context.errors import DataraumError, MetadataStoreError, SourceError, UserError
from dataraum_context.pipeline import extension, gates, history
from dataraum_context.contracts.run_context import RunContext
from dataraum_context.pipeline.db_models import Checkpoint, NodeExecution, Run
from dataraum_context.pipeline.graph import build_driver, dag_inputs, graph_fingerprint, node_versions, nodes_by_stage
from dataraum_context.pipeline.hooks import NodeRecord, NodeRecorder
from dataraum_context.pipeline.memo import NodeMemo
from dataraum_context.pipeline.runstore import (
    RunLostError, RunStore, latest_resumable, prune_results, reap_dead_runs, superseding_run, transition,
)
from dataraum_context.contracts.review import ReviewDecisions
from dataraum_context.pipeline.source_secrets import expand, origin_of, resume_paths, stored_form
from dataraum_context.pipeline.results import put_results
from dataraum_context.pipeline.serialize import dump_of_part, dump_outputs, load_outputs, node_types
from dataraum_context.pipeline.startup import startup_done
from dataraum_context.pipeline.stages import STAGES, StageSpec
from dataraum_context.storage.base import new_id, utcnow
from dataraum_context.storage.engine import create_engine, parse_url, session_factory
from dataraum_context.pipeline.stages import init_store
from dataraum_context.storage.workspace import (
    WorkspaceLock, last_write, open_workspace, record_write, stamp_tables, table_stamps,
)

LEASE_SECONDS = 120
HEARTBEAT_SECONDS = 20
# Settings that are not part of a run's recorded options (where it runs, not what it does).
_LOCAL_SETTINGS = {
    "workspace", "metadata_url", "keep_runs", "query_timeout_seconds", "table_parallelism", "duckdb_compress_text",
}


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


class RunInterrupted(DataraumError):
    """The run was stopped by Ctrl-C (SIGINT); it can be resumed."""

    exit_code = 130


@dataclass
class RunOutcome:
    run_id: uuid.UUID | None
    status: str  # completed | paused | failed | interrupted | claimed-elsewhere | noop
    error: DataraumError | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    message: str | None = None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_FAULT_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO}
_FAULT_WORDS = ("no space left", "disk is full", "disk full", "read-only", "readonly", "permission denied", "could not write")


def environment_fault(exc: BaseException) -> UserError | None:
    """Ordinary faults of the machine (full disk, read-only files or folders, an unreachable
    or unwritable metadata store) as one line for exit code 2; None for anything else."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _FAULT_ERRNOS:
        where = f": {exc.filename}" if exc.filename else ""
        return UserError(f"{exc.strerror or exc}{where}")
    if isinstance(exc, SQLAlchemyError):
        reason = _one_line(getattr(exc, "orig", None) or exc)
        if "autoflush" in reason and getattr(exc, "orig", None) is None:
            reason = "write failed"
        return MetadataStoreError(f"metadata store: {reason}")
    if isinstance(exc, duckdb.Error) and any(word in str(exc).lower() for word in _FAULT_WORDS):
        return UserError(f"workspace database: {_one_line(exc)}")
    return None


@contextlib.contextmanager
def _faults_as_user_errors() -> Any:
    """Outside a stage (opening stores, claiming, recording the end): faults are one line."""
    try:
        yield
    except DataraumError:
        raise
    except Exception as exc:
        fault = environment_fault(exc)
        if fault is None:
            raise
        raise fault from None


def _check_source_urls(paths: list[str]) -> None:
    for path in paths:
        if "://" in path:
            parse_url(path, "source URL", SourceError)


def run_options(settings: Settings) -> dict[str, Any]:
    """What a run was configured with (recorded, and used again on resume)."""
    return settings.model_dump(mode="json", exclude=_LOCAL_SETTINGS)


class _Executor:
    """Drives one run in this process."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        listener: ProgressListener | None,
        log_path: Path | None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.store = RunStore(sessions)
        self.version = 0  # the run row's version as this process last committed it
        self._next_version: int | None = None
        self.stop = threading.Event()  # set by Ctrl-C; checked before every node
        self.listener = listener or _Silent()
        self.log_path = log_path
        self.recorder = NodeRecorder()
        self.recorder.listener = self.listener
        self.memo = NodeMemo({}, {}, self.recorder.note)
        self.memo.enabled = settings.reuse_unchanged
        self.memo.stop = self.stop
        self.memo.parallelism = settings.table_parallelism
        self.dr = build_driver([self.recorder, self.memo], settings.modules)
        self.versions = node_versions(self.dr)
        self.types = node_types(self.dr)
        self.memo.versions, self.memo.node_types = self.versions, self.types
        self.memo.never = {
            n.name
            for n in self.dr.list_available_variables()
            if n.originating_functions and extension.is_custom_module(n.originating_functions[0].__module__)
        }
        self.stage_nodes = nodes_by_stage(self.dr)
        self.results: dict[str, Any] = {}
        # name -> (the value, its checked JSON) of this stage's dumped outputs: a gate's outputs
        # are stored again with the stage, and memo entries are whole outputs or slices of them.
        self._dumps: dict[str, tuple[Any, Any]] = {}
        self.decisions = ReviewDecisions()
        self.con: Any = None
        self.run_id: uuid.UUID | None = None
        self.ctx: RunContext | None = None
        self.current_stage = "run"
        self.memo_run: uuid.UUID | None = None  # the run whose results the memo offers
        self.keep_runs = settings.keep_runs

    # ------------------------------------------------------------------ metadata writes

    async def _record_nodes(self, session: AsyncSession, stage: str, records: list[NodeRecord]) -> None:
        for record in records:
            session.add(
                NodeExecution(
                    run_id=self.run_id,
                    stage=stage,
                    node_name=record.node_name,
                    code_version=self.versions.get(record.node_name.split("[", 1)[0]),
                    inputs_hash=record.inputs_hash,
                    status=record.status,
                    started_at=record.started_at,
                    duration_ms=record.duration_ms,
                    error_message=record.error_message,
                )
            )

    @contextlib.asynccontextmanager
    async def _tx(self) -> Any:
        """One metadata transaction (counted by the run store); the run's version moves
        only when the transaction that changed it has committed."""
        self._next_version = None
        async with self.store.transaction() as session:
            yield session
        if self._next_version is not None:
            self.version = self._next_version
        self._next_version = None

    async def _set_run(self, session: AsyncSession, **values: Any) -> None:
        """Change the run's row: compare-and-swap on its version (inside `_tx`)."""
        assert self.run_id is not None
        current = self._next_version if self._next_version is not None else self.version
        self._next_version = await transition(session, self.run_id, current, **values)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            async with self.sessions.begin() as session:
                await session.execute(
                    sa.update(Run)
                    .where(Run.run_id == self.run_id, Run.status == "running", Run.lease_pid == os.getpid())
                    .values(lease_expires_at=utcnow() + timedelta(seconds=LEASE_SECONDS))
                )

    # ------------------------------------------------------------------ execution

    def _inputs(self, paths: list[str]) -> dict[str, Any]:
        return dag_inputs(self.settings, paths, self.con, self.decisions)

    async def _execute(self, stage: str, names: list[str], paths: list[str]) -> tuple[dict[str, Any], list[NodeRecord]]:
        """Run `names` (earlier results as overrides); failed node records are committed at once."""
        try:
            outputs = await asyncio.to_thread(
                self.dr.execute, names, inputs=self._inputs(paths), overrides=dict(self.results)
            )
        finally:
            records = self.recorder.drain()
            if any(record.status == "failed" for record in records):
                async with self._tx() as session:
                    await self._record_nodes(session, stage, records)
                records = []
        self.results.update(outputs)
        return outputs, records

    def _split(self, stage: StageSpec) -> tuple[list[str], list[str], list[str]]:
        """(gate nodes, nodes to run before the gate (gates included), all stage nodes)."""
        nodes = [n.name for n in self.stage_nodes[stage.name]]
        gate_nodes = [n.name for n in self.stage_nodes[stage.name] if n.tags.get("gate")]
        if not gate_nodes:
            return [], [], nodes
        upstream = {n.name for n in self.dr.what_is_upstream_of(*gate_nodes)}
        return gate_nodes, [n for n in nodes if n in upstream], nodes

    async def drive(self, paths: list[str], *, start: int, gate_passed: bool, stop_after: str | None) -> RunOutcome:
        """Execute stages from index `start`; returns completed or paused (raises on failure)."""
        assert self.ctx is not None
        for stage in STAGES[start:]:
            gate_nodes, pre, nodes = self._split(stage)
            if not nodes:
                continue
            self.current_stage = stage.name
            self.listener.stage_started(stage.name, len(nodes))
            async with self._tx() as session:
                await self._set_run(session, current_stage=stage.name)
            record_write(self.con, str(self.run_id), stage.name)
            records: list[NodeRecord] = []
            if gate_nodes and not gate_passed:
                pre_outputs, records = await self._execute(stage.name, pre, paths)
                pending = await self._gate(stage, gate_nodes, pre_outputs, records)
                records = []
                if pending:
                    return self._paused(stage, pending)
            gate_passed = False
            rest = [n for n in nodes if n not in self.results]
            outputs, more = await self._execute(stage.name, rest, paths) if rest else ({}, [])
            records += more
            stage_outputs = {n: self.results[n] for n in nodes if n in self.results}
            stamps = stamp_tables(self.con, str(self.run_id))
            async with self._tx() as session:
                refs = await stage.persist(session, stage_outputs, self.ctx) if stage.persist else {}
                await self._record_nodes(session, stage.name, records)
                checkpoint = Checkpoint(
                    checkpoint_id=new_id(), run_id=self.run_id, dataflow_name=stage.name, status="completed",
                    checkpoint_type="stage", completed_at=utcnow(),
                )
                session.add(checkpoint)
                saved = await self._save_results(session, checkpoint.checkpoint_id, stage_outputs, nodes)
                self._dumps.clear()
                checkpoint.checkpoint_state = {
                    "stage": stage.name, "phase": "stage", **saved, "refs": refs, "tables": stamps,
                }
                completed = await self._completed(session)
                # The summary goes with the stage: a run killed later and resumed still knows its tables.
                await self._set_run(session, completed_stages=[*completed, stage.name], summary=self.ctx.summary)
            self.listener.stage_finished(stage.name)
            if stage.name == stop_after:
                break
        return RunOutcome(self.run_id, "completed", None, self.ctx.summary)

    async def _save_results(
        self, session: AsyncSession, checkpoint_id: uuid.UUID, outputs: dict[str, Any], memo_nodes: list[str]
    ) -> dict[str, Any]:
        """Store a checkpoint's node outputs and this run's memo entries of `memo_nodes`
        (whole or per table, for the next run to reuse) in the result store; returns the
        references the checkpoint's state keeps (see pipeline/results.py)."""
        dumped = self._dump(outputs)
        wanted = set(memo_nodes)
        memo: dict[str, tuple[str, Any]] = {}
        for key, entry in list(self.memo.fresh.items()):
            if entry["node"] in wanted:
                memo[key] = (entry["node"], self._dump_part(entry["node"], entry["value"]))
                del self.memo.fresh[key]
        values = {f"out:{name}": value for name, value in dumped.items()}
        values.update({f"memo:{key}": value for key, (_, value) in memo.items()})
        hashes = await put_results(session, checkpoint_id, values)
        return {
            "results": {name: hashes[f"out:{name}"] for name in dumped},
            "memo": {key: {"node": node, "result": hashes[f"memo:{key}"]} for key, (node, _) in memo.items()},
        }

    def _dump(self, outputs: dict[str, Any]) -> dict[str, Any]:
        """`dump_outputs` of `outputs`, each value dumped (and checked) once per stage."""
        todo = {name: value for name, value in outputs.items() if not self._dumped(name, value)}
        for name, data in dump_outputs(self.types, todo).items():
            self._dumps[name] = (todo[name], data)
        return {name: self._dumps[name][1] for name in outputs}

    def _dumped(self, name: str, value: Any) -> bool:
        held = self._dumps.get(name)
        return held is not None and held[0] is value

    def _dump_part(self, name: str, value: Any) -> Any:
        """The JSON of a memo entry of node `name`: the node's whole output, or one table's
        slice of it (the same item objects), is taken from the output's checked dump (a list
        or dict dumps item by item); anything else is dumped and checked on its own."""
        held = self._dumps.get(name)
        if held is not None:
            found, data = dump_of_part(value, *held)
            if found:
                return data
        return dump_outputs(self.types, {name: value})[name]

    async def _completed(self, session: AsyncSession) -> list[str]:
        run = (await session.execute(sa.select(Run.completed_stages).where(Run.run_id == self.run_id))).scalar_one()
        return list(run or [])

    async def _gate(
        self, stage: StageSpec, gate_nodes: list[str], pre_outputs: dict[str, Any], records: list[NodeRecord]
    ) -> int:
        """Store the gate's proposals and checkpoint; apply `auto`; under `block` with open
        items, pause the run. All in one transaction: the items, the checkpoint and the
        run's `paused` status commit together or not at all. Returns the count the run
        pauses for (0: go on)."""
        assert self.ctx is not None
        proposals = [p for name in gate_nodes for p in (pre_outputs.get(name) or [])]
        review_types = sorted({t for name in gate_nodes for t in gates.gate_types(self.stage_nodes[stage.name], name)})
        stamps = stamp_tables(self.con, str(self.run_id))
        async with self._tx() as session:
            await self._record_nodes(session, stage.name, records)
            pending_items = await gates.store_proposals(session, self.run_id, stage.name, proposals, self.decisions)
            if pending_items and self.settings.review == "auto":
                self.decisions.items.extend(await gates.auto_approve(session, pending_items))
                pending_items = []
            checkpoint = Checkpoint(
                checkpoint_id=new_id(), run_id=self.run_id, dataflow_name=stage.name,
                status="pending_review" if pending_items else "approved", checkpoint_type=",".join(review_types),
            )
            session.add(checkpoint)
            saved = await self._save_results(session, checkpoint.checkpoint_id, pre_outputs, list(pre_outputs))
            checkpoint.checkpoint_state = {
                "stage": stage.name, "phase": "gate", **saved, "tables": stamps,
                "proposals": len(proposals), "pending": len(pending_items),
            }
            pause_for = len(pending_items) if self.settings.review == "block" else 0
            if pause_for:
                summary = {**self.ctx.summary, "paused_at": stage.name, "review_pending": pause_for}
                await self._set_run(
                    session, status="paused", current_stage=stage.name, summary=summary,
                    lease_host=None, lease_pid=None, lease_expires_at=None,
                )
        if pause_for:
            self.ctx.summary.update(paused_at=stage.name, review_pending=pause_for)
        return pause_for

    def _paused(self, stage: StageSpec, pending: int) -> RunOutcome:
        assert self.ctx is not None
        self.listener.stage_finished(stage.name)
        return RunOutcome(
            self.run_id, "paused", None, self.ctx.summary,
            message=f"paused at {stage.name}: {pending} review item(s) to decide (dataraum review list)",
        )

    async def finish(self, outcome: RunOutcome) -> None:
        """Record how the run ended (one transaction; a paused run was recorded at its gate)."""
        if self.run_id is None or outcome.status == "paused":
            return
        async with self._tx() as session:
            outcome.summary["review_pending"] = await gates.pending_count(session, self.run_id)
            outcome.summary["quality_changes"] = await history.quality_changes(session, self.run_id)
            values: dict[str, Any] = {
                "summary": outcome.summary, "status": outcome.status, "current_stage": None,
                "error_message": str(outcome.error) if outcome.error else None,
                "lease_host": None, "lease_pid": None, "lease_expires_at": None,
            }
            if outcome.status in ("completed", "failed"):
                values["finished_at"] = utcnow()
            else:  # interrupted: where it stopped, for status and resume
                values["current_stage"] = self.current_stage
            await self._set_run(session, **values)
            if outcome.status in ("completed", "failed"):
                await prune_results(session, self.keep_runs)

    async def guarded(self, paths: list[str], *, start: int, gate_passed: bool, stop_after: str | None) -> RunOutcome:
        """`drive` with the workspace open, a heartbeat, and failures recorded on the run."""
        assert self.ctx is not None
        heartbeat = asyncio.create_task(self._heartbeat())
        loop = asyncio.get_running_loop()
        sigint = False
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGINT, self._interrupt)
                sigint = True
        try:
            self.con = open_workspace(
                self.settings.duckdb_path, memory_limit=self.settings.duckdb_memory_limit,
                compress_text=self.settings.duckdb_compress_text,
            )
            writer = last_write(self.con)
            if self.memo_run is not None and writer is not None and writer[0] != str(self.memo_run):
                self.memo.load({})  # the tables the offered results name were rewritten since
            startup_done()
            outcome = await self.drive(paths, start=start, gate_passed=gate_passed, stop_after=stop_after)
        except RunLostError as exc:
            # Someone else owns the run now: record nothing more on it.
            outcome = RunOutcome(self.run_id, "claimed-elsewhere", None, self.ctx.summary, message=str(exc))
        except Exception as exc:  # the run records every failure; the CLI decides the exit code
            if self.stop.is_set():
                message = (
                    f"run {self.run_id} interrupted (Ctrl-C) during {self.current_stage}; "
                    "`dataraum resume` continues it"
                )
                outcome = RunOutcome(self.run_id, "interrupted", RunInterrupted(message), self.ctx.summary)
                await self._finish_safely(outcome)
                return outcome
            if self.log_path is not None:
                with contextlib.suppress(OSError):  # a full disk must not hide the error itself
                    self.log_path.parent.mkdir(parents=True, exist_ok=True)
                    self.log_path.write_text("".join(traceback.format_exception(exc)))
            fault = environment_fault(exc)
            if isinstance(exc, DataraumError):
                error = exc
            elif fault is not None:
                error = type(fault)(f"{self.current_stage} failed: {fault}")
            else:
                error = DataraumError(f"{self.current_stage} failed: {_one_line(exc)}")
            outcome = RunOutcome(self.run_id, "failed", error, self.ctx.summary)
        finally:
            if sigint:
                loop.remove_signal_handler(signal.SIGINT)
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            if self.con is not None:
                self.con.close()
                self.con = None
        if outcome.status != "claimed-elsewhere":
            await self._finish_safely(outcome)
        return outcome

    async def _finish_safely(self, outcome: RunOutcome) -> None:
        try:
            await self.finish(outcome)
        except RunLostError as exc:
            outcome.status, outcome.message = "claimed-elsewhere", str(exc)
        except Exception as exc:  # the store cannot record the end: say why, keep the first error
            fault = environment_fault(exc)
            if fault is None:
                raise
            if outcome.error is None:
                outcome.status, outcome.error = "failed", fault

    def _interrupt(self) -> None:
        """Ctrl-C: stop before the next node and interrupt the running DuckDB query; the
        worker thread then ends with an error and the run is recorded as interrupted."""
        self.stop.set()
        if self.con is not None:
            with contextlib.suppress(Exception):
                self.con.interrupt()
        self.memo.interrupt()  # the cursors of tables running in parallel


async def execute_run(
    settings: Settings,
    paths: list[str],
    listener: ProgressListener | None = None,
    log_path: Path | None = None,
    *,
    stop_after: str | None = None,
    decisions: ReviewDecisions | None = None,
) -> RunOutcome:
    """Run the flow on `paths` (all stages, or up to `stop_after`). Earlier human decisions
    about the same targets are re-applied (decision memory); `decisions` adds more up front.
    Never raises for a failing stage: the outcome says. Faults of the machine (full disk,
    read-only stores, a bad URL) raise a one-line `UserError`."""
    _check_source_urls(list(paths))
    readable = [expand(p) for p in paths]  # `${VAR}` in a URL: the secret, read now, never stored
    with _faults_as_user_errors():
        return await _execute_run(
            settings, list(paths), readable, listener, log_path, stop_after=stop_after, decisions=decisions
        )


async def _execute_run(
    settings: Settings,
    paths: list[str],
    readable: list[str],
    listener: ProgressListener | None,
    log_path: Path | None,
    *,
    stop_after: str | None,
    decisions: ReviewDecisions | None,
) -> RunOutcome:
    started = time.perf_counter()
    engine = create_engine(settings.resolved_metadata_url)
    lock = WorkspaceLock(settings.workspace, settings.lock_timeout_seconds)
    try:
        await init_store(engine)
        await lock.acquire()
        sessions = session_factory(engine)
        executor = _Executor(settings, sessions, listener, log_path)
        options = run_options(settings)
        run = Run(
            status="running",
            review_policy=settings.review,
            # Database URLs may carry passwords: never stored; where they came from is.
            paths=[stored_form(p) for p in paths],
            options={**options, "source_secrets": [origin_of(p) for p in paths]},
            graph_fingerprint=graph_fingerprint(executor.dr, options, executor.versions),
            dataraum_version=__version__,
            version=0,
            lease_host=socket.gethostname(),
            lease_pid=os.getpid(),
            lease_expires_at=utcnow() + timedelta(seconds=LEASE_SECONDS),
        )
        async with executor.store.transaction() as session:
            await reap_dead_runs(session)
            executor.memo_run, entries = await gates.previous_memo(session)
            executor.memo.load(entries)
            session.add(run)
            executor.decisions = await gates.remembered_decisions(session)
        if decisions is not None:
            executor.decisions.items.extend(decisions.items)
        executor.run_id = run.run_id
        executor.ctx = RunContext(
            run_id=run.run_id, workspace=settings.workspace, duckdb_path=settings.duckdb_path,
            review_policy=settings.review, options=options,
        )
        outcome = await executor.guarded(readable, start=0, gate_passed=False, stop_after=stop_after)
        outcome.duration_s = time.perf_counter() - started
        return outcome
    finally:
        lock.release()
        await engine.dispose()


async def _find_resumable(session: AsyncSession, run_id: uuid.UUID | None) -> Run | None:
    if run_id is not None:
        run = await session.get(Run, run_id)
        if run is None:
            raise UserError(f"no run {run_id}")
        return run
    return await latest_resumable(session)


def _refuse_stale(run: Run, duckdb_path: Path, saved_stamps: dict[str, str] | None) -> None:
    """Refuse to resume a run after another run wrote the workspace: its saved results
    name DuckDB tables that now hold that run's data."""
    if saved_stamps is None or not duckdb_path.exists():
        return  # nothing saved (it starts over), or no workspace data yet
    con = open_workspace(duckdb_path, read_only=True)
    try:
        writer = last_write(con)
        current = table_stamps(con)
    finally:
        con.close()
    if writer is None or writer[0] == str(run.run_id):
        return
    changed = sorted(t for t, stamp in saved_stamps.items() if current.get(t) != stamp)
    tables = f"; tables replaced: {', '.join(changed[:4])}{' ...' if len(changed) > 4 else ''}" if changed else ""
    raise UserError(
        f"run {run.run_id} cannot be resumed: run {writer[0]} wrote the workspace after it "
        f"({writer[1]}){tables}; its saved results would read that run's tables; start a new run instead"
    )


def _check_drift(stored: dict[str, Any] | None, current: dict[str, str], executed: set[str]) -> str | None:
    stored_nodes = (stored or {}).get("nodes", {})
    for name in sorted(executed):
        if name in stored_nodes and stored_nodes[name] != current.get(name):
            return name
    return None


async def resume_run(
    settings: Settings,
    run_id: uuid.UUID | None = None,
    listener: ProgressListener | None = None,
    log_path: Path | None = None,
    *,
    force: bool = False,
    source_urls: list[str] | None = None,
) -> RunOutcome:
    """Resume a paused (or interrupted) run; see the module docstring. `source_urls` give
    database URLs again (with their password) when the first run had them on the command line."""
    with _faults_as_user_errors():
        return await _resume_run(settings, run_id, listener, log_path, force=force, source_urls=source_urls or [])


async def _resume_run(
    settings: Settings,
    run_id: uuid.UUID | None,
    listener: ProgressListener | None,
    log_path: Path | None,
    *,
    force: bool,
    source_urls: list[str],
) -> RunOutcome:
    started = time.perf_counter()
    engine = create_engine(settings.resolved_metadata_url)
    lock = WorkspaceLock(settings.workspace, settings.lock_timeout_seconds)
    try:
        await init_store(engine)
        await lock.acquire()
        sessions = session_factory(engine)
        store = RunStore(sessions)
        async with store.transaction() as session:
            await reap_dead_runs(session)
        async with sessions() as session:
            run = await _find_resumable(session, run_id)
            if run is None:
                return RunOutcome(None, "noop", message="no paused or interrupted run to resume")
            if run.status == "completed":
                return RunOutcome(run.run_id, "noop", message=f"run {run.run_id} is already completed; nothing to resume")
            if run.status == "failed":
                raise UserError(f"run {run.run_id} failed ({run.error_message}); start a new run instead")
            if run.status == "running":
                return RunOutcome(
                    run.run_id, "claimed-elsewhere",
                    message=f"run {run.run_id} is being executed by {run.lease_host}:{run.lease_pid}",
                )
            newer = await superseding_run(session, run)
            if newer is not None:
                raise UserError(
                    f"run {run.run_id} is superseded by run {newer.run_id} (completed "
                    f"{newer.started_at:%Y-%m-%d %H:%M:%S} UTC); start a new run instead of resuming it"
                )
            open_items = await gates.pending_count(session, run.run_id)
            if open_items and run.review_policy == "block" and run.status == "paused":
                return RunOutcome(
                    run.run_id, "paused", summary=dict(run.summary or {}),
                    message=f"run {run.run_id} still has {open_items} pending review item(s); "
                    "decide them first (dataraum review list)",
                )
            _refuse_stale(run, settings.duckdb_path, await gates.last_table_stamps(session, run.run_id))
            version, status = run.version, run.status
            readable = resume_paths(
                run.run_id, list(run.paths or []), (run.options or {}).get("source_secrets"), source_urls
            )
        # Claim: compare-and-swap on (status, version) plus a lease for this process.
        async with store.transaction() as session:
            claimed = await session.execute(
                sa.update(Run)
                .where(Run.run_id == run.run_id, Run.status == status, Run.version == version)
                .values(
                    status="running", version=version + 1, lease_host=socket.gethostname(),
                    lease_pid=os.getpid(), lease_expires_at=utcnow() + timedelta(seconds=LEASE_SECONDS),
                )
            )
        if claimed.rowcount != 1:
            return RunOutcome(run.run_id, "claimed-elsewhere", message=f"run {run.run_id} is being resumed by another process or is done")

        options = {k: v for k, v in (run.options or {}).items() if k != "source_secrets"}
        resumed_settings = Settings(
            **{k: v for k, v in options.items() if k in Settings.model_fields},
            workspace=settings.workspace, metadata_url=settings.metadata_url,
            table_parallelism=settings.table_parallelism,
        )
        executor = _Executor(resumed_settings, sessions, listener, log_path)
        executor.keep_runs = settings.keep_runs
        executor.store = store  # one commit count for the whole process
        executor.run_id, executor.version = run.run_id, version + 1
        executor.ctx = RunContext(
            run_id=run.run_id, workspace=settings.workspace, duckdb_path=resumed_settings.duckdb_path,
            review_policy=run.review_policy, options=options, summary=dict(run.summary or {}),
        )
        executor.ctx.summary.pop("paused_at", None)
        async with sessions() as session:
            saved, gate_stage = await gates.saved_outputs(session, run.run_id, list(run.completed_stages or []))
            executor.decisions = await gates.run_decisions(session, run.run_id)
        drifted = _check_drift(run.graph_fingerprint, executor.versions, set(saved))
        if drifted and not force:
            async with executor._tx() as session:
                await executor._set_run(session, status=status, lease_host=None, lease_pid=None, lease_expires_at=None)
            raise UserError(
                f"code changed upstream of where run {run.run_id} stopped (node {drifted!r}); "
                "start a new run, or resume with --force to continue with the new code"
            )
        executor.results = load_outputs(executor.types, saved)
        completed = list(run.completed_stages or [])
        names = [s.name for s in STAGES]
        start = next((i for i, name in enumerate(names) if name not in completed), len(names))
        gate_passed = gate_stage is not None and start < len(names) and names[start] == gate_stage
        if gate_passed and run.review_policy == "auto":
            async with executor._tx() as session:
                executor.decisions.items.extend(await gates.auto_approve(session, await gates.pending_items(session, run.run_id)))
        elif gate_passed and run.review_policy == "block":
            # Never pass a gate with open items under `block` (whatever state the run was left in).
            async with executor._tx() as session:
                open_items = await gates.pending_count(session, run.run_id)
                if open_items:
                    await executor._set_run(
                        session, status="paused", current_stage=gate_stage,
                        lease_host=None, lease_pid=None, lease_expires_at=None,
                    )
            if open_items:
                return RunOutcome(
                    run.run_id, "paused", summary=executor.ctx.summary,
                    message=f"run {run.run_id} waits at {gate_stage}: {open_items} review item(s) to decide (dataraum review list)",
                )
        outcome = await executor.guarded(readable, start=start, gate_passed=gate_passed, stop_after=None)
        outcome.duration_s = time.perf_counter() - started
        return outcome
    finally:
        lock.release()
        await engine.dispose()
