"""Keys from names and profiles: each table's own key, and foreign keys by name evidence.

These are the annotator's name evidence; `semantic/structure.py` then reconciles them with
the topology stage's measured keys and relationships (topology runs first). References are
recognised by their names: an id-like column (`*_id`, `*key`, `*_no` ...) whose stem
names another table's entity (`customer_id` -> `customers`, TPC-H `l_orderkey` ->
`orders`, `o_custkey` -> `customer` through `cust` = customer) or equals another
table's key column name. A table's own key is an id-like column whose stem is the
table's entity (`o_orderkey` in `orders`, `customer_id` in `customers`) or a bare
`id`/`key`; without one, a unique id-like column that references nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dataraum_context.semantic import naming
from dataraum_context.semantic.facts import ColumnView

STRONG_ID = frozenset({"id", "key", "fk", "pk", "uuid", "guid", "identifier", "ref", "reference"})
WEAK_ID = frozenset({"number", "code"})


def id_parts(words: list[str]) -> tuple[list[str], str] | None:
    """(stem words, id word) of an id-like name: [order, key] -> ([order], key); else None."""
    if words and words[-1] in STRONG_ID | WEAK_ID:
        return words[:-1], words[-1]
    return None


@dataclass
class OwnKey:
    """A table's own key column and why."""

    column: str
    confidence: float
    evidence: list[str] = field(default_factory=list)


@dataclass
class Reference:
    """A foreign key found by name: the column, the table (and key column) it refers to."""

    column: str
    to_table: str | None
    to_column: str | None
    confidence: float
    evidence: list[str] = field(default_factory=list)
    entity: str | None = None


def _entity(table: str) -> list[str]:
    return naming.entity_words(table)


def _stem_names_table(stem: list[str], table: str) -> str | None:
    """'exact' when the stem is the table's entity, 'suffix' when it ends with it, else None."""
    entity = _entity(table)
    if not stem:
        return None
    if stem == entity:
        return "exact"
    if len(stem) > len(entity) and stem[-len(entity):] == entity:
        return "suffix"
    return None


def _other_table_target(view: ColumnView, stem: list[str], views: dict[str, list[ColumnView]]) -> tuple[str, str] | None:
    """(table, how) of another table the stem names; exact matches first, then suffix."""
    found: list[tuple[int, str, str]] = []
    for table in views:
        if table == view.table:
            continue
        how = _stem_names_table(stem, table)
        if how is not None:
            found.append((0 if how == "exact" else 1, table, how))
    if not found:
        return None
    found.sort()
    return found[0][1], found[0][2]


def _same_name_key(view: ColumnView, views: dict[str, list[ColumnView]], keys: dict[str, OwnKey]) -> str | None:
    """Another table whose own key has this column's normalised name (`cust_no` in both)."""
    for table, key in keys.items():
        if table == view.table:
            continue
        key_view = next((v for v in views[table] if v.name == key.column), None)
        if key_view is not None and key_view.facts.words == view.facts.words:
            return table
    return None


def own_keys(views: dict[str, list[ColumnView]]) -> dict[str, OwnKey]:
    """Each table's own key column, where one is recognisable."""
    keys: dict[str, OwnKey] = {}
    for table, columns in views.items():
        entity = _entity(table)
        best: tuple[float, int, OwnKey] | None = None
        for view in columns:
            found = _own_key_score(view, entity, views)
            if found is not None and (best is None or (found.confidence, -view.position) > (best[0], best[1])):
                best = (found.confidence, -view.position, found)
        if best is not None:
            keys[table] = best[2]
    return keys


def _own_key_score(view: ColumnView, entity: list[str], views: dict[str, list[ColumnView]]) -> OwnKey | None:
    words = view.facts.words
    parts = id_parts(words)
    unique = view.is_unique
    near = (view.uniqueness or 0.0) >= 0.98 and (view.nulls or 0) == 0
    uniq_text = (
        f"unique ({view.distinct} distinct of {view.rows} rows)"
        if unique
        else f"{view.distinct} distinct of {view.rows} rows"
    )
    if parts is not None:
        stem, suffix = parts
        # `item_id` in `order_items` too, unless `item` names another table.
        named = (
            not stem
            or stem == entity
            or (len(entity) > 1 and stem == entity[-1:] and _other_table_target(view, stem, views) is None)
        )
        if named:
            why = [f"name: {'_'.join(words)} names the table's entity {'_'.join(entity) or '?'}", uniq_text]
            if unique:
                return OwnKey(view.name, 0.95, why)
            if near:
                return OwnKey(view.name, 0.8, why)
            if suffix in STRONG_ID:
                return OwnKey(view.name, 0.6, why)
            return None
        # A unique id-like column that names no other table is the key when nothing better is.
        if unique and suffix in STRONG_ID and _other_table_target(view, stem, views) is None:
            return OwnKey(view.name, 0.75, [f"id-like name {'_'.join(words)}", uniq_text])
        return None
    pattern = view.top_pattern
    if unique and pattern is not None and pattern.name == "uuid" and pattern.match_rate >= 0.99:
        return OwnKey(view.name, 0.75, ["UUID values", uniq_text])
    return None


def references(views: dict[str, list[ColumnView]], keys: dict[str, OwnKey]) -> dict[tuple[str, str], Reference]:
    """(table, column) -> the reference a column's name makes to another table."""
    found: dict[tuple[str, str], Reference] = {}
    for table, columns in views.items():
        own = keys.get(table)
        for view in columns:
            if own is not None and own.column == view.name:
                continue
            ref = _reference(view, views, keys)
            if ref is not None:
                found[(table, view.name)] = ref
    return found


def _reference(view: ColumnView, views: dict[str, list[ColumnView]], keys: dict[str, OwnKey]) -> Reference | None:
    parts = id_parts(view.facts.words)
    if parts is None or "temporal" in view.families or "boolean" in view.families:
        return None
    stem, suffix = parts
    name = "_".join(view.facts.words)
    target = _other_table_target(view, stem, views)
    same = _same_name_key(view, views, keys)
    if target is None and same is not None:
        target = (same, "exact")
    if target is None:
        if suffix in STRONG_ID and stem and not view.is_unique:
            return Reference(
                view.name, None, None, 0.55,
                [f"id-like name {name}, but no table named {'_'.join(stem)} is loaded"],
                entity="_".join(stem),
            )
        return None
    to_table, how = target
    if suffix in WEAK_ID and how != "exact":
        return None
    key = keys.get(to_table)
    to_column = key.column if key else None
    if to_column is None:
        same_named = next((v for v in views[to_table] if v.facts.words == view.facts.words), None)
        to_column = same_named.name if same_named else None
    evidence = [f"name: {name} names table {to_table}" + (" (by suffix)" if how == "suffix" else "")]
    confidence = 0.9 if how == "exact" else 0.75
    if to_column is not None:
        evidence.append(f"{to_table}.{to_column} is its key")
        target_view = next(v for v in views[to_table] if v.name == to_column)
        if not target_view.is_unique:
            confidence -= 0.1
            evidence.append(f"{to_table}.{to_column} is not unique")
        if view.families and target_view.families and not (
            view.families & target_view.families
        ):
            confidence -= 0.1
            evidence.append(f"types differ: {view.facts.decided_type} vs {target_view.facts.decided_type}")
    else:
        confidence -= 0.15
        evidence.append(f"{to_table} has no recognisable key column")
    return Reference(
        view.name, to_table, to_column, round(confidence, 3), evidence, entity=naming.snake(_entity(to_table))
    )
