"""The run store: compare-and-swap transitions, reaping dead runs, counted commits."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from dataraum_context.pipeline.db_models import Run
from dataraum_context.pipeline.runstore import (
    FAULT_ENV, RunLostError, RunStore, latest_resumable, reap_dead_runs, superseding_run, transition,
)
from dataraum_context.storage.base import utcnow
from dataraum_context.storage.engine import create_engine, session_factory
from dataraum_context.pipeline.stages import init_store


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite+aiosqlite:///{tmp_path / 'metadata.db'}"


def test_transition_is_compare_and_swap(store_url: str) -> None:
    async def go() -> None:
        engine = create_engine(store_url)
        try:
            await init_store(engine)
            store = RunStore(session_factory(engine))
            run = Run(status="running", version=0, paths=[], completed_stages=[])
            async with store.transaction() as session:
                session.add(run)
            async with store.transaction() as session:
                assert await transition(session, run.run_id, 0, status="paused") == 1
            with pytest.raises(RunLostError):
                async with store.transaction() as session:
                    await transition(session, run.run_id, 0, status="completed")  # stale version
            async with store.sessions() as session:
                row = await session.get(Run, run.run_id)
                assert (row.status, row.version) == ("paused", 1)
            assert store.commits == 2  # the failed transaction did not commit
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_dead_runs_are_interrupted_and_newer_completed_runs_supersede(store_url: str) -> None:
    async def go() -> None:
        engine = create_engine(store_url)
        try:
            await init_store(engine)
            sessions = session_factory(engine)
            now = utcnow()
            host = socket.gethostname()
            dead = Run(status="running", version=3, paths=[], completed_stages=[], lease_host=host,
                       lease_pid=_dead_pid(), lease_expires_at=now + timedelta(minutes=5), started_at=now - timedelta(minutes=3))
            alive = Run(status="running", version=0, paths=[], completed_stages=[], lease_host=host,
                        lease_pid=os.getpid(), lease_expires_at=now + timedelta(minutes=5), started_at=now - timedelta(minutes=2))
            expired = Run(status="running", version=0, paths=[], completed_stages=[], lease_host="elsewhere",
                          lease_pid=1, lease_expires_at=now - timedelta(seconds=1), started_at=now - timedelta(minutes=1))
            async with sessions.begin() as session:
                session.add_all([dead, alive, expired])
            async with sessions.begin() as session:
                reaped = await reap_dead_runs(session)
            assert set(reaped) == {dead.run_id, expired.run_id}
            async with sessions() as session:
                statuses = {r.run_id: (r.status, r.version) for r in (await session.execute(sa.select(Run))).scalars()}
                assert statuses[dead.run_id] == ("interrupted", 4) and statuses[alive.run_id] == ("running", 0)
                assert (await latest_resumable(session)).run_id == expired.run_id
            newer = Run(status="completed", version=5, paths=[], completed_stages=[], started_at=now)
            async with sessions.begin() as session:
                session.add(newer)
            async with sessions() as session:
                old = await session.get(Run, dead.run_id)
                assert (await superseding_run(session, old)).run_id == newer.run_id
                assert await latest_resumable(session) is None
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_fault_hook_exits_after_the_nth_commit(tmp_path: Path) -> None:
    script = (
        "import asyncio\n"
        "from dataraum_context.pipeline.runstore import RunStore\n"
        "from dataraum_context.storage.engine import create_engine, session_factory\n"
        "import sqlalchemy as sa\n"
        "async def go():\n"
        f"    engine = create_engine('sqlite+aiosqlite:///{tmp_path / 'x.db'}')\n"
        "    store = RunStore(session_factory(engine))\n"
        "    for i in range(5):\n"
        "        async with store.transaction() as s:\n"
        "            await s.execute(sa.text('CREATE TABLE IF NOT EXISTS t (i int)'))\n"
        "            await s.execute(sa.text(f'INSERT INTO t VALUES ({i})'))\n"
        "        print(i, flush=True)\n"
        "asyncio.run(go())\n"
    )
    env = {**os.environ, FAULT_ENV: "3"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 86, done.stderr
    assert done.stdout.split() == ["0", "1"]  # exited right after the third commit, before printing
    import sqlite3

    with sqlite3.connect(tmp_path / "x.db") as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (3,)


def test_retention_keeps_recent_and_resumable_runs(store_url: str) -> None:
    from dataraum_context.pipeline.db_models import Checkpoint
    from dataraum_context.pipeline.runstore import prune_results

    async def go() -> None:
        engine = create_engine(store_url)
        try:
            await init_store(engine)
            sessions = session_factory(engine)
            now = utcnow()
            statuses = ["completed", "paused", "completed", "interrupted", "failed", "completed", "completed"]
            runs = [
                Run(status=s, version=0, paths=[], completed_stages=[], started_at=now - timedelta(minutes=10 - i))
                for i, s in enumerate(statuses)
            ]
            async with sessions.begin() as session:
                session.add_all(runs)
            async with sessions.begin() as session:
                for run in runs:
                    session.add(Checkpoint(run_id=run.run_id, dataflow_name="staging", status="completed",
                                           checkpoint_type="stage", checkpoint_state={"outputs": {"x": 1}}))
            async with sessions.begin() as session:
                assert await prune_results(session, keep=2) == 3
            async with sessions() as session:
                kept = set((await session.execute(sa.select(Checkpoint.run_id))).scalars())
            # the two most recent, the paused and the interrupted run
            assert kept == {runs[6].run_id, runs[5].run_id, runs[1].run_id, runs[3].run_id}
        finally:
            await engine.dispose()

    asyncio.run(go())
