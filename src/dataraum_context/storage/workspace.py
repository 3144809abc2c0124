"""The DuckDB workspace database: schemas `raw`, `typed`, `quarantine`."""

from __future__ import annotations

from pathlib import Path

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
