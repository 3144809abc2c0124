"""Which value formats a column could be written in, and how many of its values each reads.

Candidates come from the evidence profiling found on the sample (value patterns, units)
plus two searches run here on the sample's distinct values: the date/time formats whose
round trip holds, and a pair of yes/no words from one language. Every candidate is then
measured with the lossless predicate of `formats` (one aggregate query per table), and
number candidates are sized from what they read: DECIMAL(p,s) from the digits seen,
BIGINT or HUGEINT from the integer digits, DOUBLE only for values of at most 15
significant digits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass

from dataraum_context import fanout
from dataraum_context.detectors.patterns import NULL_TOKENS, PatternMatch
from dataraum_context.detectors.patterns import top_values_sql
from dataraum_context.detectors.units import UnitResult
from dataraum_context.sqlutil import quote_ident, quote_literal, trim_sql
from dataraum_context.type_resolution.formats import (
    BOOLEAN_WORDS,
    NUMBER_KINDS,
    ValueFormat,
    digits_sql,
    has_e_sql,
    install_macros,
    negative_sql,
    number_regex,
    parse_sql,
    plain,
    short_plain_sql,
    shortest_digits_sql,
)

DECIMAL_WIDTHS = (9, 18, 38)
MAX_FIXED_SCALE = 6
MAX_BIGINT_DIGITS = 18
MAX_HUGEINT_DIGITS = 38
FORMAT_SEARCH_VALUES = 200  # most frequent distinct sample values a date format search looks at
MAX_FORMATS = 4
MIN_PATTERN_RATE = 0.5

# --------------------------------------------------------------------------- date/time formats

_NUMERIC_DATES = [
    *(f"%d{s}%m{s}{y}" for s in "/-." for y in ("%Y", "%y")),
    *(f"%m{s}%d{s}{y}" for s in "/-" for y in ("%Y", "%y")),
    *(f"%Y{s}%m{s}%d" for s in "/-."),
]
_TEXT_DATES = [
    "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%B-%Y", "%d-%b-%y", "%d %b %y", "%d/%b/%Y", "%d.%b.%Y",
    "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%a, %d %b %Y", "%A, %B %d, %Y", "%d %B, %Y",
    "%b-%d-%Y", "%b-%d-%y", "%B-%d-%Y", "%d-%B-%y", "%d %B %y",
]  # fmt: skip
_TIMES = [
    "%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p", "%I:%M:%S%p", "%I:%M:%S.%f %p",
]
DATE_FORMATS: tuple[str, ...] = tuple(
    [*_NUMERIC_DATES, *_TEXT_DATES]
    + [f"{d} {t}" for d in [*_NUMERIC_DATES, *_TEXT_DATES] for t in _TIMES]
    + [f"%Y-%m-%dT{t}" for t in ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f")]
    + [f"{d}, {t}" for d in _TEXT_DATES[8:12] for t in ("%I:%M %p", "%H:%M")]
    + _TIMES
    + [f"{d} {t} %z" for d in ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d") for t in _TIMES]
)
_DATEY = r"(?i)[0-9]{1,4}[/.\-][0-9a-z]{1,9}[/.\-][0-9]{2,4}.*|[a-z]{3,9}\.? [0-9]{1,2},? [0-9]{4}.*|[0-9]{1,2}[ \-][a-z]{3,9}[ \-,]+[0-9]{2,4}.*|[a-z]{3,9}, .*[0-9]{4}.*|[a-z]{3,9}-[0-9]{1,2}-[0-9]{2,4}.*|[0-9]{1,2}:[0-5][0-9].*"


_DATEY_RX = re.compile(_DATEY[4:], re.IGNORECASE)


def has_time(fmt: str) -> bool:
    return "%H" in fmt or "%I" in fmt


def has_date(fmt: str) -> bool:
    return "%d" in fmt or "%Y" in fmt or "%y" in fmt


def date_order(fmt: str) -> str | None:
    """'dmy' / 'mdy' for numeric day/month formats that have a twin reading, else None."""
    if "%b" in fmt or "%B" in fmt or fmt.startswith("%Y") or not has_date(fmt):
        return None
    return "dmy" if fmt.index("%d") < fmt.index("%m") else "mdy"


def twin_format(fmt: str) -> str | None:
    """The same format with day and month swapped (`%d/%m/%Y` <-> `%m/%d/%Y`)."""
    if date_order(fmt) is None:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def temporal_label(formats: tuple[str, ...]) -> str:
    """The pattern name that describes a set of formats (for the context and semantics)."""
    first = formats[0]
    if not has_date(first):
        return "time_12h" if "%p" in first else "time"
    order = date_order(first)
    timed = any(has_time(f) for f in formats)
    if first.startswith("%Y-%m-%d"):
        return "iso_datetime" if timed else "iso_date"
    if order is None:
        return "datetime_text" if timed else ("date_text" if ("%b" in first or "%B" in first) else "date_ymd")
    return f"datetime_{order}" if timed else f"date_{order}"


# --------------------------------------------------------------------------- candidate specs


@dataclass
class Candidate:
    """A format to measure for one column, and what measuring found."""

    column: str
    label: str  # a pattern-like name: 'integer', 'decimal_comma', 'currency_us', 'date_dmy', ...
    fmt: ValueFormat
    data_type: str = "VARCHAR"  # for numbers: sized after measuring
    parsed: int = 0
    nonnull: int = 0
    match_rate: float | None = None
    failed_examples: list[str] | None = None

    @property
    def rate(self) -> float:
        return self.parsed / self.nonnull if self.nonnull else 0.0


_NUMBER_SPECS: dict[str, list[tuple[str, dict]]] = {
    "integer": [("integer", {"kind": "integer"}), ("decimal", {"kind": "decimal"})],
    "decimal": [("decimal", {"kind": "decimal"})],
    "decimal_comma": [("decimal_comma", {"kind": "decimal", "decimal_mark": ","})],
    "decimal_thousands_comma": [("decimal_thousands_comma", {"kind": "decimal", "grouping": ","})],
    "decimal_thousands_dot": [("decimal_thousands_dot", {"kind": "decimal", "grouping": ".", "decimal_mark": ","})],
    "integer_thousands_comma": [
        ("integer_thousands_comma", {"kind": "integer", "grouping": ","}),
        ("decimal_thousands_comma", {"kind": "decimal", "grouping": ","}),
    ],
    "integer_thousands_dot": [
        ("integer_thousands_dot", {"kind": "integer", "grouping": ".", "decimal_mark": ","}),
        ("decimal_thousands_dot", {"kind": "decimal", "grouping": ".", "decimal_mark": ","}),
    ],
    "scientific": [("scientific", {"kind": "double"})],
    "percentage": [("percentage", {"kind": "percent"}), ("percentage", {"kind": "percent", "decimal_mark": ","})],
}


def number_candidates(column: str, matches: list[PatternMatch], unit: UnitResult | None) -> list[Candidate]:
    """Number formats the column's patterns point to (any pattern seen at all on the sample)."""
    seen: dict[tuple, Candidate] = {}
    names = {m.name: m for m in matches}
    for name, match in names.items():
        for label, spec in _NUMBER_SPECS.get(name, []):
            fmt = ValueFormat(**spec)
            seen.setdefault((fmt.kind, fmt.grouping, fmt.decimal_mark), Candidate(column, label, fmt, match_rate=match.match_rate))
    for name, grouping, mark in (("currency_us", ",", "."), ("currency_eu", ".", ",")):
        if name in names:
            tokens: tuple[str, ...] = ()
            if unit is not None and unit.unit is not None and unit.dimension == "[currency]":
                tokens = tuple(sorted(unit.conversions))
            for g in (grouping, " ") if name == "currency_eu" else (grouping,):
                fmt = ValueFormat(kind="money", grouping=g, decimal_mark=mark, currency=tokens)
                seen.setdefault(("money", g, mark), Candidate(column, name, fmt, match_rate=names[name].match_rate))
    # a column of integers and decimals: the decimal reading covers both
    if "integer" in names and "decimal" in names:
        seen.setdefault(("decimal", None, "."), Candidate(column, "decimal", ValueFormat(kind="decimal")))
    return list(seen.values())


