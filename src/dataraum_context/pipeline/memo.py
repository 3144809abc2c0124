"""Skipping work whose inputs did not change (scheduled runs).

A node's result is reused when the same code (its version) saw the same inputs
(a hash of their JSON, which carries every source's content hash) in the previous
run of the workspace. The previous run's results come from its checkpoints in the
metadata store, so this never trusts anything but the metadata; only the most
recent run is used, because the DuckDB tables a node writes are those of the last
run that wrote them.

Never reused: nodes tagged `memo="never"` (they read files whose content their
inputs do not show) and custom nodes (`--module`: user code may read anything).

Nodes tagged `per_table="true"` are split by table: each table's slice of their
inputs is looked up (and, on a miss, computed) on its own, so a changed file
re-runs only that table's work. A per-table node must be *table-separable*: its
result for all tables is the concatenation of its results for each table
(lists of items with `table_name`, or dicts keyed by table name). Cross-table
nodes (semantic, topology, quality) run whole whenever any input changed.

Tables in parallel (`parallelism` > 1, setting `table_parallelism`): the per-table calls
of one such node that take the DuckDB connection and miss the memo run at once on a thread
pool, each on its own cursor (`duckdb_con.cursor()`: another connection to the same
database, closed after the call). Results are merged in table order, so the output is the
one of a serial run. The first failure in table order surfaces, as it would serially: calls
of later tables that have not started are skipped, running ones are awaited. A stop
request (Ctrl-C) is checked before each table's call. Parallelism 1 is the serial loop.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from hamilton.lifecycle import NodeExecutionMethod

from dataraum_context import fanout
from dataraum_context.pipeline.hooks import fingerprint_kwargs, fingerprint_value, take_fingerprint
from dataraum_context.pipeline.serialize import load_outputs
from dataraum_context.sqlutil import quiet

PER_TABLE_TAG = "per_table"
# The run input per-table calls get their own cursor of (in parallel).
CONNECTION_INPUT = "duckdb_con"
# `@tag(memo="never")`: a node that reads something its inputs do not show (file contents).
MEMO_TAG = "memo"


class StopRequested(Exception):
    """Raised before a node when the run was asked to stop (Ctrl-C)."""


class _Skipped(Exception):
    """A table's call not started because an earlier table's call failed."""


class _FanOut:
    """The state of one node's parallel per-table calls: the first failed table (by index)."""

    def __init__(self, n: int) -> None:
        self.failed_at = n
        self.failed = threading.Event()  # set once a failure is noted (for tests to wait on)
        self._lock = threading.Lock()

    def failed_before(self, i: int) -> bool:
        with self._lock:
            return self.failed_at < i

    def fail(self, i: int) -> None:
        with self._lock:
            self.failed_at = min(self.failed_at, i)
        self.failed.set()


def memo_key(node_name: str, version: str | None, kwargs: dict[str, Any], known: dict[str, str] | None = None) -> str:
    """The key of a call: node, code version and inputs. `known`: the fingerprints of inputs
    that are the same for every table of a per-table node (see `fingerprint_kwargs`)."""
    fingerprint = take_fingerprint(kwargs) if known is None else fingerprint_kwargs(kwargs, known)
    text = f"{node_name}|{version}|{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest()


def _shared_fingerprints(kwargs: dict[str, Any], sliceable: dict[str, Any]) -> dict[str, str]:
    """The fingerprint of each input a per-table node gets whole (the same for every table)."""
    return {name: fingerprint_value(value) for name, value in kwargs.items() if name not in sliceable}


def _table_of(item: Any) -> str | None:
    if isinstance(item, dict):
        value = item.get("table_name")
    else:
        value = getattr(item, "table_name", None)
        if value is None and type(item).__name__ == "SourceSpec":
            value = getattr(item, "name", None)
    return value if isinstance(value, str) else None


def _tables_in(value: Any) -> list[str] | None:
    """The table names a node output is keyed by, or None if it is not table-keyed."""
    if isinstance(value, list):
        names = [_table_of(item) for item in value]
        return None if any(n is None for n in names) else list(dict.fromkeys(n for n in names if n))
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return list(value)
    return None


