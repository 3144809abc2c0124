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
  `s` digits after the mark and fits `p`; DOUBLE only when the value has at most 15
  significant digits (every such decimal survives the round trip through a double).
- Dates and times only in the formats decided for the column: a value is read by a
  format only when rendering the parsed value back with that format gives the same
  text (letter case, zero padding and trailing zeros of fractional seconds aside).
- Booleans only from the column's own pair of words (`si`/`no`, `ja`/`nein`, ...).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dataraum_context.sqlutil import quote_literal

Kind = Literal[
    "integer", "decimal", "double", "percent", "money", "boolean", "date", "timestamp", "time",
    "timestamptz", "uuid", "json", "unit",
]
NUMBER_KINDS = frozenset({"integer", "decimal", "double", "percent", "money"})
TEMPORAL_KINDS = frozenset({"date", "timestamp", "time"})
MAX_DOUBLE_DIGITS = 15  # decimals with at most this many significant digits round-trip through DOUBLE

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


def _amount_regex(fmt: ValueFormat, *, fraction: bool) -> str:
    """RE2 for the unsigned amount: digits without leading zeros, optional grouping, optional fraction."""
    plain = r"(?:0|[1-9]\d*)"
    whole = plain if fmt.grouping is None else rf"(?:[1-9]\d{{0,2}}(?:{_rx(fmt.grouping)}\d{{3}})+|{plain})"
    if not fraction:
        return whole
    mark = _rx(fmt.decimal_mark)
    return rf"(?:{whole}(?:{mark}\d+)?|{mark}\d+)"


def _currency_regex(fmt: ValueFormat) -> str:
    if fmt.currency:
        return "(?:" + "|".join(re.escape(t) for t in sorted(fmt.currency, key=len, reverse=True)) + ")"
    from dataraum_context.detectors._currency import currency_regex

    return currency_regex()


def number_regex(fmt: ValueFormat) -> str:
    """RE2 full-matching the trimmed text of a value of this number format. Groups: the whole
    match is checked; signs and parentheses are read by `canonical_number_sql`."""
    amount = _amount_regex(fmt, fraction=fmt.kind != "integer")
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


def canonical_number_sql(fmt: ValueFormat, v: str) -> str:
    """SQL: the value as a canonical decimal text (`-1234.5`, `0`, `0.5`), or NULL when `v`
    (trimmed text) is not a number in this format. A double's exponent is kept (`1.5e3`)."""
    rx = quote_literal(number_regex(fmt))
    kept = "0-9"
    if fmt.kind != "integer":
        kept += re.escape(fmt.decimal_mark)
    if fmt.kind == "double":
        kept += "eE"
    body = f"regexp_replace({v}, {quote_literal('[^' + kept + ']')}, '', 'g')"
    if fmt.kind == "double":  # the exponent's sign
        body = f"regexp_replace({v}, {quote_literal('[^' + kept + '-]')}, '', 'g')"
        body = f"regexp_replace({body}, '^-', '')"
    if fmt.decimal_mark != "." and fmt.kind != "integer":
        body = f"replace({body}, {quote_literal(fmt.decimal_mark)}, '.')"
    unsigned = f"_dr_fix_empty(_dr_strip_number({body}))"
    negative = f"(regexp_matches({v}, '^[^0-9.,]*-') OR starts_with({v}, '('))"
    return (
        f"(CASE WHEN regexp_full_match({v}, {rx}) THEN "
        f"(CASE WHEN {negative} AND {unsigned} <> '0' THEN '-' ELSE '' END) || {unsigned} END)"
    )


def install_macros(con) -> None:  # noqa: ANN001 - a DuckDB connection
    """Create the SQL macros the parse expressions use (idempotent, per connection)."""
    con.execute(
        # leading zeros of the whole part and trailing zeros of the fraction removed; '.5' -> '0.5'
        "CREATE OR REPLACE TEMP MACRO _dr_strip_number(t) AS (CASE WHEN contains(t, '.') THEN "
        "regexp_replace(regexp_replace(regexp_replace(t, '^0+', ''), '0+$', ''), '\\.$', '') ELSE "
        "regexp_replace(t, '^0+', '') END)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO _dr_fix_empty(t) AS (CASE WHEN t = '' OR starts_with(t, '.') THEN '0' || t ELSE t END)"
    )
    con.execute(
        # letter case, zero padding of 1-2 digit fields and trailing zeros of fractional seconds aside
        "CREATE OR REPLACE TEMP MACRO _dr_canon_dt(t) AS regexp_replace(regexp_replace(regexp_replace("
        "lower(t), '(:\\d{1,2}[.,]\\d*?)0+(\\D|$)', '\\1\\2', 'g'), '[.,](\\D|$)', '\\1', 'g'), "
        "'(^|\\D)0(\\d)', '\\1\\2', 'g')"
    )


