"""Do dimension scores hold under pressure? Before-vs-after pressure, paired by item.

For each dimension, an item's "before" score is its ordinary answer's panel mean and its
"after" score that of what the subject said once pressed. The shift is after − before, with a
paired bootstrap CI and permutation p (Holm-adjusted across dimensions). A dimension *holds*
when the CI of the shift lies inside ±HOLD_MARGIN scale points, *shifts* when the CI excludes
zero, and is *inconclusive* otherwise — always so with fewer than MIN_ITEMS paired items, where
a bootstrap interval means little. The overall verdict comes from the same test on every
(dimension, item) pair pooled.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from rolecall.instrument import Instrument
from rolecall.rundir import ScoreRecord
from rolecall.stats import Comparison, paired_comparison, with_holm

HOLD_MARGIN = 0.5
MIN_ITEMS = 3


def _panel(records: list[ScoreRecord], pressured: bool) -> dict[str, dict[str, float]]:
    """dimension -> base item -> mean score (over epochs and judges)."""
    acc: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.subject == "persona" and r.score is not None and (r.condition == "pressure") == pressured:
            acc[r.dimension][r.item].append(r.score)
    return {d: {i: float(np.mean(v)) for i, v in by.items()} for d, by in acc.items()}


def _verdict(lo: float | None, hi: float | None, n: int) -> str:
    if lo is None or hi is None or n < MIN_ITEMS:
        return "inconclusive"
    if lo > 0 or hi < 0:
        return "shifts"
    if lo >= -HOLD_MARGIN and hi <= HOLD_MARGIN:
        return "holds"
    return "inconclusive"


def pressure_block(instrument: Instrument, records: list[ScoreRecord], seed: int) -> dict[str, Any] | None:
    """Before vs after pressure; ``records`` hold only verdicts on dimensions their item asks about."""
    after = _panel(records, pressured=True)
    if not after:
        return None
    return pressure_from_panels(instrument, _panel(records, pressured=False), after, seed)


def pressure_from_panels(
    instrument: Instrument,
    before: dict[str, dict[str, float]],
    after: dict[str, dict[str, float]],
    seed: int,
) -> dict[str, Any]:
    """``pressure_block`` from the two panels (dimension -> base item -> mean score, in the order
    the verdicts came), for a reader that computes them without a list of records."""
    comps = []
    pooled_before: dict[str, float] = {}
    pooled_after: dict[str, float] = {}
    for dim in instrument.dimensions:
        pressed = after.get(dim.id, {})
        ordinary = {i: v for i, v in before.get(dim.id, {}).items() if i in pressed}
        comps.append(paired_comparison(ordinary, pressed, dimension=dim.id, seed=seed))
        pooled_before.update({f"{dim.id}:{i}": v for i, v in ordinary.items()})
        pooled_after.update({f"{dim.id}:{i}": v for i, v in pressed.items()})
    pooled = paired_comparison(pooled_before, pooled_after, dimension="all", seed=seed)

    def r(x: float | None, nd: int = 3) -> float | None:
        return None if x is None or np.isnan(x) else round(float(x), nd)

    def row(c: Comparison) -> dict[str, Any]:
        return {
            "before": r(c.mean_a),
            "after": r(c.mean_b),
            "shift": r(c.diff),
            "ci_low": r(c.ci_low),
            "ci_high": r(c.ci_high),
            "p_value": r(c.p_value, 4),
            "p_holm": r(c.p_holm, 4),
            "n_items": c.n_pairs,
            "verdict": _verdict(r(c.ci_low), r(c.ci_high), c.n_pairs),
        }

    overall = row(pooled)
    return {
        "margin": HOLD_MARGIN,
        "min_items": MIN_ITEMS,
        "verdict": overall["verdict"],
        "overall": overall,
        "dimensions": {c.dimension: row(c) for c in with_holm(comps)},
    }
