"""Dimension estimates: mean over items × epochs with a cluster-bootstrap interval.

Items are the clusters; the point estimate is the mean of every score (items × epochs × judges).

* One score per item: ``scipy.stats.bootstrap`` (percentile) of the mean of the item scores.
* Several scores per item: a seeded two-stage cluster bootstrap (Davison & Hinkley 1997, §3.8):
  resample items with replacement, then resample each drawn item's scores with replacement, and
  take the mean of everything drawn; the interval is the percentile interval of those means.
  scipy's bootstrap has no nested resampling, so this stage is plain numpy.

Degenerate input is reported, not papered over: no scores → everything None; a single item →
mean only (between-item spread cannot be estimated); all scores equal → (mean, mean). The
interval is clipped into [min(scores), max(scores)] and widened, if ever needed, to hold the mean.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rolecall.stats._lazy import stats

_CHUNK_CELLS = 4_000_000  # bound on scores picked at once (memory)


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_items: int


def _clean(values: Sequence[float | None]) -> np.ndarray:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    finite: np.ndarray = arr[~np.isnan(arr)]
    return finite


def _single_stage(values: np.ndarray, confidence: float, n_resamples: int, seed: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = stats.bootstrap(
            (values,),
            np.mean,
            confidence_level=confidence,
            n_resamples=n_resamples,
            method="percentile",
            random_state=np.random.default_rng(seed),
            vectorized=True,
        )
    return np.array([res.confidence_interval.low, res.confidence_interval.high], dtype=float)


def _resampled_sums(rng: np.random.Generator, values: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """For each b, the sum of ``draws[b]`` picks with replacement from ``values``."""
    vals, counts = np.unique(values, return_counts=True)
    if vals.size * 8 <= values.size:  # few distinct scores (rubric points): draw counts per value
        sums: np.ndarray = rng.multinomial(draws, counts / values.size) @ vals
        return sums
    out = np.zeros(draws.size)
    for m in np.unique(draws[draws > 0]):  # rows needing the same number of picks, in chunks
        rows = np.flatnonzero(draws == m)
        step = max(1, _CHUNK_CELLS // int(m))
        for i in range(0, rows.size, step):
            chunk = rows[i : i + step]
            idx = rng.integers(0, values.size, size=(chunk.size, int(m)), dtype=np.int32)
            out[chunk] = values[idx].sum(axis=1)
    return out


def _two_stage_means(groups: list[np.ndarray], n_resamples: int, seed: int) -> np.ndarray:
    """Means of ``n_resamples`` two-stage cluster resamples (items, then scores within items).

    An item drawn ``m`` times contributes ``m`` independent within-item resamples of its ``n_j``
    scores, i.e. ``m * n_j`` picks with replacement from its scores — drawn in one go (as
    counts per distinct value when scores are few-valued), so cost never pads to the largest item.
    """
    rng = np.random.default_rng(seed)
    k = len(groups)
    sizes = np.array([g.size for g in groups])
    copies = rng.multinomial(k, np.full(k, 1.0 / k), size=n_resamples)  # (resamples, items)
    totals = np.zeros(n_resamples)
    for j, g in enumerate(groups):
        totals += _resampled_sums(rng, g, copies[:, j] * g.size)
    means: np.ndarray = totals / (copies @ sizes)
    return means


def dimension_estimate(
    scores_by_item: Mapping[str, Sequence[float]],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> Estimate:
    """Mean of all scores with a percentile cluster-bootstrap ``confidence`` interval.

    One score per item: ``scipy.stats.bootstrap`` over the item scores. Otherwise a seeded numpy
    two-stage bootstrap (items with replacement, then each drawn item's scores with replacement).
    ``n`` counts scores, ``n_items`` items with at least one score; None/NaN scores are ignored.
    Undefined parts are None (no scores: everything; one item: the interval).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    groups = [g for g in (_clean(v) for v in scores_by_item.values()) if g.size]
    if not groups:
        return Estimate(None, None, None, 0, 0)
    allv = np.concatenate(groups)
    mean = float(allv.mean())
    n, k = int(allv.size), len(groups)
    if k < 2 or n_resamples < 1:
        return Estimate(mean, None, None, n, k)
    lo_clip, hi_clip = float(allv.min()), float(allv.max())
    if lo_clip == hi_clip:
        return Estimate(mean, mean, mean, n, k)
    if all(g.size == 1 for g in groups):
        low, high = _single_stage(allv, confidence, n_resamples, seed)
    else:
        tail = (1 - confidence) / 2
        low, high = np.quantile(_two_stage_means(groups, n_resamples, seed), [tail, 1 - tail])
    if math.isnan(low) or math.isnan(high):
        return Estimate(mean, None, None, n, k)
    low, high = max(float(low), lo_clip), min(float(high), hi_clip)
    return Estimate(mean, min(low, mean), max(high, mean), n, k)
