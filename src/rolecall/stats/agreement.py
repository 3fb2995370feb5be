"""Agreement between a judge and labels (or between two raters) on an ordinal scale.

- ``quadratic_kappa``: Cohen's kappa with quadratic weights (Cohen 1968), scores rounded to the
  nearest scale point and clipped into the scale.
- ``spearman``: Spearman's rank correlation (scipy), None when either side is constant.
- ``within``: share of pairs whose scores differ by at most ``tolerance`` points.
- ``abstention_agreement``: how often a judge abstained where the label says "no evidence"
  (recall) and where it gives a score (false abstentions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def quadratic_kappa(a: Sequence[float], b: Sequence[float], lo: int, hi: int) -> float | None:
    """Quadratic-weighted Cohen's kappa of two ratings on the scale lo..hi (None if undefined)."""
    if len(a) != len(b) or len(a) < 2:
        return None
    k = hi - lo + 1
    x = np.clip(np.rint(np.asarray(a, dtype=float)), lo, hi).astype(int) - lo
    y = np.clip(np.rint(np.asarray(b, dtype=float)), lo, hi).astype(int) - lo
    observed = np.zeros((k, k))
    np.add.at(observed, (x, y), 1.0)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((k, k))
    weights = (i - j) ** 2 / (k - 1) ** 2
    denom = float((weights * expected).sum())
    if denom == 0:
        return None
    return 1.0 - float((weights * observed).sum()) / denom


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    if len(a) < 3 or len(set(a)) < 2 or len(set(b)) < 2:
        return None
    from scipy import stats

    rho = float(stats.spearmanr(a, b).statistic)
    return None if math.isnan(rho) else rho


def within(a: Sequence[float], b: Sequence[float], tolerance: float = 1.0) -> float | None:
    if not a:
        return None
    return float(np.mean(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) <= tolerance))


def abstention_agreement(labelled_none: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float | None]:
    """``recall``: abstained / labelled "no evidence"; ``false_abstain``: abstained / labelled a score."""
    none = [ab for ln, ab in zip(labelled_none, abstained, strict=True) if ln]
    some = [ab for ln, ab in zip(labelled_none, abstained, strict=True) if not ln]
    return {
        "recall": float(np.mean(none)) if none else None,
        "false_abstain": float(np.mean(some)) if some else None,
        "n_no_evidence": float(len(none)),
        "n_evidenced": float(len(some)),
    }