def other_candidates(column: str, matches: list[PatternMatch], unit: UnitResult | None) -> list[Candidate]:
    out: list[Candidate] = []
    for m in matches:
        if m.match_rate < MIN_PATTERN_RATE:
            continue
        if m.name == "uuid":
            out.append(Candidate(column, "uuid", ValueFormat(kind="uuid"), data_type="UUID", match_rate=m.match_rate))
        elif m.name == "json":
            out.append(Candidate(column, "json", ValueFormat(kind="json"), data_type="JSON", match_rate=m.match_rate))
        elif m.name == "datetime_offset":
            out.append(Candidate(column, "datetime_offset", ValueFormat(kind="timestamptz"),
                                 data_type="TIMESTAMP WITH TIME ZONE", match_rate=m.match_rate))
        elif m.name == "number_with_unit" and unit is not None and unit.unit is not None and unit.conversions:
            money = unit.dimension == "[currency]"
            fmt = ValueFormat(kind="unit", unit=unit.unit, unit_dimension=unit.dimension, conversions=dict(unit.conversions))
            out.append(Candidate(column, "number_with_unit", fmt, data_type="DECIMAL(38,10)" if money else "DOUBLE",
                                 match_rate=m.match_rate))
    return out


# --------------------------------------------------------------------------- searches on the sample


