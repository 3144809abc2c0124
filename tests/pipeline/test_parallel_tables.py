"""Tables in parallel (`table_parallelism`): the same results as one table after another.

The memo's per-table fan-out (`NodeMemo._per_table_parallel`) is checked on its own with a
real DuckDB connection (order, cursors, the first failure, stop, memo hits), then whole runs
on real data (the demo, the corpus slice, Chinook, a folder of many files with bad ones) are
compared with a serial run: the context document (ids and times aside) and every table of
the DuckDB workspace must be equal.
"""

from __future__ import annotations

import gzip
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from dataraum_context.config import Settings
from dataraum_context.pipeline import memo as memo_module
from dataraum_context.pipeline.memo import NodeMemo, StopRequested, memo_key
from helpers import DEMO_DATA, document_without_ids as _strip, metadata_rows, run_cli, workspace_tables as _workspace_tables

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "corpus_slice"
CHINOOK = REPO / "tests" / "fixtures" / "chinook" / "data"


# ---------------------------------------------------------------- the fan-out on its own


def _memo(parallelism: int, notes: list[Any] | None = None) -> NodeMemo:
    def note(node: str, status: str, parts: list[tuple[str, str]]) -> None:
        if notes is not None:
            notes.append((node, status, list(parts)))

    memo = NodeMemo({"per_table_node": "v1"}, {"items": list[dict[str, Any]], "per_table_node": dict[str, int]}, note)
    memo.parallelism = parallelism
    memo.stop = threading.Event()
    return memo


def _items(tables: list[str]) -> list[dict[str, Any]]:
    return [{"table_name": t, "n": i} for i, t in enumerate(tables)]


def _call(memo: NodeMemo, fn: Any, tables: list[str], con: Any) -> Any:
    return memo.run_to_execute_node(
        node_name="per_table_node", node_tags={"per_table": "true"}, node_callable=fn,
        node_kwargs={"items": _items(tables), "duckdb_con": con}, task_id=None, is_expand=False, is_collect=False,
    )


def test_parallel_calls_get_their_own_cursor_and_merge_in_table_order() -> None:
    con = duckdb.connect()
    tables = [f"t{i:02d}" for i in range(12)]
    seen: list[Any] = []
    lock = threading.Lock()

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        with lock:
            seen.append(duckdb_con)
        # each cursor: a connection of its own, on the same database, no progress bar
        assert duckdb_con is not con
        assert duckdb_con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
        duckdb_con.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")  # TEMP: per cursor, no clash
        return {item["table_name"]: item["n"] * 10 for item in items}

    notes: list[Any] = []
    result = _call(_memo(4, notes), fn, tables, con)
    assert list(result) == tables and result == {t: i * 10 for i, t in enumerate(tables)}
    assert len(seen) == len(tables) and con not in seen
    assert notes == [("per_table_node", "success", [(t, "success") for t in tables])]


def test_parallelism_one_is_the_serial_loop_on_the_run_connection() -> None:
    con = duckdb.connect()
    used: list[Any] = []

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        used.append((threading.current_thread(), duckdb_con))
        return {item["table_name"]: 1 for item in items}

    _call(_memo(1), fn, ["a", "b", "c"], con)
    assert all(c is con and t is threading.current_thread() for t, c in used)


def test_the_first_failure_in_table_order_surfaces_and_later_tables_do_not_start() -> None:
    con = duckdb.connect()
    started: list[str] = []
    memo = _memo(2)

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        table = items[0]["table_name"]
        started.append(table)
        if table == "a":  # slow, and fine: b fails meanwhile
            assert memo.fanout is not None and memo.fanout.failed.wait(30)
        if table == "b":
            raise ValueError("b is bad")
        return {table: 1}

    with pytest.raises(ValueError, match="^b is bad$"):
        _call(memo, fn, ["a", "b", "c", "d"], con)
    assert sorted(started) == ["a", "b"]  # c and d: a serial run would not have reached them


def test_an_earlier_tables_failure_wins_over_a_later_ones() -> None:
    con = duckdb.connect()
    d_failed = threading.Event()

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        table = items[0]["table_name"]
        if table == "d":
            d_failed.set()
            raise KeyError("d")
        if table == "b":  # fails after d did: still the one a serial run meets first
            assert d_failed.wait(30)
            raise ValueError("b is bad")
        return {table: 1}

    with pytest.raises(ValueError, match="^b is bad$"):
        _call(_memo(4), fn, ["a", "b", "c", "d"], con)


def test_a_stop_request_is_honoured_between_tables() -> None:
    con = duckdb.connect()
    memo = _memo(2)
    started: list[str] = []
    stopped, b_started = threading.Event(), threading.Event()

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        table = items[0]["table_name"]
        started.append(table)
        if table == "a":  # both workers busy (a and b), then Ctrl-C
            assert b_started.wait(30)
            memo.stop.set()  # type: ignore[union-attr]
            stopped.set()
        if table == "b":
            b_started.set()
            assert stopped.wait(30)
        return {table: 1}

    with pytest.raises(StopRequested, match=r"per_table_node\[c\]"):
        _call(memo, fn, ["a", "b", "c", "d"], con)
    assert sorted(started) == ["a", "b"]


