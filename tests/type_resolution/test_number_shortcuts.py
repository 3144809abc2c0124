"""The DOUBLE parse skips its costly round-trip test for short texts without an exponent
(`formats.SURE_DIGITS`). Property: for any number text, the parse with the shortcut gives the
same value (or the same NULL) as the full test everywhere, and the candidate measuring counts
the same round-tripping values."""

from __future__ import annotations

import duckdb
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dataraum_context.type_resolution.candidates import Candidate, measure
from dataraum_context.type_resolution import formats
from dataraum_context.type_resolution.formats import (
    ValueFormat,
    install_macros,
    number_regex,
    parse_sql,
    round_trips_sql,
    signed_sql,
)

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=22)
PLAIN = st.tuples(st.sampled_from(["", "-", "+"]), DIGITS, st.one_of(st.just(""), DIGITS.map(lambda d: "." + d))).map(
    lambda t: "".join(t)
)
GROUPED = st.integers(min_value=0, max_value=10**20).map(lambda n: f"{n:,}")
EXPONENT = st.tuples(PLAIN, st.sampled_from(["e", "E"]), st.integers(-420, 420)).map(lambda t: f"{t[0]}{t[1]}{t[2]}")
EDGE_VALUES = [
    "0.00000000000001", "0.000000000000001", "123456789012345", "1234567890123456", "9007199254740993",
    "0." + "0" * 400 + "1", "1" + "0" * 400, "1.718", "0.01", "99999999999999.9", "0.1", "1e-400", "1e400",
]
EDGES = st.sampled_from(EDGE_VALUES)
FORMATS = [
    ValueFormat(kind="decimal"),
    ValueFormat(kind="decimal", grouping=","),
    ValueFormat(kind="double"),
]


def _full(fmt: ValueFormat, v: str) -> str:
    """The DOUBLE parse as it was before the shortcut: the round-trip test on every value."""
    x = f"TRY_CAST({signed_sql(fmt, v)} AS DOUBLE)"
    return f"(CASE WHEN regexp_full_match({v}, '{number_regex(fmt)}') AND isfinite({x}) AND {round_trips_sql(fmt, v, x)} THEN {x} END)"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(PLAIN, GROUPED, EXPONENT, EDGES), min_size=1, max_size=40))
@example(EDGE_VALUES)
def test_shortcut_reads_exactly_what_the_full_test_reads(values: list[str]) -> None:
    con = duckdb.connect()
    try:
        install_macros(con)
        con.execute("CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS v", [values])
        for fmt in FORMATS:
            rows = con.execute(
                f"SELECT v, {parse_sql(fmt, 'DOUBLE', 'v')} IS NOT DISTINCT FROM {_full(fmt, 'v')}, "
                f"{parse_sql(fmt, 'DOUBLE', 'v')} FROM t"
            ).fetchall()
            assert [r for r in rows if not r[1]] == [], fmt
            # the measuring of candidates counts the same round-tripping values
            cand = Candidate("v", "", fmt, data_type="DOUBLE")
            measure(con, "t", [cand])
            if cand.data_type == "DOUBLE":
                expected = con.execute(f"SELECT count({_full(fmt, 'v')}) FROM t").fetchone()[0]
                assert cand.parsed == expected, fmt
    finally:
        con.close()


def test_long_texts_still_take_the_full_test() -> None:
    """16+ digits or an exponent: the double must give the same digits back."""
    con = duckdb.connect()
    try:
        install_macros(con)
        fmt = ValueFormat(kind="double")
        got = con.execute(
            f"SELECT v, {parse_sql(fmt, 'DOUBLE', 'v')} FROM (SELECT unnest(?::VARCHAR[]) AS v) ORDER BY v",
            [["1.23456789012345678", "1e-400", "123456789012345", "9.338315158455877e-7"]],
        ).fetchall()
        assert dict(got) == {
            "1.23456789012345678": None, "1e-400": None, "123456789012345": 123456789012345.0,
            "9.338315158455877e-7": 9.338315158455877e-7,
        }
    finally:
        con.close()


# ---------------------------------------------------------------- plain numbers (`formats.plain`)

TARGETS = ["BIGINT", "HUGEINT", "INTEGER", "DECIMAL(9,2)", "DECIMAL(18,4)", "DECIMAL(38,10)", "DECIMAL(4,0)", "DOUBLE"]
PLAIN_EDGES = ["+5", "-0", "+0", "0", ".5", "-.5", "+.5", "00", "007", "1e5", "-1E-5", "+1.5e+3", "99999.999",
               "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1" * 40, "1.", "-", "+",
               "12.345", "0.01", "1.718", "1,000", " 5", "5 "]


