"""Foreign keys: cheap screening by profiles, exact containment in DuckDB, scoring.

Referenced sides are the candidate keys of every table plus near-unique single columns
(at least `NEAR_UNIQUE` distinct per non-null value: a key with a stray duplicate; strings
no longer than a key may be).
A referencing side is any other column of the same comparison family (integer,
string, UUID) or, for a composite key, a tuple of columns of one table.

Screening (no data read): the child's distinct count must fit the parent's
(`child_distinct * MIN_COVERAGE <= parent_distinct`); integers must have their
middle half (p25..p75) inside the parent's range; strings their average length
inside the parent's length range. Composite keys are only paired with child column
tuples that have name evidence, the best `MAX_COMPOSITE_ASSIGNMENTS` per child table.

Bounded: per child column set at most `MAX_PARENTS_PER_CHILD` parents and per run at most
`MAX_MEASURED_PAIRS` pairs are measured, best name evidence first (`pairs_skipped` counts
the rest); real schemas stay far below, a wide table of key-like columns does not.

Measurement (DuckDB, typed layer): each column taking part is reduced once to its
distinct values with row counts (a temporary table), then every surviving pair is one
join of two distinct sets: child distinct, matched distinct, orphan rows, orphan samples,
and for integers the density of parent values inside the matched child range. So the
cost grows with the plausible pairs and the distinct values, not all pairs times rows.

Scoring (0..1), for a measured pair:

    coverage   matched / child distinct                (below MIN_COVERAGE: dropped)
    name       topology.names.name_score               (a table's own id pointing away: 0)
    surprise   how unlikely the containment is by chance: 1 - density ** matched, where
               density is the share of the matched integer range that the parent fills
               (1 for a dense key: `l_linenumber` 1..7 fits every key starting at 1, so
               its containment proves nothing), the composite fill for tuples, 0.5 for strings
    parent_cov matched / parent distinct; it weighs less (0.3 instead of 0.5) when both
               sides are dense integer ranges, since then the ranges alone explain it
               (`ps_availqty` 1..9999 inside `s_suppkey` 1..10000)
    base       = 1 - (1 - 0.9 name) (1 - 0.9 surprise) (1 - 0.5 parent_cov)
    confidence = base * coverage**2 * uniqueness**2   (uniqueness of the parent side)
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb

from dataraum_context.sqlutil import quote_ident
from dataraum_context.topology.keys import MAX_KEY_LENGTH, NEAR_UNIQUE
from dataraum_context.topology.models import ColumnFacts, FkMeasurement, FkScreening, RelationshipResult
from dataraum_context.topology.names import column_stem, name_score, stems_match, table_stem

MIN_COVERAGE = 0.5
REVIEW_MIN = 0.5
"""Foreign keys scoring below this are not reported."""
MAX_COMPOSITE_ASSIGNMENTS = 2
MAX_PARENTS_PER_CHILD = 4
"""Per child column set, at most this many parent keys are measured (best name evidence first)."""
MAX_MEASURED_PAIRS = 400
"""At most this many pairs are measured per run (best name evidence first): wide tables whose
columns all look like keys (a 10-row table) would otherwise measure columns x columns pairs."""
ORPHAN_SAMPLES = 5
SURPRISE_CAP = 50
STRING_DENSITY = 0.5
NAME_WEIGHT = 0.9
SURPRISE_WEIGHT = 0.9
COVERAGE_WEIGHT = 0.5
DENSE_COVERAGE_WEIGHT = 0.3
FK_FAMILIES = ("integer", "string", "uuid")


@dataclass(frozen=True)
class KeySide:
    """A referenced key: a table's columns whose values identify its rows (or nearly)."""

    table: str
    columns: tuple[ColumnFacts, ...]
    is_candidate_key: bool

    @property
    def names(self) -> list[str]:
        return [c.column_name for c in self.columns]


@dataclass
class _Pair:
    child: tuple[ColumnFacts, ...]
    parent: KeySide
    names: float = 0.0


