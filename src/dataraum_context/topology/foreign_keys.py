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

Names include role names (`reports_to`, `manager`, `parent_id` into the same table;
`support_rep_id`, `owner_rep_id` into a table of people: `names.role_score`); a
self-reference counts role names only, and a stem that names another loaded table exactly
is not read as an abbreviation of a longer table name (`bill_item.bill_id -> bill_item.id`).
Dates and timestamps join single and composite keys, but a single temporal column needs a name.

Judgement (`judge_foreign_keys`): every measured pair keeps its reasons (coverage and orphans,
parent uniqueness, child/parent distinct ratio, name and role evidence, range density, the
verdict) in `evidence["reasons"]`. Dismissed, with the reason, are: coverage below
`MIN_COVERAGE`; a self-reference without a role name; a dense 1..n key containing a small
integer range with no name pointing at it; a one-row parent without a strong name; a lone
date meeting a date; an attribute matching an attribute of a table identified by an id
(`constituencies.name -> sub_counties.name`); a second link from a table to a non-key column
of a parent it already references through its key (a denormalised copy: `bill.ship_zip ->
client.zip`); a composite of columns that reference nothing and hold no time (the shared key
of sibling tables); a pair whose opposite direction or shared parent explains it better; and
anything below `REVIEW_MIN`. The rest are `accepted` (at or above the auto-accept threshold) or
`candidate` (a relationship review item carrying the reasons).

Cardinality is written from the child: `many-to-one`, `one-to-one` (the child side is unique),
`many-to-many` (the parent side is not); `optional` when a child row has a null or an orphan.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from dataraum_context import fanout
from dataraum_context.sqlutil import quote_ident
from dataraum_context.topology.keys import MAX_KEY_LENGTH, NEAR_UNIQUE, largest_table
from dataraum_context.topology.models import Cardinality, ColumnFacts, FkMeasurement, FkScreening, RelationshipResult
from dataraum_context.topology.names import column_stem, name_score, role_score, stems_match, table_stem

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
FK_FAMILIES = ("integer", "string", "uuid", "date", "timestamp")
TEMPORAL = ("date", "timestamp")
TEMPORAL_DENSITY = 0.8
"""Dates and times cluster: a matched date says less than a matched string."""
SINGLE_ROW_NAME = 0.85
"""A one-row parent (a settings or version table) is referenced on name evidence alone."""


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
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)

    def size(self, name: str) -> tuple[int, int]:
        """(distinct tuples, rows) of a distinct table, counted once (a parent serves many children)."""
        if name not in self.sizes:
            distinct, rows = self.con.execute(f"SELECT count(*), sum(n) FROM {name}").fetchall()[0]
            self.sizes[name] = (int(distinct or 0), int(rows or 0))
        return self.sizes[name]

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
        self.sizes.clear()


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
        if columns and columns[0].row_count == 1:
            for column in columns:
                if column.family in FK_FAMILIES and column.null_count == 0 and column_stem(column.column_name, table)[1]:
                    keys.append(KeySide(table, (column,), False))
            continue
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
    if child.non_null_count == 0 or not parent.distinct_count:
        return False
    if parent.distinct_count < 2 and parent.row_count != 1:
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


def _names(child: tuple[ColumnFacts, ...], parent: KeySide, facts: dict[str, list[ColumnFacts]] | None = None) -> float:
    """Name evidence that `child` points at `parent` (0..1).

    A self-reference counts role names only (`manager`, `reports_to`, `parent_id`): a column
    naming its own table (`bill_item.bill_id`) is not a reference to its own rows. A stem
    that names another loaded table exactly (`invoice` -> `invoice`) is not read as an
    abbreviation of a longer table name (`invoiceline`)."""
    first = child[0]
    if first.table_name == parent.table:
        return sum(role_score(c.table_name, c.column_name, parent.table) for c in child) / len(child)
    if len(child) == 1 and _own_identifier(first, parent.table):
        return 0.0
    score = name_score(first.table_name, [c.column_name for c in child], parent.table, parent.names)
    if score and len(child) == 1 and facts is not None:
        stem, _ = column_stem(first.column_name, first.table_name)
        prefix, named = _exact_names(tuple(facts))
        exact = [t for t in named.get(stem.replace("_", ""), []) if t != parent.table] if stem else []
        if exact and not _names_exactly(stem, parent.table, prefix) and not stems_match(
            stem, column_stem(parent.names[0], parent.table)[0]
        ):
            return role_score(first.table_name, first.column_name, parent.table)
    return score


