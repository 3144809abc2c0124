"""Temporal profiles of the typed layer's time columns, computed in DuckDB.

Per column (and per series when the table holds several, see `temporal.series`), a
handful of queries run over the typed table; only per-period aggregates and small
distributions come back to Python.

Time values are normalised in SQL to a UTC TIMESTAMP `t` (TIMESTAMP WITH TIME ZONE
through `timezone('UTC', ...)`; DATE and naive TIMESTAMP taken as UTC) and compared as
`epoch_us` integers.

1. Overview: non-null values, distinct values, min and max, and how many values sit on
   the first instant of a month, quarter and year.
2. Differences between consecutive distinct values (within each series): the most
   frequent ones in microseconds and in calendar months, and how many consecutive
   pairs keep their day of month and time of day.
3. Granularity (`detect_granularity`): the *dominant gap* d is the most frequent
   difference (ties: the smaller). Calendar granularity when values keep their day
   of month (>= 90% of pairs), d >= 28 days and the most frequent month difference m
   >= 1: 'year' (step m/12) when m is a multiple of 12 and >= 99% of values are on a
   year start, else 'quarter' (m multiple of 3, quarter starts), else 'month' (step m).
   Otherwise the period is the greatest common divisor of the frequent differences
   (each >= 2% of them, at least twice; d alone when none is) and the granularity the
   coarsest fixed unit (week, day, hour, minute, second) dividing it, with step
   period/unit: daily events with 1-, 2- and 3-day gaps are 'day', quarter-hourly
   readings with gaps are 15 x 'minute'. Confidence = share of consecutive differences
   equal to exactly one period (1.0 for a regular series, low for irregular events).
4. Periods: each value's period index (fixed units: `(epoch_us(t) - origin) // period`
   with origin the column's minimum; calendar: months since the minimum's month
   divided by the period in months). Expected periods = last - first index + 1 per
   series; actual = distinct indexes; completeness = actual / expected; a gap is a run
   of missing indexes (window `lag`), its details the last observed time before and
   the first after it; largest gap = longest time between consecutive observations in
   different periods.
5. Signal: per-period row counts over the series' index range (missing periods are
   0). When every present period has the same count (a regular series), the signal
   is the per-period mean of the table's first numeric measure column instead
   (missing periods take the mean). Seasonality and trend: `temporal.stats`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb
import numpy as np

from dataraum_context.sqlutil import DISTINCT_CELLS, quote_ident, quote_literal
from dataraum_context.temporal import stats
from dataraum_context.temporal.models import GapDetail, TemporalProfileResult, TemporalSeriesProfile

TIME_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
MAX_SERIES = 50
MAX_GAP_DETAILS = 10
MAX_SIGNAL_PERIODS = 20_000
ALIGNED_SHARE = 0.99
SAME_DAY_SHARE = 0.9
FREQUENT_DIFF_SHARE = 0.02

_US = 1_000_000
FIXED_UNITS_US = {
    "week": 7 * 86_400 * _US,
    "day": 86_400 * _US,
    "hour": 3_600 * _US,
    "minute": 60 * _US,
    "second": _US,
}
CALENDAR_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# Seasons tested: name -> (length in microseconds for fixed units, length in months for calendar units).
SEASONS = {"daily": (86_400 * _US, None), "weekly": (7 * 86_400 * _US, None), "yearly": (365 * 86_400 * _US, 12)}
SEASON_LABEL = {"daily": "1 day", "weekly": "7 days", "yearly": "1 year"}
_ISO = "'%Y-%m-%dT%H:%M:%S'"


def is_time_type(data_type: str) -> bool:
    return data_type.upper() in TIME_TYPES


def time_expr(column: str, data_type: str) -> str:
    """SQL for the column's values as a UTC TIMESTAMP."""
    col = quote_ident(column)
    if "TIME ZONE" in data_type.upper() or data_type.upper() == "TIMESTAMPTZ":
        return f"timezone('UTC', {col})"
    return f"CAST({col} AS TIMESTAMP)"


def iso(expr: str) -> str:
    return f"strftime({expr}, {_ISO}) || 'Z'"


@dataclass(frozen=True)
class Granularity:
    unit: str
    step: int
    confidence: float
    dominant_gap_us: int

    @property
    def calendar(self) -> bool:
        return self.unit in CALENDAR_MONTHS

    @property
    def period_us(self) -> int:
        return FIXED_UNITS_US[self.unit] * self.step

    @property
    def period_months(self) -> int:
        return CALENDAR_MONTHS[self.unit] * self.step


