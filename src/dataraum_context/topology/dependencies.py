"""Relationships inside one table: hierarchies (functional dependencies) and correlations.

Hierarchy `a -> b` (city -> country): every value of `a` comes with one value of `b`
(`count(DISTINCT a) = count(DISTINCT (a, b))` over rows where both are set), `a` is finer
than `b` and repeats (at least `MIN_ROWS_PER_VALUE` rows per value, so a key or a
near-key does not "determine" everything trivially). Pairs are pre-screened on a hash
partition of `a` (all rows of a share of its values: a violation there is real), then
verified on the whole typed table; `a -> c` is dropped when `a -> b -> c` explains it.
Strength is distinct(a) / distinct(a, b); at least `MIN_FD_STRENGTH` tolerates a few
dirty rows.

Correlation: Pearson's r between two numeric, non-key columns of one table, computed by
DuckDB over every row (`corr`), reported when |r| >= `MIN_CORRELATION`.
"""

from __future__ import annotations

import itertools

import duckdb

from dataraum_context.sqlutil import quote_ident
from dataraum_context.topology.keys import MAX_KEY_LENGTH, partition_modulus
from dataraum_context.topology.models import ColumnFacts, RelationshipResult
from dataraum_context.topology.names import KEY_SUFFIXES, column_stem

MIN_ROWS_PER_VALUE = 3
MAX_FD_DISTINCT = 100_000
MAX_FD_COLUMNS = 24
MIN_FD_STRENGTH = 0.99
MIN_HIERARCHY_CONFIDENCE = 0.5
MIN_CORRELATION = 0.9
MAX_CORRELATION_COLUMNS = 24
_PARTITION_MIN_VALUES = 200
_FD_FAMILIES = ("integer", "string", "boolean")
_NUMERIC = ("integer", "decimal", "float")


def _categorical(column: ColumnFacts, single_keys: set[str]) -> bool:
    if column.family not in _FD_FAMILIES or column.column_name in single_keys:
        return False
    if column.family == "string" and (column.max_length or 0) > MAX_KEY_LENGTH:
        return False
    return (column.distinct_count or 0) >= 2


def _fd_pairs(columns: list[ColumnFacts], single_keys: set[str]) -> list[tuple[ColumnFacts, ColumnFacts]]:
    pool = [c for c in columns if _categorical(c, single_keys)][:MAX_FD_COLUMNS]
    pairs = []
    for a, b in itertools.permutations(pool, 2):
        da, db = a.distinct_count or 0, b.distinct_count or 0
        if not (db < da <= MAX_FD_DISTINCT) or da * MIN_ROWS_PER_VALUE > a.non_null_count:
            continue
        pairs.append((a, b))
    return pairs


def _fd_counts(
    con: duckdb.DuckDBPyConnection,
    typed_table: str,
    pairs: list[tuple[ColumnFacts, ColumnFacts]],
    where: str = "",
) -> list[tuple[int, int, int]]:
    """Per pair `(a, b)`, over the rows where both are set: (distinct a, distinct (a, b), rows).

    One GROUP BY per `a` (all its `b` at once): per value of `a`, `count(DISTINCT b)` is the
    number of (a, b) pairs and `count(b)` the rows where both are set; a value of `a` counts
    when it has a `b`. The same figures as `count(DISTINCT (a, b))` over the table, but one
    hash table per `a` instead of three distinct aggregates per pair (23 columns x 21,699
    rows: 14.4 s -> 1.1 s)."""
    by_a: dict[str, list[int]] = {}
    for i, (a, _) in enumerate(pairs):
        by_a.setdefault(a.column_name, []).append(i)
    counts: list[tuple[int, int, int]] = [(0, 0, 0)] * len(pairs)
    for name, indexes in by_a.items():
        qa = quote_ident(name)
        inner, outer = [], []
        for j, i in enumerate(indexes):
            qb = quote_ident(pairs[i][1].column_name)
            inner += [f"count(DISTINCT {qb}) AS n{j}", f"count({qb}) AS r{j}"]
            outer += [f"count(*) FILTER (WHERE n{j} > 0)", f"coalesce(sum(n{j}), 0)", f"coalesce(sum(r{j}), 0)"]
        condition = f"{qa} IS NOT NULL" + (f" AND {where}" if where else "")
        row = con.execute(
            f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {typed_table} "
            f"WHERE {condition} GROUP BY {qa})"
        ).fetchall()[0]
        for j, i in enumerate(indexes):
            counts[i] = (int(row[3 * j]), int(row[3 * j + 1]), int(row[3 * j + 2]))
    return counts


