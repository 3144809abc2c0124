"""The DuckDB workspace database: schemas `raw`, `typed`, `quarantine`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from dataraum_context.errors import UserError

LAYERS = ("raw", "typed", "quarantine")


def open_workspace(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writing, initialise) the workspace's DuckDB file."""
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise UserError(f"workspace {path.parent} is in use by another dataraum process; try again when it ends") from None
        raise UserError(f"cannot open workspace database {path}: {text.splitlines()[0]}") from None
    except OSError as exc:
        raise UserError(f"cannot create workspace {path.parent}: {exc.strerror or exc}") from None
    if not read_only:
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
