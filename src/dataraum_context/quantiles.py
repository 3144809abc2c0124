"""Exact quantiles of a column from its distinct values and their counts.

A column of millions of rows with a few thousand distinct numbers (quantities, rates, small
codes) need not have every row sorted for its quantiles: with the n values in order,
x[0..n-1], DuckDB's `quantile_cont(x, q)` is x[floor(h)] at h = (n - 1) q when h is whole,
else an interpolation between lo = x[floor(h)] and hi = x[ceil(h)], d = h - floor(h) of the
way. The neighbours come from the cumulative counts; the interpolation is left to DuckDB's
own `quantile_cont` of the two values at fraction d (for two values, its position is d
itself), so the result is the one DuckDB gives over every row to the last bit (tested in
tests/profiling/test_quantiles_from_groups.py and tests/quality/test_range_from_groups.py).
`mad` likewise: the median of |x - median| over the same counts.

`values` are (number, count) pairs, finite numbers, ascending, each number once, counts > 0.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

FEW_ROWS = 100_000
FEW_VALUES = 10_000
"""Where counting pays: a numeric column of a table of at least `FEW_ROWS` rows with at most
`FEW_VALUES` distinct values takes its order statistics from the counts instead of a sort of
every row (TPC-H's lineitem: 5 of its 8 numeric columns; profile 4.8 s -> 3.5-4.2 s, range
rules 2.1 s -> 0.9 s). Smaller tables sort quickly; more values make the counts a sort too."""


def worth_counting(rows: int, distinct: int | None) -> bool:
    """Whether a column of `distinct` values in a table of `rows` rows is read from its counts."""
    return rows >= FEW_ROWS and distinct is not None and distinct <= FEW_VALUES


SORTED_SHARE = 0.2
"""Beyond `FEW_VALUES`, a column of a big table with at most this share of distinct values per
row still takes its quantiles from its distinct values, sorted in SQL with their running counts
(`worth_sorting`), instead of every row: TPC-H's l_partkey (200,000 of 6 M) 0.44 s -> 0.08 s,
l_extendedprice (934,000) 0.45 s -> 0.26 s. Above it the rows are cheaper: l_orderkey (1.5 M
of 6 M, and already in order) 0.25 s from its rows, 0.39 s from its values."""


def worth_sorting(rows: int, distinct: int | None) -> bool:
    """Whether a column not `worth_counting` takes its quantiles from its sorted distinct values."""
    return (
        rows >= FEW_ROWS and distinct is not None and not worth_counting(rows, distinct)
        and distinct <= SORTED_SHARE * rows
    )


def from_counts(con: Any, values: Sequence[tuple[float, int]], fractions: Sequence[float]) -> list[float]:
    """`quantile_cont` at each of `fractions` of the values that `values` counts (one small query
    for all the fractions that fall between two different positions)."""
    ends = list(itertools.accumulate(count for _, count in values))  # last position + 1 of each number

    def at(position: int) -> float:
        return values[bisect.bisect_right(ends, position)][0]

    return from_positions(con, ends[-1], at, fractions)


def positions(total: int, fractions: Sequence[float]) -> list[int]:
    """The positions (0-based, in ascending order of the values) `from_positions` reads for
    `total` values."""
    found: set[int] = set()
    for q in fractions:
        h = (total - 1) * q
        found.update((math.floor(h), math.ceil(h)))
    return sorted(found)


def from_positions(con: Any, total: int, at: Callable[[int], float], fractions: Sequence[float]) -> list[float]:
    """`quantile_cont` at each of `fractions` of `total` values, `at(k)` being the value at
    position k of the sorted values (only the `positions(total, fractions)` are asked)."""
    found: dict[int, float] = {}
    between: list[tuple[int, float, float, float]] = []
    for k, q in enumerate(fractions):
        h = (total - 1) * q
        low, high = math.floor(h), math.ceil(h)
        if low == high:
            found[k] = at(low)
        else:
            between.append((k, at(low), at(high), h - low))
    if between:
        aggregates = ", ".join(f"quantile_cont(x{j}, ?::DOUBLE)" for j in range(len(between)))
        pairs = ", ".join(f"unnest(?::DOUBLE[]) AS x{j}" for j in range(len(between)))
        params: list[Any] = [d for _, _, _, d in between] + [[lo, hi] for _, lo, hi, _ in between]
        row = con.execute(f"SELECT {aggregates} FROM (SELECT {pairs})", params).fetchone()
        found.update({k: float(v) for (k, _, _, _), v in zip(between, row, strict=True)})
    return [found[k] for k in range(len(fractions))]


def median_and_mad(con: Any, values: Sequence[tuple[float, int]]) -> tuple[float, float]:
    """DuckDB's `median(x)` and `mad(x)` (median of |x - median|) of the counted values."""
    (median,) = from_counts(con, values, [0.5])
    deviations: dict[float, int] = {}
    for x, count in values:
        deviation = abs(x - median)
        deviations[deviation] = deviations.get(deviation, 0) + count
    (mad,) = from_counts(con, sorted(deviations.items()), [0.5])
    return median, mad
