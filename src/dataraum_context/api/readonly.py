"""Read-only SQL on a workspace's DuckDB file, for people and agents.

One statement, a SELECT (or WITH ... SELECT), on a connection that cannot change
anything or reach outside the database file:

- the file is opened `read_only`, with `enable_external_access=false` (no file
  reads or writes, no ATTACH, COPY, INSTALL, LOAD) and `lock_configuration=true`
  (no SET, so neither setting can be turned back);
- the statement is parsed first (`duckdb.extract_statements`); exactly one, of
  type SELECT; functions that read files or run SQL text (`read_csv`, `glob`,
  `query`, ...) are refused by name before anything runs (found in the parse tree
  `json_serialize_sql` gives);
- at most `limit` rows come back (the result says when more were left out) and a
  timer interrupts a statement that runs longer than `timeout` seconds.

The search path is `typed, main`: `SELECT * FROM orders` reads the typed layer;
`raw.orders` and `quarantine.*` stay reachable by name.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from dataraum_context.sqlutil import quiet
from dataraum_context.errors import UserError

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000
DEFAULT_TIMEOUT_S = 10.0
MEMORY_LIMIT = "1GB"

# Functions that read files, list them, or run SQL given as text: refused by name (the
# connection's settings refuse file access too; this names the problem up front).
_REFUSED_PREFIXES = ("read_", "parquet_", "iceberg_", "delta_", "sniff_", "sqlite_", "postgres_", "mysql_")
_REFUSED_NAMES = {"glob", "query", "query_table", "getenv", "load_aws_credentials", "json_execute_serialized_sql"}
# In FROM, only these table functions: generators and read-only catalog views. Everything
# else there (file scans, `checkpoint`, logging and profiling switches, Arrow/pandas pointer
# scans, secrets, external resources) is refused.
_TABLE_FUNCTIONS = {
    "range", "generate_series", "unnest", "repeat", "repeat_row", "json_each", "json_tree",
    "pragma_table_info", "duckdb_columns", "duckdb_tables", "duckdb_views", "duckdb_schemas",
    "duckdb_types", "duckdb_constraints", "duckdb_indexes", "duckdb_functions", "duckdb_keywords",
}


class QueryError(UserError):
    """A query was refused, failed or ran out of time (one line, safe to show an agent)."""


@dataclass
class QueryResult:
    """Rows of a read-only query: an Arrow table, and whether rows were left out."""

    table: pa.Table
    truncated: bool = False
    limit: int = DEFAULT_LIMIT
    columns: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Column names and DuckDB types, rows as lists of JSON-ready values."""
        names = self.table.column_names
        rows = [[_jsonable(row[name]) for name in names] for row in self.table.to_pylist()]
        return {"columns": self.columns, "rows": rows, "row_count": len(rows), "truncated": self.truncated}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)  # Decimal, date, datetime, UUID, timedelta: exact text


def _function_names(node: Any, found: set[str] | None = None, in_from: set[str] | None = None) -> tuple[set[str], set[str]]:
    """Every function name in a parse tree, and those called as table functions (in FROM)."""
    found = set() if found is None else found
    in_from = set() if in_from is None else in_from
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            found.add(name.lower())
        if node.get("type") == "TABLE_FUNCTION":
            called = (node.get("function") or {}).get("function_name")
            in_from.add(str(called).lower())
        for value in node.values():
            _function_names(value, found, in_from)
    elif isinstance(node, list):
        for value in node:
            _function_names(value, found, in_from)
    return found, in_from


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one SELECT statement in `sql`, or a `QueryError` saying why not."""
    if not isinstance(sql, str) or not sql.strip():
        raise QueryError("empty query: give one SELECT statement")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"cannot parse the query: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise QueryError(f"give exactly one statement (found {len(statements)})")
    [statement] = statements
    if statement.type != duckdb.StatementType.SELECT:
        kind = str(statement.type).rsplit(".", 1)[-1]
        raise QueryError(f"only SELECT (or WITH ... SELECT) is allowed, not {kind}: the workspace is read-only here")
    text = statement.query.strip().rstrip(";").strip()
    try:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0])
    except (duckdb.Error, TypeError, ValueError) as exc:
        raise QueryError(f"cannot parse the query: {_first_line(exc)}") from None
    if tree.get("error"):
        raise QueryError(f"cannot parse the query: {tree.get('error_message') or 'not a plain SELECT'}")
    names, table_functions = _function_names(tree)
    for name in sorted(names):
        if name in _REFUSED_NAMES or name.startswith(_REFUSED_PREFIXES):
            raise QueryError(f"function {name}() is not allowed: queries read the workspace's tables only")
    for name in sorted(table_functions - _TABLE_FUNCTIONS):
        raise QueryError(
            f"table function {name}() is not allowed here (allowed in FROM: tables, range, generate_series, unnest, "
            "json_each, json_tree and catalog views such as duckdb_tables)"
        )
    return text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect_readonly(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    """The workspace's DuckDB file opened so that nothing can change it or leave it."""
    if not Path(duckdb_path).is_file():
        raise QueryError(f"no data in this workspace yet ({duckdb_path} does not exist): run `dataraum run PATH` first")
    try:
        con = duckdb.connect(
            str(duckdb_path),
            read_only=True,
            config={"enable_external_access": False, "memory_limit": MEMORY_LIMIT},
        )
    except duckdb.Error as exc:
        text = _first_line(exc)
        if "lock" in text.lower():
            raise QueryError("the workspace's data is being written by a run; try again when it has finished") from None
        raise QueryError(f"cannot open the workspace's data read-only: {text}") from None
    quiet(con)
    con.execute("SET search_path = 'typed,main'")
    con.execute("SET lock_configuration = true")
    return con


def run_query(
    duckdb_path: Path, sql: str, *, limit: int | None = None, timeout: float | None = None
) -> QueryResult:
    """Run one read-only SELECT; at most `limit` rows, stopped after `timeout` seconds."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1 or limit > MAX_LIMIT:
        raise QueryError(f"bad limit {limit!r}: give a whole number from 1 to {MAX_LIMIT}")
    timeout = DEFAULT_TIMEOUT_S if timeout is None else float(timeout)
    con = connect_readonly(duckdb_path)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        con.interrupt()

    timer = threading.Timer(timeout, stop)
    try:
        text = check_statement(con, sql)
        timer.start()
        try:
            relation = con.sql(text)
            columns = [{"name": str(n), "type": str(t)} for n, t in zip(relation.columns, relation.types)]
            reader = relation.to_arrow_reader(min(limit + 1, 10_000))
            batches: list[pa.RecordBatch] = []
            count = 0
            for batch in reader:
                batches.append(batch)
                count += batch.num_rows
                if count > limit:
                    break
            table = pa.Table.from_batches(batches, schema=reader.schema)
        except duckdb.InterruptException:
            raise QueryError(f"the query ran longer than {timeout:g} s and was stopped") from None
        except duckdb.Error as exc:
            if timed_out.is_set():
                raise QueryError(f"the query ran longer than {timeout:g} s and was stopped") from None
            raise QueryError(f"query failed: {_first_line(exc)}") from None
        finally:
            timer.cancel()
    finally:
        con.close()
    truncated = table.num_rows > limit
    if truncated:
        table = table.slice(0, limit)
    return QueryResult(table=table, truncated=truncated, limit=limit, columns=columns)
