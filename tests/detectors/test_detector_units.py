"""Table-driven tests of unit detection (Pint) and the SQL number/token split."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from dataraum_context.detectors import (
    NO_UNIT,
    NOT_NUMERIC,
    detect_unit,
    unit_parse_sql,
    unit_registry,
    unit_token_counts,
)
from dataraum_context.sqlutil import quote_ident


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _column(con, name: str, values: list[str | None], column: str = "v") -> str:
    t = quote_ident(name)
    con.execute(f"CREATE OR REPLACE TABLE {t} ({quote_ident(column)} VARCHAR)")
    con.executemany(f"INSERT INTO {t} VALUES (?)", [[v] for v in values])
    return t


# (token_counts, column_name, expected unit, expected dimension)
DECISIONS = [
    # mixed units of one dimension: canonical = most frequent token
    ({"kg": 8, "g": 2}, "", "kg", "[mass]"),
    ({"g": 8, "kg": 2}, "", "g", "[mass]"),
    ({"kg": 7, "t": 3}, "", "kg", "[mass]"),
    ({"lb": 6, "oz": 4}, "", "lb", "[mass]"),
    # counts are never parsec
    ({"pcs": 3}, "", "count", "[count]"),
    ({"pc": 5, "pieces": 2, "ea": 1, "units": 1, "piece": 1}, "", "count", "[count]"),
    ({"pcs": 5}, "distance", "count", "[count]"),
    # 'in' needs support: other length tokens or a name hint
    ({"in": 5, "ft": 2, "cm": 1}, "", "in", "[length]"),
    ({"in": 10}, "", None, None),
    ({"in": 10}, "HeightIn", "in", "[length]"),
    # single-letter tokens alone are rejected unless the name hints
    ({"a": 10}, "a", None, None),
    ({"a": 10}, "", None, None),
    ({"g": 10}, "x", None, None),
    ({"g": 10}, "net_weight", "g", "[mass]"),
    ({"l": 5, "ml": 5}, "", "l", "[length] ** 3"),
    # 'm': metre with length support, ambiguous (minute?) with time support
    ({"km": 8, "m": 2}, "", "km", "[length]"),
    ({"m": 10}, "distance", "m", "[length]"),
    ({"m": 10}, "", None, None),
    ({"m": 10}, "duration", None, None),
    ({"m": 5, "min": 3, "h": 2}, "", None, None),
    ({"min": 6, "h": 4}, "", "min", "[time]"),
    ({"h": 10}, "runtime", "h", "[time]"),
    ({"s": 9, "ms": 1}, "", "s", "[time]"),
    # pt: pint (volume) or point (length) decided by the column
    ({"pt": 10}, "volume", "pt", "[length] ** 3"),
    ({"pt": 6, "l": 4}, "", "pt", "[length] ** 3"),
    ({"pt": 10}, "", None, None),
    # currencies: ISO codes and symbols, never converted into each other
    ({"USD": 6, "$": 4}, "", "USD", "[currency]"),
    ({"€": 5, "EUR": 3}, "", "EUR", "[currency]"),
    ({"£": 10}, "", "GBP", "[currency]"),
    ({"USD": 5, "EUR": 5}, "price", None, None),
    ({"USD": 9, "EUR": 1}, "", "USD", "[currency]"),
    # temperatures: offset units, one unit only
    ({"°C": 10}, "", "°C", "[temperature]"),
    ({"°C": 5, "degC": 5}, "", "°C", "[temperature]"),
    ({"°C": 6, "°F": 4}, "", None, None),
    ({"F": 10}, "temperature", "°F", "[temperature]"),
    ({"F": 10}, "", None, None),
    # not units / not enough share
    ({"%": 10}, "", None, None),
    ({"kg": 7, "xyzzy": 3}, "", None, None),
    ({"kg": 8, NO_UNIT: 2}, "", "kg", "[mass]"),
    ({"kg": 7, NO_UNIT: 2, NOT_NUMERIC: 1}, "", None, None),
    ({NO_UNIT: 10}, "", None, None),
    ({}, "", None, None),
    # others
    ({"MB": 4, "GB": 6}, "", "GB", "[information]"),
    ({"km/h": 10}, "", "km / h", "[length] / [time]"),
    ({"m2": 10}, "", "m ** 2", "[length] ** 2"),
    ({"fl oz": 5, "ml": 2}, "", "floz", "[length] ** 3"),
]


@pytest.mark.parametrize(("counts", "column_name", "unit", "dimension"), DECISIONS)
def test_detect_unit_decisions(counts, column_name, unit, dimension):
    r = detect_unit(counts, column_name=column_name)
    assert (r.unit, r.dimension) == (unit, dimension)
    assert r.token_counts == counts
    if unit is None:
        assert r.conversions == {}
        assert r.rejected_tokens == sorted(t for t in counts if t not in (NO_UNIT, NOT_NUMERIC))
    else:
        assert 0.8 <= r.confidence <= 1.0
        assert set(r.conversions) | set(r.rejected_tokens) == {t for t in counts if t not in (NO_UNIT, NOT_NUMERIC)}


@pytest.mark.parametrize(
    ("counts", "conversions"),
    [
        ({"kg": 8, "g": 2}, {"kg": 1.0, "g": 0.001}),
        ({"km": 8, "m": 2}, {"km": 1.0, "m": 0.001}),
        ({"in": 5, "ft": 2, "cm": 1}, {"in": 1.0, "ft": 12.0, "cm": 1 / 2.54}),
        ({"min": 6, "h": 4}, {"min": 1.0, "h": 60.0}),
        ({"pcs": 5, "dozen": 1}, {"pcs": 1.0, "dozen": 12.0}),
        ({"USD": 6, "$": 4}, {"USD": 1.0, "$": 1.0}),
        ({"°C": 5, "degC": 5}, {"°C": 1.0, "degC": 1.0}),
    ],
)
def test_conversion_factors(counts, conversions):
    r = detect_unit(counts)
    assert r.conversions.keys() == conversions.keys()
    for token, factor in conversions.items():
        assert r.conversions[token] == pytest.approx(factor)


@pytest.mark.parametrize(
    ("counts", "min_share", "unit", "confidence", "rejected"),
    [
        ({"kg": 7, "xyzzy": 2, "blorp": 1}, 0.8, None, 0.7, ["blorp", "kg", "xyzzy"]),
        ({"kg": 7, "xyzzy": 2, "blorp": 1}, 0.6, "kg", 0.7, ["blorp", "xyzzy"]),
        ({"USD": 9, "EUR": 1}, 0.8, "USD", 0.9, ["EUR"]),
        ({"°C": 9, "°F": 1}, 0.8, "°C", 0.9, ["°F"]),
        ({"kg": 9, "km": 1}, 0.8, "kg", 0.9, ["km"]),
    ],
)
def test_min_share_and_rejections(counts, min_share, unit, confidence, rejected):
    r = detect_unit(counts, min_share=min_share)
    assert r.unit == unit
    assert r.confidence == pytest.approx(confidence)
    assert r.rejected_tokens == rejected


def test_registry_is_a_singleton_with_currency():
    ureg = unit_registry()
    assert ureg is unit_registry()
    assert str(ureg.parse_units("EUR").dimensionality) == "[currency]"


def test_unit_token_counts_splits_in_sql(con):
    t = _column(
        con,
        "tokens",
        ["12.5 kg", "500 g", " 7 kg ", "1.234,5 kg", "USD 12", "€ 5", "-$3", "12", "abc", "NA", "", None, "3 pcs"],
        column='weird "col"',
    )
    assert unit_token_counts(con, t, 'weird "col"') == {
        "kg": 3,
        "g": 1,
        "USD": 1,
        "€": 1,
        "$": 1,
        "pcs": 1,
        NO_UNIT: 1,
        NOT_NUMERIC: 1,
    }


def test_mass_column_end_to_end(con):
    t = _column(con, "mass", ["12.5 kg", "500 g", "1,5 kg", "2 kg", "-1 kg", "250g", "3 xyzzy", None, "7"])
    r = detect_unit(unit_token_counts(con, t, "v"), min_share=0.7)
    assert (r.unit, r.dimension) == ("kg", "[mass]")
    assert r.conversions == {"kg": 1.0, "g": pytest.approx(0.001)}
    rows = con.execute(f"SELECT v, {unit_parse_sql('v', r)} FROM {t} ORDER BY rowid").fetchall()
    got = [x for _, x in rows]
    expected = [12.5, 0.5, 1.5, 2.0, -1.0, 0.25, None, None, None]
    assert [None if x is None else pytest.approx(x) for x in expected] == got


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("500 g", 0.5),
        ("12.5 kg", 12.5),
        ("1,500 g", 1.5),  # comma thousands
        ("1.234,5 kg", 1234.5),
        ("1,5 kg", 1.5),  # decimal comma
        ("1 234 g", 1.234),
        ("3 ounces", None),  # not a token of the result
        ("kg", None),
        (None, None),
    ],
)
def test_unit_parse_sql_values(con, value, expected):
    r = detect_unit({"kg": 8, "g": 2})
    got = con.execute(f"SELECT {unit_parse_sql('x', r)} FROM (SELECT CAST(? AS VARCHAR) AS x)", [value]).fetchone()[0]
    assert got == (None if expected is None else pytest.approx(expected))


def test_unit_parse_sql_currency_is_decimal(con):
    r = detect_unit({"USD": 3, "$": 2})
    expr = unit_parse_sql("x", r)
    rows = con.execute(
        f"SELECT {expr}, typeof({expr}) FROM (VALUES ('USD 1,234.50'), ('$12'), ('-$3'), ('€ 5')) t(x)"
    ).fetchall()
    assert [v for v, _ in rows] == [Decimal("1234.50"), Decimal("12"), Decimal("-3"), None]
    assert {typ for _, typ in rows} == {"DECIMAL(38,10)"}


def test_unit_parse_sql_not_accepted_is_null(con):
    r = detect_unit({"a": 10}, column_name="a")
    assert r.unit is None
    assert con.execute(f"SELECT {unit_parse_sql('x', r)} FROM (SELECT '5 a' AS x)").fetchone()[0] is None


_DECIDE = """
import sys
from dataraum_context.detectors import detect_unit
cases = [{"kg": 8, "g": 2}, {"°C": 5}, {"EUR": 4, "USD": 1}, {"mi": 3, "km": 3}, {"fl oz": 6}, {"pcs": 9}]
print([repr(detect_unit(c)) for c in cases])
"""


def test_units_the_same_with_a_cold_cache_a_warm_cache_and_no_usable_cache(tmp_path) -> None:
    """Pint's parsed definitions are cached on disk (user cache folder); where there is none to
    use (a home under /proc), the registry is parsed as before. Unit decisions never differ."""
    import os
    import subprocess
    import sys

    def decide(home: str) -> str:
        env = {**os.environ, "HOME": home}
        env.pop("XDG_CACHE_HOME", None)
        out = subprocess.run([sys.executable, "-c", _DECIDE], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    cold = decide(str(tmp_path))
    assert any((tmp_path / ".cache" / "pint").iterdir()), "no cache was written"
    assert decide(str(tmp_path)) == cold  # warm
    assert decide("/proc") == cold  # no usable cache folder
