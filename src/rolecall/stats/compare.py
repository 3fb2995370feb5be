"""Comparing two runs on one dimension: permutation tests, bootstrap CI, effect sizes, Holm.

* p-values: ``scipy.stats.permutation_test`` on the difference of means, two-sided —
  ``permutation_type="samples"`` (sign flips within pairs) for paired items, ``"independent"``
  otherwise.
* CI of the difference: ``scipy.stats.bootstrap`` (percentile; paired resampling when paired).
* Effect sizes: Cohen's d (d_z = mean/sd of the paired differences; pooled-sd d when unpaired)
  and Cliff's delta P(b > a) − P(b < a) (Cliff 1993), from the Mann–Whitney U of scipy.
* ``holm``: Holm (1979) step-down adjustment across dimensions.

Undefined figures are None: no pairs, a single pair (no p-value, no CI), zero spread (no d).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rolecall.stats._lazy import stats


@dataclass(frozen=True)
class Comparison:
    dimension: str
    mean_a: float | None
    mean_b: float | None
    diff: float | None  # mean_b - mean_a
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    cliffs_delta: float | None
    cohens_d: float | None
    n_pairs: int


def _finite(x: float | None) -> bool:
    return x is not None and not math.isnan(x)


def _clean(values: Sequence[float | None]) -> np.ndarray:
    return np.array([v for v in values if _finite(v)], dtype=float)


def cliffs_delta(a: np.ndarray, b: np.ndarray) -> float | None:
    """P(b > a) − P(b < a) over all cross pairs (Cliff 1993), via Mann–Whitney U of b."""
    if a.size == 0 or b.size == 0:
        return None
    u = stats.mannwhitneyu(b, a, method="asymptotic").statistic  # #(b>a) + ties/2
    return float(2 * u / (a.size * b.size) - 1)


def _mean_diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    diff: np.ndarray = np.mean(y, axis=axis) - np.mean(x, axis=axis)
    return diff


def _permutation_p(x: np.ndarray, y: np.ndarray, kind: str, seed: int, n: int) -> float:
    res = stats.permutation_test(
        (x, y),
        _mean_diff,
        permutation_type=kind,
        alternative="two-sided",
        n_resamples=n,
        random_state=np.random.default_rng(seed),
        vectorized=True,
    )
    return float(min(1.0, res.pvalue))


def _boot_ci(
    x: np.ndarray, y: np.ndarray, paired: bool, seed: int, n: int
) -> tuple[float | None, float | None]:
    if x.size < 2 or y.size < 2:
        return None, None
    degenerate = np.ptp(y - x) == 0 if paired else np.ptp(x) == 0 and np.ptp(y) == 0
    if degenerate:
        v = float(_mean_diff(x, y))
        return v, v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = stats.bootstrap(
            (x, y),
            _mean_diff,
            paired=paired,
            n_resamples=n,
            method="percentile",
            random_state=np.random.default_rng(seed),
            vectorized=True,
        )
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return (None, None) if math.isnan(lo) or math.isnan(hi) else (lo, hi)


def _empty(dimension: str, x: np.ndarray, y: np.ndarray) -> Comparison:
    ma = float(x.mean()) if x.size else None
    mb = float(y.mean()) if y.size else None
    return Comparison(dimension, ma, mb, None, None, None, None, None, None, None, 0)


def paired_comparison(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    dimension: str,
    seed: int = 0,
    n_resamples: int = 5000,
) -> Comparison:
    """Compare item means of run A and run B on the items both have (``diff`` = B − A).

    mean_a / mean_b are over the paired items, so diff == mean_b − mean_a. With no shared item,
    they are each run's own mean and everything else is None (use ``unpaired_comparison``).
    """
    shared = sorted(i for i in set(a) & set(b) if _finite(a[i]) and _finite(b[i]))
    if not shared:
        return _empty(dimension, _clean(list(a.values())), _clean(list(b.values())))
    x = np.array([a[i] for i in shared], dtype=float)
    y = np.array([b[i] for i in shared], dtype=float)
    d = y - x
    p: float | None = None
    if d.size >= 2:
        p = 1.0 if np.all(d == 0) else _permutation_p(x, y, "samples", seed, n_resamples)
    sd = float(d.std(ddof=1)) if d.size >= 2 else 0.0
    dz = float(d.mean() / sd) if sd > 0 else None
    lo, hi = _boot_ci(x, y, True, seed, n_resamples)
    return Comparison(
        dimension, float(x.mean()), float(y.mean()), float(d.mean()), lo, hi,
        p, None, cliffs_delta(x, y), dz, len(shared),
    )  # fmt: skip


def unpaired_comparison(
    a: Sequence[float],
    b: Sequence[float],
    *,
    dimension: str,
    seed: int = 0,
    n_resamples: int = 5000,
) -> Comparison:
    """Independent-samples comparison (no shared items); ``n_pairs`` is 0."""
    x, y = _clean(a), _clean(b)
    if x.size == 0 or y.size == 0:
        return _empty(dimension, x, y)
    diff = float(y.mean() - x.mean())
    p: float | None = None
    d: float | None = None
    if x.size >= 2 and y.size >= 2:
        same = np.ptp(np.concatenate([x, y])) == 0
        p = 1.0 if same else _permutation_p(x, y, "independent", seed, n_resamples)
        pooled_var = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
        d = float(diff / math.sqrt(pooled_var)) if pooled_var > 0 else None
    lo, hi = _boot_ci(x, y, False, seed, n_resamples)
    return Comparison(
        dimension, float(x.mean()), float(y.mean()), diff, lo, hi,
        p, None, cliffs_delta(x, y), d, 0,
    )  # fmt: skip


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm–Bonferroni step-down adjusted p-values (Holm 1979); None/NaN stay None."""
    valid = sorted((p, i) for i, p in enumerate(p_values) if p is not None and not math.isnan(p))
    m = len(valid)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(valid):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def with_holm(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Copies of ``comparisons`` with ``p_holm`` filled in across the whole family."""
    adjusted = holm([c.p_value for c in comparisons])
    return [replace(c, p_holm=p) for c, p in zip(comparisons, adjusted, strict=True)]
