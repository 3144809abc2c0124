"""DuckDB prints a progress bar on stdout for a query that runs over two seconds, even into a
pipe: it would corrupt `run --json` and the MCP server's stdio stream. Every connection
dataraum opens on a workspace has it off."""

from __future__ import annotations

from pathlib import Path

from dataraum_context.api.readonly import connect_readonly
from dataraum_context.storage.workspace import open_workspace


def _bar(con) -> bool:
    return bool(con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0])


def test_workspace_connections_print_no_progress_bar(tmp_path: Path) -> None:
    path = tmp_path / "data.duckdb"
    con = open_workspace(path)
    assert _bar(con) is False
    assert _bar(con.cursor()) is False  # the per-thread cursors nodes use
    con.close()
    con = open_workspace(path, read_only=True)
    assert _bar(con) is False
    con.close()
    ro = connect_readonly(path)
    assert _bar(ro) is False
    ro.close()
