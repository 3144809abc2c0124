"""Invariants of the typed layer, checked against the raw layer (TRUST.md section 1).

For every table of a workspace (or one table of a DuckDB connection):

- **rows**: `raw.<t>` and `typed.<t>` hold the same `_row_id`s, each once;
- **values**: every non-null typed cell, rendered back, equals its raw text under the
  column's normalisation (grouping, decimal mark, currency, percent, date format,
  words for true/false). Numbers are compared as exact decimal text, never through a
  rounding cast; doubles must hold the raw decimal exactly (at most 15 significant
  digits and the nearest double); dates are re-read with Python's `strptime` in the
  column's formats, independently of DuckDB;
- **quarantine**: a raw cell that is neither NULL nor a null token but NULL in the typed
  table is listed in `quarantine.cast_failures` (same `_row_id`, same raw text), and
  nothing else is listed there.

The column formats come from `lineage.typed_columns`, written with the typed layer.
Use `check_workspace(path)` from tests and the corpus run; it returns violations
(an empty list when everything holds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from dataraum_context.detectors.patterns import NULL_TOKENS
from dataraum_context.sqlutil import qualified, quiet, quote_ident, quote_literal

MAX_EXAMPLES = 5
_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


@dataclass
class Violation:
    """One broken invariant: where, which, and a few offending examples."""

    table: str
    column: str | None
    kind: str  # 'rows' | 'values' | 'quarantine'
    detail: str
    examples: list[Any] = field(default_factory=list)

    def __str__(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        return f"{where}: {self.kind}: {self.detail}" + (f" e.g. {self.examples[:MAX_EXAMPLES]}" if self.examples else "")


def _null_test(v: str) -> str:
    tokens = ", ".join(quote_literal(t) for t in sorted(NULL_TOKENS))
    return f"({v} IS NULL OR trim({v}) IN ({tokens}))"


# --------------------------------------------------------------------------- numbers


def _plain_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _raw_number(raw: str, fmt: dict[str, Any]) -> Decimal | None:
    """The decimal value of a raw number text under the column's style (independently of SQL)."""
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    for token in sorted(fmt.get("currency") or (), key=len, reverse=True):
        text = text.replace(token, "")
    if fmt.get("kind") == "percent":
        text = text.replace("%", "")
    text = text.strip()
    if fmt.get("kind") == "money" and not fmt.get("currency"):
        text = "".join(ch for ch in text if ch.isdigit() or ch in "+-.,' ")
    text = text.replace(" ", "") if fmt.get("grouping") in (" ", "\u00a0", "\u202f") else text.strip()
    sign = ""
    while text and text[0] in "+-":
        sign = "-" if text[0] == "-" else sign
        text = text[1:].strip()
    grouping, mark = fmt.get("grouping"), fmt.get("decimal_mark", ".")
    if grouping:
        text = text.replace(grouping, "")
    if mark != ".":
        if "." in text:
            return None
        text = text.replace(mark, ".")
    value = _plain_decimal(sign + text)
    if value is None:
        return None
    value = -value if negative else value
    return value / 100 if fmt.get("kind") == "percent" else value


def _check_numbers(rows: list[tuple[str, Any]], decided: str, fmt: dict[str, Any]) -> list[Any]:
    bad = []
    for raw, typed in rows:
        expected = _raw_number(raw, fmt)
        if expected is None:
            bad.append((raw, typed))
            continue
        if isinstance(typed, float):
            if typed != float(expected) or Decimal(repr(typed)) != expected:
                bad.append((raw, typed))
        elif Decimal(str(typed)) != expected:
            bad.append((raw, typed))
    return bad


# --------------------------------------------------------------------------- dates and times


def _python_format(fmt: str) -> str:
    return fmt  # DuckDB's strptime codes used here (%d %m %Y %y %b %B %a %A %H %I %M %S %f %p) are Python's


def _reread(raw: str, formats: list[str], decided: str) -> Any:
    text = raw.strip()
    for f in formats:
        if f.endswith(" %z") and text.endswith(("UTC", "Z")):
            text = text.rsplit(" ", 1)[0] + " +0000"
        try:
            parsed = datetime.strptime(text, _python_format(f))
        except ValueError:
            continue
        if "%y" in f and parsed.replace(tzinfo=None) > datetime.now() + timedelta(days=1):
            parsed = parsed.replace(year=parsed.year - 100)  # two-digit years: never in the future
        if decided == "DATE":
            return parsed.date()
        if decided == "TIME":
            return parsed.time()
        return parsed
    return None


