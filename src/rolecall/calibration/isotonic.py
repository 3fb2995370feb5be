"""``--method isotonic``: a monotone map per dimension from the judge's score to the raters' scale
(isotonic regression, scipy). It needs nothing but the scores, so it works for any judge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from rolecall.calibration.file import DimensionMap


def isotonic_fit(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    """Knots of the least-squares non-decreasing fit of y on x (ties in x pooled first)."""
    from scipy.optimize import isotonic_regression

    by: dict[float, list[float]] = defaultdict(list)
    for a, b in zip(x, y, strict=True):
        by[float(a)].append(float(b))
    xs = sorted(by)
    means = [float(np.mean(by[k])) for k in xs]
    weights = [float(len(by[k])) for k in xs]
    fitted = isotonic_regression(means, weights=weights, increasing=True).x
    return xs, [float(v) for v in fitted]


def fitter(rows: Sequence[float], labels: list[float]) -> Callable[[Sequence[float]], list[float]]:
    kx, ky = isotonic_fit(list(rows), labels)
    return lambda xs: [float(np.interp(x, kx, ky)) for x in xs]


def fit_dimension(scores: list[float], labels: list[float]) -> DimensionMap:
    kx, ky = isotonic_fit(scores, labels)
    return DimensionMap(x=kx, y=ky, n=len(scores))
