"""The typed layer and the cast quarantine, built by DuckDB.

`typed.<table>` keeps every raw row (same `_row_id`): each column is its decided
type's parse of the trimmed raw text, NULL for raw nulls and null tokens. A cell
whose text is not null but does not parse is NULL in the typed layer *and* a row of
`quarantine.cast_failures` (table, column, `_row_id`, raw value, target type,
reason), so a failed cast is never mistaken for a real null.
"""

from __future__ import annotations

import threading
import uuid

import duckdb

from dataraum_context import fanout
from dataraum_context.errors import DataraumError
from dataraum_context.sqlutil import SHARED_WRITES, qualified, quote_ident, trim_sql
from dataraum_context.type_resolution.formats import install_macros
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypedTableResult, decision_parse_sql
from dataraum_context.type_resolution.resolver import NULL_TOKENS, VARCHAR, null_test_sql

QUARANTINE_TABLE = "quarantine.cast_failures"
MAX_EXAMPLES = 5
COLUMNS_PER_STATEMENT = 256
"""Typed columns one statement computes. A statement's expressions each keep working state per
thread, and the row group it writes is held uncompressed until its commit: one statement for
all 2,000 columns of a 10,000-row table took 970 MB, parts of 256 columns and then one copy of
the parts (plain columns) half of that."""


def ensure_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    with SHARED_WRITES:  # tables typed at once must not both create them
        con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} ("
            "table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, _row_id BIGINT NOT NULL, "
            "raw_value VARCHAR, target_type VARCHAR NOT NULL, reason VARCHAR NOT NULL)"
        )


LINEAGE_TABLE = "lineage.typed_columns"
LINEAGE_BATCH = 500


def record_lineage(con: duckdb.DuckDBPyConnection, table_name: str, decisions: list[ColumnTypeDecision]) -> None:
    """`lineage.typed_columns`: how each typed column was read (type, value format, parse SQL),
    next to the data, so the typed layer can be checked against the raw layer at any time."""
    with SHARED_WRITES:  # the catalog entries: tables typed at once must not both create them
        con.execute("CREATE SCHEMA IF NOT EXISTS lineage")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LINEAGE_TABLE} (table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, "
            "decided_type VARCHAR NOT NULL, value_format JSON, parse_sql VARCHAR)"
        )
    # Row changes of other tables' work touch other rows (`table_name`): no conflict.
    con.execute(f"DELETE FROM {LINEAGE_TABLE} WHERE table_name = ?", [table_name])
    rows = [
        (
            table_name, d.column_name, d.decided_type,
            d.value_format.model_dump_json() if d.value_format is not None else None,
            decision_parse_sql(d, "{v}"),
        )
        for d in decisions
    ]
    for k in range(0, len(rows), LINEAGE_BATCH):  # one statement per batch: executemany runs one per row
        batch = rows[k:k + LINEAGE_BATCH]
        con.execute(
            f"INSERT INTO {LINEAGE_TABLE} VALUES {', '.join(['(?, ?, ?, ?, ?)'] * len(batch))}",
            [value for row in batch for value in row],
        )


def typed_expression(
    decision: ColumnTypeDecision, column_sql: str, null_guard: bool = True, rows: int | None = None
) -> str:
    """The typed value of one raw cell under `decision` (NULL for nulls and failures).

    The parse is the decision's lossless predicate (`formats.parse_sql`); a typed decision
    without a value format raises instead of silently keeping text. `null_guard=False` leaves
    out the null-token test for a parse that reads no null token (`reads_null_tokens`): its
    NULL for those cells is the same. `rows`: how many rows it runs over (`sqlutil.trim_sql`)."""
    parsed = decision_parse_sql(decision, trim_sql(column_sql, rows))
    if parsed is None:
        value, target = f"CAST({column_sql} AS VARCHAR)", VARCHAR
    else:
        value, target = parsed, decision.decided_type
        if not null_guard:
            return f"CAST({value} AS {target})"
    return f"CASE WHEN {null_test_sql(column_sql)} THEN NULL ELSE CAST({value} AS {target}) END"


GUARD_BATCH = 256