@dataclass(frozen=True)
class Diffs:
    """Distribution of differences between consecutive distinct values."""

    by_us: list[tuple[int, int]]  # (difference, count), most frequent first
    by_months: list[tuple[int, int]]
    total: int
    same_day: int


@dataclass(frozen=True)
class Source:
    """Where a column's values come from: the FROM/WHERE part every query shares."""

    table: str  # quoted typed table
    column: str
    data_type: str
    series_column: str | None = None
    series_keys: tuple[str, ...] | None = None
    """The series profiled (the `MAX_SERIES` largest): queries per series read only these."""

    @property
    def t(self) -> str:
        return time_expr(self.column, self.data_type)

    def rows(self, series: bool, extra: str = "") -> str:
        """`SELECT s, t[, extra] FROM table WHERE value (and series key) not null`."""
        s = f"CAST({quote_ident(self.series_column)} AS VARCHAR)" if series and self.series_column else "NULL::VARCHAR"
        where = f"{quote_ident(self.column)} IS NOT NULL"
        if series and self.series_column:
            where += f" AND {quote_ident(self.series_column)} IS NOT NULL"
            if self.series_keys is not None:
                where += f" AND {s} IN ({', '.join(quote_literal(k) for k in self.series_keys)})"
        more = f", {extra} AS m" if extra else ""
        return f"SELECT {s} AS s, {self.t} AS t{more} FROM {self.table} WHERE {where}"


def _overview(con: duckdb.DuckDBPyConnection, src: Source, series: bool) -> dict[str | None, tuple]:
    return {row[0]: row[1:] for row in con.execute(_overview_sql(src.rows(series), "s")).fetchall()}


def _overview_sql(rows: str, key: str) -> str:
    """Per `key` of `rows` (`t`: the UTC timestamps), largest first: values, distinct values,
    min and max (epoch microseconds, ISO text), values on a month, quarter and year start."""
    return f"""
        SELECT {key}, count(*), count(DISTINCT t), epoch_us(min(t)), epoch_us(max(t)),
               {iso('min(t)')}, {iso('max(t)')},
               count_if(t = date_trunc('month', t)), count_if(t = date_trunc('quarter', t)),
               count_if(t = date_trunc('year', t))
        FROM ({rows}) GROUP BY {key} ORDER BY count(*) DESC, {key}
    """


def _diffs(con: duckdb.DuckDBPyConnection, src: Source, series: bool, pairs: int = 0) -> Diffs:
    """Differences between consecutive distinct values (per series). `pairs`: how many distinct
    (series, value) pairs there are. Up to `DISTINCT_CELLS` they are made distinct first (a hash
    table); more are read as neighbours in the sorted rows, equal neighbours skipped, which gives
    the same differences: a sort spills to disk where DuckDB cannot spill the hash table (15 M
    distinct timestamps of 20 M rows did not fit a 600 MB limit that way, and fit this way)."""
    if pairs > DISTINCT_CELLS:
        values, neighbours = f"SELECT s, t FROM ({src.rows(series)})", "p IS NOT NULL AND t <> p"
    else:
        values, neighbours = f"SELECT DISTINCT s, t FROM ({src.rows(series)})", "p IS NOT NULL"
    # consecutive within each series, the differences of all series counted together
    return _read_diffs(con.execute(_diffs_sql(values, neighbours, part="s", group="0")).fetchall()).get(
        0, Diffs([], [], 0, 0)
    )


def _diffs_sql(values: str, neighbours: str, part: str, group: str) -> str:
    """The 10 most frequent differences (microseconds, months) between consecutive values `t`
    of `values` (consecutive within `part`), their total and how many keep the day, per `group`."""
    return f"""
        WITH v AS ({values}),
        d AS (SELECT {group} AS g, t, lag(t) OVER (PARTITION BY {part} ORDER BY t) AS p FROM v),
        e AS (
            SELECT g, epoch_us(t) - epoch_us(p) AS dus, datediff('month', p, t) AS dmon,
                   (day(t) = day(p) OR (CAST(t AS DATE) = last_day(t) AND CAST(p AS DATE) = last_day(p)))
                   AND CAST(t AS TIME) = CAST(p AS TIME) AS same_day
            FROM d WHERE {neighbours}
        ),
        u AS (
            SELECT g, 'us' AS kind, dus AS diff, count(*) AS n FROM e GROUP BY g, dus
            UNION ALL SELECT g, 'mon', dmon, count(*) FROM e GROUP BY g, dmon
            UNION ALL SELECT g, 'total', NULL, count(*) FROM e GROUP BY g
            UNION ALL SELECT g, 'same_day', NULL, count_if(same_day) FROM e GROUP BY g
        )
        SELECT g, kind, diff, n FROM u
        QUALIFY row_number() OVER (PARTITION BY g, kind ORDER BY n DESC, diff) <= 10
    """