BOOLEAN_SEARCH_VALUES = 12  # most frequent distinct sample values the boolean search looks at
assert BOOLEAN_SEARCH_VALUES <= FORMAT_SEARCH_VALUES, "the searches share one list of top values"

TopValues = list[tuple[int, list[str], list[int], list[str]]]
"""Per column index: its most frequent distinct values (count desc, value), their counts, and
the values lower-cased by DuckDB (`top_values`)."""


def top_values(con, table: str, columns: list[str]) -> TopValues:  # noqa: ANN001
    """The values both searches look at, in one query (the boolean search takes the first
    `BOOLEAN_SEARCH_VALUES`: the same values as a top-12 query, ties broken by value)."""
    order = "ORDER BY n DESC, v"
    return con.execute(
        f"SELECT c, list(v {order}), list(n {order}), list(lower(v) {order}) FROM "
        f"({top_values_sql(table, columns, FORMAT_SEARCH_VALUES)}) GROUP BY c"
    ).fetchall()


def search_candidates(con, table: str, columns: list[str]) -> list[Candidate]:  # noqa: ANN001
    """The boolean and date-format candidates of `columns`, from one read of their top values."""
    if not columns:
        return []
    top = top_values(con, table, columns)
    return boolean_candidates(columns, top) + temporal_candidates(con, columns, top)


def boolean_candidates(columns: list[str], top: TopValues) -> list[Candidate]:
    """Columns whose values are exactly yes/no words of one language (both seen)."""
    out = []
    for index, _, _, lowered in top:
        words = set(lowered[:BOOLEAN_SEARCH_VALUES])
        if not 2 <= len(words) <= 8:
            continue
        for language, (trues, falses) in BOOLEAN_WORDS.items():
            t, f = words & set(trues), words & set(falses)
            if t and f and words <= set(trues) | set(falses):
                fmt = ValueFormat(kind="boolean", true_words=tuple(sorted(t)), false_words=tuple(sorted(f)))
                out.append(Candidate(columns[index], "boolean", fmt, data_type="BOOLEAN"))
                break
    return out


_SHAPES = {
    "%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": r"\d{4}", "%y": r"\d{2}", "%b": r"[a-z]{3,4}\.?", "%B": r"[a-z]+",
    "%a": r"[a-z]{3}\.?", "%A": r"[a-z]+", "%H": r"\d{1,2}", "%I": r"\d{1,2}", "%M": r"\d{1,2}", "%S": r"\d{1,2}",
    "%f": r"\d{1,9}", "%p": r"[ap]\.?m\.?", "%z": r"(?:[+-]\d{2}:?\d{2}|[+-]\d{2}|z|utc)",
}


def _shape(fmt: str) -> re.Pattern[str]:
    """A Python regex for the text a strptime format can produce (a cheap first filter)."""
    parts, i = [], 0
    while i < len(fmt):
        code = fmt[i : i + 2]
        if code in _SHAPES:
            parts.append(_SHAPES[code])
            i += 2
        else:
            parts.append(re.escape(fmt[i]))
            i += 1
    return re.compile("".join(parts), re.IGNORECASE)


@functools.cache
def _format_shapes() -> list[re.Pattern[str]]:
    """The shape of every date format, compiled when a date-like column first needs them
    (some 350 patterns, ~40 ms: not paid by every process that imports this module)."""
    return [_shape(f) for f in DATE_FORMATS]


_DIGITS_RX = re.compile(r"\d")
assert not any(ch.isdigit() for f in DATE_FORMATS for ch in f), "a date format with a literal digit breaks the skeletons"


