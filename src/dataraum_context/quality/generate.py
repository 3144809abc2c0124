"""Quality rules generated from evidence (source 'default').

Every rule is a boolean predicate over the typed table (see `quality.models`). What
produces which rule:

- **Keys**: topology's `candidate_keys` (exactly unique column sets) plus *near keys*:
  columns with id-like names whose raw values are >= 99% distinct and >= 99% present
  (a key with a few duplicates is still a key: the duplicates are the defect, and
  topology, which only reports exact keys, cannot see it). `not_null` on each key
  column, and one `unique` rule per key (GROUP BY the key columns).
- **range** for numeric measures (not keys, not id-like, more than `MAX_ALLOWED_VALUES`
  distinct values): bounds from robust statistics of the typed column,
  lower = min(median - 5 * 1.4826 * MAD, p1 - 0.5 * (p99 - p1)),
  upper = max(median + 5 * 1.4826 * MAD, p99 + 0.5 * (p99 - p1));
  the lower bound is raised to 0 when at most 1% of the values are negative.
- **pattern** for text columns whose sample matched one text pattern (email, IBAN,
  postal code, leading-zero code ...) on >= 95% of the values: the pattern's RE2 check.
- **allowed_values** for low-cardinality text dimensions (2..`MAX_ALLOWED_VALUES`
  distinct values, >= 20 values, distinct/values <= 0.2): the values seen at least
  max(2, 0.1% of the values) times; rarer values are taken as suspicious.
- **referential** for each relationship of topology's `relationships` that is not
  rejected: the from-columns' values exist in the to-columns (NULLs pass).
- **date_order** for pairs of time columns of one table whose names say which comes
  first (`ORDERED_STAGES`: order <= ship <= deliver, start <= end, created <= updated, ...).
- **future_date** for each time column whose name does not suggest a future date
  (due, expiry, end, planned, ...): value <= now + 1 day (a day of slack for time zones).
"""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb

from dataraum_context import quantiles
from dataraum_context.detectors.patterns import PATTERNS_BY_NAME, PatternMatch
from dataraum_context.profiling.models import TableProfileResult
from dataraum_context.quality.models import QualityRuleSpec
from dataraum_context.sqlutil import quote_ident, quote_literal
from dataraum_context.temporal.profiler import is_time_type, time_expr

MAX_ALLOWED_VALUES = 25
MIN_ALLOWED_ROWS = 20
PATTERN_RATE = 0.95
KEY_DISTINCT_SHARE = 0.99
MAD_K = 5.0
WIDEN = 0.5

_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)$", re.I)
_ID_LIKE = re.compile(r"(^id$|_id$|[a-z]Id$|_key$|^key$|_no$|_nr$|_code$|^code$|_number$)", re.I)
_FUTURE_OK = re.compile(r"(due|expir|valid_?to|until|end|scheduled|planned|forecast|deadline|next|target|maturity|renew)", re.I)

# Chains of name stems, earliest first: a column matching a later stem is >= one matching an earlier stem.
ORDERED_STAGES: tuple[tuple[str, ...], ...] = (
    ("order", "ship|dispatch", "deliver|receiv"),
    ("start|begin", "end|finish|stop"),
    ("creat", "updat|modif"),
    ("open", "clos"),
    ("issu|invoic", "due"),
    ("check_?in", "check_?out"),
    ("pick_?up", "drop_?off"),
    ("admi", "discharg"),
    ("birth", "death"),
    ("hire", "terminat"),
    ("valid_?from", "valid_?to|valid_?until"),
)


def _snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _stage_of(name: str, stems: str) -> bool:
    return re.search(rf"(?:^|_)(?:{stems})", _snake(name)) is not None


def is_id_like(name: str) -> bool:
    return _ID_LIKE.search(name) is not None


def _num(value: float) -> str:
    text = repr(round(float(value), 6))
    return text if "e" not in text else f"{float(value):.6f}"


def fallback_keys(profile: TableProfileResult | None, types: dict[str, str]) -> list[list[str]]:
    """Single-column near keys from profiling evidence (id-like names, >= 99% distinct and present)."""
    if profile is None:
        return []
    keys = []
    for column in profile.columns:
        dtype = types.get(column.column_name, "")
        if not is_id_like(column.column_name) or is_time_type(dtype) or dtype.upper() in ("DOUBLE", "FLOAT", "BOOLEAN"):
            continue
        present = column.non_null_count
        if present < 2 or column.distinct_count is None:
            continue
        if column.distinct_count >= KEY_DISTINCT_SHARE * present and present >= KEY_DISTINCT_SHARE * column.total_count:
            keys.append([column.column_name])
    return keys