def _shared_prefix(tables: list[str]) -> str:
    """`chinook_` when every table stem starts with that word (and has more)."""
    stems = [table_stem(t).split("_") for t in tables]
    if len(stems) < 2 or min(len(s) for s in stems) < 2:
        return ""
    first = stems[0][0]
    return first + "_" if all(s[0] == first for s in stems) else ""


@functools.lru_cache(maxsize=8)
def _exact_names(tables: tuple[str, ...]) -> tuple[str, dict[str, list[str]]]:
    """The prefix the tables share, and the tables by their stem without it (no `_`): which
    tables a column stem names exactly (`_names_exactly`), looked up, not searched per pair."""
    prefix = _shared_prefix(list(tables))
    named: dict[str, list[str]] = {}
    for table in tables:
        named.setdefault(table_stem(table).removeprefix(prefix).replace("_", ""), []).append(table)
    return prefix, named


def _names_exactly(stem: str, table: str, prefix: str) -> bool:
    """The stem is the table's name, without a prefix every table shares (`invoice` ~ `chinook_invoice`)."""
    own = table_stem(table).removeprefix(prefix)
    return bool(stem) and stem.replace("_", "") == own.replace("_", "")


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
                    if not _fits(child, parent):
                        continue
                    names = _names((child,), key, facts)
                    if (child.family in TEMPORAL or parent.row_count == 1) and not names:
                        continue  # dates meet by chance; a one-row parent needs a name
                    pairs.append(_Pair((child,), key, names))
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
                assignments.append(_Pair(tuple(combo), key, _names(tuple(combo), key, facts)))
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
    # the most frequent orphans (by rows, then value) in the same join: `min_by` keyed by (-n, values)
    values = ", ".join(f"'v{i}': c.v{i}" for i in range(width))
    orphans = f"min_by({{{values}}}, {{'k': -c.n, {values}}}, {ORPHAN_SAMPLES}) FILTER (WHERE NOT ({matched}))"
    row = _fetch(
        con,
        f"SELECT count(*), count(p.v0), coalesce(sum(c.n), 0), coalesce(sum(c.n) FILTER (WHERE NOT ({matched})), 0), "
        f"coalesce(max(c.n), 0), {orphans}{range_sql} FROM {child_table} c LEFT JOIN {parent_table} p ON {on}",
    )[0]
    child_distinct, matched_distinct, child_rows, orphan_rows, max_rows = (int(v) for v in row[:5])
    parent_distinct, parent_rows = distincts.size(parent_table)
    samples = [
        str(r["v0"]) if width == 1 else "(" + ", ".join(str(r[f"v{i}"]) for i in range(width)) + ")"
        for r in (row[5] or [])
    ] if orphan_rows else []
    row = row[:5] + row[6:]
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
    # the pairs several at once (`fanout`), each worker with the distinct tables of its own cursor
    # (TEMP tables: a cursor sees only its own; a parent is made once per worker at most); the
    # measurements are exact counts, the same whichever worker made them, in the pairs' order
    made: dict[int, _Distincts] = {}
    lock = threading.Lock()

    def measure(cur: duckdb.DuckDBPyConnection, pair: _Pair) -> FkMeasurement:
        with lock:
            distincts = made.setdefault(id(cur), _Distincts(cur, f"__dataraum_topology_{uuid.uuid4().hex[:12]}"))
        return _measure(cur, distincts, pair)

    try:
        measurements = fanout.map_on_cursors(con, measure, pairs, rows=largest_table(facts))
    finally:
        own = made.get(id(con))
        if own is not None:  # the workers' cursors are closed, and their TEMP tables with them
            own.drop()
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
    elif family in TEMPORAL:
        density = TEMPORAL_DENSITY
    else:
        density = STRING_DENSITY
    return 1.0 - density**k


def _dense(density: float | None) -> bool:
    return density is not None and density >= 0.999


