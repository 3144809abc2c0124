"""Value patterns: what the text in a column looks like, measured on a sample in DuckDB.

Every pattern is an RE2 regular expression (DuckDB `regexp_full_match`: no lookarounds,
no back-references) matched against the *trimmed* value, plus the DuckDB type the
pattern implies and a SQL template that parses the trimmed value into that type
(NULL when it does not parse). `detect_patterns` evaluates all patterns for all
columns of a sample table in one SQL query; only counts and a few examples come back
to Python.

Sampling: `sample_table_sql` draws a uniform random sample of rows with DuckDB's
reservoir sampling, `DEFAULT_SAMPLE_SIZE` rows (10,000) with `DEFAULT_SEED` (42) unless
the caller says otherwise. Reservoir sampling is uniform over rows; with a fixed seed
it is repeatable for the same table contents.

Conventions decided here (type resolution relies on them):

- `percentage` parses to the *fraction*: `'15%'` -> `0.15` (DOUBLE).
- Money patterns (`currency_us`, `currency_eu`) parse to `DECIMAL(38,10)`; type
  resolution sizes the final `DECIMAL(p,s)` from the data. `(1.00 $)` is negative.
- Dates: `date_dmy` matches every value that is a valid day-first date, `date_mdy`
  every valid month-first date, `date_ambiguous` the values that are valid both ways
  (`01/02/2024`). Dot-separated dates (`31.12.2024`) are day-first only.
  `date_ambiguous` has no `parse_sql`: decide the order with `date_order_evidence`.
- `leading_zero_code` (`000123`) implies no type: codes with leading zeros stay text.
  `integer` therefore does not match values with a leading zero (except `0` itself).
- `number_with_unit` (`12.5 kg`) has no `parse_sql`: the unit detector decides the
  unit and its conversions (`units.unit_parse_sql`).
- `check_sql` (an extension of the agreed API) is an optional boolean SQL template
  that further filters regex matches: Luhn for `card_number`, mod-97 for `iban`,
  `json_valid` for `json`, digit count for `phone_international`, a letter for
  `hex_string`. `detect_patterns` counts a value as matched only when the regex
  matches *and* the check holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from dataraum_context import fanout
from dataraum_context.detectors._currency import currency_regex
from dataraum_context.sqlutil import quote_ident, quote_literal

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_SEED",
    "NULL_TOKENS",
    "PATTERNS",
    "PATTERNS_BY_NAME",
    "Pattern",
    "PatternMatch",
    "date_order_evidence",
    "detect_patterns",
    "match_sql",
    "parse_sql_for",
    "sample_table_sql",
]

DEFAULT_SAMPLE_SIZE = 10_000
DEFAULT_SEED = 42
MAX_EXAMPLES = 5

NULL_TOKENS: frozenset[str] = frozenset(
    {"", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "-", "nan", "NaN", "#N/A"}
)


@dataclass(frozen=True)
class Pattern:
    """One value pattern. `regex` is RE2, full-matched against the trimmed value."""

    name: str
    regex: str
    target_type: str | None
    parse_sql: str | None
    pii: bool = False
    description: str = ""
    check_sql: str | None = None  # extension: extra boolean filter on regex matches

    def parse(self, v: str) -> str | None:
        """`parse_sql` with `{v}` replaced by the SQL expression `v` (None without a parse)."""
        return None if self.parse_sql is None else self.parse_sql.replace("{v}", v)

    def match(self, v: str) -> str:
        """A boolean SQL expression: does the (already trimmed) SQL expression `v` match?"""
        return match_sql(self, v)


@dataclass(frozen=True)
class PatternMatch:
    """How well one pattern fits one column of the sample."""

    name: str
    match_rate: float  # matched / total, over non-null, non-null-token values
    matched: int
    total: int
    target_type: str | None
    pii: bool
    examples: list[str] = field(default_factory=list)  # <= 5 matching values, most frequent first
    failed_examples: list[str] = field(default_factory=list)  # <= 5 distinct non-matching values


# --------------------------------------------------------------------------- building blocks

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:\d{4}|\d{2})"
_HMS = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?"
_ISO_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_ISO_DT = _ISO_DATE + r"[T ]" + r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"
_OFFSET = r"(?:Z|z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)"


def _alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


def _dates(first: str, second: str, seps: str) -> str:
    return _alt(*(f"{first}{s}{second}{s}{_YEAR}" for s in seps))


_DMY = _dates(_DAY, _MONTH, [r"/", r"\.", r"-"])
_MDY = _dates(_MONTH, _DAY, [r"/", r"-"])
_AMBIGUOUS = _dates(_MONTH, _MONTH, [r"/", r"-"])


def _strptime_formats(order: str, seps: str, with_time: bool) -> str:
    fmts = []
    for sep in seps:
        for year in ("%y", "%Y"):  # %y first: %Y would read '24' as year 24
            date = sep.join(("%d", "%m", year) if order == "dmy" else ("%m", "%d", year))
            if with_time:
                for t in ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M"):
                    fmts += [f"{date} {t}", f"{date}T{t}"]
            else:
                fmts.append(date)
    return "[" + ", ".join(quote_literal(f) for f in fmts) + "]"


_CUR = currency_regex()
_SP = r"[ \x{00A0}\x{202F}]?"  # optional (no-break) space between amount and currency
_US_AMT = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_EU_AMT = r"(?:\d{1,3}(?:[. \x{00A0}\x{202F}]\d{3})+|\d+)(?:,\d+)?"


def _money(amount: str) -> str:
    plain = _alt(
        rf"[-+]?{_CUR}{_SP}[-+]?{amount}",
        rf"[-+]?{amount}{_SP}{_CUR}",
    )
    return _alt(plain, rf"\({_CUR}{_SP}{amount}\)", rf"\({amount}{_SP}{_CUR}\)")


_NEG_PARENS = "(CASE WHEN starts_with({v}, '(') THEN -1 ELSE 1 END)"
_DIGITS = "regexp_replace({v}, '[^0-9]', '', 'g')"
_LUHN = (
    f"(list_sum(list_transform(string_split(reverse({_DIGITS}), ''), "
    "lambda _dr_d, _dr_i: CASE WHEN _dr_i % 2 = 0 "
    "THEN (CASE WHEN CAST(_dr_d AS INTEGER) * 2 > 9 THEN CAST(_dr_d AS INTEGER) * 2 - 9 "
    "ELSE CAST(_dr_d AS INTEGER) * 2 END) ELSE CAST(_dr_d AS INTEGER) END)) % 10 = 0)"
)
_IBAN_CLEAN = "upper(regexp_replace({v}, '[^0-9A-Za-z]', '', 'g'))"
_IBAN_MOD97 = (
    f"(list_reduce(list_transform(string_split(substr({_IBAN_CLEAN}, 5) || substr({_IBAN_CLEAN}, 1, 4), ''), "
    "lambda _dr_c: CASE WHEN _dr_c BETWEEN 'A' AND 'Z' THEN ascii(_dr_c) - 55 ELSE ascii(_dr_c) - 48 END), "
    "lambda _dr_acc, _dr_x: (_dr_acc * CASE WHEN _dr_x >= 10 THEN 100 ELSE 10 END + _dr_x) % 97) = 1)"
)
_MONTHS = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?"
_TEXT_DATE_FORMATS = "[" + ", ".join(
    quote_literal(f)
    for f in ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%B-%Y", "%d %b, %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%y")
) + "]"  # fmt: skip
_BOOL_TRUE = ("true", "yes", "y", "t")
_BOOL_FALSE = ("false", "no", "n", "f")

# A unit token: starts with a letter (or µ/°/Ω), no digits except a trailing 2/3 (m2, cm3),
# one optional extra word ('fl oz', 'sq ft').
_UNIT_TOKEN = r"[A-Za-zµμ°Ωℓ][A-Za-zµμ°Ωℓ/²³·^*.]*[23]?(?: [A-Za-z][A-Za-z/.]*[23]?)?"
_NUM = r"[-+]?(?:(?:\d{1,3}(?:[,.' ]\d{3})+|\d+)(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d+)?"


def _p(
    name: str,
    regex: str,
    target_type: str | None,
    parse_sql: str | None,
    description: str,
    *,
    pii: bool = False,
    check_sql: str | None = None,
) -> Pattern:
    return Pattern(name, regex, target_type, parse_sql, pii, description, check_sql)


#: All patterns, most specific first. Names are stable: type resolution refers to them.
PATTERNS: tuple[Pattern, ...] = (
    _p("uuid", r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?", "UUID",
       "TRY_CAST({v} AS UUID)", "RFC 4122 UUID, 8-4-4-4-12 hex digits, optional braces"),
    _p("json", r"(?s)\{.*\}|\[.*\]", "JSON", "CASE WHEN json_valid({v}) THEN CAST({v} AS JSON) END",
       "JSON object or array text (valid JSON only)", check_sql="json_valid({v})"),
    _p("datetime_offset", _ISO_DT + _OFFSET, "TIMESTAMP WITH TIME ZONE", "TRY_CAST({v} AS TIMESTAMPTZ)",
       "ISO 8601 date-time with a UTC offset or Z: 2024-03-05T14:22:00+01:00"),
    _p("iso_datetime", _ISO_DT, "TIMESTAMP", "TRY_CAST({v} AS TIMESTAMP)",
       "ISO 8601 date-time without offset: 2024-03-05 14:22:00"),
    _p("datetime_dmy", _DMY + r"[ T]" + _HMS, "TIMESTAMP",
       "TRY_STRPTIME({v}, " + _strptime_formats("dmy", "/.-", True) + ")",
       "day-first date with time: 31/12/2024 14:22"),
    _p("datetime_mdy", _MDY + r"[ T]" + _HMS, "TIMESTAMP",
       "TRY_STRPTIME({v}, " + _strptime_formats("mdy", "/-", True) + ")",
       "month-first date with time: 12/31/2024 14:22"),
    _p("iso_date", _ISO_DATE, "DATE", "TRY_CAST({v} AS DATE)", "ISO 8601 date: 2024-03-05"),
    _p("date_ambiguous", _AMBIGUOUS, "DATE", None,
       "slash/dash date valid day-first and month-first (01/02/2024); order decided by date_order_evidence"),
    _p("date_dmy", _DMY, "DATE", "CAST(TRY_STRPTIME({v}, " + _strptime_formats("dmy", "/.-", False) + ") AS DATE)",
       "day-first date: 31/12/2024, 31.12.2024, 31-12-2024 (2- or 4-digit year)"),
    _p("date_mdy", _MDY, "DATE", "CAST(TRY_STRPTIME({v}, " + _strptime_formats("mdy", "/-", False) + ") AS DATE)",
       "month-first date: 12/31/2024, 12-31-2024 (2- or 4-digit year)"),
    _p("date_text", "(?i)" + _alt(rf"\d{{1,2}}[ \-]{_MONTHS},?[ \-]\d{{2,4}}", rf"{_MONTHS} \d{{1,2}},? \d{{4}}"),
       "DATE", f"CAST(TRY_STRPTIME({{v}}, {_TEXT_DATE_FORMATS}) AS DATE)",
       "date with a month name: 5 Mar 2024, March 5, 2024, 05-Mar-2024"),
    _p("time", _HMS, "TIME", "TRY_CAST({v} AS TIME)", "24-hour time: 14:22, 14:22:05, 14:22:05.123"),
    _p("time_12h", r"(?:0?[1-9]|1[0-2]):[0-5]\d(?::[0-5]\d)? ?[AaPp]\.?[Mm]\.?", "TIME",
       "CAST(TRY_STRPTIME(upper(replace(replace({v}, '.', ''), ' ', '')), ['%I:%M%p', '%I:%M:%S%p']) AS TIME)",
       "12-hour time: 2:30 PM, 11:05:00am"),
    _p("email", r"(?:[A-Za-z0-9._%+\-']|[^\x00-\x7F])+@(?:[A-Za-z0-9\-]|[^\x00-\x7F])+(?:\.(?:[A-Za-z0-9\-]|[^\x00-\x7F])+)*\.(?:[A-Za-z]|[^\x00-\x7F]){2,}", None, None,
       "e-mail address (internationalised local parts and domains too)", pii=True),
    _p("url", r"(?i)(?:https?|ftp)://[^\s/?#]+[^\s]*|www\.[^\s/?#]+\.[a-z]{2,}(?:[/?#][^\s]*)?", None, None,
       "URL with scheme, or www. host"),
    _p("ipv4", r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)", None, None,
       "IPv4 address: 192.168.0.1", pii=True),
    _p("ipv6", _alt(r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}",
                    r"(?:(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})?::(?:(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})?"),
       None, None, "IPv6 address, full or compressed (::)", pii=True),
    _p("iban", r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?", None,
       f"CASE WHEN {_IBAN_MOD97} THEN {_IBAN_CLEAN} END",
       "IBAN (upper case) with valid mod-97 check digits, spaces allowed; parse gives the compact form",
       pii=True, check_sql=_IBAN_MOD97),
    _p("card_number", r"\d(?:[ \-]?\d){12,18}", None, f"CASE WHEN {_LUHN} THEN {_DIGITS} END",
       "payment-card-like number: 13-19 digits, optional spaces/dashes, passing the Luhn check",
       pii=True, check_sql=_LUHN),
    _p("phone_us", r"(?:\+?1[ \-.]?)?(?:\(\d{3}\)|\d{3})[ \-.]?\d{3}[ \-.]\d{4}", None, None,
       "North American phone number: (555) 123-4567, 555-123-4567, +1 555 123 4567", pii=True),
    _p("phone_international", r"\+\d{1,3}(?:[ \-.]?\(\d{1,4}\))?(?:[ \-.]?\d{1,8}){1,5}", None, None,
       "international phone number with + country code, 7-15 digits: +49 30 1234567", pii=True,
       check_sql="length(" + _DIGITS + ") BETWEEN 7 AND 15"),
    _p("zip_plus4", r"\d{5}-\d{4}", None, None, "US ZIP+4 code: 12345-6789"),
    _p("postal_code_uk", r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}", None, None, "UK postcode: SW1A 1AA"),
    _p("postal_code_5digit", r"\d{5}", None, None,
       "5-digit postal code (US ZIP, DE, FR, ...); zero-padded codes (01067) stay text"),
    _p("leading_zero_code", r"0\d+", None, None,
       "all digits with a leading zero (000123): a code, stays text so the zeros survive"),
    _p("currency_us", _money(_US_AMT), "DECIMAL",
       f"{_NEG_PARENS} * TRY_CAST(regexp_replace({{v}}, '[^0-9.\\-]', '', 'g') AS DECIMAL(38,10))",
       "money with symbol or ISO code before/after, comma thousands, dot decimals: $1,234.50, USD 1,234.50"),
    _p("currency_eu", _money(_EU_AMT), "DECIMAL",
       f"{_NEG_PARENS} * TRY_CAST(replace(regexp_replace({{v}}, '[^0-9,\\-]', '', 'g'), ',', '.') AS DECIMAL(38,10))",
       "money with symbol or ISO code before/after, dot/space thousands, comma decimals: 1.234,50 €, 1 234,50 EUR"),
    _p("percentage", r"[-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+) ?%", "DOUBLE",
       "TRY_CAST(replace(regexp_replace({v}, '[ %]', '', 'g'), ',', '.') AS DOUBLE) / 100",
       "percentage: 15%, 12.5 % -- parses to the fraction (0.15)"),
    _p("boolean", r"(?i)true|false|yes|no|y|n|t|f", "BOOLEAN",
       "CASE lower({v}) " + " ".join(f"WHEN '{t}' THEN true" for t in _BOOL_TRUE)
       + " " + " ".join(f"WHEN '{f}' THEN false" for f in _BOOL_FALSE) + " END",
       "boolean words: true/false, yes/no, y/n, t/f (any case); 0/1 are integers"),
    _p("scientific", r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+", "DOUBLE", "TRY_CAST({v} AS DOUBLE)",
       "scientific notation: 1.5e-3, 6E23"),
    _p("decimal_thousands_comma", r"[-+]?\d{1,3}(?:,\d{3})+\.\d+", "DOUBLE",
       "TRY_CAST(replace({v}, ',', '') AS DOUBLE)", "decimal with comma thousands: 1,234,567.89"),
    _p("decimal_thousands_dot", r"[-+]?\d{1,3}(?:\.\d{3})+,\d+", "DOUBLE",
       "TRY_CAST(replace(replace({v}, '.', ''), ',', '.') AS DOUBLE)", "decimal with dot thousands: 1.234.567,89"),
    _p("integer_thousands_comma", r"[-+]?[1-9]\d{0,2}(?:,\d{3})+", "BIGINT",
       "TRY_CAST(replace({v}, ',', '') AS BIGINT)", "integer with comma thousands: 1,234,567"),
    _p("integer_thousands_dot", r"[-+]?[1-9]\d{0,2}(?:\.\d{3})+", "BIGINT",
       "TRY_CAST(replace({v}, '.', '') AS BIGINT)", "integer with dot thousands: 1.234.567"),
    _p("decimal_comma", r"[-+]?\d+,\d+", "DOUBLE", "TRY_CAST(replace({v}, ',', '.') AS DOUBLE)",
       "decimal with comma separator: 12,50"),
    _p("decimal", r"[-+]?(?:\d+\.\d+|\.\d+)", "DOUBLE", "TRY_CAST({v} AS DOUBLE)",
       "decimal with dot separator: 12.50 (type resolution may narrow to DECIMAL(p,s))"),
    _p("integer", r"[-+]?(?:0|[1-9]\d*)", "BIGINT", "TRY_CAST({v} AS BIGINT)",
       "integer without leading zeros: 42, -7"),
    _p("hex_string", r"0[xX][0-9a-fA-F]+|[0-9a-fA-F]{8,}", None, None,
       "hex string: 0x1F, or 8+ hex digits with at least one letter (hashes)",
       check_sql="({v} ILIKE '0x%' OR regexp_matches({v}, '[A-Fa-f]'))"),
    _p("number_with_unit", _NUM + r" ?" + _UNIT_TOKEN, "DOUBLE", None,
       "number followed by a unit token: 12.5 kg, 500 g, 3 pcs -- see units.detect_unit / unit_parse_sql"),
)  # fmt: skip

PATTERNS_BY_NAME: dict[str, Pattern] = {p.name: p for p in PATTERNS}
assert len(PATTERNS_BY_NAME) == len(PATTERNS), "duplicate pattern name"


# --------------------------------------------------------------------------- SQL helpers


def match_sql(pattern: Pattern, v: str) -> str:
    """Boolean SQL: the trimmed SQL expression `v` full-matches `pattern` (and passes its check).

    The check runs only on regex matches (CASE keeps it from running on everything).
    """
    rx = f"regexp_full_match({v}, {quote_literal(pattern.regex)})"
    if pattern.check_sql is None:
        return rx
    return f"(CASE WHEN {rx} THEN coalesce({pattern.check_sql.replace('{v}', v)}, false) ELSE false END)"


def parse_sql_for(name: str, v: str) -> str | None:
    """The parse expression of pattern `name` applied to the SQL expression `v`."""
    return PATTERNS_BY_NAME[name].parse(v)


def sample_table_sql(source_table: str, sample_table: str, size: int, seed: int) -> str:
    """SQL creating TEMP table `sample_table` as a uniform reservoir sample of `size` rows.

    Both names are already-quoted identifiers. `size` and `seed` are coerced to int.
    """
    return (
        f"CREATE OR REPLACE TEMP TABLE {sample_table} AS SELECT * FROM {source_table} "
        f"USING SAMPLE reservoir({int(size)} ROWS) REPEATABLE ({int(seed)})"
    )


DETECT_COLUMNS = 256
"""Columns per pattern-detection query (their distinct values in one TEMP table)."""


def _null_token_list(null_tokens: frozenset[str]) -> str:
    return "(" + ", ".join(quote_literal(t) for t in sorted(null_tokens)) + ")" if null_tokens else "(NULL)"


def _distinct_values_sql(sample_table: str, columns: list[str], null_tokens: frozenset[str]) -> str:
    """(c, v, n): per column index, each distinct trimmed non-null value and its row count.

    The columns are unnested side by side (`unnest(range(k))` with `unnest([v0, ...])`): one
    projection whatever the width, where a UNION ALL of one branch per column made the plan,
    its time and its memory grow faster than the columns."""
    values = ", ".join(f"trim(CAST({quote_ident(col)} AS VARCHAR))" for col in columns)
    return (
        f"SELECT c, v, count(*) AS n FROM (SELECT unnest(range({len(columns)})) AS c, unnest([{values}]) AS v "
        f"FROM {sample_table}) WHERE v IS NOT NULL AND v NOT IN {_null_token_list(null_tokens)} GROUP BY c, v"
    )


def detect_patterns(
    con: Any,
    sample_table: str,
    columns: list[str],
    null_tokens: frozenset[str] = NULL_TOKENS,
) -> dict[str, list[PatternMatch]]:
    """Match rates of every pattern for every column of `sample_table` (an already-quoted name).

    One aggregate query counts, for each column x pattern, the rows whose trimmed value
    matches (values that are NULL or a null token are not counted at all); it works on
    the distinct values of each column with their counts, so each regex runs once per
    distinct value. A second query collects up to 5 matching and 5 non-matching distinct
    values (most frequent first) for the patterns that matched. Returns, per column, the
    patterns with match_rate > 0, sorted by match_rate desc, then `PATTERNS` order.
    """
    if not columns:
        return {}

    def detect(cur: Any, part: list[str]) -> dict[str, list[PatternMatch]]:
        matched = quote_ident(f"_patterns_values_{uuid.uuid4().hex[:12]}")
        cur.execute(
            f"CREATE TEMP TABLE {matched} AS SELECT c, v, n, [{', '.join(match_sql(p, 'v') for p in PATTERNS)}] AS m "
            f"FROM ({_distinct_values_sql(sample_table, part, null_tokens)})"
        )
        try:
            return _detect(cur, matched, part)
        finally:
            cur.execute(f"DROP TABLE IF EXISTS {matched}")

    # each column's matches are its own: slices of columns, several at once on a wide table
    slices = [columns[i:i + DETECT_COLUMNS] for i in range(0, len(columns), DETECT_COLUMNS)]
    result: dict[str, list[PatternMatch]] = {}
    for part in fanout.map_on_cursors(con, detect, slices, table=sample_table):
        result.update(part)
    return result


def _detect(con: Any, matched: str, columns: list[str]) -> dict[str, list[PatternMatch]]:
    """Counts and examples from `matched` (c, v, n, m): each distinct value with its count and
    `m`, whether it matches each of `PATTERNS` (every regex ran once per value, when `matched`
    was made). The counts come from one GROUP BY of (column, match list), few rows per column,
    summed here: cheaper than one filtered aggregate per pattern (the plan of 40 of them cost
    a small table ~25 ms)."""
    counts: dict[int, tuple[int, list[int]]] = {}
    for c, m, n in con.execute(f"SELECT c, m, sum(n) FROM {matched} GROUP BY c, m").fetchall():
        total, per = counts.setdefault(int(c), (0, [0] * len(PATTERNS)))
        for k, hit in enumerate(m):
            if hit:
                per[k] += int(n)
        counts[int(c)] = (total + int(n), per)

    hits = [(c, k) for c, (_, per) in counts.items() for k, m in enumerate(per) if m > 0]
    examples: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    if hits:
        # one row per value of a column for each pattern that matched the column, grouped by
        # (column, pattern): top-5 matching and non-matching by (count desc, value)
        pairs = ", ".join(f"({c}, {k + 1})" for c, k in sorted(hits))
        rank = "{'n': -n, 'v': v}"
        for c, k, matched_ex, failed_ex in con.execute(
            f"SELECT c, k - 1, min_by(v, {rank}, {MAX_EXAMPLES}) FILTER (WHERE m[k]), "
            f"min_by(v, {rank}, {MAX_EXAMPLES}) FILTER (WHERE NOT m[k]) "
            f"FROM {matched} JOIN (VALUES {pairs}) AS h(hc, k) ON c = hc GROUP BY c, k"
        ).fetchall():
            examples[(int(c), int(k))] = (list(matched_ex or []), list(failed_ex or []))

    order = {p.name: k for k, p in enumerate(PATTERNS)}
    result: dict[str, list[PatternMatch]] = {}
    for i, col in enumerate(columns):
        total, per = counts.get(i, (0, [0] * len(PATTERNS)))
        found = []
        for k, hit_count in enumerate(per):
            if hit_count <= 0 or total <= 0:
                continue
            p = PATTERNS[k]
            ex, failed = examples.get((i, k), ([], []))
            found.append(
                PatternMatch(p.name, hit_count / total, hit_count, total, p.target_type, p.pii, ex, failed)
            )
        found.sort(key=lambda m: (-m.match_rate, order[m.name]))
        result[col] = found
    return result


_DATE_SHAPE = r"(\d{1,2})[/.\-](\d{1,2})[/.\-](?:\d{4}|\d{2})(?:[ T].*)?"


def date_order_evidence(con: Any, sample_or_table: str, column: str) -> dict[str, int]:
    """Count values of `column` that only a day-first or only a month-first reading allows.

    Over the values shaped `a?b?c` (separators `/`, `.`, `-`; optional time after the
    date): `dmy_only` counts a > 12 (a day) with b <= 12, `mdy_only` counts b > 12 with
    a <= 12, `ambiguous` counts a <= 12 and b <= 12 (both >= 1). Values where neither
    reading is valid are not counted. `sample_or_table` is an already-quoted name.
    """
    v = f"trim(CAST({quote_ident(column)} AS VARCHAR))"
    rx = quote_literal("^(?:" + _DATE_SHAPE + ")$")
    sql = (
        f"SELECT count_if(a > 12 AND a <= 31 AND b BETWEEN 1 AND 12), "
        f"count_if(b > 12 AND b <= 31 AND a BETWEEN 1 AND 12), "
        f"count_if(a BETWEEN 1 AND 12 AND b BETWEEN 1 AND 12) "
        f"FROM (SELECT TRY_CAST(p.a AS INTEGER) AS a, TRY_CAST(p.b AS INTEGER) AS b "
        f"FROM (SELECT regexp_extract({v}, {rx}, ['a', 'b']) AS p FROM {sample_or_table}))"
    )
    dmy, mdy, amb = con.execute(sql).fetchone()
    return {"dmy_only": int(dmy or 0), "mdy_only": int(mdy or 0), "ambiguous": int(amb or 0)}


def top_values_sql(table: str, columns: list[str], limit: int | None) -> str:
    """SQL: `(c, v, n)`, the trimmed non-null values `v` of each column `c` (its index in `columns`)
    with their counts, the `limit` most frequent per column (ties by value) when given.

    The columns side by side in one projection, unnested: a `UNION ALL` of one GROUP BY per
    column is planned in more than linear time and memory (2,000 columns of a sample ran out of a
    600 MB DuckDB memory limit)."""
    tokens = ", ".join(quote_literal(t) for t in sorted(NULL_TOKENS))
    values = ", ".join(f"trim(CAST({quote_ident(col)} AS VARCHAR))" for col in columns)
    union = f"SELECT unnest(range({len(columns)})) AS c, unnest([{values}]) AS v FROM {table}"
    ranked = f"SELECT c, v, count(*) AS n FROM ({union}) WHERE v IS NOT NULL AND v NOT IN ({tokens}) GROUP BY c, v"
    if limit is None:
        return ranked
    return f"SELECT c, v, n FROM ({ranked}) QUALIFY row_number() OVER (PARTITION BY c ORDER BY n DESC, v) <= {int(limit)}"
