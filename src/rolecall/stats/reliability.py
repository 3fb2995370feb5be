"""Reliability: internal consistency, test–retest stability and judge agreement.

* ``cronbach_alpha`` — Cronbach (1951): k/(k−1)·(1 − Σ item variances / variance of totals).
* ``icc_test_retest`` — ICC(2,1), two-way random effects, absolute agreement, single measure
  (Shrout & Fleiss 1979; McGraw & Wong 1996 "ICC(A,1)"), from the two-way ANOVA mean squares.
* ``judge_alpha`` — Krippendorff's alpha, ordinal, from the ``krippendorff`` package.

Neither numpy nor scipy ships the first two, so they are written out from their definitions.
Rows with a missing value are dropped (listwise) for alpha and ICC; undefined results are None.
"""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np


def _complete(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.size == 0:
        return np.zeros((0, 0))
    complete: np.ndarray = m[~np.isnan(m).any(axis=1)]
    return complete


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """Rows = replications (epochs), columns = items. None if < 2 complete rows, < 2 items, or
    the totals do not vary."""
    m = _complete(matrix)
    if m.shape[0] < 2 or m.shape[1] < 2:
        return None
    k = m.shape[1]
    item_var = m.var(axis=0, ddof=1).sum()
    total_var = m.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return None
    return float(k / (k - 1) * (1 - item_var / total_var))


def icc_test_retest(matrix: np.ndarray) -> float | None:
    """ICC(2,1): two-way random effects, absolute agreement, single measure (Shrout & Fleiss 1979).

    Rows = targets (items), columns = occasions (epochs).
    """
    m = _complete(matrix)
    n, k = m.shape if m.ndim == 2 else (0, 0)
    if n < 2 or k < 2:
        return None
    grand = m.mean()
    ss_rows = k * ((m.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((m.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((m - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    if denom == 0:
        return None
    return float((msr - mse) / denom)


def judge_alpha(ratings: np.ndarray) -> float | None:
    """Krippendorff's alpha, ordinal (Krippendorff 2004), via the ``krippendorff`` package.

    Rows = judges, columns = units (answers); NaN = missing. None with fewer than two judges,
    fewer than two units rated by at least two judges, or a single value throughout.
    """
    m = np.asarray(ratings, dtype=float)
    if m.ndim != 2 or m.shape[0] < 2:
        return None
    pairable = (~np.isnan(m)).sum(axis=0) >= 2
    if pairable.sum() < 2:
        return None
    values = m[:, pairable]
    if np.unique(values[~np.isnan(values)]).size < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        a = krippendorff.alpha(reliability_data=values, level_of_measurement="ordinal")
    return None if a is None or np.isnan(a) else float(a)