def cardinality(child_unique: bool, parent_unique: bool) -> Cardinality:
    """Written from the child (the referencing side): how many child rows per parent row."""
    if not parent_unique:
        return "many-to-many"
    return "one-to-one" if child_unique else "many-to-one"


def _id_named(column: ColumnFacts) -> bool:
    _, suffix = column_stem(column.column_name, column.table_name)
    return suffix is not None


def _judge(
    m: FkMeasurement,
    facts: dict[str, list[ColumnFacts]],
    by_column: dict[tuple[str, str], ColumnFacts],
    candidate_keys: dict[str, list[list[str]]],
    keys: set[tuple[str, tuple[str, ...]]],
    accept_threshold: float,
) -> RelationshipResult | None:
    if not m.child_distinct:
        return None
    coverage = m.matched_distinct / m.child_distinct
    child = tuple(by_column[(m.from_table, c)] for c in m.from_columns)
    parent_is_key = (m.to_table, tuple(m.to_columns)) in keys
    parent = KeySide(m.to_table, tuple(by_column[(m.to_table, c)] for c in m.to_columns), parent_is_key)
    names = _names(child, parent, facts)
    roles = max((role_score(c.table_name, c.column_name, parent.table) for c in child), default=0.0)
    surprise = _surprise(m, child[0].family)
    parent_coverage = m.matched_distinct / m.parent_distinct if m.parent_distinct else 0.0
    uniqueness = m.parent_distinct / m.parent_rows if m.parent_rows else 0.0
    ranges_explain = _dense(m.local_density) and _dense(m.child_density)
    single_row_parent = m.parent_rows == 1
    coverage_weight = DENSE_COVERAGE_WEIGHT if ranges_explain else COVERAGE_WEIGHT
    base = 1 - (1 - NAME_WEIGHT * names) * (1 - SURPRISE_WEIGHT * surprise) * (1 - coverage_weight * parent_coverage)
    confidence = base * coverage**2 * uniqueness**2
    distinct_ratio = m.child_distinct / m.parent_distinct if m.parent_distinct else 0.0
    nulls = sum(c.null_count for c in child[:1])
    reasons = [
        f"{coverage:.1%} of {m.child_distinct} distinct child values found in the parent"
        + (f" ({m.orphan_rows} orphan rows)" if m.orphan_rows else ""),
        f"parent {'is a candidate key' if parent_is_key else 'is near-unique'} "
        f"({m.parent_distinct} distinct of {m.parent_rows} rows)",
        f"child/parent distinct ratio {distinct_ratio:.3g}; parent values used {parent_coverage:.1%}",
    ]
    if names:
        reasons.append(f"name evidence {names:.2f}" + (" (role name)" if roles and roles >= names else ""))
    else:
        reasons.append("no name evidence")
    if ranges_explain:
        reasons.append("both sides are dense integer ranges: containment alone proves little")
    elif surprise >= 0.9:
        reasons.append(f"containment unlikely by chance (surprise {surprise:.2f})")
    dismissed: str | None = None
    if coverage < MIN_COVERAGE:
        dismissed = f"coverage {coverage:.1%} below {MIN_COVERAGE:.0%}"
    elif child[0].table_name == parent.table and not names:
        dismissed = "self-reference without a role name (manager, parent, reports_to ...)"
    elif ranges_explain and not names:
        dismissed = "a dense 1..n key contains any small integer range; no name points at it"
    elif single_row_parent and names < SINGLE_ROW_NAME:
        dismissed = "single-row parent: only a name can tell, and none does"
    elif child[0].family in TEMPORAL and len(child) == 1 and not names:
        dismissed = "dates and times meet by chance; no name points at the parent"
    else:
        dismissed = _shared_key_siblings(m, child, parent) or _attribute_name_match(child, parent, candidate_keys, facts)
    if dismissed is None and confidence < REVIEW_MIN:
        dismissed = f"confidence {confidence:.2f} below {REVIEW_MIN}"
    child_optional = nulls > 0 or m.orphan_rows > 0
    optional_parts = []
    if nulls:
        optional_parts.append(f"{nulls} null")
    if m.orphan_rows:
        optional_parts.append(f"{m.orphan_rows} orphan")
    confidence = round(confidence, 4)
    status = "dismissed" if dismissed else ("accepted" if confidence >= accept_threshold else "candidate")
    verdict = {
        "dismissed": f"dismissed: {dismissed}",
        "accepted": f"reported: accepted (confidence {confidence:.2f} at or above {accept_threshold})",
        "candidate": f"reported: for review (confidence {confidence:.2f} below {accept_threshold})",
    }[status]
    reasons.append(f"verdict: {verdict}")
    return RelationshipResult(
        from_table=m.from_table,
        from_columns=m.from_columns,
        to_table=m.to_table,
        to_columns=m.to_columns,
        relationship_type="foreign_key",
        cardinality=cardinality(m.child_unique, uniqueness >= 1.0),
        optional=child_optional,
        confidence=confidence,
        coverage=round(coverage, 6),
        orphan_count=m.orphan_rows,
        orphan_samples=m.orphan_samples,
        detection_method="value_overlap",
        evidence={
            "reasons": reasons,
            "optional_rows": ", ".join(optional_parts) + " child rows" if optional_parts else None,
            "name_score": round(names, 4),
            "role_score": round(roles, 4),
            "value_surprise": round(surprise, 4),
            "parent_coverage": round(parent_coverage, 6),
            "parent_uniqueness": round(uniqueness, 6),
            "parent_is_candidate_key": parent_is_key,
            "child_rows": m.child_rows,
            "child_distinct": m.child_distinct,
            "child_null_rows": nulls,
            "matched_distinct": m.matched_distinct,
            "parent_distinct": m.parent_distinct,
            "distinct_ratio": round(distinct_ratio, 6),
            "local_density": m.local_density,
            "composite_density": m.composite_density,
            "child_density": m.child_density,
            "ranges_explain_containment": ranges_explain,
        },
        status=status,
    )


