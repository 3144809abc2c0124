"""Structure into meaning: keys, foreign keys and table kinds from the topology stage.

The annotator reads names and values; the topology stage has measured which column sets
are unique (candidate keys) and which columns reference which keys (relationships after
the relationship review, so a person's decision counts). This module reconciles the two:

- roles: a column of an accepted or confirmed foreign key is a `foreign_key` (referencing
  that table); the table's key (its preferred single-column candidate key when it has a
  key-like name, or the target of a foreign key) is a `key`; a column the annotator called
  `key` that is in no candidate key (`ref` with repeats) or a `foreign_key` whose reference
  a person rejected, or that names a loaded table the values do not reference, falls back
  to `attribute`. Every change is added to the annotation's evidence.
- entity names drop a prefix that every table shares (`app_artist`, `app_album` -> `artist`,
  `album`).
- referencing tables (`referenced_by`) and bridge tables (two or more foreign keys, every
  other column part of a key) for the entity classification.
"""

from __future__ import annotations

from dataraum_context.semantic import naming
from dataraum_context.semantic.models import ColumnAnnotation
from dataraum_context.topology.models import RelationshipResult
from dataraum_context.topology.names import column_stem

JOINED = ("accepted", "confirmed", "candidate")
"""Statuses that count as structure: accepted, confirmed by a person, or still waiting for
review (a person's rejection removes it)."""


def shared_prefix(tables: list[str]) -> list[str]:
    """Leading entity words every table shares (at least two tables, one word left in each)."""
    words = [naming.entity_words(t) for t in tables]
    if len(words) < 2:
        return []
    prefix: list[str] = []
    for i in range(min(len(w) for w in words) - 1):
        first = words[0][i]
        if all(w[i] == first for w in words):
            prefix.append(first)
        else:
            break
    return prefix


def entity_name(table: str, prefix: list[str]) -> str:
    """The table's entity in snake case, without the shared prefix."""
    words = naming.entity_words(table)
    if prefix and words[: len(prefix)] == prefix and len(words) > len(prefix):
        words = words[len(prefix):]
    return naming.snake(words)


def foreign_keys(relationships: list[RelationshipResult]) -> list[RelationshipResult]:
    """Foreign keys that count: accepted, confirmed, or waiting for review (not rejected)."""
    return [r for r in relationships if r.relationship_type == "foreign_key" and r.status in JOINED]


def referenced_by(relationships: list[RelationshipResult]) -> dict[str, list[str]]:
    """table -> the other tables whose foreign keys reference it."""
    found: dict[str, list[str]] = {}
    for r in foreign_keys(relationships):
        if r.from_table != r.to_table:
            found.setdefault(r.to_table, []).append(r.from_table)
    return found


def primary_key(table: str, keys: dict[str, list[list[str]]], relationships: list[RelationshipResult]) -> list[str] | None:
    """The table's key: the candidate key other tables reference, else its first candidate key."""
    table_keys = keys.get(table) or []
    targets = [r.to_columns for r in foreign_keys(relationships) if r.to_table == table and r.from_table != table]
    for key in table_keys:
        if key in targets:
            return key
    return table_keys[0] if table_keys else None


def measured_roles(
    annotations: list[ColumnAnnotation], keys: dict[str, list[list[str]]], relationships: list[RelationshipResult]
) -> dict[tuple[str, str], ColumnAnnotation]:
    """(table, column) -> its structural annotation, for columns whose `key` / `foreign_key` role
    follows measured structure (the table's key, or a column of a foreign key that counts)."""
    measured: set[tuple[str, str]] = set()
    for r in foreign_keys(relationships):
        measured.update((r.from_table, c) for c in r.from_columns)
    for table in {a.table_name for a in annotations}:
        measured.update((table, c) for c in primary_key(table, keys, relationships) or [])
    return {
        (a.table_name, a.column_name): a
        for a in annotations
        if (a.table_name, a.column_name) in measured and a.role in ("key", "foreign_key")
    }


def _key_like(column: str, table: str) -> bool:
    return column_stem(column, table)[1] is not None


def bridge_tables(
    tables: dict[str, list[str]], keys: dict[str, list[list[str]]], relationships: list[RelationshipResult]
) -> set[str]:
    """Tables that link two others: two or more foreign keys to different tables, a candidate key
    made of foreign-key columns, and no column that is neither in a key nor a foreign key."""
    found = set()
    fks = foreign_keys(relationships)
    for table, columns in tables.items():
        mine = [r for r in fks if r.from_table == table and r.to_table != table]
        if len({r.to_table for r in mine}) < 2:
            continue
        fk_columns = {c for r in mine for c in r.from_columns}
        table_keys = keys.get(table) or []
        if not any(set(k) <= fk_columns and len(k) >= 2 for k in table_keys):
            continue
        single_keys = {k[0] for k in table_keys if len(k) == 1}
        rest = [c for c in columns if c not in fk_columns and c not in single_keys]
        if not rest:
            found.add(table)
    return found


