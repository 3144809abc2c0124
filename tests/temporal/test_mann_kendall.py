"""`mann_kendall` walks the pairs a band of rows at a time (no n x n matrix): it must give what the
textbook formulation over all pairs i < j gives, for any signal (ties, constants, blocks)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dataraum_context.temporal import stats


def _reference(values: list[float]) -> stats.Trend | None:
    x = stats._blocks(np.asarray(values, dtype=float), stats.MAX_TREND_POINTS)
    n = x.size
    if n < 3:
        return None
    i, j = np.triu_indices(n, k=1)
    pairs = x[j] - x[i]
    s = float(np.sign(pairs).sum())
    _, ties = np.unique(x, return_counts=True)
    ties = ties[ties > 1].astype(float)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18.0
    slope = float(np.median(pairs / (j - i).astype(float)))
    if var <= 0:
        return stats.Trend("stable", 1.0, slope)
    z = (s - math.copysign(1.0, s)) / math.sqrt(var) if s != 0 else 0.0
    p = math.erfc(abs(z) / math.sqrt(2.0))
    if p < stats.TREND_ALPHA:
        return stats.Trend("increasing" if s > 0 else "decreasing", p, slope)
    return stats.Trend("stable", p, slope)


SIGNALS = st.one_of(
    st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=0, max_size=300),
    st.lists(st.integers(0, 3).map(float), min_size=0, max_size=300),  # many ties
    st.tuples(st.floats(-10, 10), st.integers(0, 50)).map(lambda t: [t[0]] * t[1]),  # constant
)


@settings(max_examples=80, deadline=None)
@given(SIGNALS)
def test_same_trend_as_all_pairs(values: list[float]) -> None:
    assert stats.mann_kendall(values) == _reference(values)


def test_long_signal_is_blocked_the_same_way() -> None:
    values = list(np.random.default_rng(7).normal(size=5_000).cumsum())
    assert stats.mann_kendall(values) == _reference(values)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 5).map(float), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=60))
def test_median_is_numpys(values: list[float]) -> None:
    array = np.asarray(values, dtype=float)
    assert stats.median(array) == float(np.median(array))
