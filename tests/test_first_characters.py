"""The first-character tests in front of `trim(v) IN tokens` and `TRY_CAST(v AS DOUBLE)`
(`sqlutil.token_test_sql`, `sqlutil.finite_number_sql`) give what the tests alone give.

The character sets are DuckDB's behaviour, so they are checked against DuckDB over every code
point (a DuckDB whose trim or cast changes fails here, not silently in a profile), and the SQL is
compared with the plain tests on texts built from the characters that matter."""

from __future__ import annotations

import duckdb
from hypothesis import example, given, settings, strategies as st

from dataraum_context.detectors.patterns import NULL_TOKENS
from dataraum_context.profiling import profiler
from dataraum_context.sqlutil import (
    NUMBER_STARTS,
    TRIMMED_SPACES,
    finite_number_sql,
    quote_literal,
    token_test_sql,
    trim_sql,
)
from dataraum_context.type_resolution.resolver import null_test_sql

CODE_POINTS = "(SELECT range::INTEGER AS cp FROM range(1114112) WHERE range < 55296 OR range > 57343)"


def test_trimmed_spaces_are_what_duckdb_trims() -> None:
    con = duckdb.connect()
    (found,) = con.execute(
        f"SELECT list(cp ORDER BY cp) FROM {CODE_POINTS} "
        "WHERE length(trim(chr(cp) || 'x')) <> 2 OR length(trim('x' || chr(cp))) <> 2"
    ).fetchone()
    assert found == sorted(TRIMMED_SPACES)


def test_number_starts_are_all_duckdb_reads_a_finite_number_after() -> None:
    """Every code point followed by texts that are numbers in every form DuckDB's cast reads
    (digits, point, exponent, sign, blanks, underscores, hex, inf): finite only after one of
    `NUMBER_STARTS`."""
    con = duckdb.connect()
    tails = ["1", ".5", "5.", " 1", "1e2", "+1", "-1", "1_000", "0x1F", "0b1", "  7  ", "", "inf", "1.5e-3"]
    casts = " OR ".join(f"isfinite(TRY_CAST(chr(cp) || {quote_literal(t)} AS DOUBLE))" for t in tails)
    (found,) = con.execute(f"SELECT list(cp ORDER BY cp) FROM {CODE_POINTS} WHERE {casts}").fetchone()
    assert set(found) <= set(NUMBER_STARTS)
    assert {ord(c) for c in "0123456789+-. "} <= set(found)


SPECIAL = "".join(map(chr, [*TRIMMED_SPACES[:4], 12288, 9, 10, 13, 0x2028, 0xFEFF]))
texts = st.one_of(
    st.sampled_from(sorted(NULL_TOKENS)),
    st.tuples(st.text(SPECIAL, max_size=2), st.sampled_from(sorted(NULL_TOKENS) + ["1", "-2.5", "inf", "nan", "x"]),
              st.text(SPECIAL, max_size=2)).map("".join),
    st.text(alphabet="0123456789.+-eExXnNaA#/ _" + SPECIAL, max_size=8),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=50), st.sampled_from([NULL_TOKENS, frozenset({" x", "-", "ü"}), frozenset()]))
@example(["", " ", "\u3000NA\u3000", "\tNA", "NA\n", "\u00a0-\u00a0", " 1", "\t1", "\u00a01", "inf", "1e400", None], NULL_TOKENS)
def test_the_guarded_tests_give_what_the_tests_give(values: list[str | None], tokens: frozenset[str]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS v", [values])
    listed = ", ".join(quote_literal(t) for t in sorted(tokens)) or "NULL"
    plain_null = f"(v IS NULL OR coalesce(trim(v) IN ({listed}), false))"
    checks = [
        f"({null_test_sql('v', tokens)}) IS NOT DISTINCT FROM {plain_null}",
        f"{finite_number_sql('v')} IS NOT DISTINCT FROM (CASE WHEN isfinite(TRY_CAST(v AS DOUBLE)) THEN TRY_CAST(v AS DOUBLE) END) "
        f"OR NOT isfinite(TRY_CAST(v AS DOUBLE))",
    ]
    if tokens:
        checks.append(f"v IS NULL OR {token_test_sql('v', listed, set(tokens))} = (trim(v) IN ({listed}))")
    bad = con.execute(f"SELECT v FROM t WHERE NOT ({' AND '.join(f'({c})' for c in checks)})").fetchall()
    assert bad == []
    # the profile's classified values: the same null flags and the same finite numbers
    query, params = profiler._values_query("g", "t", ["v"], sorted(tokens))
    con.execute(query, params)
    rows = con.execute(
        f"SELECT v, is_null, CASE WHEN isfinite(d) THEN d END FROM g EXCEPT ALL "
        f"SELECT v, {plain_null}, CASE WHEN isfinite(TRY_CAST(v AS DOUBLE)) THEN TRY_CAST(v AS DOUBLE) END FROM "
        "(SELECT DISTINCT v FROM t)"
    ).fetchall()
    assert rows == []


def test_every_first_character_that_matters() -> None:
    """Texts starting with each character up to U+02FF, each trimmed space and each character a
    token starts with, followed by a number, a token or nothing (and wrapped in spaces): the guarded
    tests give exactly what the plain tests give."""
    starts = sorted({*range(1, 0x300), *TRIMMED_SPACES, 0x2028, 0xFEFF, 0x3000})
    tails = ["", "1", "9", ".5", "NA", "null", "-", "#N/A", "x"]
    values = [chr(cp) + tail for cp in starts for tail in tails]
    values += [chr(cp) + token + chr(cp) for cp in TRIMMED_SPACES for token in sorted(NULL_TOKENS)]
    values += [str(d) + "1" for d in range(10)] + ["", None]
    test_the_guarded_tests_give_what_the_tests_give.hypothesis.inner_test(values, NULL_TOKENS)
    test_the_guarded_tests_give_what_the_tests_give.hypothesis.inner_test(values, frozenset({"\u00e9t\u00e9", "~", "9"}))


def test_trim_sql_is_trim_for_every_code_point_at_either_end() -> None:
    """`sqlutil.trim_sql` returns `v` untrimmed only where `trim()` would not change it: checked
    with every code point alone, first, last and on both sides of ASCII and non-ASCII texts."""
    con = duckdb.connect()
    shapes = ["chr(cp)", "chr(cp) || 'ab'", "'ab' || chr(cp)", "chr(cp) || 'a b' || chr(cp)", "chr(cp) || 'é'",
              "'é' || chr(cp)", "' ' || chr(cp)", "chr(cp) || ' '"]
    values = "unnest([" + ", ".join(shapes) + "])"
    (wrong,) = con.execute(
        f"SELECT count(*) FROM (SELECT {values} AS v FROM {CODE_POINTS}) "
        f"WHERE {trim_sql('v')} IS DISTINCT FROM trim(v)"
    ).fetchone()
    assert wrong == 0
    assert con.execute(f"SELECT {trim_sql('NULL::VARCHAR')}, {trim_sql(chr(39) * 2)}").fetchone() == (None, "")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6), st.text(alphabet=" a1\u00a0\u3000\t\u2028é", max_size=6)),
                min_size=1, max_size=40))
def test_trim_sql_gives_trim(values: list[str | None]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?::VARCHAR[]) AS v", [values])
    assert con.execute(f"SELECT count(*) FROM t WHERE {trim_sql('v')} IS DISTINCT FROM trim(v)").fetchone() == (0,)
