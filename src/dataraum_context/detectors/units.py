"""Units of measure with Pint: which unit a column of `12.5 kg`-like values is in.

The work is split so that no row goes through Python:

1. `unit_token_counts` splits every value into number and unit token in DuckDB
   (`regexp_extract`) and returns only the distinct tokens with their row counts.
2. `detect_unit` parses each distinct token once (cached) with one module-level Pint
   registry and decides the column's unit from the counts and the column name.
3. `unit_parse_sql` returns the DuckDB expression that converts a value to the chosen
   canonical unit, for the typed layer.

Rules (see tests/detectors/test_units.py for the table of cases):

- Counts: `pcs`, `pc`, `piece(s)`, `unit(s)`, `ea`, `each`, `item(s)` are the
  dimension `[count]` (unit `count`), never parsec.
- Currency: the dimension `[currency]` is defined in the registry with ISO codes (USD,
  EUR, ...); symbols (`$`, `€`, `£`, `¥`, ...) are aliases resolved before Pint. Different
  currencies are never converted into each other: each currency is its own group, so a
  column mixing USD and EUR gets a unit only if one currency alone has `min_share`.
- Temperatures (`°C`, `degC`, `°F`, `K`) are offset units: aliases of one unit are
  accepted together, different temperature units are never converted (same rule as
  currencies).
- `%` and other dimensionless tokens are not units (percent is a pattern); bit/byte
  units are accepted as `[information]`.
- Ambiguous tokens (`in`, `a`, `m`, `pt`, `h`, `s`, `t`, `min`, `F`, `C`) are accepted
  only with support from the rest of the column: another token, or a hint in the
  column name (`weight`, `length`, `duration`, `price`, ...), whose dimension is one of
  the token's readings. `m` is metre, but a column whose other tokens (or name) point
  to time makes it ambiguous (minute?) and it is rejected. Any other single-letter
  token (`g`, `l`, `K`, ...) needs the same support; alone in a column whose name
  gives no hint it is rejected.
- A column's unit is accepted only when >= `min_share` of its non-null values (plain
  numbers and non-numeric values count too) carry a token of one dimension. The
  canonical unit is the unit of the most frequent token of that dimension; every
  accepted token gets a conversion factor to it (`{'kg': 1.0, 'g': 0.001}`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dataraum_context.detectors._currency import CURRENCY_CODES, currency_code
from dataraum_context.detectors.patterns import NULL_TOKENS
from dataraum_context.sqlutil import quote_ident, quote_literal

__all__ = [
    "NOT_NUMERIC",
    "NO_UNIT",
    "UnitResult",
    "detect_unit",
    "unit_number_sql",
    "unit_parse_sql",
    "unit_registry",
    "unit_token_counts",
    "unit_token_sql",
]

#: token_counts key for values that are a plain number without a unit token.
NO_UNIT = ""
#: token_counts key for values that are not `<number> <token>` / `<token> <number>` at all.
NOT_NUMERIC = "<not numeric>"


@dataclass(frozen=True)
class UnitResult:
    """The unit decided for one column."""

    unit: str | None  # canonical unit (Pint short symbol: 'kg', 'km', 'USD', 'count'); None when not accepted
    dimension: str | None  # '[mass]', '[length]', '[currency]', '[count]', ...
    confidence: float  # share of non-null values whose token has the accepted dimension
    token_counts: dict[str, int] = field(default_factory=dict)  # distinct token -> rows
    conversions: dict[str, float] = field(default_factory=dict)  # token -> factor to the canonical unit
    rejected_tokens: list[str] = field(default_factory=list)  # unparsed, ambiguous or other-dimension tokens


# --------------------------------------------------------------------------- SQL: split number and token

_NUM = r"[-+]?(?:(?:\d{1,3}(?:[,. ']\d{3})+|\d+)(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d+)?"
#: groups: 1 sign before a prefix token, 2 prefix token, 3 number, 4 suffix token
_SPLIT = r"([-+])?\s*(\D*?)\s*(" + _NUM + r")\s*(\D.*)?"


def _trimmed(v: str) -> str:
    return f"trim(CAST({v} AS VARCHAR))"


def _parts(v: str) -> str:
    """One regex evaluation splitting `v` into a struct (sign, pre, num, suf); num = '' if no match.

    Used several times in one expression; DuckDB evaluates the common subexpression once.
    """
    rx = quote_literal("^(?:" + _SPLIT + ")$")
    return f"regexp_extract({_trimmed(v)}, {rx}, ['sign', 'pre', 'num', 'suf'])"


def unit_token_sql(v: str) -> str:
    """DuckDB expression: the unit token of the SQL expression `v` (prefix and/or suffix).

    `''` (NO_UNIT) for a plain number, `NOT_NUMERIC` when the value has no number,
    NULL for NULL.
    """
    return _token_from_parts(_parts(v))


def _token_from_parts(s: str) -> str:
    # no ELSE and no `IS NULL` branch: NULL input gives NULL, and DuckDB still evaluates
    # the repeated regexp_extract once (an extra branch on `v` defeats that, 3x slower)
    return (
        f"(CASE WHEN ({s}).num = '' THEN {quote_literal(NOT_NUMERIC)} "
        f"WHEN ({s}).num <> '' THEN trim(concat_ws(' ', nullif(trim(({s}).pre), ''), nullif(trim(({s}).suf), ''))) END)"
    )


def unit_number_sql(v: str) -> str:
    """DuckDB expression: the number in `v` as a normalised numeric string (NULL if none).

    Separators: with both `,` and `.` the last one is the decimal mark; a lone `,`
    is a thousands separator only in `1,234` / `1,234,567` form, else the decimal mark;
    dots are decimal marks unless there are several (`1.234.567`). Spaces and `'`
    inside the number are thousands separators.
    """
    s = _parts(v)
    n = f"replace(replace(({s}).num, ' ', ''), '''', '')"
    last_comma = f"strpos(reverse({n}), ',')"
    last_dot = f"strpos(reverse({n}), '.')"
    normalised = (
        f"(CASE WHEN strpos({n}, ',') > 0 AND strpos({n}, '.') > 0 THEN "
        f"  (CASE WHEN {last_comma} < {last_dot} THEN replace(replace({n}, '.', ''), ',', '.') "
        f"   ELSE replace({n}, ',', '') END) "
        f"WHEN strpos({n}, ',') > 0 THEN "
        f"  (CASE WHEN regexp_full_match({n}, '[-+]?\\d{{1,3}}(?:,\\d{{3}})+') THEN replace({n}, ',', '') "
        f"   ELSE replace({n}, ',', '.') END) "
        f"WHEN regexp_full_match({n}, '[-+]?\\d{{1,3}}(?:\\.\\d{{3}}){{2,}}') THEN replace({n}, '.', '') "
        f"ELSE {n} END)"
    )
    sign = f"(CASE WHEN ({s}).sign = '-' THEN '-' ELSE '' END)"
    return f"(CASE WHEN ({s}).num <> '' THEN {sign} || {normalised} END)"


def unit_token_counts(
    con: Any, table: str, column: str, null_tokens: frozenset[str] = NULL_TOKENS
) -> dict[str, int]:
    """Distinct unit tokens of `column` in `table` (an already-quoted name) -> row counts.

    Over the whole column, in DuckDB; NULLs and null tokens are skipped. Plain numbers
    count under `NO_UNIT` (''), values without a number under `NOT_NUMERIC`.
    """
    col = quote_ident(column)
    nulls = ", ".join(quote_literal(t) for t in sorted(null_tokens)) or "NULL"
    sql = (
        f"SELECT {_token_from_parts('p')} AS token, count(*) FROM "
        f"(SELECT {_parts(col)} AS p FROM {table} WHERE {col} IS NOT NULL AND {_trimmed(col)} NOT IN ({nulls})) "
        f"GROUP BY token"
    )
    return {str(tok): int(n) for tok, n in con.execute(sql).fetchall()}


# --------------------------------------------------------------------------- Pint registry

_REGISTRY: Any = None
_REGISTRY_LOCK = threading.Lock()
# Pint's registry is not documented as thread-safe; per-table work may run in threads.
_PINT_LOCK = threading.RLock()


def unit_registry() -> Any:
    """The module's Pint UnitRegistry (created once, on first use: creation is slow).

    It adds the `[currency]` dimension with one unit per ISO code. Pint would convert
    between them 1:1; `detect_unit` never does (each currency is its own group).
    """
    global _REGISTRY
    if _REGISTRY is None:
        with _REGISTRY_LOCK:
            if _REGISTRY is None:
                import pint

                try:  # parsed definitions cached on disk by Pint (its user cache folder): 0.35 s -> 0.05 s
                    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=False, cache_folder=":auto:")
                except Exception:  # noqa: BLE001 - no usable cache folder (read-only home...): parse them
                    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=False)
                ureg.define("currency_unit = [currency]")
                for code in CURRENCY_CODES:
                    ureg.define(f"{code} = currency_unit")
                _REGISTRY = ureg
    return _REGISTRY


@dataclass(frozen=True)
class _Reading:
    """One interpretation of a token."""

    unit: str  # canonical short symbol
    dimension: str
    key: str  # group key: tokens with equal keys may be converted into each other
    factor: float | None = None  # to the group's base (count); None -> ask Pint
    pint_unit: Any = None


@dataclass(frozen=True)
class _Ambiguous:
    readings: tuple[_Reading, ...]
    conflicts: frozenset[str]  # evidence for one of these dimensions makes the token ambiguous


_COUNT_TOKENS: dict[str, float] = {
    "pcs": 1, "pc": 1, "pce": 1, "piece": 1, "pieces": 1, "unit": 1, "units": 1, "ea": 1, "each": 1,
    "item": 1, "items": 1, "stk": 1, "stck": 1, "stück": 1, "count": 1, "cnt": 1, "dozen": 12, "doz": 12,
}  # fmt: skip

# token -> (pint unit names of its readings, dimensions that make it ambiguous)
_AMBIGUOUS_TOKENS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "in": (("inch",), ()),
    "a": (("year", "are", "ampere"), ()),
    "m": (("meter",), ("[time]",)),
    "pt": (("pint", "point"), ()),
    "h": (("hour",), ()),
    "s": (("second",), ()),
    "t": (("metric_ton",), ()),
    "min": (("minute",), ()),
    "F": (("degree_Fahrenheit", "farad"), ()),
    "C": (("degree_Celsius", "coulomb"), ()),
}

_ALIASES: dict[str, str] = {
    "fl oz": "fluid_ounce",
    "fl. oz": "fluid_ounce",
    "fl.oz": "fluid_ounce",
    "floz": "fluid_ounce",
    "ltr": "liter",
    "℃": "degC",
    "℉": "degF",
    "° C": "degC",
    "° F": "degF",
    "kmh": "km/h",
    "kph": "km/h",
    "sqm": "m**2",
    "sqft": "ft**2",
}

_NON_CONVERTIBLE = {"[currency]", "[temperature]"}
_UNIT_LIKE = re.compile(r"^[A-Za-zµμ°Ωℓ][A-Za-zµμ°Ωℓ/²³·^*. _]*[23]?$")
_POWER_SUFFIX = re.compile(r"^([A-Za-zµμ]+)([23])$")

# column-name word -> an (unambiguous) example unit of the dimension it hints at
_NAME_HINTS: dict[str, str] = {
    "weight": "kilogram", "mass": "kilogram", "wt": "kilogram",
    "length": "meter", "distance": "meter", "dist": "meter", "height": "meter", "width": "meter",
    "depth": "meter", "altitude": "meter", "elevation": "meter", "radius": "meter", "diameter": "meter",
    "thickness": "meter", "len": "meter",
    "duration": "second", "elapsed": "second", "runtime": "second", "latency": "second", "delay": "second",
    "time": "second",
    "price": "USD", "amount": "USD", "cost": "USD", "revenue": "USD", "salary": "USD", "fee": "USD",
    "payment": "USD", "balance": "USD", "income": "USD", "budget": "USD", "spend": "USD",
    "temperature": "degC", "temp": "degC",
    "volume": "liter", "capacity": "liter",
    "area": "meter**2", "surface": "meter**2",
    "speed": "km/h", "velocity": "km/h",
    "qty": "pcs", "quantity": "pcs", "pieces": "pcs",
    "size": "byte", "bytes": "byte", "filesize": "byte", "memory": "byte",
    "current": "ampere", "voltage": "volt", "power": "watt", "energy": "joule",
}  # fmt: skip


def _information(u: Any) -> bool:
    names = list(getattr(u, "_units", {}).keys())
    return bool(names) and all(n.endswith("bit") or n.endswith("byte") for n in names)


def _pint_reading(name: str) -> _Reading | None:
    ureg = unit_registry()
    with _PINT_LOCK:  # the registry fills caches as it parses: one thread at a time
        try:
            u = ureg.parse_units(name)
        except Exception:  # noqa: BLE001 - pint raises many kinds of errors for garbage tokens
            return None
        if u.dimensionless:
            if not _information(u):
                return None
            dim = "[information]"
        else:
            dim = str(u.dimensionality)
        symbol = f"{u:~}"
    key = f"{dim}|{u}" if dim in _NON_CONVERTIBLE else dim
    return _Reading(symbol, dim, key, None, u)


@lru_cache(maxsize=4096)
def _classify(token: str) -> _Reading | _Ambiguous | None:
    """What a unit token means; cached, so each distinct token is parsed once."""
    t = token.strip()
    if not t:
        return None
    code = currency_code(t)
    if code is not None:
        return _Reading(code, "[currency]", f"[currency]|{code}", 1.0)
    t = t.rstrip(".") or t
    low = t.lower()
    if low in _COUNT_TOKENS:
        return _Reading("count", "[count]", "[count]", float(_COUNT_TOKENS[low]))
    # single letters are case-sensitive (A = ampere, a = year/are/ampere); longer tokens are not (IN, Min)
    amb = _AMBIGUOUS_TOKENS.get(t) or (_AMBIGUOUS_TOKENS.get(low) if len(t) > 1 else None)
    if amb is not None:
        readings = tuple(r for r in (_pint_reading(n) for n in amb[0]) if r is not None)
        return _Ambiguous(readings, frozenset(amb[1]))
    name = _ALIASES.get(t) or _ALIASES.get(low)
    if name is None:
        if not _UNIT_LIKE.match(t):
            return None
        m = _POWER_SUFFIX.match(t)
        name = f"{m.group(1)}**{m.group(2)}" if m else t
    return _pint_reading(name)


def _hint_dimensions(column_name: str) -> set[str]:
    words = [w.lower() for w in re.split(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])", column_name) if w]
    dims: set[str] = set()
    for hint, example in _NAME_HINTS.items():
        if any(w == hint or (len(hint) >= 5 and hint in w) for w in words):
            r = _classify(example)
            if isinstance(r, _Reading):
                dims.add(r.dimension)
    return dims


def _factor(token_reading: _Reading, canonical: _Reading) -> float:
    if token_reading.factor is not None and canonical.factor is not None:
        return token_reading.factor / canonical.factor
    if token_reading.key == canonical.key and token_reading.dimension in _NON_CONVERTIBLE:
        return 1.0
    ureg = unit_registry()
    with _PINT_LOCK:
        return float(ureg.Quantity(1.0, token_reading.pint_unit).to(canonical.pint_unit).magnitude)


def detect_unit(token_counts: dict[str, int], *, min_share: float = 0.8, column_name: str = "") -> UnitResult:
    """Decide a column's unit from its distinct unit tokens and their row counts.

    `token_counts` is what `unit_token_counts` returns (the `NO_UNIT` and `NOT_NUMERIC`
    keys count as values without a unit). See the module docstring for the rules.
    """
    counts = {str(t): int(n) for t, n in token_counts.items() if int(n) > 0}
    total = sum(counts.values())
    tokens = {t: n for t, n in counts.items() if t not in (NO_UNIT, NOT_NUMERIC)}
    hints = _hint_dimensions(column_name)

    definite: dict[str, _Reading] = {}
    ambiguous: dict[str, _Ambiguous] = {}
    rejected: set[str] = set()
    for t in tokens:
        r = _classify(t)
        if isinstance(r, _Reading):
            definite[t] = r
        elif isinstance(r, _Ambiguous) and r.readings:
            ambiguous[t] = r
        else:
            rejected.add(t)

    def evidence(exclude: str) -> set[str]:
        dims = set(hints)
        dims.update(r.dimension for t, r in definite.items() if t != exclude)
        for t, a in ambiguous.items():
            if t != exclude:
                dims.update(r.dimension for r in a.readings)
        return dims

    accepted: dict[str, _Reading] = {}
    for t, a in ambiguous.items():
        ev = evidence(t)
        supported = [r for r in a.readings if r.dimension in ev]
        if a.conflicts & ev or len({r.dimension for r in supported}) != 1:
            rejected.add(t)
        else:
            accepted[t] = supported[0]
    for t, r in definite.items():
        single_letter = len(t.strip()) == 1 and t.strip().isalpha()
        if single_letter and r.dimension not in evidence(t):
            rejected.add(t)
        else:
            accepted[t] = r

    groups: dict[str, list[str]] = {}
    for t, r in accepted.items():
        groups.setdefault(r.key, []).append(t)
    if not groups or total <= 0:
        return UnitResult(None, None, 0.0, counts, {}, sorted(tokens))
    best_key = min(groups, key=lambda k: (-sum(tokens[t] for t in groups[k]), k))
    members = sorted(groups[best_key], key=lambda t: (-tokens[t], t))
    share = sum(tokens[t] for t in members) / total
    if share < min_share:
        return UnitResult(None, None, share, counts, {}, sorted(tokens))
    canonical = accepted[members[0]]
    conversions = {t: _factor(accepted[t], canonical) for t in members}
    others = sorted(set(tokens) - set(members))
    return UnitResult(canonical.unit, canonical.dimension, share, counts, conversions, others)


def unit_parse_sql(v: str, result: UnitResult) -> str:
    """DuckDB expression converting the SQL expression `v` (e.g. `'500 g'`) to `result.unit`.

    DOUBLE, or DECIMAL(38,10) for a currency (money stays exact; factor is always 1).
    NULL when the value's token has no conversion (unknown, rejected, or no unit).
    """
    money = result.dimension == "[currency]"
    out_type = "DECIMAL(38,10)" if money else "DOUBLE"
    if result.unit is None or not result.conversions:
        return f"CAST(NULL AS {out_type})"
    number = f"TRY_CAST({unit_number_sql(v)} AS {out_type})"
    token = unit_token_sql(v)
    if money:  # every factor is 1: never multiply money through a float
        tokens = ", ".join(quote_literal(t) for t in sorted(result.conversions))
        return f"(CASE WHEN {token} IN ({tokens}) THEN {number} END)"
    whens = " ".join(
        f"WHEN {quote_literal(t)} THEN CAST({float(f)!r} AS DOUBLE)" for t, f in sorted(result.conversions.items())
    )
    # the number is computed once, outside the CASE over tokens (an unknown token -> NULL factor)
    return f"({number} * (CASE {token} {whens} END))"