def _read_diffs(rows: list[tuple]) -> dict[int, Diffs]:
    """`Diffs` per group from the rows of `_diffs_sql` (a group without a difference: none)."""
    found: dict[int, tuple[list, list, list]] = {}
    for g, kind, diff, n in rows:
        by_us, by_months, counts = found.setdefault(int(g), ([], [], [0, 0]))
        if kind == "us":
            by_us.append((int(diff), int(n)))
        elif kind == "mon":
            by_months.append((int(diff), int(n)))
        elif kind == "total":
            counts[0] = int(n)
        else:
            counts[1] = int(n or 0)
    return {
        g: Diffs(sorted(by_us, key=lambda p: (-p[1], p[0])), sorted(by_months, key=lambda p: (-p[1], p[0])),
                 counts[0], counts[1])
        for g, (by_us, by_months, counts) in found.items()
    }


def detect_granularity(diffs: Diffs, values: int, month_starts: int, quarter_starts: int, year_starts: int) -> Granularity | None:
    """The granularity from the difference distribution and calendar alignment (see module doc)."""
    if diffs.total == 0 or not diffs.by_us:
        return None
    d = diffs.by_us[0][0]
    m = diffs.by_months[0][0] if diffs.by_months else 0
    if d >= 28 * FIXED_UNITS_US["day"] and m >= 1 and diffs.same_day >= SAME_DAY_SHARE * diffs.total:
        confidence = dict(diffs.by_months).get(m, 0) / diffs.total
        if m % 12 == 0 and year_starts >= ALIGNED_SHARE * values:
            return Granularity("year", m // 12, confidence, d)
        if m % 3 == 0 and quarter_starts >= ALIGNED_SHARE * values:
            return Granularity("quarter", m // 3, confidence, d)
        return Granularity("month", m, confidence, d)
    frequent = [diff for diff, n in diffs.by_us if n >= max(2, FREQUENT_DIFF_SHARE * diffs.total)]
    period = math.gcd(*frequent) if frequent else d
    confidence = dict(diffs.by_us).get(period, 0) / diffs.total
    for unit, length in FIXED_UNITS_US.items():
        if period >= length and period % length == 0:
            return Granularity(unit, period // length, confidence, d)
    return Granularity("second", 1, confidence, d)


def period_index(src: Source, gran: Granularity, origin_us: int, origin_month: int) -> str:
    """SQL for the period index of `t`."""
    if gran.calendar:
        return f"((year(t) * 12 + month(t) - 1) - {origin_month}) // {gran.period_months}"
    return f"(epoch_us(t) - {origin_us}) // {gran.period_us}"


def _gaps(con: duckdb.DuckDBPyConnection, src: Source, series: bool, idx: str) -> tuple[dict, dict]:
    return _gap_rows(con, f"SELECT s, t, {idx} AS i FROM ({src.rows(series)})", "s")


def _gap_rows(con: duckdb.DuckDBPyConnection, indexed: str, key: str) -> tuple[dict, dict]:
    """Per `key` of `indexed` (`t` and its period index `i`): (periods present, expected, gaps,
    missing periods, longest time between observations, first and last index), and the
    `MAX_GAP_DETAILS` largest gaps (last time before, first after, periods missing; the largest
    first, ties by position).

    One query: the periods present (grouped once), each with its predecessor (window `lag`), then
    per key the summary aggregates and the largest gaps as a top-N aggregate (`max_by(..., n)`,
    no sort of every gap); only those few are formatted as text."""
    top = "{'gap': i - pi, 'at': -i}"  # largest gap first, then the earliest
    rows = con.execute(
        f"""
        WITH v AS (SELECT {key} AS k, i, min(t) AS first_t, max(t) AS last_t FROM ({indexed}) GROUP BY k, i),
        g AS (SELECT k, i, first_t, lag(i) OVER w AS pi, lag(last_t) OVER w AS plast
              FROM v WINDOW w AS (PARTITION BY k ORDER BY i)),
        s AS (
            SELECT k, count(*) AS present, max(i) - min(i) + 1 AS expected,
                   coalesce(count_if(i - pi > 1), 0) AS gaps,
                   coalesce(sum(i - pi - 1) FILTER (WHERE i - pi > 1), 0) AS missing,
                   max(epoch_us(first_t) - epoch_us(plast)) AS longest, min(i) AS first_i, max(i) AS last_i,
                   max_by({{'plast': plast, 'first_t': first_t, 'missing': i - pi - 1}}, {top}, {MAX_GAP_DETAILS})
                       FILTER (WHERE i - pi > 1) AS top
            FROM g GROUP BY k
        )
        SELECT k, present, expected, gaps, missing, longest, first_i, last_i,
               list_transform(top, lambda x: [{iso('x.plast')}, {iso('x.first_t')}, CAST(x.missing AS VARCHAR)])
        FROM s
        """
    ).fetchall()
    by_key: dict = {}
    for row in rows:
        if row[8]:
            by_key[row[0]] = [GapDetail(start=start, end=end, missing_periods=int(missing)) for start, end, missing in row[8]]
    return {row[0]: row[1:8] for row in rows}, by_key


def _signals(
    con: duckdb.DuckDBPyConnection, src: Source, series: bool, idx: str, measure: str | None, factor: int
) -> dict[str | None, list[tuple[int, int, float | None]]]:
    extra = f"CAST({quote_ident(measure)} AS DOUBLE)" if measure else ""
    return _signal_rows(con, src.rows(series, extra), "s", f"({idx}) // {factor}", measure is not None)


def _signal_rows(con: duckdb.DuckDBPyConnection, source: str, key: str, bucket: str, measured: bool) -> dict:
    """Per `key` of `source`, per signal point `bucket`: (point, rows, mean of the measure `m`)."""
    out: dict = {}
    for k, i, n, avg in con.execute(
        f"SELECT {key} AS k, {bucket} AS j, count(*), {'avg(m)' if measured else 'NULL'} "
        f"FROM ({source}) GROUP BY k, j ORDER BY k, j"
    ).fetchall():
        out.setdefault(k, []).append((int(i), int(n), None if avg is None else float(avg)))
    return out


def _season_lags(gran: Granularity, factor: int) -> dict[str, int]:
    lags: dict[str, int] = {}
    for name, (length_us, months) in SEASONS.items():
        if gran.calendar:
            if months is None or months % (gran.period_months * factor):
                continue
            lag = months // (gran.period_months * factor)
        else:
            period = gran.period_us * factor
            if name == "yearly" and gran.unit == "week" and gran.step == 1 and factor == 1:
                lag = 52
            elif length_us % period:
                continue
            else:
                lag = length_us // period
        if lag >= 2:
            lags[name] = lag
    return lags


def _signal_profile(
    points: list[tuple[int, int, float | None]], measure: str | None, lags: dict[str, int]
) -> dict[str, object]:
    first, last = points[0][0], points[-1][0]
    counts = np.zeros(last - first + 1)
    means = np.full(last - first + 1, np.nan)
    for i, n, avg in points:
        counts[i - first] = n
        if avg is not None:
            means[i - first] = avg
    present = {n for _, n, _ in points}
    values, signal = counts, "row_count"
    if len(present) == 1 and measure is not None and not np.all(np.isnan(means)):
        values = np.where(np.isnan(means), np.nanmean(means), means)
        signal = f"mean({measure})"
    out: dict[str, object] = {"signal": signal}
    season = stats.seasonality(values, sorted(set(lags.values())))
    out["has_seasonality"] = season is not None
    if season is not None:
        name = next(n for n, lag in lags.items() if lag == season.lag)
        out.update(seasonality_period=SEASON_LABEL[name], seasonality_name=name,
                   seasonality_strength=round(season.strength, 6))
    trend = stats.mann_kendall(values)
    if trend is not None:
        out.update(trend_direction=trend.direction, trend_p_value=trend.p_value, trend_slope=trend.slope)
    return out


def profile_column(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    typed_table: str,
    column: str,
    data_type: str,
    series_column: str | None = None,
    measure_column: str | None = None,
) -> TemporalProfileResult:
    """The temporal profile of one time column, and of each of its series when `series_column` is set."""
    src = Source(typed_table, column, data_type, series_column)
    result = TemporalProfileResult(
        table_name=table_name, column_name=column, data_type=data_type, series_column=series_column
    )
    whole = _overview(con, src, series=False).get(None)
    if whole is None:
        return result
    _fill_range(result, whole)
    diffs = _diffs(con, src, series=False, pairs=int(whole[1]))
    gran = detect_granularity(diffs, whole[0], *whole[6:9])
    if gran is None:
        return result
    origin_us = int(whole[2])
    origin_month = _origin_month(con, origin_us)
    idx = period_index(src, gran, origin_us, origin_month)
    _fill_periods(con, src, False, idx, gran, measure_column, {None: result})

    if series_column is not None:
        overview = _overview(con, src, series=True)
        keys = list(overview)[:MAX_SERIES]
        if len(overview) > len(keys):  # the largest series only: every later query reads just those
            src = replace(src, series_keys=tuple(str(key) for key in keys))
            overview = {key: overview[key] for key in keys}
        profiles = {key: TemporalSeriesProfile(series_key=key) for key in keys}
        for key, row in overview.items():
            _fill_range(profiles[key], row)
        pairs = sum(int(row[1]) for row in overview.values())
        series_gran = detect_granularity(_diffs(con, src, series=True, pairs=pairs), *_series_alignment(overview))
        if series_gran is not None:
            sidx = period_index(src, series_gran, origin_us, origin_month)
            _fill_periods(con, src, True, sidx, series_gran, measure_column, profiles)
        result.series = [profiles[key] for key in sorted(profiles, key=str)]
    return result


_EPOCH = datetime(1970, 1, 1)


def _origin_month(con: duckdb.DuckDBPyConnection, origin_us: int) -> int:
    """Months from year 0 to the month of the instant `origin_us` (microseconds since the epoch):
    in Python within its calendar's years 1-9999, else asked of DuckDB (the same proleptic
    Gregorian calendar)."""
    try:
        instant = _EPOCH + timedelta(microseconds=origin_us)
    except OverflowError:
        return int(con.execute(
            f"SELECT year(make_timestamp({origin_us})) * 12 + month(make_timestamp({origin_us})) - 1"
        ).fetchall()[0][0])
    return instant.year * 12 + instant.month - 1


BATCH_CELLS = 1_000_000
"""Time values (rows x columns) one batched query reads (`profile_columns`): a wide table's many
time columns are profiled a batch at a time, a big table's one by one."""


def profile_columns(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    typed_table: str,
    columns: list[tuple[str, str]],
    measure_column: str | None = None,
) -> list[TemporalProfileResult]:
    """The profiles of several time columns (name, type) of one table, none split into series:
    what `profile_column` gives for each (tested), in five queries for all of them instead of
    six per column. Each query reads the columns side by side (`unnest`), keyed by their index."""
    results = [
        TemporalProfileResult(table_name=table_name, column_name=column, data_type=data_type, series_column=None)
        for column, data_type in columns
    ]
    if not columns:
        return results
    times = ", ".join(time_expr(column, data_type) for column, data_type in columns)
    extra = f", CAST({quote_ident(measure_column)} AS DOUBLE) AS m" if measure_column else ""
    rows = (
        f"SELECT c, t{', m' if measure_column else ''} FROM (SELECT unnest(range({len(columns)})) AS c, "
        f"unnest([{times}]) AS t{extra} FROM {typed_table}) WHERE t IS NOT NULL"
    )
    overview = {int(row[0]): row[1:] for row in con.execute(_overview_sql(rows, "c")).fetchall()}
    pairs = sum(int(row[1]) for row in overview.values())
    diffs = _batch_diffs(con, rows, pairs)
    grans: dict[int, tuple[Granularity, int, int]] = {}
    for c, whole in overview.items():
        _fill_range(results[c], whole)
        gran = detect_granularity(diffs.get(c, Diffs([], [], 0, 0)), whole[0], *whole[6:9])
        if gran is not None:
            grans[c] = (gran, int(whole[2]), _origin_month(con, int(whole[2])))
    if not grans:
        return results
    # each column's period index, from its own granularity and origin (a small joined table)
    params = ", ".join(
        f"({c}, {gran.calendar}, {gran.period_us if not gran.calendar else 1}, {origin_us}::BIGINT, "
        f"{origin_month}, {gran.period_months if gran.calendar else 1})"
        for c, (gran, origin_us, origin_month) in grans.items()
    )
    indexed = (
        f"SELECT r.*, CASE WHEN p.calendar THEN ((year(t) * 12 + month(t) - 1) - p.origin_month) // p.months "
        f"ELSE (epoch_us(t) - p.origin_us) // p.period_us END AS i "
        f"FROM ({rows}) AS r JOIN (VALUES {params}) AS p(c, calendar, period_us, origin_us, origin_month, months) "
        "ON r.c = p.c"
    )
    summary, details = _gap_rows(con, indexed, "c")
    factors = {c: _signal_factor({None: summary[c]} if c in summary else {}, {None: None}) for c in grans}
    factor_values = ", ".join(f"({c}, {factor})" for c, factor in factors.items())
    signals = _signal_rows(
        con, f"SELECT x.*, f.factor FROM ({indexed}) AS x JOIN (VALUES {factor_values}) AS f(c, factor) ON x.c = f.c",
        "c", "i // factor", measure_column is not None,
    )
    for c, (gran, _, _) in grans.items():
        _apply_periods(
            gran, measure_column, {None: results[c]},
            {None: summary[c]} if c in summary else {}, {None: details.get(c, [])},
            {None: signals[c]} if c in signals else {}, factors[c],
        )
    return results


def _batch_diffs(con: duckdb.DuckDBPyConnection, rows: str, pairs: int) -> dict[int, Diffs]:
    """`_diffs` of every column of a batch (`rows` gives `c`, `t`), in one query."""
    if pairs > DISTINCT_CELLS:
        values, neighbours = f"SELECT c, t FROM ({rows})", "p IS NOT NULL AND t <> p"
    else:
        values, neighbours = f"SELECT DISTINCT c, t FROM ({rows})", "p IS NOT NULL"
    return _read_diffs(con.execute(_diffs_sql(values, neighbours, part="c", group="c")).fetchall())


def _series_alignment(overview: dict[str | None, tuple]) -> tuple[int, int, int, int]:
    rows = list(overview.values())
    return (sum(r[0] for r in rows), sum(r[6] for r in rows), sum(r[7] for r in rows), sum(r[8] for r in rows))


def _fill_range(profile: TemporalSeriesProfile, row: tuple) -> None:
    profile.value_count = int(row[0])
    profile.distinct_count = int(row[1])
    profile.min_timestamp, profile.max_timestamp = row[4], row[5]


def _fill_periods(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    series: bool,
    idx: str,
    gran: Granularity,
    measure: str | None,
    targets: dict[str | None, TemporalSeriesProfile],
) -> None:
    summary, details = _gaps(con, src, series, idx)
    factor = _signal_factor(summary, targets)
    signals = _signals(con, src, series, idx, measure, factor)
    _apply_periods(gran, measure, targets, summary, details, signals, factor)


def _signal_factor(summary: dict, targets: dict) -> int:
    """Periods per signal point: the longest series' expected periods within `MAX_SIGNAL_PERIODS`."""
    longest = max((int(row[1]) for key, row in summary.items() if key in targets), default=0)
    return max(1, math.ceil(longest / MAX_SIGNAL_PERIODS))


def _apply_periods(
    gran: Granularity,
    measure: str | None,
    targets: dict[str | None, TemporalSeriesProfile],
    summary: dict,
    details: dict,
    signals: dict,
    factor: int,
) -> None:
    lags = _season_lags(gran, factor)
    for key, profile in targets.items():
        row = summary.get(key)
        if row is None:
            continue
        actual, expected, gap_count, missing, largest = (int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4])
        profile.detected_granularity = gran.unit
        profile.granularity_step = gran.step
        profile.granularity_confidence = round(gran.confidence, 6)
        profile.dominant_gap_seconds = gran.dominant_gap_us / _US
        profile.largest_gap_seconds = None if largest is None else largest / _US
        profile.expected_periods = expected
        profile.actual_periods = actual
        profile.completeness_ratio = actual / expected if expected else None
        profile.gap_count = gap_count
        profile.missing_periods = missing
        profile.gap_details = details.get(key, [])
        points = signals.get(key)
        if points:
            for name, value in _signal_profile(points, measure, lags).items():
                setattr(profile, name, value)
