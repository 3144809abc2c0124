"""The staging stage's metadata rows follow the files from run to run: a folder's sources,
their raw tables and columns are read from the store in a few queries and upserted; a
column that is gone is deleted, a new one added, one still there keeps its row (and id)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers import run_cli


def _columns(workspace: Path) -> dict[str, dict[str, tuple[str, int, str]]]:
    con = sqlite3.connect(workspace / "metadata.db")
    try:
        rows = con.execute(
            "SELECT t.table_name, c.column_name, c.column_id, c.column_position, c.original_name "
            "FROM columns c JOIN tables t ON t.table_id = c.table_id WHERE t.layer = 'raw'"
        ).fetchall()
        layers = con.execute("SELECT layer, count(*) FROM tables GROUP BY layer").fetchall()
        sources = con.execute("SELECT count(*) FROM sources").fetchone()[0]
    finally:
        con.close()
    found: dict[str, dict[str, tuple[str, int, str]]] = {}
    for table, name, column_id, position, original in rows:
        found.setdefault(table, {})[name] = (str(column_id), position, original)
    found["__layers__"] = dict(layers)  # type: ignore[assignment]
    found["__sources__"] = sources  # type: ignore[assignment]
    return found


def test_rows_follow_the_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("id,name,price\n1,x,1.5\n2,y,2.5\n", encoding="utf-8")
    (data / "b.csv").write_text("k,v\n1,2\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    assert run_cli("run", str(data), "--review", "defer", "--workspace", str(workspace)).returncode == 0
    first = _columns(workspace)
    assert set(first["a"]) == {"id", "name", "price"} and set(first["b"]) == {"k", "v"}
    assert first["__layers__"] == {"raw": 2, "typed": 2, "quarantine": 2} and first["__sources__"] == 2

    # a: `name` gone, `qty` added, `price` moved; b unchanged; c new
    (data / "a.csv").write_text("id,price,qty\n1,1.5,3\n2,2.5,4\n", encoding="utf-8")
    (data / "c.csv").write_text("when,n\n2024-01-01,1\n", encoding="utf-8")
    result = run_cli("run", str(data), "--review", "defer", "--workspace", str(workspace))
    assert result.returncode == 0, result.stderr
    second = _columns(workspace)
    assert set(second["a"]) == {"id", "price", "qty"}
    assert second["a"]["id"][0] == first["a"]["id"][0] and second["a"]["price"][0] == first["a"]["price"][0]
    assert second["a"]["price"][1] == 1 and second["a"]["qty"][1] == 2  # positions follow the file
    assert second["b"] == first["b"]
    assert set(second["c"]) == {"when", "n"}
    assert second["__layers__"] == {"raw": 3, "typed": 3, "quarantine": 3} and second["__sources__"] == 3
