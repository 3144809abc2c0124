"""One table's column batches on several cursors (`fanout.map_on_cursors`): the results of the
serial loop.

The helper is checked on its own with a real DuckDB database (order, cursors, setup, the
first failure, no nesting, the row-count rule, interrupts), then whole runs of real single
files are compared three ways: batches of the usual size one after another, batches of one
column one after another, and batches of one column four at a time. The small batches
make every stage that splits a table by columns (profiles, candidate measures, the typed
layer's parts, temporal columns) split even these narrow tables; all three must give the
same context document and the same DuckDB tables.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from dataraum_context import fanout
from dataraum_context.detectors import patterns
from dataraum_context.profiling import profiler
from dataraum_context.temporal import profiler as temporal_profiler
from dataraum_context.type_resolution import candidates, typed
from helpers import document_without_ids as _strip, run_cli, workspace_tables as _workspace_tables

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "corpus_slice"
CHINOOK = REPO / "tests" / "fixtures" / "chinook" / "data"


def _db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    return con


def test_degree_one_is_the_plain_loop_on_the_callers_connection(tmp_path: Path) -> None:
    con = _db(tmp_path)
    used: list[Any] = []
    out = fanout.map_on_cursors(con, lambda cur, k: used.append(cur) or k * 2, range(5))
    assert out == [0, 2, 4, 6, 8] and all(c is con for c in used)
    assert fanout.degree() == 1  # outside a pipeline node: serial


def test_results_come_in_item_order_from_cursors_of_their_own(tmp_path: Path) -> None:
    con = _db(tmp_path)
    seen: set[int] = set()
    setups: list[Any] = []
    lock = threading.Lock()

    def piece(cur: Any, k: int) -> int:
        assert cur is not con
        with lock:
            seen.add(id(cur))
        # the setup's TEMP macro exists on this cursor
        if k % 3 == 0:
            time.sleep(0.01)  # early pieces finish late
        return int(cur.execute("SELECT _times3(sum(i)) FROM t WHERE i < ?", [k]).fetchone()[0] or 0)

    def setup(cur: Any) -> None:
        setups.append(cur)
        cur.execute("CREATE TEMP MACRO _times3(x) AS x * 3")

    with fanout.degree_of(3):
        out = fanout.map_on_cursors(con, piece, range(40), setup=setup)
    assert out == [3 * sum(range(k)) for k in range(40)]
    assert 1 < len(seen) <= 3 and len(setups) == len(seen)  # one setup per cursor
    assert fanout._cursors == set()  # closed and forgotten
    with pytest.raises(duckdb.ConnectionException):
        setups[0].execute("SELECT 1")


def test_the_first_failure_in_item_order_surfaces_and_later_pieces_do_not_start(tmp_path: Path) -> None:
    con = _db(tmp_path)
    started: list[int] = []
    lock = threading.Lock()
    three_failed = threading.Event()

    def piece(cur: Any, k: int) -> int:
        with lock:
            started.append(k)
        if k == 2:  # fails after 3 did: still the one the loop would meet first
            assert three_failed.wait(30)
            raise ValueError("two is bad")
        if k == 3:
            three_failed.set()
            raise KeyError("three")
        return k

    with fanout.degree_of(2), pytest.raises(ValueError, match="^two is bad$"):
        fanout.map_on_cursors(con, piece, range(30))
    assert max(started) < 6  # a handful started before the failure was seen, not the 30


@hsettings(max_examples=30, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=12),
    failing=st.sets(st.integers(min_value=0, max_value=11), max_size=3),
    degree=st.integers(min_value=2, max_value=5),
)
def test_parallel_equals_serial_property(tmp_path_factory: pytest.TempPathFactory, n: int, failing: set[int], degree: int) -> None:
    con = _db(tmp_path_factory.mktemp("p"))

    def piece(cur: Any, k: int) -> int:
        if k in failing:
            raise ValueError(f"piece {k} failed")
        return int(cur.execute("SELECT count(*) FROM t WHERE i % 7 = ?", [k]).fetchone()[0])

    def outcome(d: int) -> tuple[str, Any]:
        try:
            with fanout.degree_of(d):
                return "ok", fanout.map_on_cursors(con, piece, range(n))
        except ValueError as exc:
            return "error", str(exc)

    assert outcome(degree) == outcome(1)


def test_no_threads_of_threads_and_big_tables_stay_serial(tmp_path: Path) -> None:
    con = _db(tmp_path)
    inner: list[int] = []

    def piece(cur: Any, k: int) -> int:
        inner.append(fanout.degree())
        return k

    with fanout.degree_of(4):
        fanout.map_on_cursors(con, piece, range(8))
        assert inner and set(inner) == {1}
        # a table of a row group per thread or more: DuckDB's own threads are busy; no fan-out
        used: list[Any] = []
        fanout.map_on_cursors(con, lambda cur, k: used.append(cur), range(8), rows=fanout.ROW_GROUP_ROWS * 4)
        assert all(c is con for c in used)
        used.clear()
        fanout.map_on_cursors(con, lambda cur, k: used.append(cur), range(8), rows=fanout.ROW_GROUP_ROWS * 4 - 1)
        assert all(c is not con for c in used)
        # the same rule with the rows counted from a table
        con.execute(f"CREATE TABLE big AS SELECT range AS i FROM range({fanout.ROW_GROUP_ROWS * 4})")
        used.clear()
        fanout.map_on_cursors(con, lambda cur, k: used.append(cur), range(8), table="big")
        assert all(c is con for c in used)
        used.clear()
        fanout.map_on_cursors(con, lambda cur, k: used.append(cur), range(8), table="t")
        assert all(c is not con for c in used)


def test_interrupt_all_stops_the_running_pieces(tmp_path: Path) -> None:
    con = _db(tmp_path)
    running = threading.Barrier(3)

    def piece(cur: Any, k: int) -> int:
        running.wait(30)
        return int(cur.execute("SELECT sum(hash(a)) FROM range(100000000000) r(a)").fetchone()[0])

    def stopper() -> None:
        running.wait(30)
        for _ in range(200):  # until both queries have been interrupted
            fanout.interrupt_all()
            time.sleep(0.05)
            if not fanout._cursors:
                return

    thread = threading.Thread(target=stopper)
    thread.start()
    with fanout.degree_of(2), pytest.raises(duckdb.InterruptException):
        fanout.map_on_cursors(con, piece, range(2))
    thread.join(60)


# ---------------------------------------------------------------- whole runs of real files


class _Pieces:
    """Counts the calls of `map_on_cursors` that ran on more than one cursor."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fanned = 0
        original = fanout.map_on_cursors
        spy = self

        def counting(con: Any, fn: Any, items: Any, setup: Any = None, rows: Any = None, table: Any = None) -> Any:
            items = list(items)
            cursors: set[int] = set()
            lock = threading.Lock()

            def noted(cur: Any, item: Any) -> Any:
                with lock:
                    cursors.add(id(cur))
                return fn(cur, item)

            out = original(con, noted, items, setup=setup, rows=rows, table=table)
            if len(cursors) > 1:
                spy.fanned += 1
            return out

        monkeypatch.setattr(fanout, "map_on_cursors", counting)  # every stage calls it through the module