def merge_keys(*groups: list[list[str]]) -> list[list[str]]:
    """Keys of all groups, first occurrence kept, the same column set once."""
    seen: set[frozenset[str]] = set()
    out = []
    for group in groups:
        for key in group:
            if key and frozenset(key) not in seen:
                seen.add(frozenset(key))
                out.append(list(key))
    return out


def key_rules(table: str, keys: list[list[str]]) -> list[QualityRuleSpec]:
    rules: list[QualityRuleSpec] = []
    seen: set[str] = set()
    for key in keys:
        for column in key:
            if column not in seen:
                seen.add(column)
                rules.append(QualityRuleSpec(
                    table_name=table, column_name=column, rule_name="not_null", rule_type="not_null",
                    expression=f"{quote_ident(column)} IS NOT NULL", parameters={"columns": [column]},
                    severity="error", description="Key columns are always set.",
                ))
        cols = ", ".join(quote_ident(c) for c in key)
        rules.append(QualityRuleSpec(
            table_name=table, column_name=key[0] if len(key) == 1 else None,
            rule_name="unique" if len(key) == 1 else f"unique({', '.join(key)})", rule_type="unique",
            expression=f"count(*) OVER (PARTITION BY {cols}) = 1", parameters={"columns": list(key)},
            severity="error", description="A candidate key identifies one row: rows sharing a key value fail.",
        ))
    return rules


ALLOWED_COLUMNS = 64  # columns per query of `allowed_value_rules`
RANGE_CELLS = 2_000_000
"""Values the quantiles of one `range_rules` query may hold (rows x columns)."""


def _range_from_groups(con: duckdb.DuckDBPyConnection, typed_table: str, name: str) -> tuple | None:
    """(count, median, mad, p01, p99, negatives) of one column from its distinct numbers, or None
    when a number is not finite (DuckDB's own aggregates then decide where NaN and inf sort)."""
    x = f"(CAST({quote_ident(name)} AS DOUBLE) + 0.0)"
    values = [(float(v), int(n)) for v, n in con.execute(
        f"SELECT {x} AS v, count(*) FROM {typed_table} WHERE {x} IS NOT NULL GROUP BY v ORDER BY v"
    ).fetchall()]
    if not values:
        return 0, None, None, None, None, 0
    if not all(math.isfinite(v) for v, _ in values):
        return None
    median, mad = quantiles.median_and_mad(con, values)
    p01, p99 = quantiles.from_counts(con, values, [0.01, 0.99])
    return sum(n for _, n in values), median, mad, p01, p99, sum(n for v, n in values if v < 0)


def range_rules(
    con: duckdb.DuckDBPyConnection, table: str, typed_table: str, columns: list[str],
    distinct: dict[str, int] | None = None,
) -> list[QualityRuleSpec]:
    """One `range` rule per numeric column (one query for as many of them as `RANGE_CELLS` allows;
    a big table's columns with few distinct values (`distinct`, from the profile) from their
    distinct numbers and counts)."""
    if not columns:
        return []
    rows = int(con.execute(f"SELECT count(*) FROM {typed_table}").fetchone()[0])
    figures: dict[str, tuple] = {}
    for name in columns:  # `quantiles.worth_counting`: median, MAD and quantiles from the counts
        if quantiles.worth_counting(rows, (distinct or {}).get(name)):
            found = _range_from_groups(con, typed_table, name)
            if found is not None:
                figures[name] = found
    rest = [name for name in columns if name not in figures]
    parts = []
    for name in rest:
        c = f"(CAST({quote_ident(name)} AS DOUBLE) + 0.0)"  # + 0.0: -0.0 is 0 (which zero sorts first is open)
        # p01, median (= quantile_cont at 0.5) and p99 from one aggregate: one copy of the column's
        # numbers instead of three (lineitem's l_partkey 0.48 s -> 0.30 s; the same values, tested)
        parts += [f"count({c})", f"quantile_cont({c}, [0.01, 0.5, 0.99])", f"mad({c})", f"count_if({c} < 0)"]
    # Quantiles hold every value of their column in memory (DuckDB cannot spill them): all numeric
    # columns of TPC-H's lineitem at once ran out of a 600 MB memory limit, and the four of one
    # column of 20 M rows (then four copies of its numbers; now two: the list quantile and the MAD)
    # out of 700 MB. As many as `RANGE_CELLS` values allow share a query.
    columns_per_query = RANGE_CELLS // max(rows, 1)
    if columns_per_query:
        per_query = 4 * columns_per_query  # whole columns (four aggregates each)
    else:
        per_query = 4 if rows <= 4 * RANGE_CELLS else 1  # one column, or one aggregate, at a time
    row: list = []
    for k in range(0, len(parts), per_query):
        row += con.execute(f"SELECT {', '.join(parts[k:k + per_query])} FROM {typed_table}").fetchall()[0]
    for i, name in enumerate(rest):
        n, cut, mad, negatives = row[4 * i: 4 * i + 4]
        p01, median, p99 = cut if cut is not None else (None, None, None)
        figures[name] = (n, median, mad, p01, p99, negatives)
    rules = []
    for name in columns:
        n, median, mad, p01, p99, negatives = figures[name]
        if not n or n < MIN_ALLOWED_ROWS or median is None:
            continue
        spread = 1.4826 * float(mad or 0.0)
        width = float(p99) - float(p01)
        if spread == 0 and width == 0:
            continue
        low = min(float(median) - MAD_K * spread, float(p01) - WIDEN * width)
        high = max(float(median) + MAD_K * spread, float(p99) + WIDEN * width)
        if negatives <= 0.01 * n:
            low = max(low, 0.0)
        low, high = math.floor(low * 1e6) / 1e6, math.ceil(high * 1e6) / 1e6
        rules.append(QualityRuleSpec(
            table_name=table, column_name=name, rule_name="range", rule_type="range",
            expression=f"{quote_ident(name)} BETWEEN {_num(low)} AND {_num(high)}",
            parameters={"columns": [name], "min": low, "max": high, "median": float(median),
                        "mad": float(mad or 0.0), "p01": float(p01), "p99": float(p99)},
            description="Values within robust bounds (median +/- 5 scaled MAD, or p1/p99 widened by half their span).",
        ))
    return rules


