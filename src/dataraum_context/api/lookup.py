"""Reading the context document piece by piece: one table or column, a search, the metrics.

Everything here works on the document `build_context` assembles (plain dicts), so
what an agent sees through `describe` or `search` is what `dataraum context` prints.
"""

from __future__ import annotations

from typing import Any

from dataraum_context.errors import UserError


class NotFoundError(UserError):
    """A table, column or metric the workspace does not have (the message lists what it has)."""


def _listed(names: list[str]) -> str:
    return ", ".join(names[:20]) + (", ..." if len(names) > 20 else "") if names else "none"


def _named(entries: list[dict[str, Any]], name: str, what: str, where: str = "") -> dict[str, Any]:
    """The entry called `name` (exactly, else the one whose name matches ignoring case)."""
    for entry in entries:
        if entry["name"] == name:
            return entry
    lowered = [e for e in entries if e["name"].lower() == str(name).lower()]
    if len(lowered) == 1:
        return lowered[0]
    raise NotFoundError(f"no {what} {name!r}{where} ({what}s: {_listed([e['name'] for e in entries])})")


def table_entry(doc: dict[str, Any], table: str) -> dict[str, Any]:
    return _named(doc.get("tables") or [], table, "table")


def column_entry(table: dict[str, Any], column: str) -> dict[str, Any]:
    return _named(table.get("columns") or [], column, "column", f" in table {table['name']!r}")


def _touches(rel: dict[str, Any], table: str, column: str | None) -> bool:
    if column is None:
        return table in (rel.get("from_table"), rel.get("to_table"))
    return (rel.get("from_table") == table and column in (rel.get("from_columns") or [])) or (
        rel.get("to_table") == table and column in (rel.get("to_columns") or [])
    )


def describe(doc: dict[str, Any], table: str, column: str | None = None) -> dict[str, Any]:
    """One table (all its columns) or one column in full: profile, type decision and its
    provenance, semantics, temporal, quality; plus the relationships, join paths, metrics
    and open review items that involve it."""
    entry = table_entry(doc, table)
    name = entry["name"]
    relationships = [r for r in doc.get("relationships") or [] if _touches(r, name, None)]
    metrics = [m for m in (doc.get("ontology") or {}).get("metrics") or [] if m.get("table") == name]
    prefix = f"{name}."
    review = [
        i for i in (doc.get("review") or {}).get("items") or []
        if (i.get("target") or "") == name or (i.get("target") or "").startswith(prefix) or f"{name}(" in (i.get("target") or "")
    ]
    if column is None:
        return {
            "table": entry,
            "relationships": relationships,
            "join_paths": [
                p for p in doc.get("join_paths") or [] if name in (p.get("from_table"), p.get("to_table"))
            ],
            "metrics": metrics,
            "open_review_items": review,
        }
    col = column_entry(entry, column)
    target = f"{name}.{col['name']}"
    return {
        "table": {k: entry.get(k) for k in ("name", "source", "row_count", "candidate_keys", "entity")},
        "column": col,
        "relationships": [r for r in relationships if _touches(r, name, col["name"])],
        "metrics": [m for m in metrics if f'"{col["name"]}"' in (m.get("expression") or m.get("sql") or "")],
        "open_review_items": [i for i in review if i.get("target") == target],
    }


def search(doc: dict[str, Any], text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Tables and columns whose name, business name, ontology term, entity type or
    description contains `text` (case-insensitive), best matches (exact names) first."""
    needle = str(text or "").strip().lower()
    if not needle:
        raise UserError("give some text to search for")
    hits: list[tuple[int, dict[str, Any]]] = []

    def check(fields: dict[str, Any], where: dict[str, Any]) -> None:
        for label, value in fields.items():
            if isinstance(value, str) and needle in value.lower():
                rank = 0 if value.lower() == needle else 1 if label == "name" else 2
                hits.append((rank, {**where, "matched": label, "value": value}))
                return

    for table in doc.get("tables") or []:
        entity = table.get("entity") or {}
        check(
            {"name": table["name"], "entity_type": entity.get("type"), "description": entity.get("description")},
            {"kind": "table", "table": table["name"]},
        )
        for column in table.get("columns") or []:
            semantic = column.get("semantic") or {}
            check(
                {
                    "name": column["name"],
                    "business_name": semantic.get("business_name"),
                    "ontology_term": semantic.get("ontology_term"),
                    "entity_type": semantic.get("entity_type"),
                    "description": semantic.get("description"),
                    "original_name": column.get("original_name"),
                },
                {
                    "kind": "column", "table": table["name"], "column": column["name"],
                    "resolved_type": column.get("resolved_type"), "role": semantic.get("role"),
                },
            )
    for metric in (doc.get("ontology") or {}).get("metrics") or []:
        check(
            {"name": metric.get("name"), "description": metric.get("description")},
            {"kind": "metric", "table": metric.get("table"), "metric": metric.get("name")},
        )
    hits.sort(key=lambda pair: pair[0])
    return [hit for _, hit in hits[:limit]]


def metrics(doc: dict[str, Any], table: str | None = None) -> list[dict[str, Any]]:
    """The ontology metrics computable on the workspace's tables, with their SQL."""
    found = list((doc.get("ontology") or {}).get("metrics") or [])
    if table is not None:
        name = table_entry(doc, table)["name"]
        found = [m for m in found if m.get("table") == name]
    return found


def find_metric(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A metric by `name` or `table.name` (needed when two tables have a metric of that name)."""
    found = metrics(doc)
    matches = [m for m in found if m.get("name") == name or f"{m.get('table')}.{m.get('name')}" == name]
    if not matches:
        known = [f"{m.get('table')}.{m.get('name')}" for m in found]
        raise NotFoundError(f"no metric {name!r} (metrics: {_listed(known)})")
    if len(matches) > 1:
        raise UserError(
            f"metric {name!r} exists on several tables: use one of "
            + ", ".join(f"{m.get('table')}.{m.get('name')}" for m in matches)
        )
    return matches[0]