@dataclass
class _Distincts:
    """Temporary tables of distinct values (v0, v1, ..., n) per column tuple, made on demand."""

    con: duckdb.DuckDBPyConnection
    prefix: str
    made: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    def of(self, columns: tuple[ColumnFacts, ...]) -> str:
        key = (columns[0].table_name, tuple(c.column_name for c in columns))
        if key not in self.made:
            name = quote_ident(f"{self.prefix}_{len(self.made)}")
            cols = [quote_ident(c.column_name) for c in columns]
            select = ", ".join(f"{col} AS v{i}" for i, col in enumerate(cols))
            not_null = " AND ".join(f"{col} IS NOT NULL" for col in cols)
            self.con.execute(
                f"CREATE TEMP TABLE {name} AS SELECT {select}, count(*) AS n "
                f"FROM {columns[0].typed_table} WHERE {not_null} GROUP BY ALL"
            )
            self.made[key] = name
        return self.made[key]

    def drop(self) -> None:
        for name in self.made.values():
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        self.made.clear()


@contextmanager
def distinct_tables(con: duckdb.DuckDBPyConnection) -> Iterator[_Distincts]:
    distincts = _Distincts(con, f"__dataraum_topology_{uuid.uuid4().hex[:12]}")
    try:
        yield distincts
    finally:
        distincts.drop()


def referenced_keys(
    facts: dict[str, list[ColumnFacts]], candidate_keys: dict[str, list[list[str]]]
) -> list[KeySide]:
    """Every candidate key, plus near-unique single columns of key-like families."""
    keys: list[KeySide] = []
    for table, columns in facts.items():
        by_name = {c.column_name: c for c in columns}
        singles = set()
        for key in candidate_keys.get(table, []):
            if all(name in by_name for name in key):
                keys.append(KeySide(table, tuple(by_name[name] for name in key), True))
                if len(key) == 1:
                    singles.add(key[0])
        for column in columns:
            if column.column_name in singles or column.family not in FK_FAMILIES:
                continue
            if column.family == "string" and (column.max_length or 0) > MAX_KEY_LENGTH:
                continue
            non_null = column.non_null_count
            if non_null >= 2 and column.distinct_count and column.distinct_count >= NEAR_UNIQUE * non_null:
                keys.append(KeySide(table, (column,), False))
    return keys


def _fits(child: ColumnFacts, parent: ColumnFacts) -> bool:
    """Could `child`'s values lie (mostly) inside `parent`'s? Profiles only."""
    if child.family != parent.family or child.family not in FK_FAMILIES:
        return False
    if child.non_null_count == 0 or not parent.distinct_count or parent.distinct_count < 2:
        return False
    if child.distinct_count is not None and child.distinct_count * MIN_COVERAGE > parent.distinct_count:
        return False
    if child.family == "integer":
        if None in (child.min_value, child.max_value, parent.min_value, parent.max_value):
            return True
        low = child.p25 if child.p25 is not None else child.min_value
        high = child.p75 if child.p75 is not None else child.max_value
        return parent.min_value <= low and high <= parent.max_value  # type: ignore[operator]
    if child.family == "string" and child.avg_length is not None and parent.min_length is not None:
        return parent.min_length <= child.avg_length <= (parent.max_length or child.avg_length)
    return True


def _own_identifier(child: ColumnFacts, parent_table: str) -> bool:
    """`orders.order_id` names its own table: it is that table's id, not a reference elsewhere."""
    stem, _ = column_stem(child.column_name, child.table_name)
    own = table_stem(child.table_name)
    return bool(stem) and stems_match(stem, own) and not stems_match(stem, table_stem(parent_table))


def _names(child: tuple[ColumnFacts, ...], parent: KeySide) -> float:
    if len(child) == 1 and _own_identifier(child[0], parent.table):
        return 0.0
    return name_score(child[0].table_name, [c.column_name for c in child], parent.table, parent.names)