def _fd_bounds(
    con: duckdb.DuckDBPyConnection,
    typed_table: str,
    pairs: list[tuple[ColumnFacts, ColumnFacts]],
    where: str = "",
) -> list[tuple[int, int, int]]:
    """`_fd_counts` of every pair whose strength can reach `MIN_FD_STRENGTH`; for the others
    distinct (a, b) is a lower bound that already puts the strength below it.

    One query for all `a` (`GROUPING SETS`, one hash table per `a`) keeps, per value of `a`
    and per `b`, min(b), max(b) and count(b). A value of `a` with min(b) <> max(b) has at
    least two values of `b`, so distinct (a, b) >= distinct a + those values, with equality
    when there are none: a pair without such values is exact, and a pair where that bound
    makes the strength fall below the minimum is rejected as it would be by the exact count.
    Only the pairs in between (a few dirty rows) get `_fd_counts`' count(DISTINCT). Cheaper
    than count(DISTINCT b) per group for every pair (24 columns x 21,699 rows: 3.9 s -> 0.4 s)."""
    if not pairs:
        return []
    a_names = list(dict.fromkeys(a.column_name for a, _ in pairs))
    b_names = list(dict.fromkeys(b.column_name for _, b in pairs))
    qa = [quote_ident(name) for name in a_names]
    which = " ".join(f"WHEN GROUPING({q}) = 0 THEN {k}" for k, q in enumerate(qa))
    keyed = " ".join(f"WHEN GROUPING({q}) = 0 THEN {q} IS NOT NULL" for q in qa)
    inner, outer = [], []
    for j, name in enumerate(b_names):
        qb = quote_ident(name)
        inner += [f"min({qb}) AS n{j}", f"max({qb}) AS x{j}", f"count({qb}) AS r{j}"]
        outer += [f"count(n{j})", f"count(*) FILTER (WHERE n{j} <> x{j})", f"coalesce(sum(r{j}), 0)"]
    sets = ", ".join(f"({q})" for q in qa)
    rows = con.execute(
        f"SELECT k, {', '.join(outer)} FROM (SELECT CASE {which} END AS k, CASE {keyed} END AS keyed, "
        f"{', '.join(inner)} FROM {typed_table}{f' WHERE {where}' if where else ''} GROUP BY GROUPING SETS ({sets})) "
        "WHERE keyed GROUP BY k"
    ).fetchall()
    by_k = {int(r[0]): r[1:] for r in rows}
    b_index = {name: j for j, name in enumerate(b_names)}
    a_index = {name: k for k, name in enumerate(a_names)}
    counts: list[tuple[int, int, int]] = []
    unsure: list[int] = []
    for i, (a, b) in enumerate(pairs):
        row, j = by_k.get(a_index[a.column_name]), b_index[b.column_name]
        distinct_a, split, both = (int(x) for x in row[3 * j : 3 * j + 3]) if row else (0, 0, 0)
        if split and _strength(distinct_a, distinct_a + split) >= MIN_FD_STRENGTH:
            unsure.append(i)
        counts.append((distinct_a, distinct_a + split, both))
    if unsure:
        exact = _fd_counts(con, typed_table, [pairs[i] for i in unsure], where)
        for i, found in zip(unsure, exact, strict=True):
            counts[i] = found
    return counts


def _strength(distinct_a: int, distinct_ab: int) -> float:
    return distinct_a / distinct_ab if distinct_ab else 0.0


