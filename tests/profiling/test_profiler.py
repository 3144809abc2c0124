"""profile_table on real DuckDB: exact counts, stats, lengths, top values, histograms."""

from __future__ import annotations

import math
import statistics

import duckdb
import pytest

from dataraum_context.profiling import NULL_TOKENS, TableProfileResult, profile_table

FRACTIONS = {"p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}

NUMS = ["1", "2", "3", "NA", "-", "", None, " 4 ", "10", "2"]
WORDS = ["b", "a", "b", "c", "b", "a", "N/A", "null ", "x", "b"]
ALL_NULL = [None, "NA", "", "  ", "-", "n/a", "#N/A", None, "NaN", "NULL"]
UNICODE = ["größe", "ß", "größe", "日本語", None, "a b", "größe", "ß", "x", "none"]
MIXED = ["1.5", "2.5", "$1,234.50", "inf", "7", "1e3", "abc", "nan", "-2", "0"]

HOSTILE = {
    'a"b': NUMS,
    "x;y": WORDS,
    "select": ALL_NULL,
    "größe": UNICODE,
    "col with spaces": MIXED,
}


def r7_quantile(values: list[float], f: float) -> float:
    """quantile_cont's definition: linear interpolation at h = (n-1) f."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * f
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


@pytest.fixture
def profiled(con: duckdb.DuckDBPyConnection, make_raw) -> TableProfileResult:
    table = make_raw('t"able; drop', HOSTILE)
    return profile_table(con, 't"able; drop', table, list(HOSTILE))


def test_counts_with_null_tokens(profiled: TableProfileResult) -> None:
    assert profiled.row_count == 10
    assert [c.column_name for c in profiled.columns] == list(HOSTILE)
    p = profiled.column('a"b')
    assert (p.total_count, p.null_count, p.distinct_count, p.numeric_count) == (10, 4, 5, 6)
    assert p.null_ratio == pytest.approx(0.4)
    assert p.cardinality_ratio == pytest.approx(5 / 6)
    # SQL NULL is not a token; '' 'NA' '-' are.
    assert p.null_token_counts == {"": 1, "-": 1, "NA": 1}


def test_numeric_stats_match_reference(con: duckdb.DuckDBPyConnection, profiled: TableProfileResult) -> None:
    p = profiled.column('a"b')
    values = [1.0, 2.0, 3.0, 4.0, 10.0, 2.0]
    assert p.min_value == 1.0
    assert p.max_value == 10.0
    assert p.mean_value == pytest.approx(statistics.fmean(values))
    assert p.stddev_value == pytest.approx(statistics.stdev(values))
    reference = con.execute(
        "SELECT quantile_cont(x, [0.25, 0.5, 0.75, 0.95, 0.99]) FROM unnest(?::DOUBLE[]) AS t(x)", [values]
    ).fetchall()[0][0]
    assert p.percentiles is not None
    assert list(p.percentiles) == ["p25", "p50", "p75", "p95", "p99"]
    for (key, f), expected in zip(FRACTIONS.items(), reference):
        assert p.percentiles[key] == pytest.approx(expected)
        assert p.percentiles[key] == pytest.approx(r7_quantile(values, f))


def test_string_lengths_and_top_values(profiled: TableProfileResult) -> None:
    nums = profiled.column('a"b')
    assert (nums.min_length, nums.max_length) == (1, 3)
    assert nums.avg_length == pytest.approx(9 / 6)
    # most frequent first, ties by value (byte order: ' 4 ' < '1' < '10' < '3')
    assert nums.top_values == [
        {"value": "2", "count": 2},
        {"value": " 4 ", "count": 1},
        {"value": "1", "count": 1},
        {"value": "10", "count": 1},
        {"value": "3", "count": 1},
    ]
    words = profiled.column("x;y")
    assert words.top_values == [
        {"value": "b", "count": 4},
        {"value": "a", "count": 2},
        {"value": "c", "count": 1},
        {"value": "x", "count": 1},
    ]
    assert (words.null_count, words.distinct_count, words.numeric_count) == (2, 4, 0)
    assert words.null_token_counts == {"N/A": 1, "null": 1}  # 'null ' trimmed
    assert words.min_value is words.max_value is words.mean_value is words.stddev_value is None
    assert words.percentiles is None and words.histogram is None


def test_unicode_lengths_count_characters(profiled: TableProfileResult) -> None:
    p = profiled.column("größe")
    assert (p.null_count, p.distinct_count) == (2, 5)  # None and "none" are null
    assert (p.min_length, p.max_length) == (1, 5)
    assert p.avg_length == pytest.approx((5 + 1 + 5 + 3 + 3 + 5 + 1 + 1) / 8)
    assert p.top_values[:2] == [{"value": "größe", "count": 3}, {"value": "ß", "count": 2}]


def test_all_null_column(profiled: TableProfileResult) -> None:
    p = profiled.column("select")
    assert (p.total_count, p.null_count, p.distinct_count, p.numeric_count) == (10, 10, 0, 0)
    assert p.null_ratio == 1.0
    assert p.cardinality_ratio is None
    assert p.top_values == [] and p.histogram is None and p.percentiles is None
    assert p.min_length is None and p.max_length is None and p.avg_length is None
    assert p.null_token_counts == {"": 2, "#N/A": 1, "-": 1, "NA": 1, "NULL": 1, "NaN": 1, "n/a": 1}


def test_only_finite_numbers_count_as_numeric(profiled: TableProfileResult) -> None:
    p = profiled.column("col with spaces")
    # 'nan' is a null token; 'inf' is not finite; '$1,234.50' and 'abc' do not parse
    assert (p.null_count, p.numeric_count) == (1, 6)
    values = [1.5, 2.5, 7.0, 1000.0, -2.0, 0.0]
    assert (p.min_value, p.max_value) == (-2.0, 1000.0)
    assert p.mean_value == pytest.approx(statistics.fmean(values))
    assert p.stddev_value == pytest.approx(statistics.stdev(values))
    assert p.percentiles is not None
    assert p.percentiles["p50"] == pytest.approx(r7_quantile(values, 0.5))
    assert p.histogram is not None
    assert sum(b["count"] for b in p.histogram) == 6


def test_hostile_names_reach_duckdb_quoted(con: duckdb.DuckDBPyConnection, make_raw) -> None:
    names = ['"', "'; DROP TABLE x; --", "ORDER", " ", "  ", "tab\tname", "ü\u0301"]
    table = make_raw("\"'; --", {name: ["1", "2", None] for name in names})
    result = profile_table(con, "\"'; --", table, names)
    assert [c.column_name for c in result.columns] == names
    for column in result.columns:
        assert (column.null_count, column.distinct_count, column.numeric_count) == (1, 2, 2)
    # no scratch tables left behind
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0] == 0


def test_custom_null_tokens(con: duckdb.DuckDBPyConnection, make_raw) -> None:
    table = make_raw("c", {"v": ["0", "-1", "5", "-1", "NA"]})
    p = profile_table(con, "c", table, ["v"], null_tokens=frozenset({"-1"})).columns[0]
    assert (p.null_count, p.numeric_count, p.distinct_count) == (2, 2, 3)
    assert p.null_token_counts == {"-1": 2}
    assert (p.min_value, p.max_value) == (0.0, 5.0)
    assert p.percentiles is not None and p.percentiles["p50"] == pytest.approx(2.5)


def test_empty_table_and_no_columns(con: duckdb.DuckDBPyConnection, make_raw) -> None:
    table = make_raw("empty", {"a": [], "b": []})
    result = profile_table(con, "empty", table, ["a", "b"])
    assert result.row_count == 0
    for p in result.columns:
        assert (p.total_count, p.null_count, p.distinct_count) == (0, 0, 0)
        assert p.null_ratio is None and p.cardinality_ratio is None and p.top_values == []
    assert profile_table(con, "empty", table, []).columns == []


def test_top_values_keep_ten(con: duckdb.DuckDBPyConnection, make_raw) -> None:
    values = [f"v{i:02d}" for i in range(30) for _ in range(i % 4 + 1)]
    table = make_raw("many", {"v": values})
    p = profile_table(con, "many", table, ["v"]).columns[0]
    assert p.distinct_count == 30
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert p.top_values == [{"value": v, "count": c} for v, c in expected]


# --------------------------------------------------------------------------- histograms


def _generated(con: duckdb.DuckDBPyConnection, name: str, expression: str, rows: int = 1000) -> list:
    con.execute(
        f'CREATE TABLE "raw"."{name}" AS SELECT CAST({expression} AS VARCHAR) AS v, i AS _row_id FROM range({rows}) r(i)'
    )
    return profile_table(con, name, f'"raw"."{name}"', ["v"]).columns[0].histogram


def _check_readable(histogram: list | None, total: int) -> None:
    assert histogram is not None
    assert 2 <= len(histogram) <= 20
    assert sum(b["count"] for b in histogram) == total
    assert max(b["count"] for b in histogram) < 0.5 * total
    for bucket in histogram:
        assert set(bucket) == {"bucket", "lower", "upper", "count"}
        assert bucket["lower"] <= bucket["upper"]
    assert [b["lower"] for b in histogram] == sorted(b["lower"] for b in histogram)


def test_skewed_outliers_get_readable_histogram(con: duckdb.DuckDBPyConnection) -> None:
    # 99% of the values in 1..99, 1% between 1e6 and 1e7: equal width would put 99% in one bucket
    histogram = _generated(con, "outliers", "CASE WHEN i % 100 = 0 THEN 1000000 + i * 9000 ELSE i % 99 + 1 END")
    _check_readable(histogram, 1000)
    assert histogram[-1]["upper"] == 1000000 + 900 * 9000


def test_log_uniform_gets_readable_histogram(con: duckdb.DuckDBPyConnection) -> None:
    histogram = _generated(con, "loguniform", "exp(i / 1000.0 * 12)")
    _check_readable(histogram, 1000)


def test_uniform_gets_equal_width_buckets(con: duckdb.DuckDBPyConnection) -> None:
    histogram = _generated(con, "uniform", "i / 10.0")  # 0.0 .. 99.9
    assert histogram is not None and len(histogram) == 10
    assert [b["count"] for b in histogram] == [100] * 10
    assert histogram[0]["lower"] == 0.0 and histogram[-1]["upper"] == pytest.approx(99.9)
    widths = {round(b["upper"] - b["lower"], 9) for b in histogram}
    assert len(widths) == 1


def test_integer_columns(con: duckdb.DuckDBPyConnection) -> None:
    small = _generated(con, "small_ints", "i % 5 + 1")
    assert [(b["bucket"], b["count"]) for b in small] == [("1", 200), ("2", 200), ("3", 200), ("4", 200), ("5", 200)]
    wide = _generated(con, "wide_ints", "i")  # 0..999
    assert [(b["lower"], b["upper"], b["count"]) for b in wide] == [(k * 100.0, k * 100.0 + 99, 100) for k in range(10)]
    assert wide[0]["bucket"] == "[0, 99]"


def test_constant_and_text_columns(con: duckdb.DuckDBPyConnection) -> None:
    assert _generated(con, "constant", "'7.5'") == [{"bucket": "7.5", "lower": 7.5, "upper": 7.5, "count": 1000}]
    assert _generated(con, "text", "'code_' || (i % 3)") is None


def test_default_null_tokens() -> None:
    assert {"", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "-", "nan", "NaN", "#N/A"} <= NULL_TOKENS


def test_mixed_million_rows_shape(con: duckdb.DuckDBPyConnection) -> None:
    """The benchmark table, small: every column profiled, no histogram for text, aggregates only."""
    from mixed_table import MIXED_COLUMNS, make_mixed_table

    table = make_mixed_table(con, 20_000)
    result = profile_table(con, "mixed", table, list(MIXED_COLUMNS))
    by_name = {c.column_name: c for c in result.columns}
    assert result.row_count == 20_000
    assert by_name["id"].distinct_count == 20_000 and by_name["id"].cardinality_ratio == 1.0
    assert by_name["status"].distinct_count == 5 and by_name["status"].histogram is None
    assert by_name["is_active"].null_token_counts == {"": by_name["is_active"].null_count}
    assert by_name["order_date"].numeric_count == 0
    for name in ("id", "qty", "price", "amount", "ratio", "big"):
        _check_readable(by_name[name].histogram, by_name[name].numeric_count)


@pytest.mark.parametrize(
    "values",
    [
        ["0.99"] * 96 + ["1.99"] * 4,  # quantile edges collapse onto two values
        ["0"] * 97 + ["5", "40", "1000"],  # an integer column of mostly 0
        ["0"] * 99 + ["1000000"],
        ["1.5"] * 50 + ["2.5"] * 50,
    ],
)
def test_histogram_when_quantiles_collapse(con: duckdb.DuckDBPyConnection, make_raw, values: list[str]) -> None:
    """Regression: the histogram SQL had no bucket (`CASE ELSE`) when the quantile edges collapsed."""
    table = make_raw("collapsed", {"x": values})
    profile = profile_table(con, "collapsed", table, ["x"])
    histogram = profile.columns[0].histogram
    assert histogram is not None and len(histogram) >= 1
    assert sum(b["count"] for b in histogram) == len(values)