def plausible_pairs(facts: dict[str, list[ColumnFacts]], keys: list[KeySide]) -> tuple[int, list[_Pair]]:
    """(type-compatible pairs considered, pairs that pass the profile screens)."""
    considered = 0
    pairs: list[_Pair] = []
    for key in keys:
        if len(key.columns) == 1:
            parent = key.columns[0]
            for columns in facts.values():
                for child in columns:
                    if child.family != parent.family or child.family not in FK_FAMILIES:
                        continue
                    if child.table_name == parent.table_name and child.column_name == parent.column_name:
                        continue
                    considered += 1
                    if _fits(child, parent):
                        pairs.append(_Pair((child,), key, _names((child,), key)))
            continue
        for table, columns in facts.items():
            options = [[c for c in columns if _fits(c, p)] for p in key.columns]
            # counted, not enumerated: a wide table has columns**width combinations
            considered += math.prod(len(o) for o in options)
            # only combinations whose every column has name evidence can be kept: filter first
            named = [
                [c for c in o if _names((c,), KeySide(key.table, (p,), False)) > 0]
                for o, p in zip(options, key.columns)
            ]
            assignments = []
            for combo in itertools.product(*named):
                names = {c.column_name for c in combo}
                if len(names) < len(combo):
                    continue
                if table == key.table and [c.column_name for c in combo] == key.names:
                    continue
                if table == key.table and any(c.column_name == p.column_name for c, p in zip(combo, key.columns)):
                    continue
                assignments.append(_Pair(tuple(combo), key, _names(tuple(combo), key)))
            assignments.sort(key=lambda p: (-p.names, [c.position for c in p.child]))
            pairs += assignments[:MAX_COMPOSITE_ASSIGNMENTS]
    return considered, pairs


def _pair_rank(pair: _Pair, order: dict[tuple[str, str], int]) -> tuple:
    """Best first: name evidence, a candidate key over a near-unique column, another table,
    then the child's and the parent's column order."""
    child = pair.child[0]
    parent = pair.parent.columns[0]
    return (
        -pair.names,
        not pair.parent.is_candidate_key,
        child.table_name == pair.parent.table,
        order.get((child.table_name, child.column_name), 0),
        order.get((parent.table_name, parent.column_name), 0),
        [c.column_name for c in pair.child],
        pair.parent.names,
    )