def _with_and_without(monkeypatch, fn):  # noqa: ANN001
    monkeypatch.setattr(formats, "PLAIN_SHORTCUT", True)
    fast = fn()
    monkeypatch.setattr(formats, "PLAIN_SHORTCUT", False)
    slow = fn()
    monkeypatch.setattr(formats, "PLAIN_SHORTCUT", True)
    return fast, slow


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(PLAIN, EXPONENT, st.sampled_from(PLAIN_EDGES)), min_size=1, max_size=40))
@example(PLAIN_EDGES)
def test_plain_numbers_read_as_the_general_expression_reads_them(values: list[str]) -> None:
    """The shortcut (no rebuilding of sign and digits) gives, for every target type, the value
    (or NULL) of the general expression, and the candidate measuring sizes the same types."""
    import pytest

    with pytest.MonkeyPatch.context() as monkeypatch:
        con = duckdb.connect()
        try:
            install_macros(con)
            con.execute("CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS v", [values])
            for kind in ("integer", "decimal", "double"):
                fmt = ValueFormat(kind=kind)
                for target in TARGETS:
                    fast, slow = _with_and_without(monkeypatch, lambda: parse_sql(fmt, target, "v"))
                    assert fast != slow or kind == "double" and target not in ("DOUBLE",), (kind, target)
                    rows = con.execute(
                        f"SELECT v, {fast} IS NOT DISTINCT FROM {slow} FROM t"
                    ).fetchall()
                    assert [r[0] for r in rows if not r[1]] == [], (kind, target)

                def measured() -> tuple[str, int, int]:
                    cand = Candidate("v", "", fmt)
                    measure(con, "t", [cand])
                    return cand.data_type, cand.parsed, cand.nonnull

                fast, slow = _with_and_without(monkeypatch, measured)
                assert fast == slow, kind
        finally:
            con.close()


# ------------------------------------------------------ the typed layer's null-token test (`typed.reads_null_tokens`)


def test_null_guard_stays_where_a_parse_would_read_a_null_token() -> None:
    """Numbers and dates never read a null token, so their typed column skips the test; a
    boolean whose words include a null token (`none`/`some`) keeps it: `none` stays NULL,
    not false, and is not quarantined."""
    from dataraum_context.type_resolution.models import ColumnTypeDecision
    from dataraum_context.type_resolution.typed import build_typed_table, reads_null_tokens

    def decision(column: str, decided: str, fmt: ValueFormat) -> ColumnTypeDecision:
        return ColumnTypeDecision(
            table_name="t", column_name=column, decided_type=decided, decision_source="manual", confidence=1.0,
            reason="test", value_format=fmt,
        )

    decisions = [
        decision("n", "BIGINT", ValueFormat(kind="integer")),
        decision("d", "DOUBLE", ValueFormat(kind="decimal")),
        decision("b", "BOOLEAN", ValueFormat(kind="boolean", true_words=("some",), false_words=("none",))),
        decision("day", "DATE", ValueFormat(kind="date", formats=("%Y-%m-%d",))),
    ]
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw.t AS SELECT * FROM (VALUES (1, '1', '0.5', 'some', '2024-01-02'), "
            "(2, 'NA', 'null', 'none', ''), (3, ' 7 ', 'x', '  none ', 'NULL'), (4, NULL, NULL, NULL, NULL)) "
            "AS v(_row_id, n, d, b, day)"
        )
        assert reads_null_tokens(con, decisions) == {"b"}
        # asked once per process: the same answers again (another connection, a column more with
        # the same parse), and a parse not seen before still asked of DuckDB
        again = [*decisions, decision("b2", "BOOLEAN", decisions[2].value_format)]
        assert reads_null_tokens(duckdb.connect(), again) == {"b", "b2"}
        dashes = decision("e", "BOOLEAN", ValueFormat(kind="boolean", true_words=("+",), false_words=("-",)))
        assert reads_null_tokens(duckdb.connect(), [dashes]) == {"e"}
        result = build_typed_table(con, "t", "raw.t", 4, decisions)
        rows = con.execute("SELECT n, d, b, day FROM typed.t ORDER BY _row_id").fetchall()
        assert [r[:3] for r in rows] == [(1, 0.5, True), (None, None, None), (7, None, None), (None, None, None)]
        assert result.quarantined == {"d": 1}
    finally:
        con.close()


def test_only_e_and_capital_e_lower_to_e() -> None:
    """`formats.has_e_sql` tests 'e' and 'E' instead of lowering the text: no other character
    lowers to a text containing 'e' (every code point, as DuckDB lowers it)."""
    con = duckdb.connect()
    (found,) = con.execute(
        "SELECT list(cp ORDER BY cp) FROM (SELECT range::INTEGER AS cp FROM range(1114112) "
        "WHERE range < 55296 OR range > 57343) WHERE contains(lower(chr(cp)), 'e')"
    ).fetchone()
    assert found == [ord("E"), ord("e")]
    texts = ["1e5", "1E5", "12", "", "ÉE", "é", "\u0130e", None]
    rows = con.execute(
        f"SELECT v, {formats.has_e_sql('v')} IS NOT DISTINCT FROM contains(lower(v), 'e') FROM unnest(?::VARCHAR[]) AS u(v)",
        [texts],
    ).fetchall()
    assert all(same for _, same in rows), rows
