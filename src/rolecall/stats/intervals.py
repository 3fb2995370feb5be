"""Dimension estimates: mean over items × epochs with a cluster-bootstrap 95% interval.

Items are the clusters. With one score per item the interval is ``scipy.stats.bootstrap``
(percentile) on the item scores. With several scores per item (epochs, judges) it is a seeded
two-stage cluster bootstrap: resample items with replacement, then resample each chosen item's
scores with replacement, and take the mean of everything drawn (percentile interval).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_items: int


def _clean(values: Sequence[float]) -> np.ndarray:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    return arr[~np.isnan(arr)]


def dimension_estimate(
    scores_by_item: Mapping[str, Sequence[float]],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> Estimate:
    groups = [g for g in (_clean(v) for v in scores_by_item.values()) if g.size]
    if not groups:
        return Estimate(None, None, None, 0, 0)
    allv = np.concatenate(groups)
    mean = float(allv.mean())
    n, k = int(allv.size), len(groups)
    if k < 2:
        return Estimate(mean, None, None, n, k)
    lo_clip, hi_clip = float(allv.min()), float(allv.max())
    if lo_clip == hi_clip:
        return Estimate(mean, mean, mean, n, k)
    alpha = 1 - confidence
    if all(g.size == 1 for g in groups):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap(
                (allv,),
                np.mean,
                confidence_level=confidence,
                n_resamples=n_resamples,
                method="percentile",
                random_state=np.random.default_rng(seed),
                vectorized=True,
            )
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    else:
        rng = np.random.default_rng(seed)
        sizes = np.array([g.size for g in groups])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        picks = rng.integers(0, k, size=(n_resamples, k))  # items drawn per resample
        pick_sizes = sizes[picks]
        # within each drawn item, draw as many scores as it has (uniform over its scores)
        max_size = int(sizes.max())
        u = rng.random((n_resamples, k, max_size))
        idx = np.floor(u * pick_sizes[..., None]).astype(int)
        flat_idx = offsets[picks][..., None] + idx
        drawn = allv[flat_idx]
        mask = np.arange(max_size)[None, None, :] < pick_sizes[..., None]
        totals = (drawn * mask).sum(axis=(1, 2))
        counts = mask.sum(axis=(1, 2))
        boot = totals / counts
        low = float(np.quantile(boot, alpha / 2))
        high = float(np.quantile(boot, 1 - alpha / 2))
    low, high = max(low, lo_clip), min(high, hi_clip)
    low, high = min(low, mean), max(high, mean)
    return Estimate(mean, low, high, n, k)
