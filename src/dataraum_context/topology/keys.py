"""Candidate keys: minimal unique, non-null column sets (one to three columns), verified exactly.

Search, bounded and pruned by the profiles:

1. Key-eligible columns: integers (incl. DECIMAL(p,0)), UUIDs, short strings (at most
   `MAX_KEY_LENGTH` characters: codes and names, not free text), dates and timestamps;
   never floats, decimals with a scale, or booleans; no raw nulls.
2. Single columns whose raw distinct count equals the row count are checked on the
   typed layer (one aggregate per table): no NULL, every value distinct.
3. Pairs among the `MAX_COMPOSITE_COLUMNS` most key-like remaining columns (not
   near-unique ones: `NEAR_UNIQUE`) whose
   distinct counts multiply to at least the row count. Triples only for tables with
   no smaller key. A combination containing a smaller key is not minimal and is skipped.
4. Combinations are pre-screened on a hash partition of one column (all rows of about
   1/M of its values: a duplicate found there is a real duplicate), then verified on
   the whole typed table with `count(DISTINCT (a, b))`.
5. A unique combination must be evidence, not luck (`chance_repeats`): if its columns were
   independent, how many of the n(n-1)/2 pairs of rows would share all their values? A column
   with d distinct values has at least max(n - d, n(n - d) / (2d)) pairs of rows sharing a
   value (the bound is reached when the values are spread evenly, which makes repeats rarest),
   so a random pair agrees on it with at least that share; independent columns multiply. A
   combination expected to repeat fewer than `MIN_CHANCE_REPEATS` times (e.g. (name,
   signup_date) over 200 customers: 0.01) is unique by chance as plausibly as by design; it is
   kept only when the table has no single-column key and one of its columns has a key-like
   name (`bill_id`, `line_no`). Near-unique pairs (below) are a different case: an identifier
   with a stray duplicate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import duckdb

from dataraum_context import fanout
from dataraum_context.sqlutil import COUNTS_PER_QUERY, aggregate_in_slices, distinct_counts, quote_ident
from dataraum_context.topology.models import ColumnFacts
from dataraum_context.topology.names import KEY_SUFFIXES, column_stem

MAX_KEY_LENGTH = 64
MAX_COMPOSITE_COLUMNS = 8
MAX_KEY_SIZE = 3
NEAR_UNIQUE = 0.98
"""A column this close to unique is left out of composite keys: it would make a "key" with
almost any other column by chance."""
MAX_NEAR_UNIQUE = 2
MIN_CHANCE_REPEATS = 3.0
"""A composite key must have been expected to repeat at least this often by chance (independent
columns); fewer, and being unique is no evidence that it is a key (about a 5% chance: e**-3)."""
PARTITION_ROWS = 50_000
"""Hash-partition pre-screens look at about this many rows."""

_KEY_FAMILIES = ("integer", "uuid", "string", "date", "timestamp")


def key_eligible(column: ColumnFacts) -> bool:
    """Could this column be part of a key (type and raw nulls only)?"""
    if column.family not in _KEY_FAMILIES or column.null_count > 0:
        return False
    if column.family == "string" and column.max_length is not None and column.max_length > MAX_KEY_LENGTH:
        return False
    return True


def key_likeness(column: ColumnFacts) -> float:
    """How much a column looks like an identifier: key-like name, integer/UUID type, early position."""
    score = 0.0
    _, suffix = column_stem(column.column_name, column.table_name)
    if suffix in KEY_SUFFIXES:
        score += 2.0
    score += {"integer": 1.0, "uuid": 1.0, "string": 0.5, "date": 0.3, "timestamp": 0.3}.get(column.family, 0.0)
    return score - 0.01 * column.position


def partition_modulus(row_count: int) -> int:
    """M such that `hash(col) % M = 0` keeps about `PARTITION_ROWS` rows (1: use every row)."""
    return max(1, row_count // PARTITION_ROWS)


def _select_one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple:
    row = con.execute(sql, list(params)).fetchall()
    return row[0] if row else ()


def _tuple_sql(columns: Sequence[str]) -> str:
    return "(" + ", ".join(quote_ident(c) for c in columns) + ")" if len(columns) > 1 else quote_ident(columns[0])


def _single_keys(con: duckdb.DuckDBPyConnection, typed_table: str, columns: list[ColumnFacts]) -> list[str]:
    candidates = [
        c for c in columns if key_eligible(c) and c.row_count >= 2 and c.distinct_count == c.row_count
    ]
    if not candidates:
        return []
    cols = [quote_ident(c.column_name) for c in candidates]
    total = _select_one(con, f"SELECT count(*) FROM {typed_table}")[0]
    values = aggregate_in_slices(con, typed_table, [f"count({col})" for col in cols], COUNTS_PER_QUERY)
    uniques = distinct_counts(con, typed_table, cols, total)
    return [
        c.column_name
        for c, n, d in zip(candidates, values, uniques, strict=True)
        if n == total and d == total
    ]


def _screen_partition(
    con: duckdb.DuckDBPyConnection, typed_table: str, combos: list[tuple[ColumnFacts, ...]], row_count: int
) -> list[tuple[ColumnFacts, ...]]:
    """Combinations with no duplicate among all rows of a hash partition of their finest
    column (one filtered scan per partition column)."""
    modulus = partition_modulus(row_count)
    if modulus == 1 or not combos:
        return combos
    by_column: dict[str, list[tuple[ColumnFacts, ...]]] = {}
    for combo in combos:
        finest = max(combo, key=lambda c: (c.distinct_count or 0, -c.position))
        by_column.setdefault(finest.column_name, []).append(combo)
    kept = []
    for column, group in by_column.items():
        parts = ["count(*)"] + [f"count(DISTINCT {_tuple_sql([c.column_name for c in combo])})" for combo in group]
        row = _select_one(
            con, f"SELECT {', '.join(parts)} FROM {typed_table} WHERE hash({quote_ident(column)}) % {modulus} = 0"
        )
        kept += [combo for i, combo in enumerate(group) if row[1 + i] == row[0]]
    return kept


def _verify_combos(
    con: duckdb.DuckDBPyConnection, typed_table: str, combos: list[tuple[ColumnFacts, ...]]
) -> list[tuple[ColumnFacts, ...]]:
    if not combos:
        return []
    parts = ["count(*)"]
    for combo in combos:
        names = [c.column_name for c in combo]
        any_null = " OR ".join(f"{quote_ident(n)} IS NULL" for n in names)
        parts += [f"count(*) FILTER (WHERE {any_null})", f"count(DISTINCT {_tuple_sql(names)})"]
    row = _select_one(con, f"SELECT {', '.join(parts)} FROM {typed_table}")
    total = row[0]
    return [combo for i, combo in enumerate(combos) if row[1 + 2 * i] == 0 and row[2 + 2 * i] == total]


def chance_repeats(distinct: Sequence[int], row_count: int) -> float:
    """A lower bound on the pairs of rows expected to share every value of a combination of
    independent columns with these distinct counts (see the module docstring, step 5)."""
    n = row_count
    all_pairs = n * (n - 1) / 2
    if all_pairs <= 0:
        return 0.0
    expected = all_pairs
    for d in distinct:
        if d <= 0:
            return 0.0
        expected *= max(n - d, n * (n - d) / (2 * d), 0) / all_pairs
    return expected


def _evidence(combo: tuple[ColumnFacts, ...], row_count: int, has_single_key: bool) -> bool:
    """Is this unique combination a key by evidence, not by chance?"""
    if chance_repeats([c.distinct_count or 0 for c in combo], row_count) >= MIN_CHANCE_REPEATS:
        return True
    named = any(column_stem(c.column_name, c.table_name)[1] in KEY_SUFFIXES for c in combo)
    return named and not has_single_key


def _combos(
    pool: list[ColumnFacts], size: int, found: list[set[str]], row_count: int
) -> list[tuple[ColumnFacts, ...]]:
    result = []
    for combo in itertools.combinations(pool, size):
        names = {c.column_name for c in combo}
        if any(key <= names for key in found):
            continue
        if math.prod(c.distinct_count or 0 for c in combo) < row_count:
            continue
        result.append(combo)
    return result


def table_candidate_keys(con: duckdb.DuckDBPyConnection, columns: list[ColumnFacts]) -> list[list[str]]:
    """Minimal unique column sets of one table, best first: single columns by key-likeness,
    then composites by size and by how tightly their distinct counts fit the row count."""
    if not columns or columns[0].row_count < 2:
        return []
    typed_table = columns[0].typed_table
    row_count = columns[0].row_count
    by_name = {c.column_name: c for c in columns}
    singles = _single_keys(con, typed_table, columns)
    found: list[set[str]] = [{name} for name in singles]
    pool = sorted(
        (
            c
            for c in columns
            if key_eligible(c)
            and c.column_name not in singles
            and 2 <= (c.distinct_count or 0) < NEAR_UNIQUE * row_count
        ),
        key=lambda c: (-key_likeness(c), c.position),
    )[:MAX_COMPOSITE_COLUMNS]
    pool.sort(key=lambda c: c.position)
    composites: list[tuple[ColumnFacts, ...]] = []
    for size in range(2, MAX_KEY_SIZE + 1):
        if size == MAX_KEY_SIZE and found:
            break
        combos = _combos(pool, size, found, row_count)
        verified = _verify_combos(con, typed_table, _screen_partition(con, typed_table, combos, row_count))
        # A chance composite is still unique: it stays in `found` so no larger set containing it
        # is tried, but it is no candidate key.
        found += [{c.column_name for c in combo} for combo in verified]
        composites += [combo for combo in verified if _evidence(combo, row_count, bool(singles))]
    composites += _near_unique_pairs(con, typed_table, columns, singles, row_count, found)
    singles.sort(key=lambda n: (-key_likeness(by_name[n]), by_name[n].position))
    composites.sort(
        key=lambda combo: (
            len(combo),
            math.prod(c.distinct_count or 0 for c in combo),
            [c.position for c in combo],
        )
    )
    return [[name] for name in singles] + [[c.column_name for c in combo] for combo in composites]


def _near_unique_pairs(
    con: duckdb.DuckDBPyConnection,
    typed_table: str,
    columns: list[ColumnFacts],
    singles: list[str],
    row_count: int,
    found: list[set[str]],
) -> list[tuple[ColumnFacts, ...]]:
    """A key with a stray duplicate (`order_id` repeated once) is still the table's identifier:
    for each of the `MAX_NEAR_UNIQUE` most key-like near-unique columns, the first partner (by
    key-likeness) that makes the pair unique. One pair per such column, not every pair it makes
    by chance. A table that has a single-column key already has its identifier: none then
    (a near-unique timestamp or name with any partner would only be unique by chance)."""
    if singles:
        return []
    near = sorted(
        (
            c for c in columns
            if key_eligible(c) and c.column_name not in singles
            and (c.distinct_count or 0) >= NEAR_UNIQUE * row_count and (c.distinct_count or 0) < row_count
        ),
        key=lambda c: (-key_likeness(c), c.position),
    )[:MAX_NEAR_UNIQUE]
    pairs: list[tuple[ColumnFacts, ...]] = []
    for column in near:
        partners = sorted(
            (c for c in columns if key_eligible(c) and c.column_name not in singles and c is not column
             and (c.distinct_count or 0) >= 2),
            key=lambda c: (-key_likeness(c), c.position),
        )[:MAX_COMPOSITE_COLUMNS]
        combos = [
            tuple(sorted((column, p), key=lambda c: c.position)) for p in partners
            if not any(key <= {column.column_name, p.column_name} for key in found)
        ]
        verified = {
            frozenset(c.column_name for c in combo)
            for combo in _verify_combos(con, typed_table, _screen_partition(con, typed_table, combos, row_count))
        }
        first = next((combo for combo in combos if frozenset(c.column_name for c in combo) in verified), None)
        if first is not None:
            pairs.append(first)
            found.append({c.column_name for c in first})
    return pairs


def find_candidate_keys(
    con: duckdb.DuckDBPyConnection, facts: dict[str, list[ColumnFacts]]
) -> dict[str, list[list[str]]]:
    """Per table, its candidate keys (possibly none); several tables at once (`fanout`: read-only
    queries, each table on a cursor), the tables in their order."""
    tables = list(facts)
    found = fanout.map_on_cursors(
        con, lambda cur, table: table_candidate_keys(cur, facts[table]), tables, rows=largest_table(facts)
    )
    return dict(zip(tables, found, strict=True))


def largest_table(facts: dict[str, list[ColumnFacts]]) -> int:
    """The most rows of any of the tables (`fanout` keeps tables of a row group per thread serial)."""
    return max((columns[0].row_count for columns in facts.values() if columns), default=0)