def reconcile(
    annotations: list[ColumnAnnotation],
    keys: dict[str, list[list[str]]],
    relationships: list[RelationshipResult],
) -> list[ColumnAnnotation]:
    """The annotations with roles, references and entity names that follow the structure."""
    tables = sorted({a.table_name for a in annotations})
    prefix = shared_prefix(tables)
    entities = {t: entity_name(t, prefix) for t in tables}
    full = {naming.snake(naming.entity_words(t)): entities[t] for t in tables}
    fk_of: dict[tuple[str, str], RelationshipResult] = {}
    for r in sorted(foreign_keys(relationships), key=lambda r: (len(r.from_columns), -r.confidence)):
        for column in r.from_columns:
            fk_of.setdefault((r.from_table, column), r)
    rejected = {
        (r.from_table, c)
        for r in relationships
        if r.relationship_type == "foreign_key" and r.status == "rejected"
        for c in r.from_columns
    }
    pk = {t: primary_key(t, keys, relationships) for t in tables}
    in_key = {(t, c) for t, table_keys in keys.items() for k in table_keys for c in k}
    result = []
    for a in annotations:
        t, c = a.table_name, a.column_name
        update: dict[str, object] = {}
        why: str | None = None
        entity = full.get(a.entity_type or "", a.entity_type)
        if entity != a.entity_type:
            update["entity_type"] = entity
            if a.description and a.entity_type:
                update["description"] = a.description.replace(
                    a.entity_type.replace("_", " "), (entity or "").replace("_", " ")
                )
        own_key = pk.get(t) == [c] and (
            _key_like(c, t) or a.role == "key" or any(r.to_table == t and r.to_columns == [c] for r in foreign_keys(relationships))
        )
        fk = fk_of.get((t, c))
        if fk is not None and len(fk.from_columns) > 1 and a.role in ("timestamp", "measure"):
            fk = None  # `hour_ts` of a composite key stays a timestamp
        if fk is not None and not (own_key and fk.from_table == fk.to_table):
            target = entities.get(fk.to_table, fk.to_table)
            to_column = fk.to_columns[fk.from_columns.index(c)]
            role = "key" if own_key and fk.cardinality == "one-to-one" else "foreign_key"
            if a.role != role or (a.references or {}).get("table") != fk.to_table:
                why = (
                    f"structure: references {fk.to_table}.{to_column} ({fk.cardinality}, {fk.status} by topology, "
                    f"confidence {fk.confidence:.2f})"
                )
                update.update(
                    role=role,
                    entity_type=target,
                    references={"table": fk.to_table, "column": to_column},
                    description=_with_value_note(
                        f"Refers to the {target.replace('_', ' ')} in {fk.to_table}.{to_column}.", a.description
                    ),
                    confidence=max(a.confidence, round(fk.confidence, 3)),
                )
        elif own_key:
            if a.role != "key":
                why = f"structure: {c} is the key of {t} (unique and non-null, verified)"
                update.update(
                    role="key", entity_type=entities[t], references=None,
                    description=_with_value_note(f"Identifies each {entities[t].replace('_', ' ')} in {t}.", a.description),
                    confidence=max(a.confidence, 0.9),
                )
        elif a.role == "key" and t in keys and (t, c) not in in_key:
            why = f"structure: {c} repeats or has nulls, so it is no key of {t}"
            update.update(role="attribute", references=None, confidence=min(a.confidence, 0.6))
        elif a.role == "foreign_key" and (t, c) in rejected:
            why = f"structure: its reference was rejected in review"
            update.update(role="attribute", references=None, confidence=min(a.confidence, 0.6))
        elif a.role == "foreign_key" and (a.references or {}).get("table") in entities and t in keys:
            ref = (a.references or {}).get("table")
            why = f"structure: the values do not reference {ref} (no foreign key found)"
            update.update(role="attribute", references=None, confidence=min(a.confidence, 0.55))
        if why is not None:
            update["evidence"] = [*a.evidence, why]
        result.append(a.model_copy(update=update) if update else a)
    return result


def _with_value_note(text: str, previous: str | None) -> str:
    """A new description that keeps what the values said (the annotator's "Meaning from ..."
    sentence: which evidence decided, and notes such as "keep them as text")."""
    if previous and "Meaning from" in previous:
        return f"{text} {previous[previous.index('Meaning from'):]}"
    return text


def own_grain_note(table: str, column: str, per: str, repeats_in: list[str]) -> str:
    """`orders.o_totalprice is per order; joined to lineitem it repeats on every referencing row, ...`"""
    what = per.replace("_", " ")
    joined = " or ".join(repeats_in)
    return (
        f"{table}.{column} is per {what}; joined to {joined} it repeats on every referencing row, "
        f"so aggregate it over {table} itself and do not sum it after the join"
    )
