"""What a type a person proposes would do to a column, measured on the whole raw column.

Used by `review modify --set type=T` (and `date_order=dmy|mdy`) before the decision is
stored: how many cells T reads, how many it would quarantine, with examples. The format
is chosen as the resumed run will choose it (`resolver.format_for_decision`): the
candidate of that type, else the column's own normalisation (currency, grouping, decimal
comma, date formats) when it fits, else the type's default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from dataraum_context.errors import UserError
from dataraum_context.sqlutil import qualified, quiet, quote_ident, trim_sql
from dataraum_context.type_resolution.formats import ValueFormat, install_macros, parse_sql
from dataraum_context.type_resolution.models import ColumnTypeDecision, TypeCandidateResult
from dataraum_context.type_resolution.resolver import VARCHAR, format_for_decision, null_test_sql

MAX_EXAMPLES = 5
MIN_SHARE_WITHOUT_FORCE = 0.5


def decision_from_context(table: str, column: str, context: dict[str, Any]) -> ColumnTypeDecision:
    """The proposal a review item shows, rebuilt from its stored context."""
    candidates = [
        TypeCandidateResult(
            data_type=c["type"], confidence=c.get("confidence") or 0.0, pattern=c.get("pattern"),
            value_format=ValueFormat(**c["value_format"]) if c.get("value_format") else None,
        )
        for c in context.get("candidates") or []
    ]
    fmt = context.get("value_format")
    return ColumnTypeDecision(
        table_name=table, column_name=column, decided_type=context.get("decided_type") or VARCHAR,
        decision_source="auto", confidence=0.0, reason="", candidates=candidates,
        value_format=ValueFormat(**fmt) if fmt else None,
    )


def preview(
    duckdb_path: Path, table: str, column: str, context: dict[str, Any], new_type: str | None, date_order: str | None
) -> dict[str, Any]:
    """{type, format, non_null, parsed, quarantined, examples} for the column read as `new_type`."""
    decision = decision_from_context(table, column, context)
    if new_type is None:
        pool = [c for c in decision.candidates if c.pattern and date_order and c.pattern.endswith("_" + date_order)]
        new_type = pool[0].data_type if pool else decision.decided_type
    fmt = format_for_decision(decision, new_type, date_order)
    if new_type != VARCHAR and fmt is None:
        raise UserError(f"{table}.{column}: no way to read values as {new_type}")
    try:
        con = quiet(duckdb.connect(str(duckdb_path), read_only=True))
    except duckdb.Error as exc:
        raise UserError(f"cannot open the workspace data to check the new type ({str(exc).splitlines()[0]})") from None
    try:
        install_macros(con)
        col = quote_ident(column)
        parsed = parse_sql(fmt, new_type, trim_sql(col)) if new_type != VARCHAR else trim_sql(col)
        present = f"NOT {null_test_sql(col)}"
        non_null, read, examples = con.execute(
            f"SELECT count_if({present}), count_if({present} AND ({parsed}) IS NOT NULL), "
            f"list(DISTINCT {trim_sql(col)}) FILTER (WHERE {present} AND ({parsed}) IS NULL) "
            f"FROM {qualified('raw', table)}"
        ).fetchone()
    except duckdb.Error as exc:
        raise UserError(f"cannot read {table}.{column} to check the new type ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    return {
        "type": new_type,
        "format": fmt.describe() if fmt else None,
        "non_null": int(non_null or 0),
        "parsed": int(read or 0),
        "quarantined": int(non_null or 0) - int(read or 0),
        "examples": sorted(examples or [])[:MAX_EXAMPLES],
    }


def describe(result: dict[str, Any]) -> str:
    """One line: `DATE (date %d/%m/%Y): 180 of 200 values read, 20 would be quarantined (e.g. 'x')`."""
    shown = ", ".join(repr(e) for e in result["examples"])
    fmt = f" ({result['format']})" if result["format"] else ""
    text = f"{result['type']}{fmt}: {result['parsed']} of {result['non_null']} values read"
    if result["quarantined"]:
        text += f", {result['quarantined']} would be quarantined (e.g. {shown})"
    return text


def check(result: dict[str, Any], force: bool) -> None:
    """Refuse a type under which most values fail, unless forced."""
    if force or not result["non_null"]:
        return
    if result["parsed"] / result["non_null"] < MIN_SHARE_WITHOUT_FORCE:
        raise UserError(f"refused: {describe(result)}; use --force to set it anyway")