def temporal_candidates(con, columns: list[str], top: TopValues) -> list[Candidate]:  # noqa: ANN001
    """Per date-like column, the formats whose round trip holds for most of the frequent values:
    the best one, plus formats of the same reading that cover values it does not (at most 4).
    Where a day-first format and its month-first twin read the same values, both are returned.
    Formats are first filtered by the shape of the values (Python), then checked in DuckDB."""
    rows = [row[:3] for row in top]
    install_macros(con)
    # per column, the formats its values' shapes admit; the columns admitting the same formats
    # are checked together (one query per set of formats, not per column)
    by_formats: dict[tuple[int, ...], list[tuple[int, list[str], list[int]]]] = {}
    for c, values, counts in rows:
        datey = sum(n for v, n in zip(values, counts) if _DATEY_RX.fullmatch(v))
        if datey < MIN_PATTERN_RATE * sum(counts):
            continue
        # the shapes only count digits (no format has a literal digit): one value per digit skeleton
        skeletons = set(_DIGITS_RX.sub("0", v) for v in values)
        shaped = tuple(k for k, rx in enumerate(_format_shapes()) if any(rx.fullmatch(v) for v in skeletons))
        if shaped:
            by_formats.setdefault(shaped, []).append((c, values, counts))
    found: dict[int, list[tuple[str, int, list[bool]]]] = {}
    for shaped, group in by_formats.items():
        flags = ", ".join(
            f"({parse_sql(ValueFormat(kind='timestamp', formats=(DATE_FORMATS[k],)), 'TIMESTAMP', 'v')}) IS NOT NULL"
            for k in shaped
        )
        checked = con.execute(
            f"SELECT c, v, n, [{flags}] FROM (SELECT unnest(?::INTEGER[]) AS c, unnest(?::VARCHAR[]) AS v, "
            "unnest(?::BIGINT[]) AS n)",
            [[c for c, values, _ in group for _ in values], [v for _, values, _ in group for v in values],
             [n for _, _, counts in group for n in counts]],
        ).fetchall()
        for c, v, n, ok in checked:
            full = [False] * len(DATE_FORMATS)
            for k, hit in zip(shaped, ok):
                full[k] = bool(hit)
            found.setdefault(int(c), []).append((v, int(n), full))
    out: list[Candidate] = []
    for c, _, _ in rows:  # in the columns' order
        if c in found:
            out.extend(_choose_formats(columns[c], found[c]))
    return out


def _choose_formats(column: str, values: list[tuple[str, int, list[bool]]]) -> list[Candidate]:
    """The best format (most values read; ties: the earlier one), its twin of the other day/month
    order when that reads as much, and for each, up to `MAX_FORMATS - 1` more formats of the same
    reading, each adding the most values still unread. Only formats reading some value can win or
    add anything: the search runs over those (a column's few, not all `DATE_FORMATS`)."""
    useful = [k for k in range(len(DATE_FORMATS)) if any(ok[k] for _, _, ok in values)]
    if not useful:
        return []
    reads = {k: [(v, n) for v, n, ok in values if ok[k]] for k in useful}
    covered = {k: sum(n for _, n in reads[k]) for k in useful}
    best = max(useful, key=lambda k: (covered[k], -k))
    if covered[best] == 0:
        return []
    readings = [best]
    twin = twin_format(DATE_FORMATS[best])
    if twin is not None and twin in DATE_FORMATS and covered.get(DATE_FORMATS.index(twin), 0) == covered[best]:
        readings.append(DATE_FORMATS.index(twin))
    out = []
    for first in readings:
        order = date_order(DATE_FORMATS[first])
        chosen = [first]
        read = {v for v, _ in reads[first]}
        for _ in range(MAX_FORMATS - 1):
            def gain(k: int) -> int:
                return sum(n for v, n in reads[k] if v not in read)

            options = [
                k for k in useful
                if k not in chosen and date_order(DATE_FORMATS[k]) in (None, order)
                and has_date(DATE_FORMATS[k]) == has_date(DATE_FORMATS[first])
                and DATE_FORMATS[k].endswith(" %z") == DATE_FORMATS[first].endswith(" %z")
            ]
            if not options:
                break
            k = max(options, key=lambda k: (gain(k), -k))
            if gain(k) == 0:
                break
            chosen.append(k)
            read |= {v for v, _ in reads[k]}
        formats = tuple(DATE_FORMATS[k] for k in chosen)
        if any(f.endswith(" %z") for f in formats):
            kind, data_type = "timestamptz", "TIMESTAMP WITH TIME ZONE"
        elif not has_date(formats[0]):
            kind, data_type = "time", "TIME"
        elif any(has_time(f) for f in formats):
            kind, data_type = "timestamp", "TIMESTAMP"
        else:
            kind, data_type = "date", "DATE"
        out.append(Candidate(column, temporal_label(formats), ValueFormat(kind=kind, formats=formats), data_type=data_type))
    return out


