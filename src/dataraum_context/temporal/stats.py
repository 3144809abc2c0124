"""Trend and seasonality tests on a per-period signal (a short numpy array, never raw rows).

- Trend: Mann-Kendall test with the normal approximation and the tie correction
  (Hipel & McLeod): S = sum over i<j of sign(x_j - x_i),
  Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18, Z = (S - sign(S)) / sqrt(Var(S)),
  two-sided p = erfc(|Z| / sqrt(2)). p < `TREND_ALPHA` gives 'increasing' (S > 0) or
  'decreasing' (S < 0), otherwise 'stable'. The slope reported is Sen's slope (median of
  pairwise slopes). Signals longer than `MAX_TREND_POINTS` are averaged into that many
  consecutive blocks first (the test is O(n^2)).
- Seasonality: the signal is detrended (least-squares line removed) and its
  autocorrelation computed at each candidate lag. A lag is seasonal when the signal
  covers at least `MIN_CYCLES` cycles and the autocorrelation is at least
  max(`MIN_SEASONAL_ACF`, 2/sqrt(n)) (the approximate 95% white-noise band). The
  strongest seasonal lag wins. A constant signal has no seasonality.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TREND_ALPHA = 0.05
MAX_TREND_POINTS = 2000
MK_BAND = 128
MIN_SEASONAL_ACF = 0.3
MIN_CYCLES = 3


@dataclass(frozen=True)
class Trend:
    direction: str  # 'increasing' | 'decreasing' | 'stable'
    p_value: float
    slope: float


@dataclass(frozen=True)
class Season:
    lag: int
    strength: float


def _blocks(values: np.ndarray, limit: int) -> np.ndarray:
    if values.size <= limit:
        return values
    edges = np.linspace(0, values.size, limit + 1).astype(int)
    return np.array([values[a:b].mean() for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a])


def mann_kendall(values: np.ndarray | list[float]) -> Trend | None:
    """Mann-Kendall trend test (None with fewer than 3 points)."""
    x = _blocks(np.asarray(values, dtype=float), MAX_TREND_POINTS)
    n = x.size
    if n < 3:
        return None
    # the pairs i < j a band of `MK_BAND` rows i at a time: the pairs with j past the band form a
    # dense block (x_j - x_i, and its slope / (j - i)), those inside the band a small triangle;
    # no n x n matrix and no masking, a few numpy calls per band (the work runs in numpy without
    # the GIL while other time columns are profiled: `fanout`); the sum of signs and the median
    # do not depend on the order of the pairs
    s = 0.0
    slopes = np.empty(n * (n - 1) // 2)
    at = 0
    positions = np.arange(n, dtype=float)
    for a in range(0, n - 1, MK_BAND):
        b = min(n, a + MK_BAND)
        inner_i, inner_j = np.triu_indices(b - a, 1)
        inner = x[a + inner_j] - x[a + inner_i]
        block = x[None, b:] - x[a:b, None]
        s += float(np.sign(inner).sum()) + float(np.sign(block).sum())
        slopes[at:at + inner.size] = inner / (inner_j - inner_i)
        at += inner.size
        slopes[at:at + block.size] = (block / (positions[None, b:] - positions[a:b, None])).ravel()
        at += block.size
    _, ties = np.unique(x, return_counts=True)
    ties = ties[ties > 1].astype(float)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18.0
    slope = median(slopes)
    if var <= 0:
        return Trend("stable", 1.0, slope)
    z = (s - math.copysign(1.0, s)) / math.sqrt(var) if s != 0 else 0.0
    p = math.erfc(abs(z) / math.sqrt(2.0))
    if p < TREND_ALPHA:
        return Trend("increasing" if s > 0 else "decreasing", p, slope)
    return Trend("stable", p, slope)


def median(values: np.ndarray) -> float:
    """`np.median` of a non-empty array, from one partition: the upper middle value is the k-th
    smallest, the lower one (even sizes) the largest before it (`np.median` partitions at both,
    five times slower on a million slopes). Arrays holding NaN go to `np.median`."""
    size = values.size
    if size == 0 or np.isnan(values).any():
        return float(np.median(values))
    k = size // 2
    part = np.partition(values, k)
    if size % 2:
        return float(part[k])
    return float(np.mean([part[:k].max(), part[k]]))


def autocorrelation(values: np.ndarray, lag: int) -> float | None:
    """Autocorrelation of the detrended signal at `lag` (None for a constant signal)."""
    n = values.size
    if lag <= 0 or lag >= n:
        return None
    t = np.arange(n, dtype=float)
    slope, intercept = np.polyfit(t, values, 1)
    resid = values - (slope * t + intercept)
    denom = float((resid * resid).sum())
    if denom <= 1e-12 * max(1.0, float((values * values).sum())):
        return None
    return float((resid[:-lag] * resid[lag:]).sum() / denom)


def seasonality(values: np.ndarray | list[float], lags: list[int]) -> Season | None:
    """The strongest seasonal lag among `lags`, or None when none qualifies."""
    x = np.asarray(values, dtype=float)
    n = x.size
    threshold = max(MIN_SEASONAL_ACF, 2.0 / math.sqrt(n)) if n else 1.0
    best: Season | None = None
    for lag in lags:
        if n < MIN_CYCLES * lag:
            continue
        acf = autocorrelation(x, lag)
        if acf is not None and acf >= threshold and (best is None or acf > best.strength):
            best = Season(lag, acf)
    return best
