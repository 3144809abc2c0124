"""Table-driven tests of the value patterns, on a real in-memory DuckDB."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timezone
from decimal import Decimal

import duckdb
import pytest

from dataraum_context.detectors import (
    NULL_TOKENS,
    PATTERNS,
    PATTERNS_BY_NAME,
    date_order_evidence,
    detect_patterns,
    match_sql,
    sample_table_sql,
)
from dataraum_context.sqlutil import quote_ident

# name -> (values that match, values that do not)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "uuid": (
        ["550e8400-e29b-41d4-a716-446655440000", "{123E4567-E89B-12D3-A456-426614174000}", "00000000-0000-0000-0000-000000000000"],
        ["550e8400e29b41d4a716446655440000", "550e8400-e29b-41d4-a716-44665544000", "g50e8400-e29b-41d4-a716-446655440000", "not-a-uuid"],
    ),
    "json": (
        ['{"a": 1}', "[1, 2, 3]", '{"nested": {"x": [true, null]}}', "[]"],
        ["{bad}", "[1, 2", "abc", '{"a": }'],
    ),
    "datetime_offset": (
        ["2024-03-05T14:22:00+01:00", "2024-03-05T14:22:00Z", "2024-03-05 14:22:00.123-0500", "2024-03-05T14:22+05:30"],
        ["2024-03-05T14:22:00", "2024-03-05", "14:22:00+01:00", "2024-03-05T25:22:00+01:00"],
    ),
    "iso_datetime": (
        ["2024-03-05T14:22:00", "2024-03-05 14:22", "2024-12-31 23:59:59.999"],
        ["2024-03-05", "2024-03-05T14:22:00Z", "05/03/2024 14:22", "2024-13-05 14:22"],
    ),
    "datetime_dmy": (
        ["31/12/2024 14:22", "31.12.2024 14:22:05", "01-02-2024 09:00"],
        ["12/31/2024 14:22", "31/12/2024", "2024-12-31 14:22"],
    ),
    "datetime_mdy": (
        ["12/31/2024 14:22", "01/02/2024 09:00:00", "12-31-2024 2:22"],
        ["31/12/2024 14:22", "12.31.2024 14:22", "12/31/2024"],
    ),
    "iso_date": (
        ["2024-03-05", "1999-12-31", "2024-02-29"],
        ["2024-3-5", "2024-13-01", "05/03/2024", "20240305"],
    ),
    "date_ambiguous": (
        ["01/02/2024", "12/12/24", "3-4-2024"],
        ["31/12/2024", "12/31/2024", "01.02.2024", "2024-01-02"],
    ),
    "date_dmy": (
        ["31/12/2024", "31.12.2024", "31-12-2024", "01/02/2024", "5.3.24"],
        ["12/31/2024", "32/01/2024", "2024-12-31", "31/13/2024"],
    ),
    "date_mdy": (
        ["12/31/2024", "01/02/2024", "2-29-2024"],
        ["31/12/2024", "12.31.2024", "13/01/2024", "2024-12-31"],
    ),
    "date_text": (
        ["5 Mar 2024", "March 5, 2024", "05-Mar-2024", "Dec 31 2024"],
        ["Mar 2024", "5 Foo 2024", "2024-03-05"],
    ),
    "time": (
        ["14:22", "14:22:05", "9:05", "23:59:59.5"],
        ["24:00", "14:60", "2:30 PM", "14h22"],
    ),
    "time_12h": (
        ["2:30 PM", "11:05:00am", "12:00 a.m."],
        ["14:30 PM", "2:30", "2:30 XM"],
    ),
    "email": (
        ["a@b.com", "first.last+tag@sub.example.co.uk", "x_y@dom-ain.org"],
        ["a@b", "@b.com", "a b@c.com", "mailto:a@b.com"],
    ),
    "url": (
        ["https://example.com", "http://x.org/a?b=1#c", "www.example.com", "ftp://files.example.com/x.zip"],
        ["example.com", "https://", "htp://x.com", "www.example"],
    ),
    "ipv4": (
        ["192.168.0.1", "10.0.0.255", "8.8.8.8"],
        ["256.1.1.1", "1.2.3", "1.2.3.4.5", "192.168.001.1"],
    ),
    "ipv6": (
        ["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8::1", "::1", "fe80::"],
        ["14:22", "2001:db8:::1", "gggg::1", "1:2:3:4:5:6:7"],
    ),
    "iban": (
        ["DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819", "FR1420041010050500013M02606"],
        ["DE89 3704 0044 0532 0130 01", "DE89", "1234 5678 9012 3456"],
    ),
    "card_number": (
        ["4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "5555555555554444"],
        ["4111111111111112", "1234", "4111 1111 1111 111a", "123456789012"],
    ),
    "phone_us": (
        ["(555) 123-4567", "555-123-4567", "+1 555 123 4567", "555.123.4567"],
        ["5551234567", "555-1234", "(555) 1234-567"],
    ),
    "phone_international": (
        ["+49 30 1234567", "+44 20 7946 0958", "+1-555-123-4567", "+33 (1) 23 45 67 89"],
        ["+12", "49 30 1234567", "+49 abc", "+1234567890123456789"],
    ),
    "zip_plus4": (
        ["12345-6789", "01067-1234", "99999-0000"],
        ["12345", "1234-5678", "12345-678"],
    ),
    "postal_code_uk": (
        ["SW1A 1AA", "EC1A1BB", "M1 1AE", "B33 8TH"],
        ["12345", "SW1A", "ABC 123"],
    ),
    "postal_code_5digit": (
        ["12345", "01067", "75008"],
        ["1234", "123456", "12 345"],
    ),
    "leading_zero_code": (
        ["000123", "01067", "007"],
        ["123", "0", "100", "A0123"],
    ),
    "currency_us": (
        ["$1,234.50", "USD 1,234.50", "1,234.50 USD", "$0.99", "-$12.00", "(1.00 $)", "US$ 5"],
        ["1.234,50 €", "1,234.50", "$", "$1,23.50"],
    ),
    "currency_eu": (
        ["1.234,50 €", "€1.234,50", "1 234,50 EUR", "EUR 12,50", "-5,00 €"],
        ["$1,234.50", "1.234,50", "€", "€1,234.50"],
    ),
    "percentage": (
        ["15%", "12.5 %", "-3,5%", "100%"],
        ["15", "%", "15 percent", "1 5%"],
    ),
    "boolean": (
        ["yes", "No", "TRUE", "f", "Y"],
        ["0", "1", "yess", "maybe", "on"],
    ),
    "scientific": (
        ["1e5", "1.5E-3", "-6.02e23", ".5e1"],
        ["1e", "e5", "1.5", "1e5.5"],
    ),
    "decimal_thousands_comma": (
        ["1,234.56", "12,345,678.9", "-1,000.00"],
        ["1234.56", "1.234,56", "1,23.45"],
    ),
    "decimal_thousands_dot": (
        ["1.234,56", "12.345.678,9", "-1.000,00"],
        ["1234,56", "1,234.56", "1.23,45"],
    ),
    "integer_thousands_comma": (
        ["1,234", "1,234,567", "-12,000"],
        ["1234", "1,23", "01,234", "1,234.5"],
    ),
    "integer_thousands_dot": (
        ["1.234", "1.234.567", "-12.000"],
        ["1234", "1.23", "1.234,5"],
    ),
    "decimal_comma": (
        ["12,50", "0,5", "-3,14"],
        ["12.50", "12,", "1,234.5"],
    ),
    "decimal": (
        ["12.50", "0.5", "-3.14", ".5"],
        ["12", "12,50", "1.2.3", "12."],
    ),
    "integer": (
        ["0", "42", "-7", "+15", "1234567890123"],
        ["000123", "12.5", "1,234", "abc", "4 2"],
    ),
    "hex_string": (
        ["0x1F", "deadbeef00", "d41d8cd98f00b204e9800998ecf8427e"],
        ["12345678", "0x", "xyz12345", "abc"],
    ),
    "number_with_unit": (
        ["12.5 kg", "500 g", "3 pcs", "5in", "20 °C", "10 km/h", "1,5 l"],
        ["12.5", "kg", "15%", "5 Mar 2024", "550e8400-e29b-41d4-a716-446655440000"],
    ),
}

MATCH_ROWS = [(name, value, True) for name, (pos, _) in CASES.items() for value in pos] + [
    (name, value, False) for name, (_, neg) in CASES.items() for value in neg
]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _matches(con, name: str, value: str) -> bool:
    sql = f"SELECT {match_sql(PATTERNS_BY_NAME[name], 'v')} FROM (SELECT CAST(? AS VARCHAR) AS v)"
    return bool(con.execute(sql, [value]).fetchone()[0])


def _parse(con, name: str, value: str):
    expr = PATTERNS_BY_NAME[name].parse("v")
    assert expr is not None
    return con.execute(f"SELECT {expr} FROM (SELECT CAST(? AS VARCHAR) AS v)", [value]).fetchone()[0]


def test_catalogue_shape():
    assert len(PATTERNS) >= 25
    assert set(PATTERNS_BY_NAME) == {p.name for p in PATTERNS}
    assert set(CASES) == set(PATTERNS_BY_NAME), "every pattern needs a row in CASES"
    for name, (pos, neg) in CASES.items():
        assert len(pos) >= 3 and len(neg) >= 3, name
    pii = {p.name for p in PATTERNS if p.pii}
    assert {"email", "card_number", "iban", "ipv4", "ipv6", "phone_us", "phone_international"} <= pii
    for p in PATTERNS:
        assert "(?=" not in p.regex and "(?!" not in p.regex and "(?<" not in p.regex, p.name


@pytest.mark.parametrize(("name", "value", "expected"), MATCH_ROWS)
def test_pattern_matches(con, name, value, expected):
    assert _matches(con, name, value) is expected


@pytest.mark.parametrize(
    ("name", "value"),
    [(n, v) for n, (pos, _) in CASES.items() if PATTERNS_BY_NAME[n].parse_sql for v in pos],
)
def test_every_positive_value_parses(con, name, value):
    expr = PATTERNS_BY_NAME[name].parse("v")
    # IS NOT NULL in SQL: fetching a TIMESTAMPTZ into Python would need pytz
    sql = f"SELECT ({expr}) IS NOT NULL FROM (SELECT CAST(? AS VARCHAR) AS v)"
    assert con.execute(sql, [value]).fetchone()[0] is True


@pytest.mark.parametrize(
    ("value", "matches", "not_matches"),
    [
        ("31/12/2024", {"date_dmy"}, {"date_mdy", "date_ambiguous"}),
        ("12/31/2024", {"date_mdy"}, {"date_dmy", "date_ambiguous"}),
        ("01/02/2024", {"date_dmy", "date_mdy", "date_ambiguous"}, set()),
        ("000123", {"leading_zero_code"}, {"integer", "postal_code_5digit"}),
        ("01067", {"postal_code_5digit", "leading_zero_code"}, {"integer"}),
        ("$1,234.50", {"currency_us"}, {"currency_eu"}),
        ("1.234,50 €", {"currency_eu"}, {"currency_us"}),
        ("1", {"integer"}, {"boolean"}),
        ("4111111111111111", {"card_number", "integer"}, set()),
    ],
)
def test_competing_patterns(con, value, matches, not_matches):
    for name in matches:
        assert _matches(con, name, value), name
    for name in not_matches:
        assert not _matches(con, name, value), name


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("currency_us", "$1,234.50", Decimal("1234.50")),
        ("currency_us", "USD 1,234.50", Decimal("1234.50")),
        ("currency_us", "1,234.50 USD", Decimal("1234.50")),
        ("currency_us", "(1.00 $)", Decimal("-1.00")),
        ("currency_us", "-$12.00", Decimal("-12.00")),
        ("currency_eu", "1.234,50 €", Decimal("1234.50")),
        ("currency_eu", "€1.234,50", Decimal("1234.50")),
        ("currency_eu", "1 234,50 EUR", Decimal("1234.50")),
        ("currency_eu", "-5,00 €", Decimal("-5.00")),
        ("boolean", "yes", True),
        ("boolean", "No", False),
        ("boolean", "TRUE", True),
        ("boolean", "f", False),
        ("boolean", "Y", True),
        ("boolean", "n", False),
        ("uuid", "550e8400-e29b-41d4-a716-446655440000", uuid.UUID("550e8400-e29b-41d4-a716-446655440000")),
        ("date_dmy", "31/12/2024", date(2024, 12, 31)),
        ("date_dmy", "31.12.2024", date(2024, 12, 31)),
        ("date_dmy", "31.12.24", date(2024, 12, 31)),
        ("date_dmy", "01/02/2024", date(2024, 2, 1)),
        ("date_mdy", "12/31/2024", date(2024, 12, 31)),
        ("date_mdy", "01/02/2024", date(2024, 1, 2)),
        ("iso_date", "2024-03-05", date(2024, 3, 5)),
        ("date_text", "March 5, 2024", date(2024, 3, 5)),
        ("iso_datetime", "2024-03-05 14:22", datetime(2024, 3, 5, 14, 22)),
        ("datetime_dmy", "31/12/2024 14:22", datetime(2024, 12, 31, 14, 22)),
        ("datetime_mdy", "12/31/2024 14:22:05", datetime(2024, 12, 31, 14, 22, 5)),
        ("time", "14:22", time(14, 22)),
        ("time", "14:22:05", time(14, 22, 5)),
        ("time_12h", "2:30 PM", time(14, 30)),
        ("integer", "-42", -42),
        ("integer_thousands_comma", "1,234,567", 1234567),
        ("integer_thousands_dot", "1.234.567", 1234567),
        ("decimal_comma", "12,50", 12.5),
        ("decimal", "12.50", 12.5),
        ("decimal_thousands_comma", "1,234.5", 1234.5),
        ("decimal_thousands_dot", "1.234,5", 1234.5),
        ("scientific", "1.5e-3", 0.0015),
        ("card_number", "4111 1111 1111 1111", "4111111111111111"),
        ("iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ],
)
def test_parse_values(con, name, value, expected):
    got = _parse(con, name, value)
    if isinstance(expected, float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected
        assert type(got) is type(expected)


@pytest.mark.parametrize(("value", "expected"), [("15%", 0.15), ("12.5 %", 0.125), ("-3,5%", -0.035), ("100%", 1.0)])
def test_percentage_parses_to_fraction(con, value, expected):
    assert _parse(con, "percentage", value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2024-03-05T14:22:00+01:00", datetime(2024, 3, 5, 13, 22, tzinfo=timezone.utc)),
        ("2024-03-05T14:22:00Z", datetime(2024, 3, 5, 14, 22, tzinfo=timezone.utc)),
        ("2024-03-05 14:22:00.5-0500", datetime(2024, 3, 5, 19, 22, 0, 500000, tzinfo=timezone.utc)),
        ("2024-03-05T14:22+05:30", datetime(2024, 3, 5, 8, 52, tzinfo=timezone.utc)),
    ],
)
def test_offsets_parse_to_timestamptz_instant(con, value, utc):
    expr = PATTERNS_BY_NAME["datetime_offset"].parse("v")
    assert PATTERNS_BY_NAME["datetime_offset"].target_type == "TIMESTAMP WITH TIME ZONE"
    typ, epoch = con.execute(
        f"SELECT typeof({expr}), epoch({expr}) FROM (SELECT CAST(? AS VARCHAR) AS v)", [value]
    ).fetchone()
    assert typ == "TIMESTAMP WITH TIME ZONE"
    assert epoch == pytest.approx(utc.timestamp())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date_dmy", "31/02/2024"),  # matches the shape, not a real date
        ("integer", "99999999999999999999"),  # overflows BIGINT
        ("json", "{bad}"),
    ],
)
def test_parse_returns_null_when_value_does_not_parse(con, name, value):
    assert _parse(con, name, value) is None


def test_text_patterns_have_no_target_type():
    for name in ("leading_zero_code", "postal_code_5digit", "zip_plus4", "email", "url", "iban", "card_number", "ipv4"):
        assert PATTERNS_BY_NAME[name].target_type is None, name
    assert PATTERNS_BY_NAME["date_ambiguous"].parse_sql is None
    assert PATTERNS_BY_NAME["number_with_unit"].parse_sql is None
    assert PATTERNS_BY_NAME["number_with_unit"].target_type == "DOUBLE"


# --------------------------------------------------------------------------- detect_patterns


def _table(con, name: str, columns: dict[str, list[str | None]]) -> str:
    qt = quote_ident(name)
    cols = list(columns)
    n = len(next(iter(columns.values())))
    con.execute(f"CREATE OR REPLACE TABLE {qt} ({', '.join(quote_ident(c) + ' VARCHAR' for c in cols)})")
    con.executemany(
        f"INSERT INTO {qt} VALUES ({', '.join('?' for _ in cols)})",
        [[columns[c][i] for c in cols] for i in range(n)],
    )
    return qt


def test_detect_patterns_ints_with_two_percent_garbage(con):
    values = [str(i * 7) for i in range(98)] + ["abc", "12x"] + [None, "NA", "", "  n/a  "]
    t = _table(con, "ints_garbage", {"n": values})
    result = detect_patterns(con, t, ["n"])
    top = result["n"][0]
    assert top.name == "integer"
    assert top.total == 100 and top.matched == 98
    assert top.match_rate == pytest.approx(0.98)
    assert top.target_type == "BIGINT" and top.pii is False
    assert set(top.failed_examples) == {"abc", "12x"}
    assert 1 <= len(top.examples) <= 5 and all(e.isdigit() for e in top.examples)


def test_detect_patterns_many_columns_hostile_names_sorted(con):
    n = 40
    cols = {
        'we"ird; col': [f"{i % 28 + 1:02d}/{i % 2 + 1:02d}/2024" for i in range(n)],
        "select": ["yes", "no"] * 20,
        "mail": [f"user{i}@example.com" for i in range(n)],
        "money": [f"€{i}.000,50" for i in range(1, n + 1)],
        "codes": [f"{i:06d}" for i in range(n)],
        "empty": [None] * n,
    }
    t = _table(con, "multi", cols)
    result = detect_patterns(con, t, list(cols))
    assert set(result) == set(cols)
    names = {c: [m.name for m in ms] for c, ms in result.items()}
    assert names['we"ird; col'][0] == "date_dmy"  # days up to 31 -> only day-first reads all
    dmy = next(m for m in result['we"ird; col'] if m.name == "date_dmy")
    assert dmy.match_rate == 1.0
    rates = [m.match_rate for m in result['we"ird; col']]
    assert rates == sorted(rates, reverse=True)
    assert names["select"][0] == "boolean"
    mail = result["mail"][0]
    assert mail.name == "email" and mail.pii and mail.match_rate == 1.0
    assert names["money"][0] == "currency_eu"
    codes = result["codes"][0]
    assert (codes.name, codes.match_rate, codes.target_type) == ("leading_zero_code", 1.0, None)
    assert "integer" not in names["codes"]
    assert result["empty"] == []
    for ms in result.values():
        for m in ms:
            assert 0 < m.match_rate <= 1 and len(m.examples) <= 5 and len(m.failed_examples) <= 5


def test_detect_patterns_custom_null_tokens(con):
    t = _table(con, "nulls", {"x": ["1", "2", "?", "?"]})
    assert detect_patterns(con, t, ["x"])["x"][0].match_rate == 0.5
    only = detect_patterns(con, t, ["x"], null_tokens=NULL_TOKENS | {"?"})["x"][0]
    assert (only.name, only.match_rate, only.total) == ("integer", 1.0, 2)


def test_detect_patterns_no_columns(con):
    assert detect_patterns(con, _table(con, "none", {"x": ["1"]}), []) == {}


def test_sample_table_sql_is_repeatable_and_bounded(con):
    con.execute("CREATE OR REPLACE TABLE big AS SELECT range::VARCHAR AS v FROM range(5000)")
    con.execute(sample_table_sql("big", quote_ident("s1"), 300, 7))
    first = sorted(r[0] for r in con.execute('SELECT v FROM "s1"').fetchall())
    con.execute(sample_table_sql("big", quote_ident("s1"), 300, 7))
    again = sorted(r[0] for r in con.execute('SELECT v FROM "s1"').fetchall())
    assert len(first) == 300 and first == again
    con.execute(sample_table_sql("big", quote_ident("s2"), 10_000, 7))
    assert con.execute('SELECT count(*) FROM "s2"').fetchone()[0] == 5000


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            ["31/12/2024", "13/01/2024", "01/02/2024", "12/31/2024", "05/06/2024", "garbage", None, "2024-01-05"],
            {"dmy_only": 2, "mdy_only": 1, "ambiguous": 2},
        ),
        (["12/31/2024", "11/30/2024", "1/13/24"], {"dmy_only": 0, "mdy_only": 3, "ambiguous": 0}),
        (["31.12.2024 14:22", "25-12-2024", "01.01.2024"], {"dmy_only": 2, "mdy_only": 0, "ambiguous": 1}),
        (["40/40/2024", "00/01/2024", "x"], {"dmy_only": 0, "mdy_only": 0, "ambiguous": 0}),
    ],
)
def test_date_order_evidence(con, values, expected):
    t = _table(con, "dates", {"d d": values})
    assert date_order_evidence(con, t, "d d") == expected