# --------------------------------------------------------------------------- measuring


MEASURE_COLUMNS = 32
SEARCH_COLUMNS = 256
"""Columns per query of the boolean and date-format searches (their values side by side)."""
"""Columns per measuring query: DuckDB plans a query of thousands of expressions slowly and
with much memory, so a wide table is measured in slices of columns (each slice reads only
its columns, so together they still read every column once)."""


GROUPED_SHARE = 0.5
"""A column of a big table with at most this share of distinct values among its rows is measured
over its distinct values with their counts (`_measure_grouped`): the parse runs once per distinct
value instead of once per row. Grouping costs a hash aggregate, which the lossless parses (regex,
digits, date round trips) outweigh up to about half distinct (measured on TPC-H's lineitem and the
1M-row mixed file: a date column of 6 M rows 0.50 s -> 0.05 s, 25 % distinct keys 0.51 s -> 0.23 s,
95 % distinct decimals 0.16 s -> 0.18 s)."""


def measure(  # noqa: ANN001
    con, table: str, candidates: list[Candidate], grouped: Set[str] = frozenset(), rows: int | None = None
) -> None:
    """Fill `parsed`/`nonnull` (and, for numbers, the sized `data_type`) of every candidate,
    over all rows of `table` (one aggregate scan per `MEASURE_COLUMNS` columns; each
    expression computed once per row).

    The columns in `grouped` (`grouped_columns`: a big table's columns with few distinct values)
    are measured over those values with their counts instead: the same figures (tested), one query
    per such column. A small table is measured in long form whatever `grouped` says. `rows`: the
    table's row count, when the caller has it."""
    if not candidates:
        return
    columns = list(dict.fromkeys(c.column for c in candidates))
    if rows is None:
        rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    # a small table's chunk in long form (planning is its cost), a big one's side by side
    long = _is_small(rows, len(columns))
    measure_chunk = _measure_long if long else functools.partial(_measure_columns, rows=rows)
    direct = [c for c in columns if long or c not in grouped]
    jobs = [(measure_chunk, set(direct[start:start + MEASURE_COLUMNS])) for start in range(0, len(direct), MEASURE_COLUMNS)]
    jobs += [(functools.partial(_measure_grouped, rows=rows), {c}) for c in columns if c not in direct]
    # each job fills its own candidates: independent, so several at once (`fanout`)
    fanout.map_on_cursors(
        con, lambda cur, job: job[0](cur, table, [c for c in candidates if c.column in job[1]]),
        jobs, setup=install_macros, rows=rows,
    )


def _is_small(rows: int, columns: int) -> bool:
    """A table measured in long form: reading its values once is cheap, planning is its cost."""
    return rows * min(columns, MEASURE_COLUMNS) <= LONG_CELLS


def grouped_columns(  # noqa: ANN001
    con, table: str, columns: list[str], distinct: Mapping[str, int] | None, rows: int | None = None
) -> set[str]:
    """The `columns` of `table` to measure over their distinct values: a big table's columns with
    at most `GROUPED_SHARE` distinct values among its rows (`distinct`: column -> distinct values;
    `rows`: the table's row count, when the caller has it)."""
    if not distinct or not columns:
        return set()
    if rows is None:
        rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    if _is_small(rows, len(columns)):
        return set()
    return {c for c in columns if c in distinct and distinct[c] <= GROUPED_SHARE * rows}


def grouped_source(table: str, column: str) -> tuple[str, str]:
    """A subquery of `column`'s distinct values of `table` with how many rows each stands for,
    and the name of that count (one that is not the column's)."""
    weight = "_dataraum_n" if column != "_dataraum_n" else "_dataraum_m"
    return f"(SELECT {quote_ident(column)}, count(*) AS {weight} FROM {table} GROUP BY 1)", weight