def bounded_pairs(facts: dict[str, list[ColumnFacts]], pairs: list[_Pair]) -> list[_Pair]:
    """The pairs to measure: at most `MAX_PARENTS_PER_CHILD` per child column set and
    `MAX_MEASURED_PAIRS` in all, best ranked first; the kept pairs stay in their original order."""
    order = {(c.table_name, c.column_name): k for columns in facts.values() for k, c in enumerate(columns)}
    ranked = sorted(range(len(pairs)), key=lambda i: _pair_rank(pairs[i], order))
    per_child: dict[tuple[str, tuple[str, ...]], int] = {}
    kept: list[int] = []
    for i in ranked:
        child = (pairs[i].child[0].table_name, tuple(c.column_name for c in pairs[i].child))
        if per_child.get(child, 0) >= MAX_PARENTS_PER_CHILD:
            continue
        per_child[child] = per_child.get(child, 0) + 1
        kept.append(i)
        if len(kept) >= MAX_MEASURED_PAIRS:
            break
    return [pairs[i] for i in sorted(kept)]


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _measure(con: duckdb.DuckDBPyConnection, distincts: _Distincts, pair: _Pair) -> FkMeasurement:
    child_table = distincts.of(pair.child)
    parent_table = distincts.of(pair.parent.columns)
    width = len(pair.child)
    on = " AND ".join(f"c.v{i} = p.v{i}" for i in range(width))
    matched = "p.v0 IS NOT NULL"
    single_int = width == 1 and pair.child[0].family == "integer"
    range_sql = f", min(c.v0) FILTER (WHERE {matched}), max(c.v0) FILTER (WHERE {matched})" if single_int else ""
    row = _fetch(
        con,
        f"SELECT count(*), count(p.v0), coalesce(sum(c.n), 0), coalesce(sum(c.n) FILTER (WHERE NOT ({matched})), 0), "
        f"coalesce(max(c.n), 0){range_sql} FROM {child_table} c LEFT JOIN {parent_table} p ON {on}",
    )[0]
    child_distinct, matched_distinct, child_rows, orphan_rows, max_rows = (int(v) for v in row[:5])
    parent_distinct, parent_rows = (int(v or 0) for v in _fetch(con, f"SELECT count(*), sum(n) FROM {parent_table}")[0])
    samples: list[str] = []
    if orphan_rows:
        values = ", ".join(f"c.v{i}" for i in range(width))
        samples = [
            str(r[0]) if width == 1 else "(" + ", ".join(str(v) for v in r) + ")"
            for r in _fetch(
                con,
                f"SELECT {values} FROM {child_table} c LEFT JOIN {parent_table} p ON {on} "
                f"WHERE p.v0 IS NULL ORDER BY c.n DESC, {values} LIMIT {ORPHAN_SAMPLES}",
            )
        ]
    local_density = child_density = None
    if single_int and matched_distinct:
        low, high = int(row[5]), int(row[6])
        inside = _fetch(con, f"SELECT count(*) FROM {parent_table} WHERE v0 BETWEEN ? AND ?", [low, high])[0][0]
        local_density = min(1.0, int(inside) / (high - low + 1))
        child_density = min(1.0, matched_distinct / (high - low + 1))
    composite_density = None
    if width > 1:
        product = 1
        for column in pair.parent.columns:
            product *= max(1, column.distinct_count or 1)
        composite_density = min(1.0, parent_distinct / product)
    return FkMeasurement(
        from_table=pair.child[0].table_name,
        from_columns=[c.column_name for c in pair.child],
        to_table=pair.parent.table,
        to_columns=pair.parent.names,
        child_rows=child_rows,
        child_distinct=child_distinct,
        matched_distinct=matched_distinct,
        orphan_rows=orphan_rows,
        orphan_samples=samples,
        parent_distinct=parent_distinct,
        parent_rows=parent_rows,
        child_unique=max_rows <= 1,
        local_density=local_density,
        child_density=child_density,
        composite_density=composite_density,
    )


def screen_foreign_keys(
    con: duckdb.DuckDBPyConnection, facts: dict[str, list[ColumnFacts]], candidate_keys: dict[str, list[list[str]]]
) -> FkScreening:
    """Screen every (child columns, parent key) pair by profiles, measure the survivors exactly."""
    keys = referenced_keys(facts, candidate_keys)
    considered, plausible = plausible_pairs(facts, keys)
    pairs = bounded_pairs(facts, plausible)
    measurements: list[FkMeasurement] = []
    with distinct_tables(con) as distincts:
        for pair in pairs:
            measurements.append(_measure(con, distincts, pair))
    return FkScreening(
        pairs_considered=considered,
        pairs_measured=len(pairs),
        pairs_skipped=len(plausible) - len(pairs),
        measurements=measurements,
    )


def _surprise(m: FkMeasurement, family: str) -> float:
    k = min(m.matched_distinct, SURPRISE_CAP)
    if m.composite_density is not None:
        density = m.composite_density
    elif family == "integer":
        density = m.local_density if m.local_density is not None else 1.0
    else:
        density = STRING_DENSITY
    return 1.0 - density**k


def _dense(density: float | None) -> bool:
    return density is not None and density >= 0.999


def _cardinality(m: FkMeasurement, parent_unique: bool) -> str:
    if not parent_unique:
        return "n:m"
    return "1:1" if m.child_unique else "1:n"


