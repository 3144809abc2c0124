"""Integers and decimals of a plain format try their canonical text first (`formats.CANONICAL_FIRST`:
`CAST(TRY_CAST(v AS t) AS VARCHAR) = v`, then the format's regex). Property: for any text, the
parse with that branch gives the same value, or the same NULL, as the regex alone, for every
integer and DECIMAL target: the branch may only spare the regex, never read another text."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dataraum_context.type_resolution import formats
from dataraum_context.type_resolution.formats import ValueFormat, install_macros, parse_sql

TARGETS = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "UBIGINT", "UHUGEINT",
           "DECIMAL(4,0)", "DECIMAL(9,2)", "DECIMAL(18,6)", "DECIMAL(38,10)", "DECIMAL(3,3)"]
PLAIN_FORMATS = [ValueFormat(kind="integer"), ValueFormat(kind="decimal"), ValueFormat(kind="double")]

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=40)
SHAPED = st.tuples(
    st.sampled_from(["", "-", "+", " ", "--"]), DIGITS,
    st.one_of(st.just(""), st.just("."), DIGITS.map(lambda d: "." + d)),
    st.sampled_from(["", "e3", "E-2", " ", "%"]),
).map(lambda t: "".join(t))
# DuckDB's own text of integers and decimals of every target (what the branch accepts)
CANONICAL = st.one_of(
    st.integers(min_value=-(2**127), max_value=2**128 - 1).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**7), max_value=10**7).map(
        lambda d: f"{d:.2f}"
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12).map(
        lambda d: f"{d:.6f}"
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=10, min_value=-(10**27), max_value=10**27).map(
        lambda d: f"{Decimal(d):.10f}"
    ),
)
ANY = st.text(alphabet="0123456789+-.eE ,_x\u0660\u00a0", max_size=12)
EDGES = ["0", "-0", "+0", "00", "007", "0.00", "-0.00", "-0.50", ".5", "5.", "0.05", "1.718", "0.01", "1e3",
         "127", "128", "-128", "255", "256", "-1", "9.99", "0.999", "1.000", "18446744073709551615",
         "170141183460469231731687303715884105727", "-170141183460469231731687303715884105728",
         "340282366920938463463374607431768211455", "1_000", "0x10", " 5", "5 ", "", "\u0661"]


def _compare(values: list[str], fmt: ValueFormat) -> list[tuple]:
    con = duckdb.connect()
    try:
        install_macros(con)
        con.execute("CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS v", [values])
        wrong = []
        for target in TARGETS:
            with pytest.MonkeyPatch.context() as m:
                m.setattr(formats, "CANONICAL_FIRST", True)
                fast = parse_sql(fmt, target, "v")
                m.setattr(formats, "CANONICAL_FIRST", False)
                alone = parse_sql(fmt, target, "v")
            if fmt.kind != "integer" or "," not in target or target.endswith(",0)"):
                assert fast != alone, "the branch is in the plain parse"
            rows = con.execute(
                f"SELECT v, CAST({fast} AS VARCHAR), CAST({alone} AS VARCHAR) FROM t "
                f"WHERE ({fast}) IS DISTINCT FROM ({alone})"
            ).fetchall()
            wrong += [(target, *row) for row in rows]
        return wrong
    finally:
        con.close()


@pytest.mark.parametrize("fmt", PLAIN_FORMATS, ids=lambda f: f.kind)
def test_edges(fmt: ValueFormat) -> None:
    assert _compare(EDGES, fmt) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(SHAPED, CANONICAL, ANY), min_size=1, max_size=60), st.sampled_from(PLAIN_FORMATS))
@example(EDGES, PLAIN_FORMATS[0])
def test_same_values_as_the_regex_alone(values: list[str], fmt: ValueFormat) -> None:
    assert _compare(values, fmt) == []


def test_canonical_texts_take_the_branch() -> None:
    """The branch is taken where it should be: DuckDB's own texts read back as themselves."""
    con = duckdb.connect()
    install_macros(con)
    expr = parse_sql(ValueFormat(kind="decimal"), "DECIMAL(9,2)", "v")
    got = con.execute(f"SELECT CAST({expr} AS VARCHAR) FROM (SELECT unnest(['-0.50', '12.30', '0.05']) AS v)").fetchall()
    assert [r[0] for r in got] == ["-0.50", "12.30", "0.05"]