def reads_null_tokens(con: duckdb.DuckDBPyConnection, decisions: list[ColumnTypeDecision]) -> set[str]:
    """The columns whose parse reads a value from a null token (or from NULL, or from blanks):
    only these need the null-token test in the typed layer. Numbers and dates never do; a
    boolean pair such as `-`/`+` would. Asked of DuckDB on the tokens themselves, so the answer
    holds for whatever `parse_sql` generates."""
    expressions = {
        d.column_name: typed_expression(d, "v", null_guard=False, rows=0)
        for d in decisions if decision_parse_sql(d, "v") is not None
    }
    # the answer depends on the expression only: asked once per process (formats repeat from
    # column to column and table to table; each expression is a chain DuckDB plans slowly)
    with _READS_LOCK:
        unknown = sorted({e for e in expressions.values() if e not in _READS_TOKENS})
    if unknown:
        install_macros(con)
    tokens = sorted(NULL_TOKENS | {" ", "  "})
    for start in range(0, len(unknown), GUARD_BATCH):
        batch = unknown[start:start + GUARD_BATCH]
        counts = con.execute(
            f"SELECT {', '.join(f'count({e})' for e in batch)} "
            "FROM (SELECT unnest(?::VARCHAR[]) AS v UNION ALL SELECT NULL)",
            [tokens],
        ).fetchall()[0]
        with _READS_LOCK:
            _READS_TOKENS.update({e: bool(n) for e, n in zip(batch, counts, strict=True)})
    with _READS_LOCK:
        return {column for column, e in expressions.items() if _READS_TOKENS[e]}


_READS_TOKENS: dict[str, bool] = {}
"""Typed expressions (over `v`, without the null test) -> whether one reads a value from a null
token, NULL or blanks (`reads_null_tokens`), for the life of the process."""
_READS_LOCK = threading.Lock()


def _failing(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    typed_table: str,
    decisions: list[ColumnTypeDecision],
    raw_non_null: dict[str, int] | None = None,
) -> list[ColumnTypeDecision]:
    """The decisions whose column has a failed cast: fewer typed values than raw non-null ones
    (plain aggregates, so the per-row quarantine pass only carries the failing columns). The
    raw counts come from the profile when given (the same null test), else from a scan."""
    if not decisions:
        return []
    cols = [quote_ident(d.column_name) for d in decisions]
    if raw_non_null is not None and all(d.column_name in raw_non_null for d in decisions):
        raw = [raw_non_null[d.column_name] for d in decisions]
    else:
        raw = con.execute(
            f"SELECT {', '.join(f'count_if(NOT {null_test_sql(c)})' for c in cols)} FROM {raw_table}"
        ).fetchall()[0]
    typed = con.execute(f"SELECT {', '.join(f'count({c})' for c in cols)} FROM {typed_table}").fetchall()[0]
    return [d for d, r, t in zip(decisions, raw, typed, strict=True) if int(r or 0) > int(t or 0)]


def _write_typed(con: duckdb.DuckDBPyConnection, table_name: str, raw_table: str, rows: int, selects: list[str]) -> None:
    """`typed.<table>` (`_row_id` order) from `selects` (`_row_id` first), replaced in one statement
    (in scan order, checked).

    A wide table's columns are computed in parts of `COLUMNS_PER_STATEMENT` (tables of their
    own, several at once: `fanout`), then copied side by side into the typed table; the parts'
    `_row_id`s are checked to line up first."""
    typed_table = qualified("typed", table_name)
    columns = selects[1:]
    if len(columns) <= COLUMNS_PER_STATEMENT:
        query = f"CREATE OR REPLACE TABLE {typed_table} AS SELECT {', '.join(selects)} FROM {raw_table}"
        # A scan and its projection keep the raw table's order (`preserve_insertion_order`), so no
        # sort of every row (1.3 s of TPC-H lineitem's 6.9 s under the 600 MB limit): checked (row
        # ids 1..n in position order, as staging numbers them), and sorted after all if not
        con.execute(query)
        if con.execute(f"SELECT count(*) FROM {typed_table} WHERE _row_id <> rowid + 1").fetchone()[0]:
            con.execute(f"{query} ORDER BY _row_id")
        return
    token = uuid.uuid4().hex
    starts = range(0, len(columns), COLUMNS_PER_STATEMENT)
    parts = [qualified("typed", f"__dataraum_part_{token}_{k}") for k in range(len(starts))]

    def write(cur: duckdb.DuckDBPyConnection, k: int) -> None:
        part = columns[starts[k]:starts[k] + COLUMNS_PER_STATEMENT]
        cur.execute(f"CREATE TABLE {parts[k]} AS SELECT _row_id, {', '.join(part)} FROM {raw_table} ORDER BY _row_id")

    try:
        fanout.map_on_cursors(con, write, range(len(parts)), setup=install_macros, rows=rows)
        joined = " POSITIONAL JOIN ".join(f"{part} AS p{k}" for k, part in enumerate(parts))
        misaligned = " OR ".join(f"p0._row_id IS DISTINCT FROM p{k}._row_id" for k in range(1, len(parts)))
        bad = con.execute(f"SELECT count(*) FROM {joined} WHERE {misaligned}").fetchone()[0]
        if bad:
            raise DataraumError(f"typed layer of {table_name}: {bad} rows of its parts do not line up; nothing replaced")
        picked = ", ".join(["p0._row_id"] + [f"p{k}.* EXCLUDE (_row_id)" for k in range(len(parts))])
        con.execute(f"CREATE OR REPLACE TABLE {typed_table} AS SELECT {picked} FROM {joined}")
    finally:
        for part in parts:
            con.execute(f"DROP TABLE IF EXISTS {part}")


