"""The review API: list, show and decide review items.

The command line calls it, and so can a web page: every function takes an
`AsyncSession` and returns plain dicts. Deciding is all-or-nothing: every id, key
and value is checked first, and nothing changes if one is wrong. Decisions take
effect when the run resumes (and in later runs, through decision memory).
"""

from __future__ import annotations

import getpass
import os
import re
import uuid
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.errors import UserError
from dataraum_context.pipeline.db_models import ReviewItem
from dataraum_context.storage.base import utcnow

ROLES = ("key", "foreign_key", "measure", "dimension", "attribute", "timestamp")
CARDINALITIES = ("many-to-one", "one-to-one", "many-to-many")  # topology.models.CARDINALITIES
RELATIONSHIP_TYPES = ("foreign_key", "hierarchy", "correlation", "semantic")
ALLOWED_KEYS: dict[str, tuple[str, ...]] = {
    "type_review": ("type", "date_order"),
    "quarantine_review": ("type", "date_order"),
    "semantic_review": ("role", "entity_type", "business_name", "description", "ontology_term"),
    "relationship_review": ("relationship_type", "cardinality"),
}
_TYPE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$")


def reviewer() -> str:
    """Who decides: `DATARAUM_USER`, else the login name."""
    try:
        return os.environ.get("DATARAUM_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def normalize_type(value: str) -> str:
    """A DuckDB type name as DuckDB spells it (`decimal(10,2)` -> `DECIMAL(10,2)`); bad ones refused."""
    text = " ".join(value.split())
    if not _TYPE_SHAPE.match(text):
        raise UserError(f"bad type {value!r}: not a DuckDB type name")
    con = duckdb.connect()
    try:
        rows = con.execute(f"SELECT typeof(CAST(NULL AS {text}))").fetchall()
    except duckdb.Error:
        raise UserError(f"bad type {value!r}: DuckDB does not know it") from None
    finally:
        con.close()
    return str(rows[0][0])


def _check_value(review_type: str, key: str, value: str) -> str:
    if key == "type":
        return normalize_type(value)
    if key == "date_order" and value not in ("dmy", "mdy"):
        raise UserError(f"bad date_order {value!r}: use dmy (day first) or mdy (month first)")
    if key == "role" and value not in ROLES:
        raise UserError(f"bad role {value!r}: use one of {', '.join(ROLES)}")
    if key == "cardinality" and value not in CARDINALITIES:
        raise UserError(f"bad cardinality {value!r}: use one of {', '.join(CARDINALITIES)}")
    if key == "relationship_type" and value not in RELATIONSHIP_TYPES:
        raise UserError(f"bad relationship_type {value!r}: use one of {', '.join(RELATIONSHIP_TYPES)}")
    if not value.strip():
        raise UserError(f"empty value for {key!r}")
    return value


def parse_assignments(review_type: str, assignments: list[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs checked against what the review type allows."""
    allowed = ALLOWED_KEYS.get(review_type, ())
    values: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"bad --set {assignment!r}: use KEY=VALUE")
        if key not in allowed:
            raise UserError(f"bad key {key!r} for a {review_type} item: use {', '.join(allowed) or 'approve/reject'}")
        values[key] = _check_value(review_type, key, value.strip())
    if not values:
        raise UserError("give at least one --set KEY=VALUE")
    return values


def item_dict(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": str(item.review_id),
        "run_id": str(item.run_id) if item.run_id else None,
        "review_type": item.review_type,
        "status": item.status,
        "target": item.target,
        "stage": item.stage,
        "suggested_action": item.suggested_action,
        "context": item.context_data,
        "decision": item.decision_values,
        "reviewed_by": item.reviewed_by,
        "reviewed_at": item.reviewed_at.isoformat() if item.reviewed_at else None,
        "notes": item.review_notes,
    }


MIN_PREFIX = 4
_HEX = re.compile(r"^[0-9a-f]+$")


async def find_by_prefix(session: AsyncSession, model: Any, column: Any, given: str, what: str) -> Any:
    """The row of `model` whose UUID `column` is `given` or starts with it (a unique prefix of
    at least 4 hex digits, dashes optional, as git accepts for commits). An unknown id, a
    malformed one or an ambiguous prefix (the matches are listed) is a one-line `UserError`."""
    text = given.strip().lower()
    try:
        full = uuid.UUID(text)
    except ValueError:
        full = None
    if full is not None:
        row = await session.get(model, full)
        if row is None:
            raise UserError(f"no {what} {given}")
        return row
    digits = text.replace("-", "")
    if not _HEX.match(digits) or len(digits) > 32:
        raise UserError(f"bad {what} id {given!r}: not a UUID or a prefix of one")
    if len(digits) < MIN_PREFIX:
        raise UserError(f"{what} id prefix {given!r} is too short: give at least {MIN_PREFIX} characters")
    # SQLite stores UUIDs as 32 hex digits, PostgreSQL renders them with dashes: compare without.
    hexed = sa.func.replace(sa.func.lower(sa.cast(column, sa.String)), "-", "")
    rows = list((await session.execute(sa.select(model).where(hexed.like(f"{digits}%")).limit(11))).scalars())
    if not rows:
        raise UserError(f"no {what} {given}")
    if len(rows) > 1:
        ids = sorted(str(getattr(r, column.key)) for r in rows)
        shown = ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "")
        raise UserError(f"{what} id prefix {given!r} is ambiguous: {shown}")
    return rows[0]


async def list_items(
    session: AsyncSession, *, run_id: uuid.UUID | None = None, include_decided: bool = True
) -> list[dict[str, Any]]:
    query = sa.select(ReviewItem).where(ReviewItem.status != "superseded").order_by(ReviewItem.created_at, ReviewItem.target)
    if run_id is not None:
        query = query.where(ReviewItem.run_id == run_id)
    if not include_decided:
        query = query.where(ReviewItem.status == "pending")
    return [item_dict(item) for item in (await session.execute(query)).scalars()]


async def get_item(session: AsyncSession, item_id: str) -> ReviewItem:
    """A review item by its id or a unique prefix of it."""
    item: ReviewItem = await find_by_prefix(session, ReviewItem, ReviewItem.review_id, item_id, "review item")
    return item


async def _pending(session: AsyncSession, ids: list[str]) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    seen: set[uuid.UUID] = set()
    for given in ids:
        item = await get_item(session, given)
        if item.status != "pending":
            raise UserError(f"review item {given} is already {item.status}")
        if item.review_id not in seen:
            seen.add(item.review_id)
            items.append(item)
    return items


def _decide(item: ReviewItem, status: str, who: str, notes: str | None, values: dict[str, str] | None) -> None:
    item.status = status
    item.reviewed_at = utcnow()
    item.reviewed_by = who
    item.review_notes = notes
    item.decision_values = values


async def approve(
    session: AsyncSession, ids: list[str], *, all_pending: bool = False, run_id: uuid.UUID | None = None,
    who: str | None = None,
) -> list[dict[str, Any]]:
    """Accept the suggested action of each item (all pending ones with `all_pending`)."""
    if all_pending:
        query = sa.select(ReviewItem).where(ReviewItem.status == "pending")
        if run_id is not None:
            query = query.where(ReviewItem.run_id == run_id)
        items = list((await session.execute(query)).scalars())
        items += [i for i in await _pending(session, ids) if i not in items]
    else:
        if not ids:
            raise UserError("give review ids or --all")
        items = await _pending(session, ids)
    for item in items:
        _decide(item, "approved", who or reviewer(), None, None)
    await session.flush()
    return [item_dict(item) for item in items]


async def reject(session: AsyncSession, ids: list[str], *, reason: str, who: str | None = None) -> list[dict[str, Any]]:
    """Refuse the suggestion: a type/quarantine item keeps its column as text, a relationship
    is dropped (and stays rejected), an annotation keeps the rules' answer."""
    if not reason or not reason.strip():
        raise UserError("a rejection needs --reason TEXT")
    if not ids:
        raise UserError("give review ids")
    items = await _pending(session, ids)
    for item in items:
        _decide(item, "rejected", who or reviewer(), reason.strip(), None)
    await session.flush()
    return [item_dict(item) for item in items]


async def modify(
    session: AsyncSession,
    item_id: str,
    assignments: list[str],
    *,
    reason: str | None = None,
    who: str | None = None,
    duckdb_path: Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Decide an item with other values (`type=DATE`, `date_order=dmy`, `role=measure`, ...).

    A new type (or date order) is first measured on the whole column (`duckdb_path` given):
    what it reads and what it would quarantine is stored with the decision and returned as
    `preview`; a type under which most values fail is refused unless `force`."""
    [item] = await _pending(session, [item_id])
    values = parse_assignments(item.review_type, assignments)
    measured = None
    if duckdb_path is not None and item.review_type in ("type_review", "quarantine_review") and item.target:
        from dataraum_context.type_resolution import preview

        table, _, column = item.target.partition(".")
        context = dict(item.context_data or {})
        context.setdefault("table_name", table)
        measured = preview.preview(
            duckdb_path, context.get("table_name", table), context.get("column_name", column), context,
            values.get("type"), values.get("date_order"),
        )
        preview.check(measured, force)
        # stored with the item's evidence (not in the reason: the decision is the same as one given up front)
        item.context_data = {**(item.context_data or {}), "preview": measured}
    _decide(item, "modified", who or reviewer(), reason, values)
    await session.flush()
    result = item_dict(item)
    if measured is not None:
        result["preview"] = measured
    return result
