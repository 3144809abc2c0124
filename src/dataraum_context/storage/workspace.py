"""The DuckDB workspace database: schemas `raw`, `typed`, `quarantine`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from dataraum_context.sqlutil import quiet
from dataraum_context.errors import UserError

LAYERS = ("raw", "typed", "quarantine")


TEMP_DIRECTORY = "duckdb_tmp"


def open_workspace(
    path: Path, *, read_only: bool = False, memory_limit: str | None = None, compress_text: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open (and for writing, initialise) the workspace's DuckDB file. With `memory_limit`,
    DuckDB keeps its buffers within it and spills to `<workspace>/duckdb_tmp`.

    `compress_text=False` stores text columns uncompressed: DuckDB 2.0 compresses text with
    dictionary + FSST (`dict_fsst`), whose analysis doubled the time of writing the raw (all
    text) layer (1M rows x 12 columns: 3.8 s -> 1.9 s without it), for files about 2.5 times
    smaller. Numbers, dates and booleans are compressed either way."""
    config: dict[str, str] = {}
    if memory_limit is not None:
        config = {"memory_limit": memory_limit, "temp_directory": str(path.parent / TEMP_DIRECTORY)}
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = quiet(duckdb.connect(str(path), read_only=read_only, config=config))
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise UserError(f"workspace {path.parent} is in use by another dataraum process; try again when it ends") from None
        raise UserError(f"cannot open workspace database {path}: {text.splitlines()[0]}") from None
    except OSError as exc:
        raise UserError(f"cannot create workspace {path.parent}: {exc.strerror or exc}") from None
    except (duckdb.InvalidInputException, duckdb.ParserException) as exc:  # a memory limit DuckDB cannot read
        raise UserError(f"duckdb_memory_limit {memory_limit!r}: {str(exc).splitlines()[0]}") from None
    if not read_only:
        if not compress_text:  # a database-wide setting: every cursor's writes follow it
            con.execute("SET disabled_compression_methods = 'dict_fsst'")
        for layer in LAYERS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    return con


def _no_notice(message: str) -> None:
    """Default: nothing (the CLI sets `WorkspaceLock.notice` to print a progress line)."""


class WorkspaceLock:
    """One run at a time per workspace: an operating-system lock on `<workspace>/.lock`
    (through `filelock`, so it works on Windows as well as on Unix).

    A second run waits (polling) up to `timeout` seconds, saying so on `notice` when it
    starts waiting and every `NOTICE_EVERY` seconds after, then gives up with a clear
    message. The operating system drops the lock when its process dies, so a killed run
    never blocks the workspace.
    """

    NOTICE_EVERY = 30.0
    POLL_SECONDS = 0.2
    # Where waiting is reported (one line each time); the CLI points it at stderr.
    notice: Callable[[str], None] = staticmethod(_no_notice)

    def __init__(self, workspace: Path, timeout: float) -> None:
        self.path = workspace / ".lock"
        self.timeout = timeout
        self._lock: FileLock | None = None

    async def acquire(self) -> None:
        import asyncio
        import time

        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Keep the file (deleting it races with a waiting process); never fall back to a
        # "soft" lock, which a killed process would leave behind.
        try:
            lock = FileLock(self.path, thread_local=False, preserve_lock_file=True, fallback_to_soft=False)
        except TypeError:  # filelock 3.x: keeps the file and has no soft fallback anyway
            lock = FileLock(self.path, thread_local=False)
        started = time.monotonic()
        next_notice = started
        while True:
            try:
                lock.acquire(timeout=0)
                self._lock = lock
                return
            except Timeout:
                now = time.monotonic()
                if now - started >= self.timeout:
                    raise UserError(
                        f"workspace {self.path.parent} is busy: another dataraum run is using it "
                        f"(waited {self.timeout:g}s; raise DATARAUM_LOCK_TIMEOUT_SECONDS to wait longer)"
                    ) from None
                if now >= next_notice:
                    waited = f" ({now - started:.0f}s so far)" if now > started + 1 else ""
                    type(self).notice(
                        f"waiting for workspace {self.path.parent}: another dataraum run is using it{waited}; "
                        f"giving up after {self.timeout:g}s"
                    )
                    next_notice = now + self.NOTICE_EVERY
                await asyncio.sleep(self.POLL_SECONDS)
            except OSError as exc:
                raise UserError(f"cannot lock workspace {self.path.parent}: {exc.strerror or exc}") from None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


# ---------------------------------------------------------------------------- generations
#
# Which run wrote the workspace's tables. Before a stage executes, the runner appends
# (run, stage) to `main.dataraum_writes`: the last row names the run whose tables the
# workspace holds now. After the stage, every table of the layers that has no stamp yet
# (created or replaced by that stage: `CREATE OR REPLACE` drops a table's comment) gets
# the run's id as its comment. Checkpoints record these stamps; resuming a run after
# another run wrote the workspace is refused (it would read that run's tables).

WRITES_TABLE = "main.dataraum_writes"
STAMP_PREFIX = "dataraum-run:"


def record_write(con: duckdb.DuckDBPyConnection, run_id: str, stage: str) -> int:
    """Note that `run_id` is about to write the workspace in `stage`; returns the generation."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {WRITES_TABLE} "
        "(generation BIGINT, run_id VARCHAR, stage VARCHAR, written_at TIMESTAMP DEFAULT current_timestamp)"
    )
    generation = con.execute(f"SELECT coalesce(max(generation), 0) + 1 FROM {WRITES_TABLE}").fetchone()[0]
    con.execute(f"INSERT INTO {WRITES_TABLE} (generation, run_id, stage) VALUES (?, ?, ?)", [generation, run_id, stage])
    return int(generation)


def last_write(con: duckdb.DuckDBPyConnection) -> tuple[str, str, int] | None:
    """(run id, stage, generation) of the last write, or None (nothing recorded)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'dataraum_writes'"
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"SELECT run_id, stage, generation FROM {WRITES_TABLE} ORDER BY generation DESC LIMIT 1").fetchone()
    return (str(row[0]), str(row[1]), int(row[2])) if row else None


def stamp_tables(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    """Stamp unstamped layer tables with `run_id`; returns every layer table's stamp."""
    from dataraum_context.sqlutil import quote_ident, quote_literal

    rows = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() "
        f"WHERE database_name = current_database() AND schema_name IN ({', '.join('?' for _ in LAYERS)}) "
        "ORDER BY schema_name, table_name",
        list(LAYERS),
    ).fetchall()
    stamps: dict[str, str] = {}
    for schema, table, comment in rows:
        if not (comment or "").startswith(STAMP_PREFIX):
            comment = STAMP_PREFIX + run_id
            con.execute(f"COMMENT ON TABLE {quote_ident(schema)}.{quote_ident(table)} IS {quote_literal(comment)}")
        stamps[f"{schema}.{table}"] = comment[len(STAMP_PREFIX):]
    return stamps


def table_stamps(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every layer table's stamp (None: written by a stage that has not finished)."""
    rows = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() "
        f"WHERE database_name = current_database() AND schema_name IN ({', '.join('?' for _ in LAYERS)})",
        list(LAYERS),
    ).fetchall()
    return {
        f"{schema}.{table}": (comment[len(STAMP_PREFIX):] if (comment or "").startswith(STAMP_PREFIX) else None)
        for schema, table, comment in rows
    }