def test_memo_hits_are_reused_and_only_misses_run() -> None:
    con = duckdb.connect()
    tables = ["a", "b", "c", "d"]
    memo = _memo(4)
    ran: list[str] = []

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        ran.append(items[0]["table_name"])
        return {item["table_name"]: item["n"] for item in items}

    first = _call(memo, fn, tables, con)
    entries = {key: {"node": entry["node"], "value": entry["value"]} for key, entry in memo.fresh.items()}
    # the previous run knew a and c
    keep = {
        memo_key("per_table_node", "v1", {"items": [item], "duckdb_con": con})
        for item in _items(tables) if item["table_name"] in ("a", "c")
    }
    notes: list[Any] = []
    again = _memo(4, notes)
    again.load({k: v for k, v in entries.items() if k in keep})
    ran.clear()
    assert _call(again, fn, tables, con) == first
    assert sorted(ran) == ["b", "d"]
    assert notes[0][2] == [("a", "cached"), ("b", "success"), ("c", "cached"), ("d", "success")]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_tables=st.integers(min_value=0, max_value=9),
    failing=st.sets(st.integers(min_value=0, max_value=8), max_size=3),
    parallelism=st.integers(min_value=2, max_value=6),
)
def test_parallel_equals_serial_property(n_tables: int, failing: set[int], parallelism: int) -> None:
    """Whatever the tables and the failures: the same result, or the same first exception."""
    con = duckdb.connect()
    tables = [f"t{i}" for i in range(n_tables)]

    def fn(items: list[dict[str, Any]], duckdb_con: Any) -> dict[str, int]:
        out = {}
        for item in items:
            if item["n"] in failing:
                raise ValueError(f"table {item['table_name']} failed")
            out[item["table_name"]] = int(duckdb_con.execute("SELECT ? * 3", [item["n"]]).fetchone()[0])
        return out

    def outcome(p: int) -> tuple[str, Any]:
        try:
            return "ok", _call(_memo(p), fn, tables, con)
        except ValueError as exc:
            return "error", str(exc)

    assert outcome(parallelism) == outcome(1)


def test_setting_default_and_bounds() -> None:
    assert 1 <= Settings().table_parallelism <= 4
    assert Settings(table_parallelism=3).table_parallelism == 3
    with pytest.raises(ValueError):
        Settings(table_parallelism=0)


# ---------------------------------------------------------------- whole runs, serial vs parallel