def _slice(value: Any, table: str) -> Any:
    if isinstance(value, list):
        return [item for item in value if _table_of(item) == table]
    return {k: v for k, v in value.items() if k == table}


def _merge(parts: list[Any]) -> Any:
    if not parts:
        return []
    if isinstance(parts[0], dict):
        merged: dict[str, Any] = {}
        for part in parts:
            merged.update(part)
        return merged
    return [item for part in parts for item in part]


class NodeMemo(NodeExecutionMethod):
    """A Hamilton execution method that reuses results of unchanged inputs."""

    def __init__(self, versions: dict[str, str], node_types: dict[str, Any], note: Callable[..., None]) -> None:
        self.versions = versions
        self.node_types = node_types
        self.note = note  # note(node_name, status, parts) -> tells the node recorder what happened
        self.previous: dict[str, Any] = {}  # key -> JSON of a result (or of one table's part)
        self.fresh: dict[str, dict[str, Any]] = {}  # key -> {"node": name, "value": result}
        self.enabled = True
        # Nodes never reused: custom nodes (user code may read anything its inputs do not show).
        self.never: set[str] = set()
        # Set from the signal handler: no further node starts.
        self.stop: threading.Event | None = None
        # Per-table calls run at once (1: one after another, on the run's connection).
        self.parallelism = 1
        self._cursors: set[Any] = set()  # cursors of running per-table calls (for `interrupt`)
        self._cursors_lock = threading.Lock()
        self.fanout: _FanOut | None = None  # the running (or last) parallel fan-out

    def load(self, entries: dict[str, dict[str, Any]]) -> None:
        """Results of the previous run: {key: {"node": name, "value": json}}."""
        self.previous = entries

    def _lookup(self, key: str, node_name: str) -> tuple[bool, Any]:
        entry = self.previous.get(key)
        if entry is None or not self.enabled:
            return False, None
        try:
            return True, load_outputs(self.node_types, {node_name: entry["value"]})[node_name]
        except Exception:  # noqa: BLE001 - an unreadable entry is a miss
            return False, None

    def _remember(self, key: str, node_name: str, value: Any) -> None:
        self.fresh[key] = {"node": node_name, "value": value}

    def run_to_execute_node(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_callable: Any,
        node_kwargs: dict[str, Any],
        task_id: str | None,
        is_expand: bool,
        is_collect: bool,
        **future_kwargs: Any,
    ) -> Any:
        if self.stop is not None and self.stop.is_set():
            raise StopRequested(f"stopped before {node_name}")
        with fanout.degree_of(self.parallelism):  # one table's column batches on that many cursors
            return self._execute(node_name, node_tags, node_callable, node_kwargs)

    def _execute(self, node_name: str, node_tags: dict[str, Any], node_callable: Any, node_kwargs: dict[str, Any]) -> Any:
        version = self.versions.get(node_name)
        if node_name in self.never or str(node_tags.get(MEMO_TAG, "")).lower() == "never":
            return node_callable(**node_kwargs)
        if str(node_tags.get(PER_TABLE_TAG, "")).lower() == "true":
            return self._per_table(node_name, version, node_callable, node_kwargs)
        key = memo_key(node_name, version, node_kwargs)
        hit, value = self._lookup(key, node_name)
        if hit:
            self.note(node_name, "cached", [])
        else:
            value = node_callable(**node_kwargs)
        self._remember(key, node_name, value)
        return value

    def interrupt(self) -> None:
        """Interrupt the DuckDB queries of running per-table calls (Ctrl-C; the run's own
        connection is interrupted by the runner)."""
        with self._cursors_lock:
            cursors = list(self._cursors)
        for cursor in cursors:
            try:
                cursor.interrupt()
            except Exception:  # noqa: BLE001 - a cursor closed meanwhile
                pass
        fanout.interrupt_all()

    def _per_table(self, node_name: str, version: str | None, fn: Any, kwargs: dict[str, Any]) -> Any:
        sliceable = {k: v for k, v in kwargs.items() if k in self.node_types and _tables_in(v) is not None}
        tables: list[str] = []
        for value in sliceable.values():
            for name in _tables_in(value) or []:
                if name not in tables:
                    tables.append(name)
        if not sliceable:
            return fn(**kwargs)
        if self.parallelism > 1 and len(tables) > 1 and CONNECTION_INPUT in kwargs:
            return self._per_table_parallel(node_name, version, fn, kwargs, sliceable, tables)
        parts: list[Any] = []
        notes: list[tuple[str, str]] = []
        shared = _shared_fingerprints(kwargs, sliceable)
        for table in tables:
            sliced = {k: (_slice(v, table) if k in sliceable else v) for k, v in kwargs.items()}
            key = memo_key(node_name, version, sliced, shared)
            hit, part = self._lookup(key, node_name)
            if not hit:
                part = fn(**sliced)
            notes.append((table, "cached" if hit else "success"))
            self._remember(key, node_name, part)
            parts.append(part)
        all_cached = bool(notes) and all(status == "cached" for _, status in notes)
        self.note(node_name, "cached" if all_cached else "success", notes)
        return _merge(parts)

    def _per_table_parallel(
        self, node_name: str, version: str | None, fn: Any, kwargs: dict[str, Any],
        sliceable: dict[str, Any], tables: list[str],
    ) -> Any:
        """`_per_table` with the memo misses computed at once, each on its own cursor."""
        con = kwargs[CONNECTION_INPUT]
        slices: list[dict[str, Any]] = []
        keys: list[str] = []
        parts: list[Any] = []
        hits: list[bool] = []
        shared = _shared_fingerprints(kwargs, sliceable)
        for table in tables:
            sliced = {k: (_slice(v, table) if k in sliceable else v) for k, v in kwargs.items()}
            key = memo_key(node_name, version, sliced, shared)
            hit, part = self._lookup(key, node_name)
            slices.append(sliced)
            keys.append(key)
            parts.append(part)
            hits.append(hit)
        misses = [i for i, hit in enumerate(hits) if not hit]
        if len(misses) > 1:
            fanout = self.fanout = _FanOut(len(tables))

            def call(i: int) -> Any:
                if fanout.failed_before(i):  # a serial run would not have got here
                    raise _Skipped(tables[i])
                try:
                    if self.stop is not None and self.stop.is_set():
                        raise StopRequested(f"stopped before {node_name}[{tables[i]}]")
                    return self._on_cursor(con, fn, slices[i])
                except BaseException:
                    fanout.fail(i)
                    raise

            workers = min(self.parallelism, len(misses))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"dataraum-{node_name}") as pool:
                futures: dict[int, Future[Any]] = {i: pool.submit(call, i) for i in misses}
                try:
                    for i in misses:  # table order: the first failure a serial run would meet
                        parts[i] = futures[i].result()
                except BaseException:
                    for future in futures.values():
                        future.cancel()
                    raise  # leaving the pool waits for the calls already running
        elif misses:
            parts[misses[0]] = fn(**slices[misses[0]])
        notes: list[tuple[str, str]] = []
        for table, key, part, hit in zip(tables, keys, parts, hits):
            notes.append((table, "cached" if hit else "success"))
            self._remember(key, node_name, part)
        all_cached = bool(notes) and all(status == "cached" for _, status in notes)
        self.note(node_name, "cached" if all_cached else "success", notes)
        return _merge(parts)

    def _on_cursor(self, con: Any, fn: Any, sliced: dict[str, Any]) -> Any:
        """`fn(**sliced)` with the run's connection replaced by a cursor of its own (closed after).
        A cursor is a new connection to the same database: it shares the data and the catalog,
        not the connection's TEMP objects (each call makes its own) nor, to be safe, its settings."""
        cursor = quiet(con.cursor())
        with self._cursors_lock:
            self._cursors.add(cursor)
        try:
            if self.stop is not None and self.stop.is_set():  # Ctrl-C came before `interrupt` saw it
                raise StopRequested("stopped")
            with fanout.degree_of(1):  # the tables at once use the threads: no more per table
                return fn(**{**sliced, CONNECTION_INPUT: cursor})
        finally:
            with self._cursors_lock:
                self._cursors.discard(cursor)
            cursor.close()