def count_rows(condition: str, weight: str = "") -> str:
    """SQL counting the rows where `condition` holds: `count_if`, or over a `grouped_source` the
    sum of the `weight` of its values where it holds."""
    return f"coalesce(sum({weight}) FILTER (WHERE {condition}), 0)" if weight else f"count_if({condition})"


def _measure_grouped(con, table: str, candidates: list[Candidate], rows: int | None = None) -> None:  # noqa: ANN001
    """The candidates of one column measured over its distinct values, each weighted by its count."""
    source, weight = grouped_source(table, candidates[0].column)
    _read_measures(candidates, con.execute(_measure_sql(source, candidates, weight=weight, rows=rows)).fetchall()[0])


def _measure_sql(
    source: str, candidates: list[Candidate], keep: str = "", weight: str = "", rows: int | None = None
) -> str:
    """The measuring query of `candidates` over `source` (a table, or a subquery naming their
    columns): per column its non-null count, then per candidate its aggregates (`_read_measures`).
    With `keep` (a column of `source`), one row per value of `keep` (GROUP BY), it first. With
    `weight` (a column of `source`: how many rows each row of `source` stands for, as in a
    `GROUP BY` of the values with their counts), every count is a sum of weights; minima,
    maxima and `bool_or` do not depend on how often a value occurs. `rows`: how many rows `source`
    has, at most (`sqlutil.trim_sql`; None: many)."""
    # Each expression is written once, a level below its uses (DuckDB does not share common
    # subexpressions across CASE branches), and computed for every row: aggregates keep the
    # matching rows with FILTER, which is cheaper than CASE on string functions.
    tokens = ", ".join(quote_literal(t) for t in sorted(NULL_TOKENS))
    columns = list(dict.fromkeys(c.column for c in candidates))
    index = {c: i for i, c in enumerate(columns)}
    carried = [c for c in (keep, weight) if c]  # passed down through every level
    trimmed = [f"{trim_sql(f'CAST({quote_ident(c)} AS VARCHAR)', rows)} AS v{i}" for i, c in enumerate(columns)] + carried
    present = [f"(v{i} IS NOT NULL AND v{i} NOT IN ({tokens})) AS p{i}" for i in range(len(columns))]
    level1: list[str] = [f"v{i}" for i in range(len(columns))] + carried
    level2: list[str] = list(carried)
    level3: list[str] = list(carried)

    def count_if(condition: str) -> str:
        return count_rows(condition, weight)

    aggs: list[str] = [count_if(f"p{i}") for i in range(len(columns))]
    for k, cand in enumerate(candidates):
        i = index[cand.column]
        v = f"v{i}"
        if cand.fmt.kind == "integer":  # `size_number` needs only the count and the integer digits
            level1.append(f"p{i} AND regexp_full_match({v}, {quote_literal(number_regex(cand.fmt))}) AS ok{k}")
            if plain(cand.fmt):  # digits: the text without sign and leading zeros
                level1.append(f"strlen(ltrim({v}, '+-0')) AS whole{k}")
                level2 += [f"ok{k}", f"whole{k}"]
                level3 += [f"ok{k}", f"whole{k}"]
            else:
                level1.append(f"{digits_sql(cand.fmt, v)} AS dg{k}")
                level2 += [f"ok{k}", f"split_part(lower(dg{k}), 'e', 1) AS mant{k}"]
                level3 += [f"ok{k}", f"length(ltrim(split_part(mant{k}, '.', 1), '0')) AS whole{k}"]
            aggs += [count_if(f"ok{k}"), "0", "0", f"max(whole{k}) FILTER (WHERE ok{k})", "0", "false"]
        elif cand.fmt.kind in NUMBER_KINDS:
            # the double, read in the third level (from the text and digits passed down to it)
            sv = f"sv{k}"
            signed = sv if plain(cand.fmt) else f"(CASE WHEN {negative_sql(cand.fmt, sv)} THEN '-' ELSE '' END || dg{k})"
            x = f"TRY_CAST({signed} AS DOUBLE)"
            level1 += [
                f"p{i} AND regexp_full_match({v}, {quote_literal(number_regex(cand.fmt))}) AS ok{k}",
                f"{digits_sql(cand.fmt, v)} AS dg{k}",
            ]
            # a plain decimal's text has no exponent (its regex admits none)
            no_exponent = plain(cand.fmt) and cand.fmt.kind == "decimal"
            level2 += [
                f"ok{k}", f"{v} AS sv{k}", f"dg{k}",
                f"dg{k} AS mant{k}" if no_exponent else f"split_part(lower(dg{k}), 'e', 1) AS mant{k}",
                f"false AS exp{k}" if no_exponent else f"{has_e_sql(v)} AS exp{k}",
            ]
            # digits written after the mark (trailing zeros count: 2.50 has scale 2) and before it
            level3 += [
                f"ok{k}",
                f"length(split_part(mant{k}, '.', 2)) AS frac{k}",
                f"length(ltrim(split_part(mant{k}, '.', 1), '0')) AS whole{k}",
                # the double gives back exactly the written significant digits (`round_trips_sql`)
                # (short texts without an exponent surely do: `short_plain_sql`; the double is read
                # only for the others, inside the CASE)
                f"CASE WHEN NOT exp{k} AND {short_plain_sql(f'mant{k}')} THEN true ELSE isfinite({x}) AND "
                f"trim(replace(mant{k}, '.', ''), '0') = {shortest_digits_sql(x)} END AS dbl{k}",
                f"exp{k}",
            ]
            aggs += [
                count_if(f"ok{k}"), f"min(frac{k}) FILTER (WHERE ok{k})", f"max(frac{k}) FILTER (WHERE ok{k})",
                f"max(whole{k}) FILTER (WHERE ok{k})", count_if(f"ok{k} AND dbl{k}"),
                f"bool_or(exp{k}) FILTER (WHERE ok{k})",
            ]
        else:
            level1.append(f"p{i} AND ({parse_sql(cand.fmt, cand.data_type, v)}) IS NOT NULL AS ok{k}")
            level2.append(f"ok{k}")
            level3.append(f"ok{k}")
            aggs.append(count_if(f"ok{k}"))
    level3 += [f"p{i}" for i in range(len(columns))]
    level2 += [f"p{i}" for i in range(len(columns))]
    level1 += [f"p{i}" for i in range(len(columns))]
    return (
        f"SELECT {keep + ', ' if keep else ''}{', '.join(aggs)} FROM (SELECT {', '.join(level3)} FROM (SELECT {', '.join(level2)} FROM "
        f"(SELECT {', '.join(level1)} FROM (SELECT *, {', '.join(present)} FROM (SELECT {', '.join(trimmed)} FROM {source})))))"
        + (f" GROUP BY {keep}" if keep else "")
    )


