"""Value formats and the one lossless parse predicate per type.

A `ValueFormat` says how a column writes its values: the number style (grouping
separator, decimal mark, currency tokens, a percent sign), the date/time formats,
the words for true and false, the unit tokens. It is plain data (it round-trips
through JSON); the SQL that reads a value is generated from it by `parse_sql`.

The predicate: a trimmed text value counts as a value of a type only when the
conversion keeps its meaning exactly, and `parse_sql` returns NULL otherwise. The
same expression is used to measure candidates on the sample, to verify the decision
on the whole column and to build the typed layer, so they cannot disagree.

- Integers only from integer literals: an optional sign, digits without leading
  zeros, grouping separators only in the column's style and in groups of three.
  Never hex (`0x10`), underscores (`1_000`), exponents (`1e3`) or fractions (`2.5`).
- Decimals keep every digit: DECIMAL(p,s) accepts a value only when it has at most
  `s` digits after the mark and fits `p`; DOUBLE only when the double read gives back
  the same digits (its shortest form: `0.1`, `9.338315158455877e-7`; not `1.23456789012345678`).
- Dates and times only in the formats decided for the column: a value is read by a
  format only when rendering the parsed value back with that format gives the same
  text (letter case, zero padding and trailing zeros of fractional seconds aside).
- Booleans only from the column's own pair of words (`si`/`no`, `ja`/`nein`, ...).
"""

from __future__ import annotations

import re
import weakref
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dataraum_context.sqlutil import quote_literal

Kind = Literal[
    "integer", "decimal", "double", "percent", "money", "boolean", "date", "timestamp", "time",
    "timestamptz", "uuid", "json", "unit",
]
NUMBER_KINDS = frozenset({"integer", "decimal", "double", "percent", "money"})
TEMPORAL_KINDS = frozenset({"date", "timestamp", "time"})

#: Words for true and false, per language; a column's words must come from one pair.
BOOLEAN_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("true", "yes", "y", "t"), ("false", "no", "n", "f")),
    "es/it": (("si", "sí", "verdadero", "vero", "s"), ("no", "falso", "n")),
    "de": (("ja", "j", "wahr"), ("nein", "n", "falsch")),
    "fr": (("oui", "vrai", "o"), ("non", "faux", "n")),
    "nl": (("ja", "j", "waar"), ("nee", "n", "onwaar")),
    "pt": (("sim", "s", "verdadeiro"), ("não", "nao", "n", "falso")),
    "nordic": (("ja", "j", "sann", "sand"), ("nej", "nei", "n", "falsk", "usann")),
    "pl": (("tak", "t", "prawda"), ("nie", "n", "fałsz")),
}


