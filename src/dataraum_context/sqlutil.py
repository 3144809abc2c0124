"""The one place identifiers are quoted for DuckDB SQL.

Column and table names that come from files are hostile input: quotes, `;`,
unicode, reserved words, empty strings. Every identifier that reaches DuckDB SQL
goes through `quote_ident`; every value goes in as a bound parameter.
"""

from __future__ import annotations

import threading
from typing import Any

# Held around statements that create shared catalog entries (schemas, tables every table's
# work appends to) or rewrite a shared table's rows. Per-table work may run on several
# DuckDB cursors at once (`pipeline.memo`); DuckDB refuses two transactions that both create
# the same missing schema or table ("Catalog write-write conflict"). Reentrant: a guarded
# helper may call another. Cheap when uncontended (the serial path).
SHARED_WRITES = threading.RLock()


def quiet(con: Any) -> Any:
    """`con` (a DuckDB connection) without a progress bar; its cursors inherit the setting.
    DuckDB prints the bar on stdout for a query that runs over two seconds, even into a pipe,
    which would corrupt `--json` output and the MCP server's stdio stream. (A per-connection
    setting: DuckDB refuses it as a global option at `connect`.)"""
    con.execute("SET enable_progress_bar = false")
    return con


def quote_ident(name: str) -> str:
    """Quote one identifier for DuckDB (and PostgreSQL/SQLite): `a"b` -> `"a""b"`."""
    if not isinstance(name, str):
        raise TypeError(f"identifier must be str, not {type(name).__name__}")
    if "\x00" in name:
        raise ValueError("identifier contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """`schema.name`, both parts quoted."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def quote_literal(value: str) -> str:
    """A SQL string literal, for the few places DuckDB does not take parameters (DDL, PRAGMA)."""
    return "'" + str(value).replace("'", "''") + "'"


COUNTS_PER_QUERY = 512
"""Plain counts per aggregate query (thousands in one projection plan slowly)."""

DISTINCT_PER_QUERY = 32
"""Distinct counts per aggregate query: each holds a hash table of its column's values, so
hundreds in one query ran out of a 600 MB DuckDB memory limit on a 2,000-column table."""


def aggregate_in_slices(con: Any, source: str, expressions: list[str], size: int = DISTINCT_PER_QUERY) -> list[Any]:
    """`SELECT <expressions> FROM <source>` as one row, computed `size` expressions per query
    (whole groups of related expressions should have `size` as a multiple of their length)."""
    row: list[Any] = []
    for start in range(0, len(expressions), size):
        row += list(con.execute(f"SELECT {', '.join(expressions[start:start + size])} FROM {source}").fetchall()[0])
    return row


DISTINCT_CELLS = 2_000_000
"""Values the distinct counts of one query may hash together (rows x expressions); a bigger
table's values are also counted in hash partitions of this many rows (`distinct_counts`)."""


def distinct_count_sql(source: str, expression: str, where: str | None = None, part: tuple[str, int, int] | None = None) -> str:
    """SQL (a scalar subquery): `count(DISTINCT expression)` over `source` (`where` instead of
    `expression IS NOT NULL` for a list of columns `a, b`), as a GROUP BY; with `part` =
    (key, k, i) only over the rows whose `hash(key) % k = i`."""
    where = where or f"({expression}) IS NOT NULL"
    if part is not None:
        where += f" AND hash({part[0]}) % {part[1]} = {part[2]}"
    return f"(SELECT count(*) FROM (SELECT {expression} FROM {source} WHERE {where} GROUP BY ALL))"


def batch_size(rows: int, most: int = DISTINCT_PER_QUERY) -> int:
    """Distinct counts per query for a table of `rows` rows (see `DISTINCT_CELLS`)."""
    return max(1, min(most, DISTINCT_CELLS // max(int(rows), 1)))


def distinct_counts(
    con: Any, source: str, expressions: list[str], rows: int,
    wheres: list[str] | None = None, keys: list[str] | None = None,
) -> list[int]:
    """`count(DISTINCT e)` over `source` for each expression (rows where `wheres[i]` holds, when
    given), exact at any size within DuckDB's memory limit. Small tables: several per query.
    Big ones: one at a time, and in `ceil(rows / DISTINCT_CELLS)` hash partitions of
    `keys[i]` (a column of the expression: equal values fall in one partition, so the
    partitions' counts add up). Under a 600 MB limit on 20 M rows, `count(DISTINCT ...)`, two
    counts in one query and even one GROUP BY of (integer, timestamp) pairs failed to allocate
    their 128 MB; partitions of 2 M rows do not."""
    wheres = wheres or [None] * len(expressions)  # type: ignore[list-item]
    keys = keys or expressions
    parts = -(-int(rows) // DISTINCT_CELLS) if rows > DISTINCT_CELLS else 1
    counts: list[int] = []
    if parts == 1:
        per_query = batch_size(rows)
        for start in range(0, len(expressions), per_query):
            chunk = list(zip(expressions, wheres))[start:start + per_query]
            row = con.execute(f"SELECT {', '.join(distinct_count_sql(source, e, w) for e, w in chunk)}").fetchall()[0]
            counts += [int(x or 0) for x in row]
        return counts
    for expression, where, key in zip(expressions, wheres, keys, strict=True):
        counts.append(sum(
            int(con.execute(f"SELECT {distinct_count_sql(source, expression, where, (key, parts, i))}").fetchone()[0] or 0)
            for i in range(parts)
        ))
    return counts


# --------------------------------------------------------------------------- cheap first-character tests
# DuckDB evaluates `trim(v) IN (...)` and `TRY_CAST(v AS DOUBLE)` on every text it is given; most
# texts of a column cannot be a null token or a number, which their first character shows
# (`ascii(v)`: the code point of the first character, 0 for ''). Inside a CASE, DuckDB evaluates
# the costly test only for the texts that pass (measured on lineitem's 4.58 M distinct comments:
# the null-token test 0.45 s -> 0.15 s, the cast 0.39 s -> 0.17 s). Both sets are checked against
# DuckDB over every code point in tests/test_first_characters.py.

TRIM_TEST_ROWS = 100_000
"""Rows from which `trim_sql` tests before trimming. Below, planning, not reading, is a table's
cost, and the test writes `v` four times into every statement: small tables (the 200 small files
of the benchmark) and wide tables of few rows keep the plain `trim()` they had."""


def trim_sql(v: str, rows: int | None = None) -> str:
    """SQL: `trim(v)`, computed only where it can change `v`. A text of ASCII characters only
    (`strlen`, its bytes, = `length`, its characters) that neither starts nor ends with a space
    has nothing `trim()` removes (`TRIMMED_SPACES`: the space is the only ASCII one), so it is
    returned as it is; any other text (or NULL) is trimmed. DuckDB's `trim()` decodes every
    character to look for Unicode spaces: 0.30 s for a 6 M-row key column of TPC-H's lineitem,
    0.79 s for its comments, against 0.09 s and 0.34 s with this test (and a number's parse
    0.67 s -> 0.41 s). `v` is written four times: pass a column or a cheap expression. With `rows`
    (how many the expression runs over) below `TRIM_TEST_ROWS`, plain `trim(v)`. Checked
    against `trim()` over every code point at either end and random texts (tests/test_first_characters.py)."""
    if rows is not None and rows < TRIM_TEST_ROWS:
        return f"trim({v})"
    return f"(CASE WHEN NOT prefix({v}, ' ') AND NOT suffix({v}, ' ') AND strlen({v}) = length({v}) THEN {v} ELSE trim({v}) END)"


TRIMMED_SPACES: tuple[int, ...] = (32, 160, 5760, *range(8192, 8203), 8239, 8287, 12288)
"""The characters DuckDB's `trim()` removes: the Unicode space separators (not tabs or line breaks)."""

NUMBER_STARTS: tuple[int, ...] = (9, 10, 11, 12, 13, 32, 43, 45, 46, *range(48, 58))
"""The first characters of every text DuckDB's cast reads as a finite DOUBLE: the blanks its cast
skips (tab, line feed, vertical tab, form feed, carriage return, space), signs, the point and the
digits ('inf' and 'nan' start otherwise and are not finite)."""


def token_test_sql(v: str, tokens: str, firsts: frozenset[str] | set[str]) -> str:
    """SQL: for a non-null text `v`, whether `trim(v)` is one of `tokens` (an SQL list of the tokens,
    literals or parameters), the trim evaluated only where the first character of `v` may be one
    a token starts with (`firsts`) or one `trim()` removes, or `v` is empty: code points up to '-'
    (45; blanks, '#', '-'), from 160 on (the other spaces, and any non-ASCII letter), and the
    tokens' other first characters. Plain comparisons: an `IN` list per column cost a wide table
    ~70 MB more memory (500 columns)."""
    extra = sorted({ord(f[0]) for f in firsts if f and _FIRST_ASCII < ord(f[0]) < _FIRST_WIDE})
    tests = [f"ascii({v}) <= {_FIRST_ASCII}", f"ascii({v}) >= {_FIRST_WIDE}", *(f"ascii({v}) = {c}" for c in extra)]
    return f"(CASE WHEN {' OR '.join(tests)} THEN trim({v}) IN ({tokens}) ELSE false END)"


_FIRST_ASCII, _FIRST_WIDE = 45, 160
assert all(c <= _FIRST_ASCII or c >= _FIRST_WIDE for c in (0, *TRIMMED_SPACES))


def finite_number_sql(v: str) -> str:
    """SQL: `TRY_CAST(v AS DOUBLE)` where it can be a finite number (else NULL: it is then NULL,
    inf or nan): texts whose first character is at most '9' (57; every one of `NUMBER_STARTS`)."""
    return f"(CASE WHEN ascii({v}) <= {max(NUMBER_STARTS)} THEN TRY_CAST({v} AS DOUBLE) END)"
