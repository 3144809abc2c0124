"""Temporal profiles on hand-made series with known gaps, seasonality and trends (real DuckDB)."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

from dataraum_context.temporal import stats
from dataraum_context.temporal.profiler import profile_column
from dataraum_context.temporal.series import series_column


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA typed")
    yield connection
    connection.close()


def make(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> str:
    con.execute(f'CREATE TABLE typed."{name}" AS SELECT row_number() OVER () AS _row_id, * FROM ({sql})')
    return f'"typed"."{name}"'


def test_hourly_series_with_known_gaps_in_a_time_zone(con: duckdb.DuckDBPyConnection) -> None:
    # 240 hours written at +02:00; missing hours 10-12, 100 and 200-204: 3 gaps, 9 missing periods.
    missing = [10, 11, 12, 100, 200, 201, 202, 203, 204]
    table = make(con, "hourly", f"""
        SELECT TIMESTAMPTZ '2024-06-01 02:00:00+02' + to_hours(range) AS ts, range * 1.5 AS reading
        FROM range(240) WHERE range NOT IN ({', '.join(map(str, missing))})""")
    p = profile_column(con, "hourly", table, "ts", "TIMESTAMP WITH TIME ZONE", measure_column="reading")
    assert (p.detected_granularity, p.granularity_step) == ("hour", 1)
    assert p.min_timestamp == "2024-06-01T00:00:00Z" and p.max_timestamp == "2024-06-10T23:00:00Z"
    assert p.expected_periods == 240 and p.actual_periods == 231
    assert p.completeness_ratio == pytest.approx(231 / 240)
    assert p.gap_count == 3 and p.missing_periods == 9
    assert p.dominant_gap_seconds == 3600 and p.largest_gap_seconds == 6 * 3600
    assert [(g.start, g.end, g.missing_periods) for g in p.gap_details] == [
        ("2024-06-09T07:00:00Z", "2024-06-09T13:00:00Z", 5),
        ("2024-06-01T09:00:00Z", "2024-06-01T13:00:00Z", 3),
        ("2024-06-05T03:00:00Z", "2024-06-05T05:00:00Z", 1),
    ]
    assert p.granularity_confidence == pytest.approx(227 / 230)
    # A regular series: the signal is the measure, which rises steadily.
    assert p.signal == "mean(reading)" and p.trend_direction == "increasing"


def test_daily_dates_with_known_gaps(con: duckdb.DuckDBPyConnection) -> None:
    # 2024 (366 days) without 10 Feb and 1-4 Jul: 2 gaps, 5 missing days.
    table = make(con, "daily", """
        SELECT d::DATE AS day FROM range(DATE '2024-01-01', DATE '2025-01-01', INTERVAL 1 DAY) t(d)
        WHERE d::DATE NOT IN (DATE '2024-02-10', DATE '2024-07-01', DATE '2024-07-02', DATE '2024-07-03', DATE '2024-07-04')""")
    p = profile_column(con, "daily", table, "day", "DATE")
    assert (p.detected_granularity, p.granularity_step) == ("day", 1)
    assert (p.expected_periods, p.actual_periods, p.gap_count, p.missing_periods) == (366, 361, 2, 5)
    assert p.completeness_ratio == pytest.approx(361 / 366)
    assert p.largest_gap_seconds == 5 * 86400
    assert p.has_seasonality is False and p.trend_direction == "stable"


def test_monthly_series_with_known_gaps(con: duckdb.DuckDBPyConnection) -> None:
    # 48 month starts 2020-01 .. 2023-12 without 2021-05 and 2022-02/03.
    table = make(con, "monthly", """
        SELECT (DATE '2020-01-01' + to_months(range))::DATE AS month FROM range(48) WHERE range NOT IN (16, 25, 26)""")
    p = profile_column(con, "monthly", table, "month", "DATE")
    assert (p.detected_granularity, p.granularity_step) == ("month", 1)
    assert (p.expected_periods, p.actual_periods, p.gap_count, p.missing_periods) == (48, 45, 2, 3)
    assert p.completeness_ratio == pytest.approx(45 / 48)


def test_month_end_quarterly_yearly_and_quarter_hourly(con: duckdb.DuckDBPyConnection) -> None:
    month_end = make(con, "month_end", "SELECT last_day(DATE '2023-01-01' + to_months(range)) AS d FROM range(24)")
    assert profile_column(con, "month_end", month_end, "d", "DATE").detected_granularity == "month"
    quarterly = make(con, "quarterly", "SELECT (DATE '2015-01-01' + to_months(3 * range))::DATE AS d FROM range(20) WHERE range <> 7")
    q = profile_column(con, "quarterly", quarterly, "d", "DATE")
    assert (q.detected_granularity, q.expected_periods, q.gap_count) == ("quarter", 20, 1)
    yearly = make(con, "yearly", "SELECT (DATE '2000-01-01' + to_years(range))::DATE AS d FROM range(25)")
    assert profile_column(con, "yearly", yearly, "d", "DATE").detected_granularity == "year"
    quarter_hours = make(con, "qh", """
        SELECT TIMESTAMP '2024-01-01' + to_minutes(15 * range) AS t FROM range(400) WHERE range % 37 <> 5""")
    p = profile_column(con, "qh", quarter_hours, "t", "TIMESTAMP")
    assert (p.detected_granularity, p.granularity_step) == ("minute", 15)
    assert (p.expected_periods, p.actual_periods) == (400, 389)
    assert p.gap_count == 11  # range % 37 == 5 at 5, 42, ..., 375 (11 values, none at the ends)


def test_weekly_seasonal_event_counts_are_seasonal_with_period_7_days(con: duckdb.DuckDBPyConnection) -> None:
    # 16 weeks of events: 10 per weekday, 2 per weekend day.
    table = make(con, "events", """
        SELECT (DATE '2024-01-01' + d::INT)::DATE AS day FROM range(112) t(d), range(10) r(k)
        WHERE dayofweek(DATE '2024-01-01' + d::INT) NOT IN (0, 6) OR k < 2""")
    p = profile_column(con, "events", table, "day", "DATE")
    assert p.detected_granularity == "day" and p.signal == "row_count"
    assert p.has_seasonality is True
    assert (p.seasonality_name, p.seasonality_period) == ("weekly", "7 days")
    assert p.seasonality_strength > 0.8
    assert p.trend_direction == "stable"


def test_weekly_seasonal_measure_of_a_regular_series(con: duckdb.DuckDBPyConnection) -> None:
    rng = np.random.default_rng(7)
    noise = ", ".join(f"{v:.3f}" for v in rng.normal(0, 2, 140))
    table = make(con, "sales", f"""
        SELECT (DATE '2024-01-01' + range::INT)::DATE AS day,
               100 + CASE WHEN dayofweek(DATE '2024-01-01' + range::INT) IN (0, 6) THEN 40 ELSE 0 END
                   + ([{noise}])[range + 1] AS revenue
        FROM range(140)""")
    p = profile_column(con, "sales", table, "day", "DATE", measure_column="revenue")
    assert p.signal == "mean(revenue)"
    assert p.has_seasonality is True and p.seasonality_period == "7 days"


def test_flat_series_are_not_seasonal(con: duckdb.DuckDBPyConnection) -> None:
    flat_counts = make(con, "flat_counts", """
        SELECT (DATE '2024-01-01' + d::INT)::DATE AS day FROM range(120) t(d), range(5) r(k)""")
    p = profile_column(con, "flat_counts", flat_counts, "day", "DATE")
    assert p.has_seasonality is False and p.seasonality_period is None
    assert p.trend_direction == "stable"
    rng = np.random.default_rng(11)
    noise = ", ".join(f"{v:.3f}" for v in rng.normal(50, 3, 140))
    flat_noise = make(con, "flat_noise", f"""
        SELECT (DATE '2024-01-01' + range::INT)::DATE AS day, ([{noise}])[range + 1] AS value FROM range(140)""")
    q = profile_column(con, "flat_noise", flat_noise, "day", "DATE", measure_column="value")
    assert q.signal == "mean(value)" and q.has_seasonality is False
    assert q.trend_direction == "stable"


def test_growing_event_counts_have_an_increasing_trend(con: duckdb.DuckDBPyConnection) -> None:
    table = make(con, "growth", """
        SELECT (DATE '2024-01-01' + d::INT)::DATE AS day FROM range(60) t(d), range(60) r(k) WHERE k <= d""")
    p = profile_column(con, "growth", table, "day", "DATE")
    assert p.trend_direction == "increasing" and p.trend_p_value < 0.001
    assert p.trend_slope == pytest.approx(1.0)


def test_series_per_station_are_found_from_the_grain(con: duckdb.DuckDBPyConnection) -> None:
    # Three stations, 48 hourly readings each; station B misses hours 5-8, station C hour 40.
    table = make(con, "readings", """
        SELECT s AS station, TIMESTAMP '2024-03-01' + to_hours(h) AS at, 20.0 + h AS temperature
        FROM (VALUES ('A'), ('B'), ('C')) v(s), range(48) r(h)
        WHERE NOT (s = 'B' AND h BETWEEN 5 AND 8) AND NOT (s = 'C' AND h = 40)""")
    types = {"station": "VARCHAR", "at": "TIMESTAMP", "temperature": "DOUBLE"}
    from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult

    profile = TableProfileResult(table_name="readings", row_count=139, columns=[
        ColumnProfileResult(table_name="readings", column_name="station", total_count=139, null_count=0, distinct_count=3),
        ColumnProfileResult(table_name="readings", column_name="at", total_count=139, null_count=0, distinct_count=48),
        ColumnProfileResult(table_name="readings", column_name="temperature", total_count=139, null_count=0, distinct_count=48),
    ])
    assert series_column(con, table, "at", types, profile) == "station"
    assert series_column(con, table, "at", types, profile, [["at", "station"]]) == "station"
    p = profile_column(con, "readings", table, "at", "TIMESTAMP", "station", "temperature")
    assert p.series_column == "station" and p.gap_count == 0 and p.expected_periods == 48
    by_key = {s.series_key: s for s in p.series}
    assert sorted(by_key) == ["A", "B", "C"]
    assert [(by_key[k].gap_count, by_key[k].missing_periods, by_key[k].actual_periods) for k in "ABC"] == [
        (0, 0, 48), (1, 4, 44), (1, 1, 47)
    ]
    assert by_key["B"].detected_granularity == "hour"
    assert by_key["C"].completeness_ratio == pytest.approx(47 / 48)


def test_one_series_when_time_alone_is_the_grain(con: duckdb.DuckDBPyConnection) -> None:
    table = make(con, "single", "SELECT TIMESTAMP '2024-01-01' + to_hours(range) AS at, (range % 3)::VARCHAR AS kind FROM range(50)")
    from dataraum_context.profiling.models import ColumnProfileResult, TableProfileResult

    profile = TableProfileResult(table_name="single", row_count=50, columns=[
        ColumnProfileResult(table_name="single", column_name="kind", total_count=50, null_count=0, distinct_count=3),
    ])
    assert series_column(con, table, "at", {"at": "TIMESTAMP", "kind": "VARCHAR"}, profile) is None


def test_mann_kendall_matches_the_textbook_values() -> None:
    trend = stats.mann_kendall(list(range(1, 11)))
    # S = 45, Var(S) = 10*9*25/18 = 125, Z = 44 / sqrt(125)
    assert trend is not None and trend.direction == "increasing"
    assert trend.p_value == pytest.approx(math.erfc((44 / math.sqrt(125)) / math.sqrt(2)))
    assert stats.mann_kendall([3, 1, 2, 3, 1, 2, 3, 1, 2]).direction == "stable"
    assert stats.mann_kendall([5.0, 5.0]) is None


def test_only_the_largest_series_are_profiled_and_each_as_if_alone(con: duckdb.DuckDBPyConnection) -> None:
    """With more series than MAX_SERIES, the largest are profiled (the queries read only those),
    and each kept series gets the figures it gets in a table holding just the kept series."""
    from dataraum_context.temporal.profiler import MAX_SERIES

    stations = MAX_SERIES + 30
    con.execute(
        f"""CREATE TABLE many AS
        SELECT 'st' || lpad(CAST(s AS VARCHAR), 3, '0') AS station,
               TIMESTAMP '2024-01-01' + INTERVAL (h) HOUR AS ts, (s * 7 + h) % 13 AS reading
        FROM range({stations}) r(s), range(48 + {stations}) q(h)
        WHERE h < 48 + s AND NOT (h % 11 = 5 AND s % 3 = 0)"""
    )
    p = profile_column(con, "many", "many", "ts", "TIMESTAMP", series_column="station", measure_column="reading")
    kept = [s.series_key for s in p.series]
    assert len(kept) == MAX_SERIES
    largest = con.execute(
        f"SELECT station FROM many GROUP BY station ORDER BY count(*) DESC, station LIMIT {MAX_SERIES}"
    ).fetchall()
    assert set(kept) == {row[0] for row in largest}
    con.execute("CREATE TABLE few AS SELECT * FROM many WHERE station IN (SELECT unnest(?))", [kept])
    alone = profile_column(con, "few", "few", "ts", "TIMESTAMP", series_column="station", measure_column="reading")
    assert [s.model_dump() for s in p.series] == [s.model_dump() for s in alone.series]