def _copies(reported: list[RelationshipResult], candidate_keys: dict[str, list[list[str]]]) -> dict[int, str]:
    """Links that are denormalised copies (id -> reason): `bill.ship_zip -> client.zip` when `bill`
    already references `client` through its key (`bill.client_id -> client.id`): a second link
    from the same table to another, non-key column of the same parent copies an attribute."""
    found: dict[int, str] = {}
    for r in reported:
        if len(r.from_columns) != 1 or r.from_table == r.to_table:
            continue
        first_key = (candidate_keys.get(r.to_table) or [[]])[0]
        if r.to_columns == first_key:
            continue
        through_key = [
            o for o in reported
            if o is not r and o.from_table == r.from_table and o.to_table == r.to_table and o.to_columns == first_key
            and o.from_columns != r.from_columns
        ]
        if through_key:
            o = through_key[0]
            found[id(r)] = (
                f"copy of an attribute: {r.from_table} already references {r.to_table} through "
                f"{', '.join(o.from_columns)} -> {', '.join(o.to_columns)}; {r.to_columns[0]} is not its key"
            )
    return found


def _unanchored_composites(
    reported: list[RelationshipResult], by_column: dict[tuple[str, str], ColumnFacts]
) -> dict[int, str]:
    """Composite links with no anchor (id -> reason): none of the child columns references a table
    on its own and the key holds no date or time. `population(entity_type, entity_id) ->
    area(entity_type, entity_id)` joins two children of one polymorphic parent;
    `lineitem(l_partkey, l_suppkey) -> partsupp` is anchored by `l_partkey -> part`, and
    `events(site, hour_ts) -> readings(site, hour_ts)` by its time column."""
    singles = {(r.from_table, r.from_columns[0]) for r in reported if len(r.from_columns) == 1}
    found: dict[int, str] = {}
    for r in reported:
        if len(r.from_columns) < 2:
            continue
        if any((r.from_table, c) in singles for c in r.from_columns):
            continue
        if any(by_column[(r.to_table, c)].family in TEMPORAL for c in r.to_columns):
            continue
        found[id(r)] = (
            "composite without an anchor: no column of it references a table on its own and no date or time "
            "is in the key (a key shared by sibling tables)"
        )
    return found