class ValueFormat(BaseModel):
    """How one column writes its values (plain data; the SQL is generated from it)."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    grouping: str | None = None  # thousands separator, in groups of three
    decimal_mark: str = "."
    currency: tuple[str, ...] = ()  # money: the accepted currency tokens (empty: any symbol or code)
    formats: tuple[str, ...] = ()  # date/time: strptime formats, tried in order
    true_words: tuple[str, ...] = ()  # boolean: lower-case words
    false_words: tuple[str, ...] = ()
    unit: str | None = None  # unit: canonical unit; conversions: token -> factor
    unit_dimension: str | None = None
    conversions: dict[str, float] = Field(default_factory=dict)

    @property
    def identity(self) -> bool:
        """Numbers written as SQL writes them (no grouping, dot decimals): reading changes no text."""
        return self.grouping is None and self.decimal_mark == "."

    def describe(self) -> str:
        """A short human description: `decimal, grouping ',', mark '.'`, `date %d/%m/%Y`."""
        if self.kind in NUMBER_KINDS:
            parts = [self.kind]
            if self.grouping:
                parts.append(f"grouping {self.grouping!r}")
            if self.decimal_mark != "." and self.kind != "integer":
                parts.append(f"decimal mark {self.decimal_mark!r}")
            if self.currency:
                parts.append("currency " + "/".join(self.currency))
            return ", ".join(parts)
        if self.formats:
            return f"{self.kind} " + " | ".join(self.formats)
        if self.kind == "boolean":
            return f"boolean {'/'.join(self.true_words)} = true, {'/'.join(self.false_words)} = false"
        if self.kind == "unit":
            return f"number with unit -> {self.unit}"
        return self.kind


# --------------------------------------------------------------------------- numbers


def _rx(char: str) -> str:
    return re.escape(char) if char not in (" ", "\u00a0", "\u202f") else r"[ \x{00A0}\x{202F}]"


def _amount_regex(fmt: ValueFormat, *, fraction: bool, max_frac: int | None = None) -> str:
    """RE2 for the unsigned amount: digits without leading zeros, optional grouping, an
    optional fraction (at most `max_frac` digits when given: more would be rounded)."""
    plain = r"(?:0|[1-9]\d*)"
    whole = plain if fmt.grouping is None else rf"(?:[1-9]\d{{0,2}}(?:{_rx(fmt.grouping)}\d{{3}})+|{plain})"
    if not fraction or max_frac == 0:
        return whole
    mark = _rx(fmt.decimal_mark)
    digits = r"\d+" if max_frac is None else rf"\d{{1,{max_frac}}}"
    return rf"(?:{whole}(?:{mark}{digits})?|{mark}{digits})"


def _currency_regex(fmt: ValueFormat) -> str:
    if fmt.currency:
        return "(?:" + "|".join(re.escape(t) for t in sorted(fmt.currency, key=len, reverse=True)) + ")"
    from dataraum_context.detectors._currency import currency_regex

    return currency_regex()


def number_regex(fmt: ValueFormat, max_frac: int | None = None) -> str:
    """RE2 full-matching the trimmed text of a value of this number format (with at most
    `max_frac` digits after the decimal mark when given)."""
    amount = _amount_regex(fmt, fraction=fmt.kind != "integer", max_frac=max_frac)
    sp = r"[ \x{00A0}\x{202F}]?"
    if fmt.kind in ("integer", "decimal"):
        return rf"[-+]?{amount}"
    if fmt.kind == "double":
        return rf"[-+]?{amount}(?:[eE][-+]?\d{{1,3}})?"
    if fmt.kind == "percent":
        return rf"[-+]?{amount}{sp}%"
    cur = _currency_regex(fmt)
    signed = rf"[-+]?(?:{cur}{sp})?[-+]?{amount}(?:{sp}{cur})?"
    return rf"(?:{signed}|\((?:{cur}{sp})?{amount}(?:{sp}{cur})?\))"


PLAIN_SHORTCUT = True
"""Numbers written as DuckDB reads them (`plain`) skip the rewriting of their text: tests turn
this off to compare the shortcut with the general expressions."""


def plain(fmt: ValueFormat) -> bool:
    """Integer, decimal and scientific numbers without grouping and with a dot: a text their
    regex matches (`[-+]?` digits, an optional `.` fraction, for doubles an exponent) is a
    literal DuckDB casts as it stands, so the sign and digits need not be rebuilt (about 4x
    cheaper per cell than `translate` + concatenation on TPC-H's lineitem)."""
    return PLAIN_SHORTCUT and fmt.identity and fmt.kind in ("integer", "decimal", "double")


def digits_sql(fmt: ValueFormat, v: str) -> str:
    """SQL: the unsigned number of a matching value as plain text (`1234.50`; a double keeps
    its exponent): grouping, currency, percent sign, spaces and the sign removed. Plain string
    functions where the characters are known (a regex only for money's currency tokens)."""
    if plain(fmt):  # a matching text has no spaces, grouping or percent sign: only its sign goes
        return f"ltrim({v}, '+-')"
    if fmt.kind == "money":
        kept = "0-9" + re.escape(fmt.decimal_mark)
        body = f"regexp_replace({v}, {quote_literal('[^' + kept + ']')}, '', 'g')"
    else:
        drop = "+- %\u00a0\u202f" + (fmt.grouping or "")
        body = f"translate({v}, {quote_literal(drop)}, '')"
        if fmt.kind == "double":  # keep the exponent's sign: only a leading sign is dropped
            body = f"translate(ltrim({v}, '+-'), {quote_literal(drop.replace('+-', ''))}, '')"
    if fmt.decimal_mark != "." and fmt.kind != "integer":
        body = f"replace({body}, {quote_literal(fmt.decimal_mark)}, '.')"
    return body


def negative_sql(fmt: ValueFormat, v: str) -> str:
    """SQL: the matching value is negative (a minus before the digits, or in parentheses)."""
    if fmt.kind == "money":
        return f"(regexp_matches({v}, '^[^0-9.,]*-') OR starts_with({v}, '('))"
    return f"starts_with({v}, '-')"


def signed_sql(fmt: ValueFormat, v: str) -> str:
    """SQL: the signed number of a matching value as text DuckDB casts."""
    if plain(fmt):
        return v
    return f"(CASE WHEN {negative_sql(fmt, v)} THEN '-' ELSE '' END || {digits_sql(fmt, v)})"


def significant_digits_sql(fmt: ValueFormat, v: str) -> str:
    """SQL: the significant digits of a matching value as text (leading and trailing zeros aside)."""
    return f"trim(replace(split_part(lower({digits_sql(fmt, v)}), 'e', 1), '.', ''), '0')"


def round_trips_sql(fmt: ValueFormat, v: str, x: str) -> str:
    """SQL: the double `x` read from `v` gives back exactly `v`'s digits (its shortest form has the
    same significant digits): `0.1`, `9.338315158455877e-7` do; `1.23456789012345678` does not."""
    return f"({significant_digits_sql(fmt, v)} = {shortest_digits_sql(x)})"


SURE_DIGITS = 15
"""A decimal text of at most this many characters and no exponent has at most 15 digits, so it
is finite, does not underflow, and its double gives the same digits back: the round-trip test
(formatting the double as text, the costly part) can be skipped for it."""


def short_plain_sql(text: str) -> str:
    """SQL: `text` is short enough that a double reads it exactly (see `SURE_DIGITS`)."""
    return f"(length({text}) <= {SURE_DIGITS} AND NOT {has_e_sql(text)})"


def has_e_sql(text: str) -> str:
    """SQL: `text` has an 'e' or 'E' - what `contains(lower(text), 'e')` says (no other character
    lowers to 'e': checked over every code point in tests/type_resolution/test_number_shortcuts.py)
    without lowering every text first (the 1M-row file's type measuring 0.88 s -> 0.75 s)."""
    return f"(contains({text}, 'e') OR contains({text}, 'E'))"


def shortest_digits_sql(x: str) -> str:
    """SQL: the significant digits of the double `x`'s shortest text form."""
    return f"trim(replace(split_part(lower(ltrim(CAST({x} AS VARCHAR), '-')), 'e', 1), '.', ''), '0')"


_MACROS_ON: weakref.WeakSet[Any] = weakref.WeakSet()
"""Connections (cursors) that have the macros: a TEMP macro lives as long as its connection."""


def install_macros(con) -> None:  # noqa: ANN001 - a DuckDB connection
    """Create the SQL macros the parse expressions use (idempotent, once per connection: a
    catalog write per call cost a small table's type resolution ~7 ms)."""
    if con in _MACROS_ON:
        return
    con.execute(
        # letter case, zero padding of 1-2 digit fields and trailing zeros of fractional seconds aside
        "CREATE OR REPLACE TEMP MACRO _dr_canon_dt(t) AS regexp_replace(regexp_replace(regexp_replace("
        "lower(t), '(:\\d{1,2}[.,]\\d*?)0+(\\D|$)', '\\1\\2', 'g'), '[.,](\\D|$)', '\\1', 'g'), "
        "'(^|\\D)0(\\d)', '\\1\\2', 'g')"
    )
    _MACROS_ON.add(con)


def decimal_shape(target_type: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", target_type.strip().upper())
    return (int(m.group(1)), int(m.group(2))) if m else None


INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


CANONICAL_FIRST = True
"""Integers and decimals of a `plain` format try their canonical text first (tests turn this off
to compare with the regex alone)."""


def _canonical_first(fmt: ValueFormat, v: str, value: str) -> str:
    """A CASE branch taking `value` (an integer or DECIMAL cast of `v`) when it gives back exactly
    the text `v` (DuckDB writes an integer as `-?(0|[1-9][0-9]*)`, a DECIMAL(p,s) with s fraction
    digits, `0.05`, `-12.50`); empty unless `plain(fmt)`. Such a text always matches the format's
    regex (its ASCII digits, no leading zero, at most s fraction digits, optional sign, no
    exponent; the caller leaves out DECIMALs with a fraction for an integer format, whose regex
    has none), so the regex branch after it decides exactly as before and the value is the same
    cast: only the regex is spared for most cells (TPC-H's l_orderkey 0.29 s -> 0.20 s per
    6 M cells; tests/type_resolution/test_canonical_first.py compares every text shape)."""
    if not (CANONICAL_FIRST and plain(fmt)):
        return ""
    return f"WHEN CAST({value} AS VARCHAR) = {v} THEN {value} "


def _number_parse(fmt: ValueFormat, target: str, v: str) -> str:
    """Exact by construction: the regex admits only the digits the type holds (no fraction for
    integers, at most `s` fraction digits for DECIMAL(p,s)); the cast can then only overflow
    (NULL). A DOUBLE takes values of at most 15 significant digits, finite, not underflowing."""
    t = target.upper()
    shape = decimal_shape(t)
    if t in INTEGER_TYPES:
        rx = number_regex(fmt, max_frac=0)
        value = f"TRY_CAST({signed_sql(fmt, v)} AS {t})"
        return f"(CASE {_canonical_first(fmt, v, value)}WHEN regexp_full_match({v}, {quote_literal(rx)}) THEN {value} END)"
    if shape is not None:
        p, s = shape
        if fmt.kind == "percent":  # '12.5%' -> 0.125: the point moves two places, exactly
            if s < 2:
                return "NULL"
            rx = number_regex(fmt, max_frac=s - 2)
            value = f"TRY_CAST(TRY_CAST({signed_sql(fmt, v)} AS DECIMAL(38,{s - 2})) * 0.01 AS DECIMAL({p},{s}))"
        else:
            rx = number_regex(fmt, max_frac=s)
            value = f"TRY_CAST({signed_sql(fmt, v)} AS DECIMAL({p},{s}))"
            # an integer format's regex has no fraction: DuckDB's `0.00` is not one of its texts
            first = _canonical_first(fmt, v, value) if fmt.kind != "integer" or s == 0 else ""
            return f"(CASE {first}WHEN regexp_full_match({v}, {quote_literal(rx)}) THEN {value} END)"
        return f"(CASE WHEN regexp_full_match({v}, {quote_literal(rx)}) THEN {value} END)"
    if t in ("DOUBLE", "FLOAT", "REAL") and fmt.kind != "percent":
        rx = number_regex(fmt)
        x = f"TRY_CAST({signed_sql(fmt, v)} AS {t})"
        # CASE, not AND: DuckDB evaluates a branch only for the rows that reach it
        return (
            f"(CASE WHEN regexp_full_match({v}, {quote_literal(rx)}) THEN (CASE WHEN {short_plain_sql(v)} THEN {x} "
            f"WHEN isfinite({x}) AND {round_trips_sql(fmt, v, x)} THEN {x} END) END)"
        )
    if t == "VARCHAR":
        return f"(CASE WHEN regexp_full_match({v}, {quote_literal(number_regex(fmt))}) THEN {v} END)"
    return "NULL"

# --------------------------------------------------------------------------- dates and times


OFFSET_SUFFIX = r" (?:[+-](?:[01]\d|2[0-3]):?[0-5]\d|[+-](?:[01]\d|2[0-3])|Z|UTC)$"


_NUMERIC_FIELDS = re.compile(r"%-?[YymdHIMSfj]|%%")
"""strftime fields written with digits only (and `%%`, a percent sign)."""


def uncased_output(f: str) -> bool:
    """Whether every text `strftime(x, f)` writes is free of letters with case: the format's fields
    are numeric and its literal characters are uncased. Such a format's round trip is compared
    as it is, without `lower()` of both sides (a third of the parse of a big table's ISO dates:
    lineitem's 0.55 s -> 0.39 s each). Either way the result is the same: the comparison is only
    the fast case of the canonical one after it (`_dr_canon_dt` folds case too), so what it lets
    through the canonical one would as well (tests/type_resolution/test_date_comparison.py).
    Formats with month or day names keep `lower()`, so that 'JAN' is not left to the slower
    canonical comparison."""
    rest = _NUMERIC_FIELDS.sub("", f)
    return "%" not in rest and all(ch.lower() == ch == ch.upper() for ch in rest)


def _temporal_parse(fmt: ValueFormat, target: str, v: str) -> str:
    t = target.upper()
    whens = []
    for f in fmt.formats:
        lit = quote_literal(f)
        parsed = f"TRY_STRPTIME({v}, {lit})"
        result = parsed
        if "%y" in f:  # two-digit years: the latest reading not after today (only for this format's
            # matches: a four-digit year read by a sibling format is taken as written)
            result = f"(CASE WHEN {parsed} > current_date + INTERVAL 1 DAY THEN {parsed} - INTERVAL 100 YEAR ELSE {parsed} END)"
        if f.endswith(" %z"):  # the local part must round-trip; the offset must be a real offset
            local_lit = quote_literal(f[:-3])
            local = f"regexp_replace({v}, {quote_literal(OFFSET_SUFFIX)}, '')"
            local_parsed = f"TRY_STRPTIME({local}, {local_lit})"
            whens.append(
                f"WHEN regexp_matches({v}, {quote_literal(OFFSET_SUFFIX)}) AND "
                f"_dr_canon_dt(strftime({local_parsed}, {local_lit})) = _dr_canon_dt({local}) THEN {result}"
            )
            continue
        # the same text back (case aside) is the common case; padding and fractions need the canonical form
        if uncased_output(f):  # nothing to fold: compared as written
            whens.append(f"WHEN strftime({parsed}, {lit}) = {v} THEN {result}")
        else:
            whens.append(f"WHEN lower(strftime({parsed}, {lit})) = lower({v}) THEN {result}")
        whens.append(f"WHEN _dr_canon_dt(strftime({parsed}, {lit})) = _dr_canon_dt({v}) THEN {result}")
    if not whens:
        return "NULL"
    value = f"(CASE {' '.join(whens)} END)"
    if t == "DATE":
        return f"CAST({value} AS DATE)"
    if t == "TIME":
        return f"CAST({value} AS TIME)"
    if t in ("TIMESTAMP", "DATETIME"):
        return f"CAST({value} AS TIMESTAMP)"
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return f"CAST({value} AS TIMESTAMPTZ)"
    if t == "VARCHAR":
        return f"(CASE WHEN {value} IS NOT NULL THEN {v} END)"
    return "NULL"


ISO_TZ_REGEX = (
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
    r"(?:Z|z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)"
)
UUID_REGEX = r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?"


# --------------------------------------------------------------------------- the predicate


def parse_sql(fmt: ValueFormat | None, target_type: str, v: str) -> str:
    """SQL: the value of the trimmed text `v` as `target_type` under `fmt`, or NULL when the
    conversion would not keep its meaning exactly. `install_macros` must have run on the
    connection. VARCHAR returns the text itself."""
    t = target_type.strip().upper()
    if t == "VARCHAR" or fmt is None:
        return v if t == "VARCHAR" else "NULL"
    if fmt.kind in NUMBER_KINDS:
        return _number_parse(fmt, t, v)
    if fmt.kind in TEMPORAL_KINDS:
        return _temporal_parse(fmt, t, v)
    if fmt.kind == "boolean" and t == "BOOLEAN":
        trues = ", ".join(quote_literal(w) for w in fmt.true_words) or "NULL"
        falses = ", ".join(quote_literal(w) for w in fmt.false_words) or "NULL"
        return f"(CASE WHEN lower({v}) IN ({trues}) THEN true WHEN lower({v}) IN ({falses}) THEN false END)"
    if fmt.kind == "timestamptz" and fmt.formats:
        return _temporal_parse(fmt, t, v)
    if fmt.kind == "timestamptz" and t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return f"(CASE WHEN regexp_full_match({v}, {quote_literal(ISO_TZ_REGEX)}) THEN TRY_CAST({v} AS TIMESTAMPTZ) END)"
    if fmt.kind == "uuid" and t == "UUID":
        return f"(CASE WHEN regexp_full_match({v}, {quote_literal(UUID_REGEX)}) THEN TRY_CAST({v} AS UUID) END)"
    if fmt.kind == "json" and t == "JSON":
        # strict JSON only: the parser's leniency (`[1,]`) must not pass; minified, the text is the same
        spaceless = "regexp_replace({0}, '\\s', '', 'g')"
        return (
            f"(CASE WHEN (starts_with({v}, '{{') OR starts_with({v}, '[')) AND json_valid({v}) AND "
            f"{spaceless.format(f'CAST(json({v}) AS VARCHAR)')} = {spaceless.format(v)} THEN CAST({v} AS JSON) END)"
        )
    if fmt.kind == "unit" and t in ("DOUBLE", "DECIMAL(38,10)") or (fmt.kind == "unit" and decimal_shape(t)):
        from dataraum_context.detectors.units import UnitResult, unit_parse_sql

        result = UnitResult(
            unit=fmt.unit, dimension=fmt.unit_dimension, confidence=1.0, conversions=dict(fmt.conversions)
        )
        return f"TRY_CAST({unit_parse_sql(v, result)} AS {t})"
    return "NULL"


def default_format(target_type: str) -> ValueFormat | None:
    """The format a type is read in when nothing else is known (a person set the type)."""
    t = target_type.strip().upper()
    if t in INTEGER_TYPES:
        return ValueFormat(kind="integer")
    if decimal_shape(t) is not None:
        return ValueFormat(kind="decimal")
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return ValueFormat(kind="double")
    if t == "DATE":
        return ValueFormat(kind="date", formats=("%Y-%m-%d",))
    if t in ("TIMESTAMP", "DATETIME"):
        return ValueFormat(kind="timestamp", formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d"))
    if t == "TIME":
        return ValueFormat(kind="time", formats=("%H:%M:%S", "%H:%M", "%H:%M:%S.%f"))
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return ValueFormat(kind="timestamptz")
    if t == "BOOLEAN":
        trues, falses = BOOLEAN_WORDS["en"]
        return ValueFormat(kind="boolean", true_words=trues + ("1",), false_words=falses + ("0",))
    if t == "UUID":
        return ValueFormat(kind="uuid")
    if t == "JSON":
        return ValueFormat(kind="json")
    return None


def compatible(fmt: ValueFormat | None, target_type: str) -> bool:
    """Whether `fmt` can read values as `target_type` (a number style for any number type, ...)."""
    if fmt is None:
        return False
    t = target_type.strip().upper()
    if fmt.kind in ("integer", "decimal", "double", "money"):
        return t in INTEGER_TYPES or decimal_shape(t) is not None or t in ("DOUBLE", "FLOAT", "REAL")
    if fmt.kind == "percent":
        return decimal_shape(t) is not None
    if fmt.kind in TEMPORAL_KINDS:
        return t in ("DATE", "TIMESTAMP", "DATETIME", "TIME")
    return default_format(t) is not None and default_format(t).kind == fmt.kind  # type: ignore[union-attr]


def format_for_type(current: ValueFormat | None, target_type: str) -> ValueFormat | None:
    """The format to read `target_type` with when a person changes the type: the column's own
    normalisation (grouping, decimal mark, currency, date formats) when it fits, else the default."""
    if compatible(current, target_type):
        if current is not None and current.kind in ("integer", "decimal", "double"):
            t = target_type.strip().upper()
            kind = "integer" if t in INTEGER_TYPES else "double" if t in ("DOUBLE", "FLOAT", "REAL") else "decimal"
            return current.model_copy(update={"kind": kind})
        return current
    return default_format(target_type)
