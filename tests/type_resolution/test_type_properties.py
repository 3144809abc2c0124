"""Property-based tests: columns of every family, degenerate ones included, go through profiling
and type resolution without a crash and with the invariants holding (rows, values, quarantine)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataraum_context.invariants import check_connection
from dataraum_context.type_resolution.candidates import DATE_FORMATS
from early_stages import resolve_types, staged_from_values

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NULLISH = st.sampled_from([None, "", "NA", "null", "-", "N/A", "  "])


def _grouped(n: int, sep: str) -> str:
    text = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + text


integers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
small_ints = st.integers(min_value=-10**6, max_value=10**6)
grouped_ints = st.tuples(small_ints, st.sampled_from([",", ".", " ", "'"])).map(lambda t: _grouped(*t))
decimals = st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False, places=3).map(str)
floats = st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr)
special = st.sampled_from(["NaN", "Infinity", "-Infinity", "inf", "1e400", "0x1F", "1_000", "+7", " 12 ", "007"])
money = st.tuples(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
                  st.sampled_from(["${:,}", "{:,} €", "USD {}", "({}) $"])).map(lambda t: t[1].format(abs(t[0]) if "(" in t[1] else t[0]))
percents = st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False, allow_infinity=False).map(lambda d: f"{d}%")
far_dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
datetimes = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31))
times = st.times()
fmt = st.sampled_from(DATE_FORMATS)
formatted = st.tuples(datetimes, fmt).map(lambda t: t[0].strftime(t[1]))
offsets = st.tuples(datetimes, st.integers(-14, 14)).map(lambda t: t[0].replace(microsecond=0).isoformat() + f"{t[1]:+03d}:00")
booleans = st.sampled_from(["yes", "no", "Y", "N", "true", "FALSE", "si", "NO", "ja", "nein", "oui", "non", "1", "0"])
texts = st.text(min_size=0, max_size=30)
long_texts = st.text(alphabet="abc ,.;\"'\n1", min_size=1, max_size=10).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000])
uuids = st.uuids().map(str)

FAMILIES = [integers, grouped_ints, decimals, floats, special, money, percents, far_dates.map(str),
            formatted, times.map(str), offsets, booleans, texts, uuids]


def column_of(family: st.SearchStrategy[str]) -> st.SearchStrategy[list[str | None]]:
    """A column mostly of one family, with nulls, some values of other families, or degenerate."""
    plain = st.lists(st.one_of(family, NULLISH), min_size=0, max_size=60)
    constant = st.tuples(family, st.integers(1, 40)).map(lambda t: [t[0]] * t[1])
    two = st.tuples(family, family, st.integers(1, 30)).map(lambda t: [t[0], t[1]] * t[2])
    mixed = st.tuples(st.lists(family, min_size=20, max_size=60), st.lists(st.one_of(*FAMILIES), max_size=3)).map(
        lambda t: t[0] + t[1]
    )
    return st.one_of(plain, constant, two, mixed, st.just([]), st.lists(NULLISH, min_size=1, max_size=10))


def _table(columns: list[list[str | None]]) -> dict[str, list[str | None]]:
    length = max((len(c) for c in columns), default=0)
    return {f"c{i}": c + [None] * (length - len(c)) for i, c in enumerate(columns)}


def _check(columns: list[list[str | None]]) -> None:
    con = duckdb.connect()
    try:
        staged = staged_from_values(con, "p", _table(columns))
        resolve_types(con, [staged])
        assert [str(v) for v in check_connection(con)] == []
        raw = con.execute('SELECT count(*) FROM raw."p"').fetchone()[0]
        assert con.execute('SELECT count(*) FROM typed."p"').fetchone()[0] == raw
    finally:
        con.close()


@SETTINGS
@given(st.lists(st.one_of(*(column_of(f) for f in FAMILIES)), min_size=1, max_size=4))
def test_any_columns_keep_their_values(columns: list[list[str | None]]) -> None:
    _check(columns)


@SETTINGS
@given(st.sampled_from(FAMILIES).flatmap(column_of))
def test_one_column_of_each_family(column: list[str | None]) -> None:
    _check([column])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(long_texts, min_size=1, max_size=3))
def test_ten_thousand_character_strings(column: list[str]) -> None:
    _check([column])


def test_one_row_and_zero_rows() -> None:
    _check([["42"]])
    _check([["2024-01-05"], ["x"]])
    _check([[], []])


def test_dates_before_1900_and_after_2100_and_times_without_dates() -> None:
    start = date(1066, 10, 14)
    _check([[str(start + timedelta(days=400 * i)) for i in range(60)]])
    _check([[f"{(i * 7) % 24:02d}:{i % 60:02d}:{(i * 13) % 60:02d}" for i in range(60)]])
    _check([[(datetime(2150, 1, 1) + timedelta(hours=i)).strftime("%d.%m.%Y %H:%M") for i in range(60)]])
    _check([[time(i % 24, i % 60).strftime("%I:%M %p") for i in range(60)]])


def test_four_digit_future_years_beside_two_digit_years_are_kept() -> None:
    # found by the property above: the two-digit-year pivot (a year after today goes back a
    # century) was applied to every format's reading, so '13/01/2090' read by '%d/%m/%Y' became 1990
    _check([["01/01/00", "13/01/2090"]])