def _attribute_name_match(child: tuple[ColumnFacts, ...], parent: KeySide, candidate_keys: dict[str, list[list[str]]],
                          facts: dict[str, list[ColumnFacts]]) -> str | None:
    """`constituencies.name -> sub_counties.name`, `bill.ship_zip -> client.zip`: neither side has an
    identifier-like name and the parent table is identified by another, id-named key."""
    if len(child) != 1 or len(parent.columns) != 1 or child[0].table_name == parent.table:
        return None
    c, p = child[0], parent.columns[0]
    if _strict_id(c) or _strict_id(p):
        return None
    by_name = {col.column_name: col for col in facts.get(parent.table, [])}
    first = (candidate_keys.get(parent.table) or [[]])[0]
    if len(first) != 1 or first[0] == p.column_name or first[0] not in by_name or not _strict_id(by_name[first[0]]):
        return None
    return (
        f"an attribute, not a key: neither {c.column_name} nor {parent.table}.{p.column_name} is an identifier, "
        f"and {parent.table} is identified by {first[0]}"
    )


STRICT_ID_SUFFIXES = ("id", "key", "no", "nr", "num", "number", "ref", "fk", "pk", "sk", "uuid", "guid")
"""Key suffixes that name an identifier (`code` may name a postal or a product code too)."""


def _strict_id(column: ColumnFacts) -> bool:
    return column_stem(column.column_name, column.table_name)[1] in STRICT_ID_SUFFIXES


def _shared_key_siblings(m: FkMeasurement, child: tuple[ColumnFacts, ...], parent: KeySide) -> str | None:
    """Two tables keyed by the same columns (`coordinates(entity_type, entity_id)` and
    `area_statistics(entity_type, entity_id)`): the child tuple is unique in its own table and
    no column names the parent table. Siblings of one (maybe unloaded) parent, not a reference."""
    if len(child) < 2 or not m.child_unique or child[0].row_count != m.child_rows:
        return None
    parent_stem = table_stem(parent.table)
    if any(stems_match(column_stem(c.column_name, c.table_name)[0], parent_stem) for c in child):
        return None
    return "the same key in two tables (siblings of one parent), no column names the referenced table"


def judge_foreign_keys(
    screening: FkScreening,
    facts: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    accept_threshold: float,
) -> list[RelationshipResult]:
    """Every measured pair judged, with its reasons: `accepted` at or above `accept_threshold`,
    `candidate` (for review) between `REVIEW_MIN` and it, `dismissed` otherwise (the reason is
    the last entry of `evidence["reasons"]`). Of two opposite directions between the same
    columns only the more confident is reported; the other is dismissed."""
    by_column = {(c.table_name, c.column_name): c for columns in facts.values() for c in columns}
    keys = {(table, tuple(key)) for table, table_keys in candidate_keys.items() for key in table_keys}
    judged = [
        r for m in screening.measurements
        if (r := _judge(m, facts, by_column, candidate_keys, keys, accept_threshold)) is not None
    ]
    reported = [r for r in judged if r.status != "dismissed"]
    copies = _copies(reported, candidate_keys)
    copies.update(_unanchored_composites(reported, by_column))
    for i, r in enumerate(judged):
        if id(r) in copies:
            reasons = [*r.evidence["reasons"][:-1], f"verdict: dismissed: {copies[id(r)]}"]
            judged[i] = r.model_copy(update={"status": "dismissed", "evidence": {**r.evidence, "reasons": reasons}})
    reported = [r for r in judged if r.status != "dismissed"]
    kept = _drop_siblings(_drop_reverse_duplicates(reported))
    kept_ids = {id(r) for r in kept}
    result = []
    for r in judged:
        if r.status != "dismissed" and id(r) not in kept_ids:
            reasons = [*r.evidence["reasons"][:-1], "verdict: dismissed: the opposite direction or a shared parent explains it better"]
            r = r.model_copy(update={"status": "dismissed", "evidence": {**r.evidence, "reasons": reasons}})
        result.append(r)
    return result


def score_foreign_keys(
    screening: FkScreening,
    facts: dict[str, list[ColumnFacts]],
    candidate_keys: dict[str, list[list[str]]],
    accept_threshold: float,
) -> list[RelationshipResult]:
    """The reported foreign keys (`accepted` and `candidate`) of `judge_foreign_keys`."""
    return [r for r in judge_foreign_keys(screening, facts, candidate_keys, accept_threshold) if r.status != "dismissed"]


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
