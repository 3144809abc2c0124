"""The DuckDB workspace database: schemas `raw`, `typed`, `quarantine`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

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


class WorkspaceLock:
    """One run at a time per workspace: an advisory lock on `<workspace>/.lock`.

    A second run waits (polling) up to `timeout` seconds, then gives up with a clear
    message. The operating system drops the lock when its process dies, so a killed
    run never blocks the workspace.
    """

    def __init__(self, workspace: Path, timeout: float) -> None:
        self.path = workspace / ".lock"
        self.timeout = timeout
        self._handle: Any = None

    async def acquire(self) -> None:
        import asyncio
        import fcntl
        import time

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._handle = handle
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise UserError(
                        f"workspace {self.path.parent} is busy: another dataraum run is using it "
                        f"(waited {self.timeout:g}s; raise DATARAUM_LOCK_TIMEOUT_SECONDS to wait longer)"
                    ) from None
                await asyncio.sleep(0.2)

    def release(self) -> None:
        import fcntl

        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
