"""The run store: every write of a run goes through one transaction helper, and every
change of a run's row is a compare-and-swap on its `version`.

- `RunStore.transaction()` is the only way the runner commits metadata. It counts the
  commits of this process; with `DATARAUM_FAULT_EXIT_AT_COMMIT=N` in the environment
  the process exits (`os._exit`, no cleanup, like a kill) right after the Nth commit.
  Tests use it to kill a run at every commit boundary.
- `transition()` updates `runs` with `WHERE run_id = ? AND version = ?` and checks the
  row count: a run that another process took over (or finished) is never overwritten.
- `reap_dead_runs()` marks `running` runs whose process is gone (pid dead on this host,
  or lease expired) as `interrupted`.
- `superseding_run()` names a newer completed run of the workspace, which makes an
  older paused or interrupted run obsolete.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dataraum_context.errors import DataraumError
from dataraum_context.pipeline.db_models import Checkpoint, Run
from dataraum_context.pipeline.results import prune_unreferenced
from dataraum_context.storage.base import utcnow

FAULT_ENV = "DATARAUM_FAULT_EXIT_AT_COMMIT"
FAULT_EXIT_CODE = 86
# Runs that may be resumed.
RESUMABLE = ("paused", "interrupted")


class RunLostError(DataraumError):
    """Another process changed the run (claimed, finished or reaped it) since we read it."""


def _fault_at() -> int | None:
    raw = os.environ.get(FAULT_ENV, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


class RunStore:
    """Metadata transactions of one process, counted (see the module docstring)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.commits = 0
        self.fault_at = _fault_at()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions.begin() as session:
            yield session
        self.commits += 1
        if self.fault_at is not None and self.commits >= self.fault_at:
            sys.stderr.write(f"fault injection: exit after metadata commit {self.commits}\n")
            sys.stderr.flush()
            os._exit(FAULT_EXIT_CODE)


async def transition(session: AsyncSession, run_id: uuid.UUID, version: int, **values: Any) -> int:
    """Compare-and-swap on the run's version; returns the new version (raises when lost)."""
    result = await session.execute(
        sa.update(Run).where(Run.run_id == run_id, Run.version == version).values(version=version + 1, **values)
    )
    if result.rowcount != 1:
        raise RunLostError(f"run {run_id} was changed by another process (claimed, finished or interrupted)")
    return version + 1


def lease_is_void(run: Run, now: datetime | None = None) -> bool:
    """A running run's lease is void when its process is gone (same host) or it expired."""
    if run.lease_pid is None and run.lease_host is None:
        return True
    if run.lease_host == socket.gethostname() and run.lease_pid is not None:
        try:
            os.kill(run.lease_pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
    return run.lease_expires_at is None or run.lease_expires_at < (now or utcnow())


async def reap_dead_runs(session: AsyncSession) -> list[uuid.UUID]:
    """Mark `running` runs whose process is gone as `interrupted` (compare-and-swap each)."""
    reaped: list[uuid.UUID] = []
    for run in (await session.execute(sa.select(Run).where(Run.status == "running"))).scalars().all():
        if not lease_is_void(run):
            continue
        result = await session.execute(
            sa.update(Run)
            .where(Run.run_id == run.run_id, Run.version == run.version, Run.status == "running")
            .values(
                status="interrupted", version=run.version + 1,
                error_message=f"interrupted: its process ({run.lease_host}:{run.lease_pid}) is gone",
                lease_host=None, lease_pid=None, lease_expires_at=None,
            )
        )
        if result.rowcount == 1:
            reaped.append(run.run_id)
    return reaped


async def superseding_run(session: AsyncSession, run: Run) -> Run | None:
    """The newest completed run started after `run`, if any."""
    return (
        await session.execute(
            sa.select(Run)
            .where(Run.status == "completed", Run.started_at > run.started_at, Run.run_id != run.run_id)
            .order_by(Run.started_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def latest_resumable(session: AsyncSession) -> Run | None:
    """The newest paused or interrupted run that no later completed run supersedes."""
    last_completed = (
        await session.execute(sa.select(sa.func.max(Run.started_at)).where(Run.status == "completed"))
    ).scalar_one_or_none()
    query = sa.select(Run).where(Run.status.in_(RESUMABLE)).order_by(Run.started_at.desc()).limit(1)
    if last_completed is not None:
        query = query.where(Run.started_at > last_completed)
    return (await session.execute(query)).scalar_one_or_none()


async def prune_results(session: AsyncSession, keep: int) -> int:
    """Delete the saved results of runs older than the `keep` most recent (their checkpoints,
    and stored node outputs no remaining checkpoint refers to), except runs that may still resume. Run rows,
    node records and review items stay (history, decision memory). Returns the count."""
    recent_ids = list((await session.execute(sa.select(Run.run_id).order_by(Run.started_at.desc()).limit(keep))).scalars())
    live = list(
        (await session.execute(sa.select(Run.run_id).where(Run.status.in_((*RESUMABLE, "running"))))).scalars()
    )
    keep_ids = set(recent_ids) | set(live)
    result = await session.execute(
        sa.delete(Checkpoint).where(Checkpoint.run_id.is_not(None), Checkpoint.run_id.not_in(keep_ids))
    )
    # Their references went with them (ON DELETE CASCADE); results nobody refers to now go too.
    await prune_unreferenced(session)
    return int(result.rowcount or 0)
