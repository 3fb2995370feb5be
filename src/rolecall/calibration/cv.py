"""K-fold cross-validation of a calibration method, and the agreement figures it reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rolecall.stats.agreement import quadratic_kappa, spearman, within

FOLDS = 5

#: fit on (rows, labels) and return a predictor for rows
Fitter = Callable[[Sequence[Any], list[float]], Callable[[Sequence[Any]], list[float]]]


def agreement(labels: list[float], pred: list[float], lo: int, hi: int) -> dict[str, float | None]:
    return {
        "spearman": spearman(labels, pred),
        "kappa_quadratic": quadratic_kappa(labels, pred, lo, hi),
        "within_1": within(labels, pred),
    }


def held_out(rows: Sequence[Any], labels: list[float], fitter: Fitter, seed: int = 0) -> list[float]:
    """Each row's prediction by the method fitted on the folds that leave the row out."""
    idx = np.random.default_rng(seed).permutation(len(rows))
    pred = [0.0] * len(rows)
    for k in range(FOLDS):
        test = sorted(idx[k::FOLDS].tolist())
        held = set(test)
        train = [i for i in range(len(rows)) if i not in held]
        predict = fitter([rows[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, predict([rows[i] for i in test]), strict=True):
            pred[i] = p
    return pred


def figures(
    labels: list[float], pred: list[float], raw: list[float], lo: int, hi: int
) -> dict[str, float | None]:
    """Agreement of the held-out predictions, and of the raw judge scores for contrast (rounded)."""
    out = {
        **agreement(labels, pred, lo, hi),
        **{f"raw_{k}": v for k, v in agreement(labels, raw, lo, hi).items()},
    }
    return {k: (None if v is None else round(v, 3)) for k, v in out.items()}