def _run(tmp_path: Path, data: Path, name: str, parallel: int) -> dict[str, Any]:
    env = {"DATARAUM_WORKSPACE": str(tmp_path / name)}
    result = run_cli("run", str(data), "--json", "--review", "defer", "--parallel", str(parallel), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    ctx = run_cli("context", "--format", "json", cwd=tmp_path, env=env)
    assert ctx.returncode == 0, ctx.stderr
    con = duckdb.connect(str(tmp_path / name / "data.duckdb"), read_only=True)
    try:  # the typed layer keeps the raw rows' order (as stored, not only as a set)
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'typed'").fetchall():
            ids = [r[0] for r in con.execute(f'SELECT _row_id FROM typed."{table}"').fetchall()]
            assert ids == list(range(1, len(ids) + 1)), table
    finally:
        con.close()
    return {"doc": _strip(json.loads(ctx.stdout)), "tables": _workspace_tables(tmp_path / name)}


@pytest.mark.slow  # two real files, three runs each (a time series of numbers; text, dates and keys in a gz)
@pytest.mark.parametrize(
    "source",
    [SLICE / "macrodata.csv", CHINOOK / "chinook_employee.csv.gz"],
    ids=lambda p: p.name,
)
def test_small_batches_serial_and_parallel_give_the_usual_result(tmp_path: Path, monkeypatch, source: Path) -> None:
    data = tmp_path / source.name
    shutil.copy(source, data)
    usual = _run(tmp_path, data, "usual", 1)

    spy = _Pieces(monkeypatch)
    monkeypatch.setattr(profiler, "CHUNK_COLUMNS", 1)
    monkeypatch.setattr(candidates, "MEASURE_COLUMNS", 1)
    monkeypatch.setattr(candidates, "SEARCH_COLUMNS", 1)
    monkeypatch.setattr(patterns, "DETECT_COLUMNS", 1)
    monkeypatch.setattr(typed, "COLUMNS_PER_STATEMENT", 1)
    monkeypatch.setattr(temporal_profiler, "BATCH_CELLS", 1)  # every time column alone
    small = _run(tmp_path, data, "small", 1)
    assert spy.fanned == 0, "parallelism 1 must be the serial loop"
    fanned = _run(tmp_path, data, "fanned", 4)
    assert spy.fanned > 0, "no stage ran its batches on several cursors"

    for other in (small, fanned):
        assert other["doc"] == usual["doc"]
        assert other["tables"].keys() == usual["tables"].keys()  # no part tables left behind
        for name, rows in usual["tables"].items():
            assert other["tables"][name] == rows, name
