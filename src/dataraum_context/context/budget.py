"""Keeping the context document within a budget: a subset of tables, a token limit.

`select_tables` narrows the document (both formats) to some tables and what lies
among them. `fit_markdown` renders the Markdown within a token budget, dropping detail
step by step and saying at the end what it left out:

1. descriptions (columns, entities, metrics);
2. the failing quality rules per table;
3. the column rows of tables, least connected first (fewest relationships, then
   fewest rows), each replaced by a one-line summary;
4. join paths, metric SQL, the list of open review items, the worst-rules list,
   the table sections altogether, the relationships, the metrics, the quality
   summary, in that order.

The overview is always kept. Tokens are estimated as characters / 4, rounded up: a
common rule of thumb for English text and code with current LLM tokenizers (no
tokenizer is loaded, so the estimate is the same on every machine).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from dataraum_context.context.markdown import Detail, render_markdown
from dataraum_context.errors import UserError
from dataraum_context.semantic.structure import own_grain_note

CHARS_PER_TOKEN = 4


class UnknownTableError(UserError):
    """`--tables` names a table the workspace does not have."""


class BudgetTooSmallError(UserError):
    """`--max-tokens` is below what the overview alone needs."""


def estimate_tokens(text: str) -> int:
    """Tokens of `text`, estimated as characters / 4 rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


# --- --tables ---------------------------------------------------------------------


def parse_table_names(values: list[str], known: list[str]) -> list[str]:
    """Table names from `--tables` values: each an exact name or a comma-separated list."""
    names: list[str] = []
    for value in values:
        parts = [value] if value in known else [p.strip() for p in value.split(",") if p.strip()]
        names += [p for p in parts if p not in names]
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise UnknownTableError(f"unknown table {unknown[0]!r} in --tables (tables: {listed or 'none'})")
    if not names:
        raise UserError("--tables: give at least one table name")
    return names


def _review_tables(target: str, known: list[str]) -> set[str]:
    """The tables a review target names (`t`, `t.col`, `a(x) -> b(y)`)."""
    found = set()
    for name in known:
        if target == name or target.startswith((f"{name}.", f"{name}(")) or f" -> {name}(" in target:
            found.add(name)
    return found