class _Spy:
    """Counts the per-table calls that ran on a cursor of their own (the parallel path)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = memo_module.NodeMemo._on_cursor
        spy = self

        def counting(memo: NodeMemo, con: Any, fn: Any, sliced: dict[str, Any]) -> Any:
            spy.calls += 1
            return original(memo, con, fn, sliced)

        monkeypatch.setattr(memo_module.NodeMemo, "_on_cursor", counting)


def _run_both(tmp_path: Path, data: Path, spy: _Spy, *extra: str) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for parallel in (1, 4):
        env = {"DATARAUM_WORKSPACE": str(tmp_path / f"ws{parallel}")}
        before = spy.calls
        result = run_cli("run", str(data), "--json", "--review", "defer", "--parallel", str(parallel), *extra,
                         cwd=tmp_path, env=env)
        assert result.returncode in (0, 4), result.stderr
        ctx = run_cli("context", "--format", "json", cwd=tmp_path, env=env)
        assert ctx.returncode == 0, ctx.stderr
        found[parallel] = {
            "summary": json.loads(result.stdout), "doc": _strip(json.loads(ctx.stdout)),
            "tables": _workspace_tables(tmp_path / f"ws{parallel}"), "on_cursors": spy.calls - before,
            "env": env,
        }
    assert found[1]["on_cursors"] == 0, "parallelism 1 must be the serial loop"
    assert found[4]["on_cursors"] > 0, "the parallel path was not taken"
    return found


def _assert_same(found: dict[int, dict[str, Any]]) -> None:
    serial, parallel = found[1], found[4]
    if parallel["doc"] != serial["doc"]:
        import difflib

        lines = [json.dumps(json.loads(found[p]["doc"]), indent=1, sort_keys=True).splitlines() for p in (1, 4)]
        diff = "\n".join(list(difflib.unified_diff(*lines, "serial", "parallel", lineterm="", n=3))[:120])
        pytest.fail(f"serial and parallel context documents differ:\n{diff}")
    assert parallel["tables"].keys() == serial["tables"].keys()
    for name in serial["tables"]:
        assert parallel["tables"][name] == serial["tables"][name], name
    for key in ("status", "tables", "failed_sources", "tables_changed"):
        assert parallel["summary"][key] == serial["summary"][key], key


def test_demo_serial_and_parallel_runs_are_identical_and_reuse_works(tmp_path: Path, monkeypatch) -> None:
    spy = _Spy(monkeypatch)
    found = _run_both(tmp_path, DEMO_DATA, spy)
    _assert_same(found)
    assert json.loads(found[4]["doc"])["tables"], "no tables in the document"

    # An unchanged second run in parallel reuses every table's work and ends equal.
    before = spy.calls
    again = run_cli("run", str(DEMO_DATA), "--json", "--review", "defer", "--parallel", "4",
                    cwd=tmp_path, env=found[4]["env"])
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["tables_changed"] == []
    assert spy.calls == before  # nothing recomputed per table
    ctx = run_cli("context", "--format", "json", cwd=tmp_path, env=found[4]["env"])
    doc = json.loads(ctx.stdout)

    def no_trends(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: no_trends(v) for k, v in value.items() if k not in ("trend_direction", "previous_pass_rate")}
        if isinstance(value, list):
            return [no_trends(v) for v in value]
        return value

    assert no_trends(json.loads(_strip(doc))) == no_trends(json.loads(found[4]["doc"]))


@pytest.mark.slow  # ~20 files of real data, twice
def test_real_files_serial_and_parallel_runs_are_identical(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for path in sorted(SLICE.iterdir()):
        if path.suffix in (".csv", ".tsv", ".json"):
            shutil.copy(path, data / path.name)
    for path in sorted(CHINOOK.iterdir())[:6]:
        shutil.copy(path, data / path.name)
    found = _run_both(tmp_path, data, _Spy(monkeypatch))
    _assert_same(found)
    assert len(found[4]["summary"]["tables"]) >= 18


def test_many_tables_with_bad_files_in_parallel(tmp_path: Path, monkeypatch) -> None:
    """A fresh workspace, many small tables created at once (the shared quarantine, lineage and
    sample tables are created by whichever comes first), bad files among them."""
    data = tmp_path / "data"
    data.mkdir()
    for i in range(24):
        rows = "".join(
            f"{k},{'x' if k % 7 == i % 7 else k * 1.5},2024-01-{1 + k % 28:02d},{['a', 'b', 'c'][k % 3]}\n"
            for k in range(40 + i)
        )
        text = "id,amount,day,kind\n" + rows
        if i % 2:  # compressed: DuckDB reserved 16 GiB per .gz read, two at once failed
            (data / f"t{i:02d}.csv.gz").write_bytes(gzip.compress(text.encode()))
        else:
            (data / f"t{i:02d}.csv").write_text(text, encoding="utf-8")
    (data / "empty.csv").write_bytes(b"")
    (data / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (data / "nothing.json").write_text("[1, 2, 3]", encoding="utf-8")
    found = _run_both(tmp_path, data, _Spy(monkeypatch))
    _assert_same(found)
    summary = found[4]["summary"]
    assert summary["status"] == "completed" and len(summary["tables"]) == 24
    assert sorted(Path(f["location"]).name for f in summary["failed_sources"]) == ["empty.csv", "image.csv", "nothing.json"]
    assert any(name.startswith("quarantine.") and rows for name, rows in found[4]["tables"].items())


def test_a_named_bad_file_gives_the_same_one_line_error_in_parallel(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("customers.csv", "orders.csv"):
        shutil.copy(DEMO_DATA / name, data / name)
    bad = data / "broken.json"
    bad.write_text('{"a": 1, "b": [', encoding="utf-8")
    errors = {}
    for parallel in (1, 4):
        env = {"DATARAUM_WORKSPACE": str(tmp_path / f"ws{parallel}")}
        result = run_cli("run", str(data / "customers.csv"), str(bad), str(data / "orders.csv"),
                         "--parallel", str(parallel), cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        errors[parallel] = lines
    assert errors[4] == errors[1]
    assert len(errors[4]) == 1 and "broken.json" in errors[4][0]


def test_resume_takes_the_parallel_option_and_does_not_record_it(tmp_path: Path) -> None:
    env = {"DATARAUM_WORKSPACE": str(tmp_path / "ws")}
    paused = run_cli("run", str(DEMO_DATA), "--json", "--parallel", "3", cwd=tmp_path, env=env)
    assert paused.returncode == 3, paused.stderr
    [(options,)] = metadata_rows(env, "SELECT options FROM runs")  # recorded: not the parallelism
    options = json.loads(options) if isinstance(options, str) else options
    assert "table_parallelism" not in options and "review" in options
    approved = run_cli("review", "approve", "--all", cwd=tmp_path, env=env)
    assert approved.returncode == 0, approved.stderr
    resumed = run_cli("resume", "--json", "--parallel", "2", cwd=tmp_path, env=env)
    assert resumed.returncode in (0, 3), resumed.stderr
    bad = run_cli("resume", "--parallel", "0", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
