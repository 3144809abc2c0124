"""A gated run killed at every metadata commit boundary recovers to the same document.

`DATARAUM_FAULT_EXIT_AT_COMMIT=N` makes a `dataraum` process exit (no cleanup, like a
kill) right after its Nth metadata commit. For every N of the first run (which pauses
at the type gate under `--review block`) and of the resume after the decision, the test
kills the process there, then resumes (deciding whatever is pending) until the run is
done, and checks:

- the context document equals that of an uninterrupted run with the same decisions;
- no pending review item is ever passed: after every process, a run that completed
  the gated stage has no pending item.

The decision is a rejection (the column stays text), so a gate passed without it
shows in the document. SQLite and PostgreSQL.

To keep the process count down, the resume phase starts every case from one paused and
decided workspace, copied (PostgreSQL: `CREATE DATABASE ... TEMPLATE`), and reads of the
store happen in this process.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from helpers import DEMO_DATA, CliResult, metadata_rows, run_cli

FAULT = "DATARAUM_FAULT_EXIT_AT_COMMIT"
FAULT_EXIT = 86
GATED_STAGE = "type_resolution"
pytestmark = pytest.mark.slow
PG_DSN = os.environ.get("DATARAUM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _clone_database(url: str) -> tuple[str, str]:
    """A copy of the PostgreSQL database at `url` (CREATE DATABASE ... TEMPLATE); its URL."""
    import asyncpg

    source = url.rsplit("/", 1)[1]
    target = f"dataraum_test_{uuid.uuid4().hex[:10]}"

    async def go() -> None:
        con = await asyncpg.connect(PG_DSN, timeout=10)
        try:
            await con.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        finally:
            await con.close()

    asyncio.run(go())
    return f"{url.rsplit('/', 1)[0]}/{target}", target


class Scenario:
    """One workspace (and, on PostgreSQL, one database) driven through the CLI."""

    def __init__(self, tmp_path: Path, name: str, metadata_url: str | None, data: Path) -> None:
        self.cwd = tmp_path
        self.data = data
        self.env = {"DATARAUM_WORKSPACE": str(tmp_path / name), "DATARAUM_USER": "tester"}
        if metadata_url:
            self.env["DATARAUM_METADATA_URL"] = metadata_url
        self.log: list[str] = []

    def cli(self, *args: str, fault: int | None = None) -> CliResult:
        env = dict(self.env)
        if fault is not None:
            env[FAULT] = str(fault)
        result = run_cli(*args, cwd=self.cwd, env=env, timeout=600)
        self.log.append(f"{' '.join(args[:2])} fault={fault} -> {result.returncode}: {result.stderr.strip()[-300:]}")
        self.check_no_pending_passed()
        return result

    def check_no_pending_passed(self) -> None:
        if "DATARAUM_METADATA_URL" not in self.env and not (Path(self.env["DATARAUM_WORKSPACE"]) / "metadata.db").exists():
            return
        try:
            runs = metadata_rows(self.env, "SELECT run_id, completed_stages FROM runs")
        except Exception:  # noqa: BLE001 - the store may not exist yet (killed at its creation)
            return
        for run_id, stages in runs:
            stages = json.loads(stages) if isinstance(stages, str) else (stages or [])
            if GATED_STAGE in stages:
                [(open_items,)] = metadata_rows(
                    self.env, "SELECT count(*) FROM review_queue WHERE run_id = :id AND status = 'pending'", {"id": run_id}
                )
                assert open_items == 0, f"{GATED_STAGE} completed with {open_items} pending item(s)\n" + "\n".join(self.log)

    def decide(self) -> None:
        """Reject every pending item (its column stays text)."""
        ids = [str(uuid.UUID(str(row[0]))) for row in metadata_rows(self.env, "SELECT review_id FROM review_queue WHERE status = 'pending'")]
        assert ids, "paused without pending items\n" + "\n".join(self.log)
        decided = self.cli("review", "reject", *ids, "--reason", "kept as text")
        assert decided.returncode == 0, decided.stderr

    def resume_until_done(self) -> None:
        for _ in range(6):
            result = self.cli("resume", "--json")
            assert result.returncode in (0, 3), "\n".join(self.log)
            status = json.loads(result.stdout)["status"]
            if result.returncode == 3:
                self.decide()
                continue
            if status in ("completed", "noop"):
                return
        raise AssertionError("resume did not finish\n" + "\n".join(self.log))

    def document(self) -> dict[str, Any]:
        from dataraum_context.context.document import build_context
        from dataraum_context.storage.engine import create_engine, session_factory

        url = self.env.get("DATARAUM_METADATA_URL") or f"sqlite+aiosqlite:///{Path(self.env['DATARAUM_WORKSPACE']) / 'metadata.db'}"

        async def go() -> dict[str, Any]:
            engine = create_engine(url)
            try:
                async with session_factory(engine)() as session:
                    return await build_context(session)
            finally:
                await engine.dispose()

        return _strip(json.loads(json.dumps(asyncio.run(go()), default=str)))

    def clone(self, name: str, pg_databases: Any) -> Scenario:
        """A copy of this (idle) workspace and store."""
        url = None
        if "DATARAUM_METADATA_URL" in self.env:
            url, target = _clone_database(self.env["DATARAUM_METADATA_URL"])
            pg_databases.names.append(target)  # dropped at the end of the session
        shutil.copytree(self.env["DATARAUM_WORKSPACE"], self.cwd / name)
        return Scenario(self.cwd, name, url, self.data)

    def final_run_status(self) -> list[str]:
        return [row[0] for row in metadata_rows(self.env, "SELECT status FROM runs")]


def _strip(doc: dict[str, Any]) -> dict[str, Any]:
    """The document, ids and times aside."""
    text = json.dumps({k: v for k, v in doc.items() if k != "run"}, sort_keys=True)
    doc = json.loads(text)

    def drop(value: Any) -> Any:  # provenance ids and times (who and why stay)
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k not in ("id", "review_id", "at", "reviewed_at", "created_at")}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    return drop(doc)


@pytest.mark.parametrize("phase", ["run", "resume"])
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_at_every_commit_boundary(tmp_path: Path, backend: str, phase: str, request: pytest.FixtureRequest) -> None:
    # Two of the demo's tables: a type gate (orders.total_amount) and a relationship
    # between them; the commit boundaries are those of the whole flow, each process is cheaper.
    # One test per phase (the first run, the resume after the decision), so that they run in parallel.
    data = tmp_path / "data"
    data.mkdir()
    for name in ("orders.csv", "customers.csv"):
        shutil.copy(DEMO_DATA / name, data / name)
    pg_databases = request.getfixturevalue("pg_databases") if backend == "postgres" else None

    def new(name: str) -> Scenario:
        url = pg_databases.create() if pg_databases is not None else None
        return Scenario(tmp_path, name, url, data)

    # A paused, decided workspace: the resume phase starts every case from a copy of it, and its
    # uninterrupted resume gives the expected document (the same decision).
    decided = new("decided")
    paused = decided.cli("run", str(data), "--json")
    assert paused.returncode == 3, paused.stderr
    decided.decide()
    clean = decided.clone("clean", pg_databases)
    clean.resume_until_done()
    expected = clean.document()
    columns = {(t["name"], c["name"]): c for t in expected["tables"] for c in t["columns"]}
    assert columns[("orders", "total_amount")]["resolved_type"] == "VARCHAR"

    n = 0
    while True:
        n += 1
        assert n < 60, "more commits than expected"
        if phase == "run":
            case = new(f"ws-{phase}-{n}")
            killed = case.cli("run", str(data), "--json", fault=n)
        else:
            case = decided.clone(f"ws-{phase}-{n}", pg_databases)
            killed = case.cli("resume", "--json", fault=n)
        if killed.returncode != FAULT_EXIT:
            # Past the last commit: this process ran uninterrupted.
            assert killed.returncode in (0, 3), "\n".join(case.log)
            break
        case.resume_until_done()
        assert case.document() == expected, f"{phase} killed after commit {n}\n" + "\n".join(case.log)
        assert case.final_run_status() == ["completed"], "\n".join(case.log)
    print(f"{backend}-{phase}: {n - 1} commit boundaries")
    # A gated run commits at least: run row, stage progress, gate (+pause); resume: claim ... finish.
    assert n - 1 >= (3 if phase == "run" else 5), (phase, n - 1)