def _check_temporal(rows: list[tuple[str, Any]], decided: str, fmt: dict[str, Any]) -> list[Any]:
    formats = list(fmt.get("formats") or [])
    bad = []
    for raw, typed in rows:
        expected = _reread(raw, formats, decided)
        if isinstance(typed, datetime) and decided == "DATE":
            typed = typed.date()
        if expected is None or expected != typed:
            bad.append((raw, typed))
    return bad


def _check_timestamptz(rows: list[tuple[str, Any]]) -> list[Any]:
    bad = []
    for raw, typed in rows:
        try:
            expected = datetime.fromisoformat(raw.strip().replace("z", "Z"))
        except ValueError:
            bad.append((raw, typed))
            continue
        if expected.tzinfo is None or typed is None or expected != typed:
            bad.append((raw, typed))
    return bad


def _same_json(raw: str, typed: Any) -> bool:
    try:
        return json.loads(raw) == json.loads(typed)
    except (ValueError, TypeError):
        return False


# --------------------------------------------------------------------------- one table


def check_table(con: duckdb.DuckDBPyConnection, table_name: str, columns: list[dict[str, Any]] | None = None) -> list[Violation]:
    """Check the invariants of one table; `columns` as in `lineage.typed_columns`
    (`column_name`, `decided_type`, `value_format` JSON), read from the workspace when None."""
    raw, typed = qualified("raw", table_name), qualified("typed", table_name)
    if columns is None:
        columns = [
            {"column_name": c, "decided_type": t, "value_format": f}
            for c, t, f in con.execute(
                "SELECT column_name, decided_type, value_format FROM lineage.typed_columns WHERE table_name = ?",
                [table_name],
            ).fetchall()
        ]
    found: list[Violation] = []
    lost = con.execute(
        f"SELECT count(*) FILTER (WHERE r._row_id IS NULL), count(*) FILTER (WHERE t._row_id IS NULL), "
        f"(SELECT count(*) - count(DISTINCT _row_id) FROM {typed}) "
        f"FROM {raw} AS r FULL JOIN {typed} AS t ON r._row_id = t._row_id"
    ).fetchone()
    if any(lost):
        found.append(Violation(table_name, None, "rows", f"typed-only rows {lost[0]}, raw-only rows {lost[1]}, duplicate ids {lost[2]}"))
        return found
    for spec in columns:
        found += _check_column(con, table_name, raw, typed, spec)
    stray = con.execute(
        "SELECT column_name, count(*) FROM quarantine.cast_failures WHERE table_name = ? AND column_name NOT IN "
        "(SELECT unnest(?::VARCHAR[])) GROUP BY column_name",
        [table_name, [c["column_name"] for c in columns]],
    ).fetchall()
    for column, count in stray:
        found.append(Violation(table_name, column, "quarantine", f"{count} quarantine rows for a column the table does not have"))
    return found


