"""The typed layer changes no value: the examples seen on real files, each as a test, and the
invariants (rows, values, quarantine) on every table these tests type."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from dataraum_context.invariants import check_connection
from early_stages import resolve_types, staged_from_values


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def typed_column(con: duckdb.DuckDBPyConnection, values: list[str | None], name: str = "x"):
    """(decision, typed values in row order, quarantined raw values) of one column; invariants checked."""
    staged = staged_from_values(con, "t", {name: values})
    decisions, _ = resolve_types(con, [staged])
    assert [str(v) for v in check_connection(con)] == []
    typed = [r[0] for r in con.execute(f'SELECT "{name}" FROM typed."t" ORDER BY _row_id').fetchall()]
    quarantined = [r[0] for r in con.execute("SELECT raw_value FROM quarantine.cast_failures ORDER BY _row_id").fetchall()]
    return decisions[0], typed, quarantined


def test_fractions_among_whole_numbers_are_not_rounded(con) -> None:
    values = [str(i) for i in range(1, 99)] + ["0.01", "2.5"]
    decision, typed, quarantined = typed_column(con, values)
    assert decision.decided_type != "BIGINT"
    assert typed[-2:] == [Decimal("0.01"), Decimal("2.5")] or typed[-2:] == [0.01, 2.5]
    assert quarantined == []


@pytest.mark.parametrize("odd", ["0x10", "1_000", "1e3", "2.5"])
def test_integers_only_from_integer_literals(con, odd: str) -> None:
    values = [str(i) for i in range(1, 200)] + [odd]
    decision, typed, quarantined = typed_column(con, values)
    if decision.decided_type == "BIGINT":
        assert typed[-1] is None and quarantined == [odd]
    else:  # read by a wider type: then exactly
        assert Decimal(str(typed[-1])) == Decimal(odd.replace("0x10", "x").replace("1_000", "x")) if odd in ("1e3", "2.5") else True


def test_three_decimals_are_not_thousands(con) -> None:
    values = ["1.718", "0.842", "461.293", "12.500", "3.141"] * 20
    decision, typed, _ = typed_column(con, values)
    assert decision.decided_type == "DECIMAL(9,3)"
    assert typed[:3] == [Decimal("1.718"), Decimal("0.842"), Decimal("461.293")]


def test_two_readings_are_asked_and_default_changes_no_digits(con) -> None:
    values = ["1.718", "2.842", "461.293", "12.500", "3.141"] * 20  # all also valid dot-thousands integers
    decision, typed, _ = typed_column(con, values)
    assert decision.decided_type == "DECIMAL(9,3)" and typed[0] == Decimal("1.718")
    assert decision.needs_review and "also readable" in decision.reason


@pytest.mark.parametrize(
    "odd",
    [["D10", "796A", "A12", "B7", "X99", "12B", "C3", "Q1", "Z9", "E5", "F6", "G7", "H8", "J9", "K1", "L2", "M3"],
     [f"8050{i}-91{i:02d}" for i in range(12)],
     ["Unknown"] * 15 + ["5 months"] * 6],
)
def test_meaningful_text_is_not_quarantined(con, odd: list[str]) -> None:
    values = [str(10 + i) for i in range(100)] + odd
    decision, typed, quarantined = typed_column(con, values)
    assert decision.decided_type == "VARCHAR" and quarantined == []
    assert typed[-1] == odd[-1]
    assert decision.needs_review and decision.proposed_type == "BIGINT"


def test_a_little_garbage_is_quarantined(con) -> None:
    values = [str(i) for i in range(1, 200)] + ["n.a."]
    decision, typed, quarantined = typed_column(con, values)
    assert decision.decided_type == "BIGINT" and quarantined == ["n.a."] and typed[-1] is None


@pytest.mark.parametrize(
    ("values", "decided", "first"),
    [
        (["10/14/2014 12:00:00 AM", "10/15/2014 01:30:00 PM", "11/1/2014 11:59:59 PM"], "TIMESTAMP", datetime(2014, 10, 14)),
        (["November 18, 2019 09:00 AM", "December 1, 2019 12:30 PM", "May 5, 2020 07:15 PM"], "TIMESTAMP", datetime(2019, 11, 18, 9)),
        (["1/31/11 12:00 AM", "2/14/11 3:45 PM", "12/25/11 11:00 AM"], "TIMESTAMP", datetime(2011, 1, 31)),
        (["5-Mar-24", "17-Apr-24", "30-Dec-23"], "DATE", date(2024, 3, 5)),
        (["2024/01/05", "2024/12/31", "2023/02/28"], "DATE", date(2024, 1, 5)),
        (["2024/01/05 10:11:12.5", "2024/12/31 23:59:59.123456", "2023/02/28 00:00:00.000"], "TIMESTAMP",
         datetime(2024, 1, 5, 10, 11, 12, 500000)),
        (["5 March 2024", "17 April 2024", "30 December 2023"], "DATE", date(2024, 3, 5)),
        (["Mar 5, 2024", "Apr 17, 2024", "Dec 30, 2023"], "DATE", date(2024, 3, 5)),
        (["31/12/24", "13/01/23", "01/02/24"], "DATE", date(2024, 12, 31)),
        (["2:30 PM", "11:05 AM", "12:00 PM"], "TIME", datetime(1900, 1, 1, 14, 30).time()),
    ],
)
def test_date_and_time_formats(con, values: list[str], decided: str, first) -> None:
    decision, typed, quarantined = typed_column(con, values * 10)
    assert (decision.decided_type, quarantined) == (decided, [])
    assert typed[0] == first


@pytest.mark.parametrize(
    ("words", "truth"),
    [(["SI", "NO"], [True, False]), (["Sí", "No"], [True, False]), (["JA", "NEIN"], [True, False]),
     (["OUI", "NON"], [True, False]), (["ja", "nee"], [True, False]), (["Y", "N"], [True, False]),
     (["sim", "não"], [True, False]), (["tak", "nie"], [True, False])],
)
def test_yes_no_words_in_european_languages(con, words: list[str], truth: list[bool]) -> None:
    decision, typed, quarantined = typed_column(con, words * 30)
    assert (decision.decided_type, quarantined) == ("BOOLEAN", [])
    assert typed[:2] == truth


def test_a_single_word_is_not_a_boolean(con) -> None:
    decision, _, _ = typed_column(con, ["N"] * 50)
    assert decision.decided_type == "VARCHAR"


def test_money_keeps_every_cent(con) -> None:
    values = ["$1,685.50", "$12.00", "($3.25)", "$1,000,000.01"] * 10
    decision, typed, _ = typed_column(con, values)
    assert decision.decided_type.startswith("DECIMAL")
    assert typed[:4] == [Decimal("1685.50"), Decimal("12.00"), Decimal("-3.25"), Decimal("1000000.01")]


def test_doubles_only_when_exact(con) -> None:
    values = ["1.5", "2.25", "3.125", "0.1", "12345678.9"] * 10 + ["1.23456789012345678"]
    decision, typed, quarantined = typed_column(con, values)
    assert quarantined == []
    assert Decimal(str(typed[-1])) == Decimal("1.23456789012345678")  # a DECIMAL keeps all 18 digits


def test_internationalised_email_matches_the_pattern(con) -> None:
    from dataraum_context.detectors.patterns import detect_patterns

    staged = staged_from_values(con, "m", {"mail": ["tomás.jansen@example.com", "åsa@exämple.se", "bob@example.com"]})
    found = detect_patterns(con, staged.raw_table, ["mail"])
    email = next(m for m in found["mail"] if m.name == "email")
    assert email.match_rate == 1.0


def test_offsets_with_am_pm(con) -> None:
    from datetime import UTC

    values = ["2024-01-05 10:00 AM +01:00", "2024-02-06 03:30 PM -05:00", "2024-03-07 12:15 AM +00:00"] * 10
    decision, typed, quarantined = typed_column(con, values)
    assert (decision.decided_type, quarantined) == ("TIMESTAMP WITH TIME ZONE", [])
    assert typed[0] == datetime(2024, 1, 5, 9, 0, tzinfo=UTC) and typed[1] == datetime(2024, 2, 6, 20, 30, tzinfo=UTC)


def test_two_digit_years_are_not_in_the_future(con) -> None:
    decision, typed, _ = typed_column(con, ["25/11/63", "29/10/63", "13/01/64", "01/02/24"] * 10)
    assert decision.decided_type == "DATE"
    assert typed[:4] == [date(1963, 11, 25), date(1963, 10, 29), date(1964, 1, 13), date(2024, 2, 1)]


def test_month_name_first_with_dashes(con) -> None:
    decision, typed, _ = typed_column(con, ["Jan-1-1995", "Feb-1-1995", "Dec-31-1996"] * 10)
    assert decision.decided_type == "DATE" and typed[0] == date(1995, 1, 1)


def test_shortest_float_text_is_a_double(con) -> None:
    """Python/JavaScript write floats in their shortest form (up to 17 digits): each is exactly a double."""
    import random

    rng = random.Random(7)
    values = [repr(rng.random() / 1000) for _ in range(300)]
    decision, typed, quarantined = typed_column(con, values)
    assert (decision.decided_type, quarantined) == ("DOUBLE", [])
    assert [repr(t) for t in typed] == values


def test_lenient_json_is_not_json(con) -> None:
    decision, typed, _ = typed_column(con, ["[1,]", "[2,]", "[3,]"] * 10)
    assert decision.decided_type == "VARCHAR" and typed[0] == "[1,]"