def _read_measures(candidates: list[Candidate], row: tuple) -> None:
    """Fill the candidates from a row of `_measure_sql` (None: no row, every count 0)."""
    columns = list(dict.fromkeys(c.column for c in candidates))
    index = {c: i for i, c in enumerate(columns)}
    row = row if row is not None else (None,) * (len(columns) + 6 * len(candidates))
    at = len(columns)
    for cand in candidates:
        cand.nonnull = int(row[index[cand.column]] or 0)
        if cand.fmt.kind not in NUMBER_KINDS:
            cand.parsed = int(row[at] or 0)
            at += 1
            continue
        count, min_frac, max_frac, whole, double_ok, exponent = row[at : at + 6]
        at += 6
        cand.data_type, cand.parsed = size_number(
            cand.fmt, int(count or 0), int(min_frac or 0), int(max_frac or 0), int(whole or 0), int(double_ok or 0),
            bool(exponent),
        )


def _measure_columns(con, table: str, candidates: list[Candidate], rows: int | None = None) -> None:  # noqa: ANN001
    """The candidates measured over `table`, side by side: one expression chain per candidate."""
    _read_measures(candidates, con.execute(_measure_sql(table, candidates, rows=rows)).fetchall()[0])


LONG_CELLS = 400_000
"""Values (rows x columns) up to which a table is measured in long form (`_measure_long`)."""