def _check_column(con: duckdb.DuckDBPyConnection, table_name: str, raw: str, typed: str, spec: dict[str, Any]) -> list[Violation]:
    column, decided = spec["column_name"], str(spec["decided_type"]).upper()
    fmt = json.loads(spec["value_format"]) if isinstance(spec.get("value_format"), str) else (spec.get("value_format") or {})
    col = quote_ident(column)
    found: list[Violation] = []
    # quarantine = exactly the failed cells
    mismatch = con.execute(
        f"WITH failed AS (SELECT r._row_id, r.{col} AS raw_value FROM {raw} r JOIN {typed} t USING (_row_id) "
        f"WHERE NOT {_null_test('r.' + col)} AND t.{col} IS NULL), "
        f"listed AS (SELECT _row_id, raw_value FROM quarantine.cast_failures WHERE table_name = ? AND column_name = ?) "
        f"SELECT (SELECT list(_row_id ORDER BY _row_id)[1:5] FROM (SELECT * FROM failed EXCEPT ALL SELECT * FROM listed)), "
        f"(SELECT list(_row_id ORDER BY _row_id)[1:5] FROM (SELECT * FROM listed EXCEPT ALL SELECT * FROM failed))",
        [table_name, column],
    ).fetchone()
    if mismatch[0]:
        found.append(Violation(table_name, column, "quarantine", "failed cells not in the quarantine (_row_id)", list(mismatch[0])))
    if mismatch[1]:
        found.append(Violation(table_name, column, "quarantine", "quarantine rows that are not failed cells (_row_id)", list(mismatch[1])))
    # a null or null-token raw cell is NULL in typed
    leaked = con.execute(
        f"SELECT list(r._row_id ORDER BY r._row_id)[1:5] FROM {raw} r JOIN {typed} t USING (_row_id) "
        f"WHERE {_null_test('r.' + col)} AND t.{col} IS NOT NULL"
    ).fetchone()[0]
    if leaked:
        found.append(Violation(table_name, column, "values", "null or null-token raw cells with a typed value (_row_id)", list(leaked)))
    # values rendered back
    if decided == "VARCHAR":
        bad = con.execute(
            f"SELECT list(r._row_id ORDER BY r._row_id)[1:5] FROM {raw} r JOIN {typed} t USING (_row_id) "
            f"WHERE t.{col} IS NOT NULL AND t.{col} IS DISTINCT FROM CAST(r.{col} AS VARCHAR)"
        ).fetchone()[0]
        if bad:
            found.append(Violation(table_name, column, "values", "text cells that differ from the raw text (_row_id)", list(bad)))
        return found
    kind = fmt.get("kind")
    if kind == "unit":
        return found  # unit conversions multiply by a factor: checked by the unit tests, not here
    pairs = con.execute(
        f"SELECT DISTINCT trim(CAST(r.{col} AS VARCHAR)), t.{col} FROM {raw} r JOIN {typed} t USING (_row_id) "
        f"WHERE t.{col} IS NOT NULL"
    ).fetchall()
    if kind in ("integer", "decimal", "double", "percent", "money"):
        bad = _check_numbers(pairs, decided, fmt)
    elif kind in ("date", "timestamp", "time") or (kind == "timestamptz" and fmt.get("formats")):
        bad = _check_temporal(pairs, decided, fmt)
    elif kind == "timestamptz":
        bad = _check_timestamptz(pairs)
    elif kind == "boolean":
        trues, falses = set(fmt.get("true_words") or ()), set(fmt.get("false_words") or ())
        bad = [(r, t) for r, t in pairs if not ((t is True and r.lower() in trues) or (t is False and r.lower() in falses))]
    elif kind == "uuid":
        bad = [(r, t) for r, t in pairs if str(t) != r.strip("{}").lower()]
    elif kind == "json":
        bad = [(r, t) for r, t in pairs if not _same_json(r, t)]
    else:
        bad = [(r, t) for r, t in pairs] if pairs else []
        if bad:
            found.append(Violation(table_name, column, "values", f"no value check for format {kind!r}", bad[:MAX_EXAMPLES]))
            return found
    if bad:
        found.append(Violation(table_name, column, "values", f"{len(bad)} typed values differ from their raw text", bad[:MAX_EXAMPLES]))
    return found


# --------------------------------------------------------------------------- a workspace


def check_connection(con: duckdb.DuckDBPyConnection) -> list[Violation]:
    """Every typed table of an open workspace database."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'lineage' AND table_name = 'typed_columns'"
    ).fetchone()[0]
    if not exists:
        return []
    tables = [r[0] for r in con.execute("SELECT DISTINCT table_name FROM lineage.typed_columns ORDER BY 1").fetchall()]
    found: list[Violation] = []
    for table in tables:
        found += check_table(con, table)
    return found


def check_workspace(workspace: str | Path) -> list[Violation]:
    """Every typed table of the workspace folder (its `data.duckdb`, opened read-only)."""
    path = Path(workspace)
    database = path / "data.duckdb" if path.is_dir() else path
    con = quiet(duckdb.connect(str(database), read_only=True))
    try:
        return check_connection(con)
    finally:
        con.close()


__all__ = ["Violation", "check_connection", "check_table", "check_workspace"]
