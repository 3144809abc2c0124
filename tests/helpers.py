"""Helpers shared by tests (importable as `helpers`: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dataraum_context.sqlutil import quote_ident

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "examples" / "demo" / "data"
REAL_TABLES = [
    REPO / "tests" / "corpus_slice" / "macrodata.csv",
    REPO / "tests" / "corpus_slice" / "penguins.csv",
    REPO / "tests" / "corpus_slice" / "seattle-weather.csv",
    REPO / "tests" / "corpus_slice" / "iowa-electricity.csv",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_invoice.csv.gz",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_track.csv.gz",
]
"""Real files with numbers, decimals, dates, times, nulls and text (a corpus slice and Chinook):
what the "same result as row by row" tests compare on."""
TIME_TABLES = [
    REPO / "tests" / "corpus_slice" / "iowa-electricity.csv",
    REPO / "tests" / "corpus_slice" / "seattle-weather.csv",
    REPO / "tests" / "corpus_slice" / "us-employment.csv",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_employee.csv.gz",
    REPO / "tests" / "fixtures" / "chinook" / "data" / "chinook_invoice.csv.gz",
]
"""Real files with time columns (yearly, monthly, daily, irregular, time-zoned, duplicates, nulls)."""


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300,
    process: bool = False,
) -> CliResult:
    """Run `dataraum` as a user would, from `cwd`, with the environment cleared of `DATARAUM_*`
    settings and `env` added.

    By default the command runs in this interpreter (`cli.main`, the function the script calls,
    with its own environment, working folder and captured stdout/stderr): the same code and
    the same exit codes, without a new interpreter's ~2 s of imports per call. A fault-injection
    variable (the process ends itself, as if killed) runs it in a forked child of this process:
    a process of its own, with the imports already done (`ForkedCli`, which concurrent commands
    use directly). `process=True` runs a real subprocess: for what needs one (signals, kills from
    outside, a fresh interpreter).
    """
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DATARAUM_")}
    full_env.update(env or {})
    if not process and hasattr(os, "fork") and any(k.startswith("DATARAUM_FAULT") for k in full_env):
        result = ForkedCli(list(args), cwd, full_env).wait(timeout)
    elif process or os.environ.get("DATARAUM_TEST_SUBPROCESS") or any(k.startswith("DATARAUM_FAULT") for k in full_env):
        proc = subprocess.run(
            [sys.executable, "-m", "dataraum_context", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    else:
        result = _run_in_process(list(args), cwd, full_env)
    if args and args[0] in ("run", "resume") and result.returncode in (0, 3, 4):
        assert_invariants(_workspace_of(args, full_env, cwd))
    return result


class ForkedCli:
    """`cli.main(argv)` running in a forked child of this (already warm) process: a process of its
    own, as concurrent commands need and as the fault injection needs (the child may end itself
    with `os._exit`), without a new interpreter's imports. `env` is the child's
    whole environment; stdout/stderr go through files, as a subprocess's would."""

    def __init__(self, argv: list[str], cwd: Path | None, env: dict[str, str]) -> None:
        import importlib
        import tempfile
        import traceback

        from dataraum_context.cli import main

        # Imported before the fork, so the child starts warm: the CLI, the API and what a run
        # imports (Hamilton, pandas, SQLAlchemy's ORM, ...).
        for module in ("dataraum_context.api", "dataraum_context.pipeline.runner"):
            importlib.import_module(module)

        self.argv = argv
        self._out, self._err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                os.dup2(self._out.fileno(), 1)
                os.dup2(self._err.fileno(), 2)
                sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=True)
                sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
                os.environ.clear()
                os.environ.update(env)
                if cwd is not None:
                    os.chdir(cwd)
                code = main(argv)
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - report and leave, whatever happened
                with contextlib.suppress(Exception):
                    sys.stderr.write(traceback.format_exc())
                    sys.stderr.flush()
            finally:
                os._exit(code)

    def wait(self, timeout: float) -> CliResult:
        """Wait for the child (killed, and TimeoutExpired raised, after `timeout` seconds: only
        against a hang); its exit code and output."""
        import signal
        import time

        deadline = time.monotonic() + timeout
        try:
            while True:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    raise subprocess.TimeoutExpired(["dataraum", *self.argv], timeout)
                time.sleep(0.02)
            self._out.seek(0)
            self._err.seek(0)
            return CliResult(os.waitstatus_to_exitcode(status), self._out.read().decode("utf-8", "replace"),
                             self._err.read().decode("utf-8", "replace"))
        finally:
            self._out.close()
            self._err.close()


def _run_in_process(argv: list[str], cwd: Path | None, env: dict[str, str]) -> CliResult:
    from dataraum_context.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return CliResult(code, out.getvalue(), err.getvalue())


def _workspace_of(args: tuple[str, ...], env: dict[str, str], cwd: Path | None) -> Path:
    for flag in ("-w", "--workspace"):
        if flag in args[:-1]:
            return Path(cwd or ".") / args[args.index(flag) + 1]
    return Path(cwd or ".") / env.get("DATARAUM_WORKSPACE", ".dataraum")


def assert_invariants(workspace: Path) -> None:
    """The typed layer's invariants (rows, values rendered back, quarantine = failed cells) on
    every table of a workspace: called after every successful `run`/`resume` the tests make."""
    from dataraum_context.invariants import check_workspace

    if (workspace / "data.duckdb").exists():
        violations = check_workspace(workspace)
        assert not violations, "\n".join(str(v) for v in violations)


def write_review_file(path: Path, rows: int = 200) -> Path:
    """A file whose types need review: `code` (15% garbage), `amount` (2% garbage),
    `day` (dates valid day-first and month-first), `qty` (clean integers)."""
    lines = ["id,code,amount,day,qty"]
    for i in range(1, rows + 1):
        code = f"x{i}" if i % 20 < 3 else str(100 + i)
        amount = "oops" if i % 50 == 0 else f"{i * 1.25:.2f}"
        day = f"{(i % 12) + 1:02d}/{(i % 11) + 1:02d}/2024"
        lines.append(f"{i},{code},{amount},{day},{i % 7}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def metadata_rows(env: dict[str, str], sql: str, params: dict | None = None) -> list[tuple]:
    """Rows of a SQL query on the metadata store that `env` points at (SQLite or PostgreSQL)."""
    import asyncio

    import sqlalchemy as sa

    from dataraum_context.storage.engine import create_engine

    url = env.get("DATARAUM_METADATA_URL") or f"sqlite+aiosqlite:///{Path(env['DATARAUM_WORKSPACE']) / 'metadata.db'}"

    async def go() -> list[tuple]:
        engine = create_engine(url)
        try:
            async with engine.begin() as con:
                result = await con.execute(sa.text(sql), params or {})
                return [tuple(r) for r in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def document_without_ids(doc: dict[str, Any]) -> str:
    """The context document, ids and times aside, as canonical JSON text."""
    def drop(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k not in ("id", "review_id", "at", "reviewed_at", "created_at")}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    return json.dumps(drop({k: v for k, v in doc.items() if k != "run"}), sort_keys=True, ensure_ascii=False)


def workspace_tables(workspace: Path) -> dict[str, list[tuple]]:
    """Every data table of the workspace's DuckDB file, rows in a stable order."""
    con = duckdb.connect(str(workspace / "data.duckdb"), read_only=True)
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary "
            "AND NOT (schema_name = 'main' AND table_name = 'dataraum_writes') ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f"SELECT * FROM {quote_ident(s)}.{quote_ident(t)} ORDER BY ALL").fetchall()
            for s, t in names
        }
    finally:
        con.close()