def pattern_rules(table: str, types: dict[str, str], patterns: dict[str, list[PatternMatch]]) -> list[QualityRuleSpec]:
    rules = []
    for name, matches in patterns.items():
        if types.get(name, "").upper() != "VARCHAR":
            continue
        textual = [m for m in matches if m.target_type is None and m.name in PATTERNS_BY_NAME and m.total >= 10]
        best = max(textual, key=lambda m: (m.match_rate, m.name), default=None)
        if best is None or best.match_rate < PATTERN_RATE:
            continue
        pattern = PATTERNS_BY_NAME[best.name]
        rules.append(QualityRuleSpec(
            table_name=table, column_name=name, rule_name=f"pattern:{best.name}", rule_type="pattern",
            expression=pattern.match(f"trim({quote_ident(name)})"),
            parameters={"columns": [name], "pattern": best.name, "sample_match_rate": best.match_rate},
            description=f"Values look like {best.name} ({best.match_rate:.1%} of the sample did).",
        ))
    return rules


def allowed_value_rules(
    con: duckdb.DuckDBPyConnection, table: str, typed_table: str, columns: list[str]
) -> list[QualityRuleSpec]:
    """`allowed_values` for low-cardinality text columns (one query for all of them)."""
    if not columns:
        return []
    values: dict[int, list[tuple[str, int]]] = {}
    for start in range(0, len(columns), ALLOWED_COLUMNS):  # one UNION ALL of many branches plans badly
        union = " UNION ALL ".join(
            f"SELECT {i} AS col, CAST({quote_ident(name)} AS VARCHAR) AS v, count(*) AS n FROM {typed_table} "
            f"WHERE {quote_ident(name)} IS NOT NULL GROUP BY 2"
            for i, name in enumerate(columns) if start <= i < start + ALLOWED_COLUMNS
        )
        for col, v, n in con.execute(f"SELECT col, v, n FROM ({union}) ORDER BY col, v").fetchall():
            values.setdefault(int(col), []).append((v, int(n)))
    rules = []
    for i, name in enumerate(columns):
        seen = values.get(i, [])
        total = sum(n for _, n in seen)
        if total < MIN_ALLOWED_ROWS or not 2 <= len(seen) <= MAX_ALLOWED_VALUES or len(seen) > 0.2 * total:
            continue
        floor = max(2, math.ceil(0.001 * total))
        allowed = [v for v, n in seen if n >= floor]
        if len(allowed) < 2:
            continue
        rare = [v for v, n in seen if n < floor]
        rules.append(QualityRuleSpec(
            table_name=table, column_name=name, rule_name="allowed_values", rule_type="allowed_values",
            expression=f"{quote_ident(name)} IN ({', '.join(quote_literal(v) for v in allowed)})",
            parameters={"columns": [name], "values": allowed, "rare_values": rare[:20]},
            description="A low-cardinality dimension takes one of the values seen repeatedly.",
        ))
    return rules


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def referential_rules(
    relationships: list[Any], typed_names: dict[str, str], types: dict[str, dict[str, str]]
) -> list[QualityRuleSpec]:
    """One rule per accepted or confirmed foreign key whose tables are in the typed layer
    (hierarchies and correlations are not references; unreviewed candidates are not trusted yet)."""
    rules = []
    for rel in relationships or []:
        status = str(_get(rel, "status") or "accepted").lower()
        kind = str(_get(rel, "relationship_type") or "foreign_key").lower()
        if kind != "foreign_key" or status not in ("accepted", "confirmed"):
            continue
        src, dst = _get(rel, "from_table"), _get(rel, "to_table")
        src_cols, dst_cols = list(_get(rel, "from_columns") or []), list(_get(rel, "to_columns") or [])
        if src not in typed_names or dst not in typed_names or not src_cols or len(src_cols) != len(dst_cols):
            continue
        if any(c not in types.get(src, {}) for c in src_cols) or any(c not in types.get(dst, {}) for c in dst_cols):
            continue
        same = all(types[src][a] == types[dst][b] for a, b in zip(src_cols, dst_cols, strict=True))

        def side(col: str) -> str:
            return quote_ident(col) if same else f"CAST({quote_ident(col)} AS VARCHAR)"

        left = side(src_cols[0]) if len(src_cols) == 1 else "(" + ", ".join(side(c) for c in src_cols) + ")"
        not_null = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in dst_cols)
        expression = (
            f"{left} IN (SELECT {', '.join(side(c) for c in dst_cols)} FROM {typed_names[dst]} WHERE {not_null})"
        )
        rules.append(QualityRuleSpec(
            table_name=src, column_name=src_cols[0] if len(src_cols) == 1 else None,
            rule_name=f"references {dst}({', '.join(dst_cols)})", rule_type="referential",
            expression=expression,
            parameters={"columns": src_cols, "to_table": dst, "to_columns": dst_cols,
                        "relationship_type": kind, "relationship_status": status or None,
                        "confidence": _get(rel, "confidence")},
            severity="error", description=f"Every {', '.join(src_cols)} exists in {dst}.",
        ))
    return rules