def _number_text(fmt: ValueFormat, v: str) -> str:
    return canonical_number_sql(fmt, v)


def _sig_digits_sql(text: str) -> str:
    mantissa = f"regexp_replace(split_part(lower({text}), 'e', 1), '[^0-9]', '', 'g')"
    return f"length(regexp_replace(regexp_replace({mantissa}, '^0+', ''), '0+$', ''))"


def decimal_shape(target_type: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", target_type.strip().upper())
    return (int(m.group(1)), int(m.group(2))) if m else None


INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


def _number_parse(fmt: ValueFormat, target: str, v: str) -> str:
    text = _number_text(fmt, v)
    t = target.upper()
    if fmt.kind == "percent":  # '12.5%' -> 0.125: shift the point two places, exactly
        shape = decimal_shape(t)
        if shape is None:
            return "NULL"
        p, s = shape
        frac = f"length(split_part({text}, '.', 2))"
        return (
            f"(CASE WHEN {frac} + 2 <= {s} THEN "
            f"TRY_CAST(TRY_CAST({text} AS DECIMAL(38,{max(s - 2, 0)})) * 0.01 AS DECIMAL({p},{s})) END)"
        )
    if t in INTEGER_TYPES:
        return f"(CASE WHEN NOT contains({text}, '.') AND NOT contains(lower({text}), 'e') THEN TRY_CAST({text} AS {t}) END)"
    shape = decimal_shape(t)
    if shape is not None:
        p, s = shape
        frac = f"length(split_part({text}, '.', 2))"
        return f"(CASE WHEN NOT contains(lower({text}), 'e') AND {frac} <= {s} THEN TRY_CAST({text} AS DECIMAL({p},{s})) END)"
    if t in ("DOUBLE", "FLOAT", "REAL"):
        value = f"TRY_CAST({text} AS {t})"
        return (
            f"(CASE WHEN {_sig_digits_sql(text)} <= {MAX_DOUBLE_DIGITS} AND isfinite({value}) "
            f"AND ({value} <> 0 OR {_sig_digits_sql(text)} = 0) THEN {value} END)"
        )
    if t == "VARCHAR":
        return f"(CASE WHEN {canonical_number_sql(fmt, v)} IS NOT NULL THEN {v} END)"
    return "NULL"


# --------------------------------------------------------------------------- dates and times


def _temporal_parse(fmt: ValueFormat, target: str, v: str) -> str:
    t = target.upper()
    whens = []
    for f in fmt.formats:
        lit = quote_literal(f)
        parsed = f"TRY_STRPTIME({v}, {lit})"
        whens.append(f"WHEN _dr_canon_dt(strftime({parsed}, {lit})) = _dr_canon_dt({v}) THEN {parsed}")
    if not whens:
        return "NULL"
    value = f"(CASE {' '.join(whens)} END)"
    if t == "DATE":
        return f"CAST({value} AS DATE)"
    if t == "TIME":
        return f"CAST({value} AS TIME)"
    if t in ("TIMESTAMP", "DATETIME"):
        return f"CAST({value} AS TIMESTAMP)"
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
    if fmt.kind == "timestamptz" and t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return f"(CASE WHEN regexp_full_match({v}, {quote_literal(ISO_TZ_REGEX)}) THEN TRY_CAST({v} AS TIMESTAMPTZ) END)"
    if fmt.kind == "uuid" and t == "UUID":
        return f"(CASE WHEN regexp_full_match({v}, {quote_literal(UUID_REGEX)}) THEN TRY_CAST({v} AS UUID) END)"
    if fmt.kind == "json" and t == "JSON":
        return f"(CASE WHEN json_valid({v}) AND (starts_with({v}, '{{') OR starts_with({v}, '[')) THEN CAST({v} AS JSON) END)"
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