def _measure_long(con, table: str, candidates: list[Candidate]) -> None:  # noqa: ANN001
    """The candidates measured over a small `table`: its columns' values one under another
    (`c`, `v`), one expression chain per distinct *format*, each reading just the columns that
    have it, grouped by column. The same expressions on the same values as `_measure_columns`
    (so the same figures, tested), but DuckDB plans a handful of chains instead of one per
    candidate: planning, not reading, is the cost of a small table (32 columns of 220 rows with
    128 candidates: 0.8 s), and the formats repeat from column to column."""
    columns = list(dict.fromkeys(c.column for c in candidates))
    index = {c: i for i, c in enumerate(columns)}
    values = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR)" for c in columns)
    groups: dict[tuple[str, str | None], list[Candidate]] = {}
    for cand in candidates:  # the SQL of a candidate depends on its format (and a non-number's type)
        key = (cand.fmt.model_dump_json(), None if cand.fmt.kind in NUMBER_KINDS else cand.data_type)
        groups.setdefault(key, []).append(cand)
    branches = []
    for g, members in enumerate(groups.values()):
        first = members[0]
        one = Candidate("v", first.label, first.fmt, data_type=first.data_type)
        wanted = ", ".join(str(index[c.column]) for c in members)
        sql = _measure_sql(f"(SELECT c, v FROM vals WHERE c IN ({wanted}))", [one], keep="c", rows=0)
        if first.fmt.kind not in NUMBER_KINDS:  # the number chains' six aggregates, padded
            sql = f"SELECT *, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BOOLEAN FROM ({sql})"
        branches.append(f"SELECT {g} AS g, * FROM ({sql})")
    rows = con.execute(
        f"WITH vals AS MATERIALIZED (SELECT unnest(range({len(columns)})) AS c, unnest([{values}]) AS v FROM {table}) "
        + " UNION ALL ".join(branches)
    ).fetchall()
    found = {(int(row[0]), int(row[1])): row[2:] for row in rows}
    for g, members in enumerate(groups.values()):
        for cand in members:
            row = found.get((g, index[cand.column]))
            # `_read_measures` of one candidate: (non-null, its aggregates)
            width = 6 if cand.fmt.kind in NUMBER_KINDS else 1
            _read_measures([cand], None if row is None else tuple(row[: 1 + width]))


def size_number(
    fmt: ValueFormat, count: int, min_frac: int, max_frac: int, whole: int, double_ok: int, exponent: bool
) -> tuple[str, int]:
    """(type, values it reads) for a number format, from the digits its values have."""
    if fmt.kind == "integer":
        if whole <= MAX_BIGINT_DIGITS:
            return "BIGINT", count
        if whole <= MAX_HUGEINT_DIGITS:
            return "HUGEINT", count
        return "VARCHAR", 0
    if fmt.kind == "double" or exponent:
        return "DOUBLE", double_ok
    if fmt.kind == "percent":
        scale = max_frac + 2
        width = next((w for w in DECIMAL_WIDTHS if w >= max(whole, 1) + max_frac), None)
        return (f"DECIMAL({width},{scale})", count) if width is not None and scale <= width else ("VARCHAR", 0)
    money = fmt.kind == "money"
    fixed = money or (min_frac == max_frac and 0 < max_frac <= MAX_FIXED_SCALE)
    scale = max(max_frac, 2) if money else max_frac
    width = next((w for w in DECIMAL_WIDTHS if w >= max(whole, 1) + scale), None)
    if fixed and width is not None:
        return f"DECIMAL({width},{scale})", count
    if double_ok == count:
        return "DOUBLE", count
    if width is not None:  # more than 15 significant digits: only a decimal keeps them
        return f"DECIMAL({width},{scale})", count
    return "DOUBLE", double_ok


def table_candidates(
    con,  # noqa: ANN001
    sample_table: str,
    columns: list[str],
    patterns: Mapping[str, list[PatternMatch]],
    units: Mapping[str, UnitResult],
) -> dict[str, list[Candidate]]:
    """Every candidate of every column of a table, measured on the sample."""
    found: dict[str, list[Candidate]] = {c: [] for c in columns}
    for column in columns:
        matches = list(patterns.get(column, []))
        found[column] += number_candidates(column, matches, units.get(column))
        found[column] += other_candidates(column, matches, units.get(column))
    # the searches read each column on its own: slices of columns, several at once (`fanout`)
    slices = [columns[i:i + SEARCH_COLUMNS] for i in range(0, len(columns), SEARCH_COLUMNS)]
    for part in fanout.map_on_cursors(
        con, lambda cur, part: search_candidates(cur, sample_table, part),
        slices, table=sample_table,
    ):
        for cand in part:
            found[cand.column].append(cand)
    measure(con, sample_table, [c for cands in found.values() for c in cands])
    return found