def _screen(
    con: duckdb.DuckDBPyConnection, typed_table: str, pairs: list[tuple[ColumnFacts, ColumnFacts]]
) -> list[tuple[ColumnFacts, ColumnFacts]]:
    """Drop pairs violated on a hash partition of `a` (one query per `a` that is worth partitioning)."""
    kept: list[tuple[ColumnFacts, ColumnFacts]] = []
    by_a: dict[str, list[tuple[ColumnFacts, ColumnFacts]]] = {}
    for pair in pairs:
        by_a.setdefault(pair[0].column_name, []).append(pair)
    for name, group in by_a.items():
        a = group[0][0]
        modulus = min(partition_modulus(a.row_count), max(1, (a.distinct_count or 0) // _PARTITION_MIN_VALUES))
        if modulus == 1:
            kept += group
            continue
        counts = _fd_bounds(con, typed_table, group, where=f"hash({quote_ident(name)}) % {modulus} = 0")
        kept += [pair for pair, (da, dab, _) in zip(group, counts, strict=True) if _strength(da, dab) >= MIN_FD_STRENGTH]
    return kept


def _transitive_reduction(found: list[RelationshipResult]) -> list[RelationshipResult]:
    edges = {(r.from_columns[0], r.to_columns[0]) for r in found}
    nodes = {name for edge in edges for name in edge}
    return [
        r
        for r in found
        if not any((r.from_columns[0], mid) in edges and (mid, r.to_columns[0]) in edges for mid in nodes)
    ]


def table_hierarchies(
    con: duckdb.DuckDBPyConnection, columns: list[ColumnFacts], single_keys: set[str]
) -> list[RelationshipResult]:
    """Functional dependencies `a -> b` of one table, verified on the whole typed table."""
    if not columns:
        return []
    typed_table = columns[0].typed_table
    pairs = _screen(con, typed_table, _fd_pairs(columns, single_keys))
    if not pairs:
        return []
    found: list[RelationshipResult] = []
    for (a, b), (distinct_a, distinct_ab, rows) in zip(pairs, _fd_bounds(con, typed_table, pairs), strict=True):
        strength = _strength(distinct_a, distinct_ab)
        if strength < MIN_FD_STRENGTH or not distinct_a:
            continue
        rows_per_value = rows / distinct_a
        confidence = round(strength * (1 - 1 / rows_per_value), 4)
        if confidence < MIN_HIERARCHY_CONFIDENCE:
            continue
        found.append(
            RelationshipResult(
                from_table=a.table_name,
                from_columns=[a.column_name],
                to_table=b.table_name,
                to_columns=[b.column_name],
                relationship_type="hierarchy",
                cardinality="many-to-one",
                confidence=confidence,
                detection_method="functional_dependency",
                evidence={
                    "fd_strength": round(strength, 6),
                    "violating_pairs": distinct_ab - distinct_a,
                    "child_distinct": distinct_a,
                    "rows": rows,
                    "rows_per_value": round(rows_per_value, 3),
                },
            )
        )
    return _transitive_reduction(found)


def _numeric(column: ColumnFacts, key_columns: set[str]) -> bool:
    if column.family not in _NUMERIC or column.column_name in key_columns:
        return False
    _, suffix = column_stem(column.column_name, column.table_name)
    return suffix not in KEY_SUFFIXES and (column.distinct_count or 0) >= 3


def table_correlations(
    con: duckdb.DuckDBPyConnection, columns: list[ColumnFacts], key_columns: set[str]
) -> list[RelationshipResult]:
    """Strong linear correlations between numeric non-key columns of one table (one query)."""
    pool = [c for c in columns if _numeric(c, key_columns)][:MAX_CORRELATION_COLUMNS]
    pairs = list(itertools.combinations(pool, 2))
    if not pairs:
        return []
    parts = []
    for a, b in pairs:
        qa, qb = (f"CAST({quote_ident(c.column_name)} AS DOUBLE)" for c in (a, b))
        parts += [f"corr({qa}, {qb})", f"regr_count({qa}, {qb})"]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {columns[0].typed_table}").fetchall()[0]
    found = []
    for i, (a, b) in enumerate(pairs):
        r, n = row[2 * i], row[2 * i + 1]
        if r is None or r != r or abs(r) < MIN_CORRELATION:
            continue
        found.append(
            RelationshipResult(
                from_table=a.table_name,
                from_columns=[a.column_name],
                to_table=b.table_name,
                to_columns=[b.column_name],
                relationship_type="correlation",
                confidence=round(min(1.0, abs(r)), 4),
                detection_method="pearson",
                evidence={"pearson_r": round(float(r), 6), "rows": int(n)},
            )
        )
    return found