def score_foreign_keys(
    screening: FkScreening,
    facts: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    accept_threshold: float,
) -> list[RelationshipResult]:
    """Foreign keys from the measurements: scored, at least `REVIEW_MIN`, `accepted` at or above
    `accept_threshold` and `candidate` (for review) below; of two opposite directions between
    the same columns only the more confident is kept."""
    by_column = {(c.table_name, c.column_name): c for columns in facts.values() for c in columns}
    keys = {(table, tuple(key)) for table, table_keys in candidate_keys.items() for key in table_keys}
    results: list[RelationshipResult] = []
    for m in screening.measurements:
        if not m.child_distinct:
            continue
        coverage = m.matched_distinct / m.child_distinct
        if coverage < MIN_COVERAGE:
            continue
        child = tuple(by_column[(m.from_table, c)] for c in m.from_columns)
        parent_is_key = (m.to_table, tuple(m.to_columns)) in keys
        parent = KeySide(m.to_table, tuple(by_column[(m.to_table, c)] for c in m.to_columns), parent_is_key)
        names = _names(child, parent)
        surprise = _surprise(m, child[0].family)
        parent_coverage = m.matched_distinct / m.parent_distinct if m.parent_distinct else 0.0
        uniqueness = m.parent_distinct / m.parent_rows if m.parent_rows else 0.0
        ranges_explain = _dense(m.local_density) and _dense(m.child_density)
        coverage_weight = DENSE_COVERAGE_WEIGHT if ranges_explain else COVERAGE_WEIGHT
        base = 1 - (1 - NAME_WEIGHT * names) * (1 - SURPRISE_WEIGHT * surprise) * (1 - coverage_weight * parent_coverage)
        confidence = round(base * coverage**2 * uniqueness**2, 4)
        if confidence < REVIEW_MIN:
            continue
        results.append(
            RelationshipResult(
                from_table=m.from_table,
                from_columns=m.from_columns,
                to_table=m.to_table,
                to_columns=m.to_columns,
                relationship_type="foreign_key",
                cardinality=_cardinality(m, uniqueness >= 1.0),
                confidence=confidence,
                coverage=round(coverage, 6),
                orphan_count=m.orphan_rows,
                orphan_samples=m.orphan_samples,
                detection_method="value_overlap",
                evidence={
                    "name_score": round(names, 4),
                    "value_surprise": round(surprise, 4),
                    "parent_coverage": round(parent_coverage, 6),
                    "parent_uniqueness": round(uniqueness, 6),
                    "parent_is_candidate_key": parent_is_key,
                    "child_rows": m.child_rows,
                    "child_distinct": m.child_distinct,
                    "matched_distinct": m.matched_distinct,
                    "parent_distinct": m.parent_distinct,
                    "local_density": m.local_density,
                    "composite_density": m.composite_density,
                    "child_density": m.child_density,
                    "ranges_explain_containment": ranges_explain,
                },
                status="accepted" if confidence >= accept_threshold else "candidate",
            )
        )
    return _drop_siblings(_drop_reverse_duplicates(results))


def _drop_siblings(results: list[RelationshipResult]) -> list[RelationshipResult]:
    """`order_items.order_id -> shipments.order_id` when both reference `orders.order_id`:
    two children of one parent contain each other's values; only the parent link is real."""
    edges = {(r.from_table, tuple(r.from_columns)): set() for r in results}
    for r in results:
        edges[(r.from_table, tuple(r.from_columns))].add((r.to_table, tuple(r.to_columns)))
    kept = []
    for r in results:
        child, parent = (r.from_table, tuple(r.from_columns)), (r.to_table, tuple(r.to_columns))
        shared = (edges.get(child, set()) & edges.get(parent, set())) - {parent, child}
        if not shared:
            kept.append(r)
    return kept


def _drop_reverse_duplicates(results: list[RelationshipResult]) -> list[RelationshipResult]:
    best: dict[tuple, RelationshipResult] = {}
    for r in results:
        ends = tuple(sorted([(r.from_table, tuple(r.from_columns)), (r.to_table, tuple(r.to_columns))]))
        kept = best.get(ends)
        if kept is None or r.confidence > kept.confidence:
            best[ends] = r
    kept_ids = {id(r) for r in best.values()}
    return [r for r in results if id(r) in kept_ids]