def _comparable(name: str, dtype: str, as_date: bool) -> str:
    t = time_expr(name, dtype)
    return f"CAST({t} AS DATE)" if as_date else t


def date_order_rules(table: str, types: dict[str, str]) -> list[QualityRuleSpec]:
    times = [c for c, t in types.items() if is_time_type(t)]
    rules = []
    seen: set[tuple[str, str]] = set()
    for chain in ORDERED_STAGES:
        matched: list[str] = []
        for stems in chain:
            hits = [c for c in times if _stage_of(c, stems) and c not in matched]
            if hits:
                matched.append(hits[0])
        for earlier, later in zip(matched, matched[1:], strict=False):
            if (earlier, later) in seen:
                continue
            seen.add((earlier, later))
            as_date = "DATE" in (types[earlier].upper(), types[later].upper())
            rules.append(QualityRuleSpec(
                table_name=table, column_name=later, rule_name=f"{later} >= {earlier}", rule_type="date_order",
                expression=f"{_comparable(later, types[later], as_date)} >= {_comparable(earlier, types[earlier], as_date)}",
                parameters={"columns": [earlier, later]},
                description=f"By their names, {later} comes no earlier than {earlier}.",
            ))
    return rules


def future_date_rules(table: str, types: dict[str, str]) -> list[QualityRuleSpec]:
    return [
        QualityRuleSpec(
            table_name=table, column_name=name, rule_name="not_in_future", rule_type="future_date",
            expression=f"epoch({quote_ident(name)}) <= epoch(now()) + 86400",
            parameters={"columns": [name], "slack_seconds": 86400},
            description="Recorded times are not in the future (one day of slack for time zones).",
        )
        for name, dtype in types.items()
        if is_time_type(dtype) and not _FUTURE_OK.search(_snake(name))
    ]


def table_rules(
    con: duckdb.DuckDBPyConnection,
    table: str,
    typed_table: str,
    types: dict[str, str],
    profile: TableProfileResult | None,
    patterns: dict[str, list[PatternMatch]],
    keys: list[list[str]],
) -> list[QualityRuleSpec]:
    """All evidence rules of one table except referential ones."""
    key_columns = {c for key in keys for c in key}
    distinct = {c.column_name: c.distinct_count for c in profile.columns} if profile else {}
    numeric = [
        c for c, t in types.items()
        if _NUMERIC.match(t.strip()) and c not in key_columns and not is_id_like(c)
        and (distinct.get(c) or 0) > MAX_ALLOWED_VALUES
    ]
    dimensions = [
        c for c, t in types.items()
        if t.upper() == "VARCHAR" and c not in key_columns and 2 <= (distinct.get(c) or 0) <= MAX_ALLOWED_VALUES
    ]
    return [
        *key_rules(table, keys),
        *range_rules(con, table, typed_table, numeric, distinct),
        *pattern_rules(table, types, {c: m for c, m in patterns.items() if c not in key_columns}),
        *allowed_value_rules(con, table, typed_table, dimensions),
        *date_order_rules(table, types),
        *future_date_rules(table, types),
    ]
