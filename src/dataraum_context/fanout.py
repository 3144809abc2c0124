"""Independent queries of one table's work, run on several DuckDB cursors at once.

DuckDB splits a scan by row group (122,880 rows): a query over a table of 10,000 rows runs
on one thread whatever the `threads` setting. A wide, short table's column batches, run one
after another, therefore keep one core busy while the others wait. `map_on_cursors` runs
such independent pieces (a batch of columns, one time column) on up to `degree()` threads,
each with a DuckDB cursor of its own, and returns the results in the order of the pieces:
the same values a serial loop would give, whatever finished first.

The degree is per thread (`degree_of`): the pipeline's memo sets it to the run's
`table_parallelism` around each node call and to 1 inside its table fan-out, so the tables
running at once do not each start more threads. Elsewhere (the API's helpers, tests) it is
1: a plain loop on the caller's connection.

A cursor is a new connection to the same database: it sees the tables, not the caller's
TEMP tables and macros (`setup` makes what the pieces need on each cursor once). The open
cursors are registered so that a stop (Ctrl-C) interrupts their queries (`interrupt_all`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from dataraum_context.sqlutil import quiet

T = TypeVar("T")
R = TypeVar("R")

_local = threading.local()
_cursors: set[Any] = set()
_cursors_lock = threading.Lock()


def degree() -> int:
    """Threads `map_on_cursors` may use on this thread (1: none besides the caller)."""
    return int(getattr(_local, "degree", 1))


@contextmanager
def degree_of(n: int) -> Iterator[None]:
    """Within the block, `map_on_cursors` on this thread uses up to `n` threads."""
    before = degree()
    _local.degree = max(1, int(n))
    try:
        yield
    finally:
        _local.degree = before


def interrupt_all() -> None:
    """Interrupt the running query of every cursor `map_on_cursors` has open."""
    with _cursors_lock:
        cursors = list(_cursors)
    for cursor in cursors:
        try:
            cursor.interrupt()
        except Exception:  # noqa: BLE001 - closed meanwhile
            pass


ROW_GROUP_ROWS = 122_880


def map_on_cursors(
    con: Any,
    fn: Callable[[Any, T], R],
    items: Iterable[T],
    setup: Callable[[Any], None] | None = None,
    rows: int | None = None,
    table: str | None = None,
) -> list[R]:
    """`[fn(con, item) for item in items]`, up to `degree()` items at once, each worker thread
    on its own cursor of `con` (`setup(cursor)` run once per cursor). Results in item order;
    the first failure in item order is raised, after the pieces already running end.

    `rows`: the rows each piece reads (or `table`, a quoted table name whose rows are counted
    when several threads could run). A table of at least one row group per thread keeps
    DuckDB's threads busy by itself (and its pieces' memory adds up): its pieces run one
    after another."""
    items = list(items)
    workers = min(degree(), len(items))
    if workers > 1 and rows is None and table is not None:
        rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    if rows is not None and rows >= ROW_GROUP_ROWS * workers:
        workers = 1
    if workers <= 1:
        if setup is not None and items:
            setup(con)
        return [fn(con, item) for item in items]
    mine: dict[int, Any] = {}
    mine_lock = threading.Lock()
    failed = threading.Event()

    def cursor() -> Any:
        ident = threading.get_ident()
        with mine_lock:
            found = mine.get(ident)
        if found is not None:
            return found
        made = quiet(con.cursor())
        with _cursors_lock:
            _cursors.add(made)
        with mine_lock:
            mine[ident] = made
        if setup is not None:
            setup(made)
        return made

    def run(item: T) -> R:
        if failed.is_set():  # a piece before failed: do not start more work
            raise _Skipped
        _local.degree = 1  # no threads of threads
        try:
            return fn(cursor(), item)
        except BaseException:
            failed.set()
            raise

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dataraum-columns") as pool:
            futures: list[Future[R]] = [pool.submit(run, item) for item in items]
            results: list[R] = []
            try:
                for future in futures:
                    results.append(future.result())
            except BaseException:
                # pieces start in item order, so the first error met in item order is a real
                # one (a piece is skipped only after a piece started before it failed)
                for future in futures:
                    future.cancel()
                raise
            return results
    finally:
        with mine_lock:
            opened = list(mine.values())
        with _cursors_lock:
            _cursors.difference_update(opened)
        for made in opened:
            made.close()


class _Skipped(Exception):
    """A piece not started because another one failed."""
