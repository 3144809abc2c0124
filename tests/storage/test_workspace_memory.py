"""A run's DuckDB keeps within `duckdb_memory_limit` (default 600MB) and spills to the
workspace's `duckdb_tmp`: TPC-H SF 1 peaked at 1.9 GB of RSS without a limit. A value DuckDB
cannot read is refused as a setting, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataraum_context.config import Settings
from dataraum_context.errors import UserError
from dataraum_context.storage.workspace import TEMP_DIRECTORY, open_workspace
from helpers import run_cli


def test_workspace_connection_has_the_memory_limit_and_spill_folder(tmp_path: Path) -> None:
    con = open_workspace(tmp_path / "data.duckdb", memory_limit="300MB")
    try:
        limit, temp = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        assert limit in ("286.1 MiB", "300.0 MB")
        assert temp == str(tmp_path / TEMP_DIRECTORY)
        cursor = con.cursor()  # the per-table threads' cursors share the database's limit
        assert cursor.execute("SELECT current_setting('memory_limit')").fetchone()[0] == limit
    finally:
        con.close()


def test_default_limit_is_600mb() -> None:
    assert Settings().duckdb_memory_limit == "600MB"


@pytest.mark.parametrize("value", ["lots", "600", "-1GB", "1 GB extra"])
def test_bad_memory_limit_is_one_line(tmp_path: Path, value: str) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    result = run_cli("run", str(data), "--workspace", str(tmp_path / "ws"), env={"DATARAUM_DUCKDB_MEMORY_LIMIT": value})
    assert result.returncode != 0
    assert "duckdb_memory_limit" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_open_workspace_refuses_an_unreadable_limit_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="duckdb_memory_limit"):
        open_workspace(tmp_path / "data.duckdb", memory_limit="lots")


def _text_compression(con) -> set[str]:  # noqa: ANN001
    """The compression DuckDB chose for the text column `t.s` (after a checkpoint)."""
    con.execute("CHECKPOINT")
    return {
        row[0] for row in con.execute(
            "SELECT DISTINCT lower(compression) FROM pragma_storage_info('t') WHERE column_name = 's' "
            "AND segment_type = 'VARCHAR'"
        ).fetchall()
    }


@pytest.mark.parametrize("compress", [False, True])
def test_text_compression_follows_the_setting_on_every_cursor(tmp_path: Path, compress: bool) -> None:
    con = open_workspace(tmp_path / "data.duckdb", memory_limit="300MB", compress_text=compress)
    try:
        cursor = con.cursor()  # the per-table threads write through cursors
        cursor.execute("CREATE TABLE t AS SELECT 'colour ' || (i % 7) AS s FROM range(200000) r(i)")
        assert cursor.execute("SELECT count(*) FROM t WHERE s = 'colour 3'").fetchone()[0] == 28571
        chosen = _text_compression(con)
        assert ("dict_fsst" in chosen) is compress, chosen
    finally:
        con.close()


def test_runs_store_text_uncompressed_by_default() -> None:
    assert Settings().duckdb_compress_text is False