def build_typed_table(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    raw_table: str,
    raw_row_count: int,
    decisions: list[ColumnTypeDecision],
    raw_non_null: dict[str, int] | None = None,
) -> TypedTableResult:
    """Create `typed.<table>` and refresh the table's quarantine rows (one scan each).

    The quarantine holds exactly the cells that are neither null nor a null token in the raw
    layer and that the column's parse does not read: the same expression builds both.
    `raw_non_null` (column -> non-null raw values, from the profile) spares a scan."""
    ensure_quarantine(con)
    install_macros(con)
    with SHARED_WRITES:
        con.execute("CREATE SCHEMA IF NOT EXISTS typed")
    typed_table = qualified("typed", table_name)
    selects = ["_row_id"]
    guarded = reads_null_tokens(con, decisions)
    for decision in decisions:
        col = quote_ident(decision.column_name)
        selects.append(f"{typed_expression(decision, col, decision.column_name in guarded, raw_row_count)} AS {col}")
    _write_typed(con, table_name, raw_table, raw_row_count, selects)
    record_lineage(con, table_name, decisions)
    con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE table_name = ?", [table_name])
    parsed = [d for d in decisions if decision_parse_sql(d, "v") is not None]
    checks = []
    params: list[str] = []
    for decision in _failing(con, raw_table, typed_table, parsed, raw_non_null):
        col = quote_ident(decision.column_name)
        reason = f"not a valid {decision.decided_type}" + (
            f" ({decision.value_format.describe()})" if decision.value_format else ""
        )
        # failed = not null in raw, NULL in typed: read off the typed table, not parsed again
        checks.append(
            f"CASE WHEN NOT {null_test_sql('r.' + col)} AND t.{col} IS NULL THEN "
            f"{{'column_name': ?, 'raw_value': r.{col}, 'target_type': ?, 'reason': ?}} END"
        )
        params += [decision.column_name, decision.decided_type, reason]
    if checks:  # one pass over raw and typed for every failing column's failures
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} SELECT ?, f.column_name, _row_id, f.raw_value, f.target_type, f.reason "
            f"FROM (SELECT r._row_id, unnest(list_filter([{', '.join(checks)}], lambda x: x IS NOT NULL)) AS f "
            f"FROM {raw_table} AS r JOIN {typed_table} AS t ON r._row_id = t._row_id) ORDER BY _row_id",
            [table_name, *params],
        )
    quarantined: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    rows = con.execute(
        f"SELECT column_name, count(*), list(DISTINCT raw_value ORDER BY raw_value)[1:{MAX_EXAMPLES}] "
        f"FROM {QUARANTINE_TABLE} WHERE table_name = ? GROUP BY column_name ORDER BY column_name",
        [table_name],
    ).fetchall()
    quarantined = {name: int(n) for name, n, _ in rows}
    examples = {name: list(ex or []) for name, _, ex in rows}
    typed_rows = con.execute(f"SELECT count(*) FROM {typed_table}").fetchall()[0][0]
    if typed_rows != raw_row_count:
        raise DataraumError(
            f"typed layer of {table_name} has {typed_rows} rows, raw has {raw_row_count}: refusing to lose rows"
        )
    return TypedTableResult(
        table_name=table_name,
        typed_table=typed_table,
        row_count=int(typed_rows),
        quarantined=quarantined,
        quarantine_examples=examples,
    )
