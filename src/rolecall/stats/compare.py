"""Comparing two runs on one dimension: permutation tests, bootstrap CI, effect sizes, Holm."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats


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


def cliffs_delta(a: np.ndarray, b: np.ndarray) -> float | None:
    """P(b > a) - P(b < a) over all cross pairs (Cliff 1993)."""
    if a.size == 0 or b.size == 0:
        return None
    gt = (b[:, None] > a[None, :]).sum()
    lt = (b[:, None] < a[None, :]).sum()
    return float((gt - lt) / (a.size * b.size))


def _mean_diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(y, axis=axis) - np.mean(x, axis=axis)


def _boot_ci(
    data: tuple[np.ndarray, ...], statistic, paired: bool, seed: int, n: int
) -> tuple[float | None, float | None]:
    if any(d.size < 2 for d in data):
        return None, None
    if all(np.ptp(d) == 0 for d in data) and (not paired or np.ptp(data[1] - data[0]) == 0):
        v = float(statistic(*data))
        return v, v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap(
            data,
            statistic,
            paired=paired,
            n_resamples=n,
            method="percentile",
            random_state=np.random.default_rng(seed),
            vectorized=True,
        )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def paired_comparison(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    dimension: str,
    seed: int = 0,
    n_resamples: int = 5000,
) -> Comparison:
    shared = sorted(set(a) & set(b))
    x = np.array([a[i] for i in shared], dtype=float)
    y = np.array([b[i] for i in shared], dtype=float)
    mean_a = float(np.mean(list(a.values()))) if a else None
    mean_b = float(np.mean(list(b.values()))) if b else None
    if not shared:
        return Comparison(dimension, mean_a, mean_b, None, None, None, None, None, None, None, 0)
    d = y - x
    diff = float(d.mean())
    p: float | None = None
    if len(shared) >= 2:
        if np.all(d == 0):
            p = 1.0
        else:
            res = stats.permutation_test(
                (x, y),
                _mean_diff,
                permutation_type="samples",
                alternative="two-sided",
                n_resamples=n_resamples,
                random_state=np.random.default_rng(seed),
                vectorized=True,
            )
            p = float(min(1.0, res.pvalue))
    sd = float(d.std(ddof=1)) if d.size >= 2 else 0.0
    dz = float(diff / sd) if sd > 0 else None
    lo, hi = _boot_ci((x, y), _mean_diff, True, seed, n_resamples)
    return Comparison(dimension, mean_a, mean_b, diff, lo, hi, p, None, cliffs_delta(x, y), dz, len(shared))


def unpaired_comparison(
    a: Sequence[float],
    b: Sequence[float],
    *,
    dimension: str,
    seed: int = 0,
    n_resamples: int = 5000,
) -> Comparison:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mean_a = float(x.mean()) if x.size else None
    mean_b = float(y.mean()) if y.size else None
    if x.size == 0 or y.size == 0:
        return Comparison(dimension, mean_a, mean_b, None, None, None, None, None, None, None, 0)
    diff = float(y.mean() - x.mean())
    p: float | None = None
    if x.size >= 2 and y.size >= 2:
        if np.ptp(np.concatenate([x, y])) == 0:
            p = 1.0
        else:
            res = stats.permutation_test(
                (x, y),
                _mean_diff,
                permutation_type="independent",
                alternative="two-sided",
                n_resamples=n_resamples,
                random_state=np.random.default_rng(seed),
                vectorized=True,
            )
            p = float(min(1.0, res.pvalue))
    d: float | None = None
    if x.size >= 2 and y.size >= 2:
        pooled = np.sqrt(
            ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
        )
        d = float(diff / pooled) if pooled > 0 else None
    lo, hi = _boot_ci((x, y), _mean_diff, False, seed, n_resamples)
    return Comparison(dimension, mean_a, mean_b, diff, lo, hi, p, None, cliffs_delta(x, y), d, 0)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm–Bonferroni step-down adjusted p-values (Holm 1979); None stays None."""
    idx = [i for i, p in enumerate(p_values) if p is not None]
    m = len(idx)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, i in enumerate(sorted(idx, key=lambda j: p_values[j])):  # type: ignore[arg-type,return-value]
        adj = min(1.0, (m - rank) * float(p_values[i]))  # type: ignore[arg-type]
        running = max(running, adj)
        out[i] = running
    return out


def with_holm(comparisons: Sequence[Comparison]) -> list[Comparison]:
    adjusted = holm([c.p_value for c in comparisons])
    return [replace(c, p_holm=p) for c, p in zip(comparisons, adjusted, strict=True)]