def select_tables(doc: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A copy of `doc` with only `names` and the relationships, paths, metrics and
    review items among them. Adds `selection` saying what was selected."""
    known = [t["name"] for t in doc.get("tables") or []]
    wanted = set(names)
    out = dict(doc)
    out["tables"] = [_select_entity(t, wanted) for t in doc.get("tables") or [] if t["name"] in wanted]
    out["selection"] = {"tables": [t["name"] for t in out["tables"]], "total_tables": len(known)}
    if doc.get("relationships") is not None:
        out["relationships"] = [
            r for r in doc["relationships"] if r.get("from_table") in wanted and r.get("to_table") in wanted
        ]
    if doc.get("join_paths") is not None:
        out["join_paths"] = [
            p for p in doc["join_paths"]
            if all(s.get("from_table") in wanted and s.get("to_table") in wanted for s in p.get("steps") or [])
            and p.get("from_table") in wanted and p.get("to_table") in wanted
        ]
    if doc.get("ontology"):
        out["ontology"] = _select_ontology(doc["ontology"], wanted)
    if doc.get("review"):
        out["review"] = _select_review(doc["review"], wanted, known)
    return out


def _select_entity(table: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """The table with its header notes naming selected tables only (a measure that repeats in
    no selected table keeps no note)."""
    entity = table.get("entity")
    if not entity or not (entity.get("header_of") or entity.get("measures_at_own_grain")):
        return table
    measures = []
    for m in entity.get("measures_at_own_grain") or []:
        repeats = [t for t in m.get("repeats_in") or [] if t in wanted]
        if repeats:
            note = own_grain_note(table["name"], str(m.get("column")), str(m.get("per")), repeats)
            measures.append({**m, "repeats_in": repeats, "note": note})
    heads = [t for t in entity.get("header_of") or [] if t in wanted]
    selected = {**entity, "header_of": heads or None, "measures_at_own_grain": measures or None}
    return {**table, "entity": selected}


def _select_ontology(ontology: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    out = dict(ontology)
    if ontology.get("metrics") is not None:
        out["metrics"] = [m for m in ontology["metrics"] if m.get("table") in wanted]
    mapped = ontology.get("concept_columns")
    if mapped is not None:
        out["concept_columns"] = [m for m in mapped if m.get("table") in wanted]
        if ontology.get("matched_concepts") is not None:
            everywhere = {m.get("concept") for m in mapped}
            here = {m.get("concept") for m in out["concept_columns"]}
            out["matched_concepts"] = [c for c in ontology["matched_concepts"] if c in here or c not in everywhere]
    return out


def _select_review(review: dict[str, Any], wanted: set[str], known: list[str]) -> dict[str, Any]:
    """Items about selected tables only (items naming no known table stay)."""
    items = review.get("items")
    if items is None:
        return dict(review)
    kept = [i for i in items if _review_tables(str(i.get("target") or ""), known) <= wanted]
    return {**review, "items": kept, "pending": len(kept)}


# --- --max-tokens -----------------------------------------------------------------


def least_connected(doc: dict[str, Any]) -> list[str]:
    """Table names, least connected first: fewest relationships, then fewest rows, then name."""
    degree: dict[str, int] = {t["name"]: 0 for t in doc.get("tables") or []}
    for rel in doc.get("relationships") or []:
        for end in (rel.get("from_table"), rel.get("to_table")):
            if end in degree:
                degree[end] += 1
    rows = {t["name"]: t.get("row_count") or 0 for t in doc.get("tables") or []}
    return sorted(degree, key=lambda name: (degree[name], rows[name], name))


def _summarized(detail: Detail, order: list[str], count: int) -> Detail:
    chosen = order[:count]
    shown = ", ".join(f"`{n}`" for n in chosen[:5]) + (", ..." if len(chosen) > 5 else "")
    note = f"the column rows of {count} of {len(order)} tables ({shown}), each summarized in one line"
    return replace(detail, summarized=frozenset(chosen), left_out=(*detail.left_out, note))


_LATER_STEPS: tuple[tuple[str, str], ...] = (
    ("join_paths", "join paths"),
    ("metric_sql", "metric SQL"),
    ("review_items", "the list of open review items"),
    ("worst_rules", "the worst quality rules"),
    ("table_sections", "the table sections (tables are listed in the overview)"),
    ("relationships", "relationships"),
    ("metrics", "the ontology metrics"),
    ("quality_summary", "the quality summary (overall scores are in the overview)"),
)


def fit_markdown(doc: dict[str, Any], max_tokens: int) -> str:
    """The Markdown of `doc` within `max_tokens` (estimated), dropping detail as needed."""

    def render(detail: Detail) -> str | None:
        text = render_markdown(doc, detail)
        return text if estimate_tokens(text) <= max_tokens else None

    detail = Detail()
    if (text := render(detail)) is not None:
        return text
    detail = replace(detail, budget=max_tokens)
    for flag, note in (("descriptions", "descriptions"), ("column_quality", "the failing quality rules per table")):
        detail = replace(detail, **{flag: False}, left_out=(*detail.left_out, note))
        if (text := render(detail)) is not None:
            return text
    order = least_connected(doc)
    if order and (text := render(_summarized(detail, order, len(order)))) is not None:
        low, high = 1, len(order)  # the fewest summarized tables that fit: fewer is more detail
        best = text
        while low < high:
            mid = (low + high) // 2
            if (text := render(_summarized(detail, order, mid))) is not None:
                best, high = text, mid
            else:
                low = mid + 1
        return best  # always the text of `high`, which was checked to fit
    if order:
        detail = _summarized(detail, order, len(order))
    for flag, note in _LATER_STEPS:
        left_out = detail.left_out
        if flag == "table_sections":  # the one-line summaries go too
            left_out = tuple(n for n in left_out if not n.startswith("the column rows"))
        detail = replace(detail, **{flag: False}, left_out=(*left_out, note))
        if (text := render(detail)) is not None:
            return text
    needed = estimate_tokens(render_markdown(doc, detail))
    raise BudgetTooSmallError(
        f"--max-tokens {max_tokens} is too small: the overview alone needs about {needed} tokens (try --tables)"
    )
