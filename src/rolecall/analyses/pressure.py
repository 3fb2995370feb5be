"""Do dimension scores hold under pressure? Before-vs-after pressure, paired by item.

For each dimension, an item's "before" score is its ordinary answer's panel mean and its
"after" score that of what the subject said once pressed. The shift is after − before, with a
paired bootstrap CI and permutation p (Holm-adjusted across dimensions). A dimension *holds*
when the CI of the shift lies inside ±HOLD_MARGIN scale points, *shifts* when the CI excludes
zero, and is *inconclusive* otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from rolecall.instrument import Instrument
from rolecall.judge.answers import base_item, is_pressure
from rolecall.rundir import ScoreRecord
from rolecall.stats import paired_comparison, with_holm

HOLD_MARGIN = 0.5


def _panel(records: list[ScoreRecord], pressured: bool) -> dict[str, dict[str, float]]:
    """dimension -> base item -> mean score (over epochs and judges)."""
    acc: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.subject == "persona" and r.score is not None and is_pressure(r.item) == pressured:
            acc[r.dimension][base_item(r.item)].append(r.score)
    return {d: {i: float(np.mean(v)) for i, v in by.items()} for d, by in acc.items()}


def _verdict(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "inconclusive"
    if lo > 0 or hi < 0:
        return "shifts"
    if lo >= -HOLD_MARGIN and hi <= HOLD_MARGIN:
        return "holds"
    return "inconclusive"


def pressure_block(instrument: Instrument, records: list[ScoreRecord], seed: int) -> dict[str, Any] | None:
    after = _panel(records, pressured=True)
    if not after:
        return None
    before = _panel(records, pressured=False)
    comps = []
    for dim in instrument.dimensions:
        pressed = after.get(dim.id, {})
        ordinary = {i: v for i, v in before.get(dim.id, {}).items() if i in pressed}
        comps.append(paired_comparison(ordinary, pressed, dimension=dim.id, seed=seed))

    def r(x: float | None, nd: int = 3) -> float | None:
        return None if x is None or np.isnan(x) else round(float(x), nd)

    dims = {
        c.dimension: {
            "before": r(c.mean_a),
            "after": r(c.mean_b),
            "shift": r(c.diff),
            "ci_low": r(c.ci_low),
            "ci_high": r(c.ci_high),
            "p_value": r(c.p_value, 4),
            "p_holm": r(c.p_holm, 4),
            "n_items": c.n_pairs,
            "verdict": _verdict(r(c.ci_low), r(c.ci_high)),
        }
        for c in with_holm(comps)
    }
    verdicts = [d["verdict"] for d in dims.values()]
    overall = (
        "shifts"
        if "shifts" in verdicts
        else "holds"
        if all(v == "holds" for v in verdicts)
        else "inconclusive"
    )
    return {"margin": HOLD_MARGIN, "verdict": overall, "dimensions": dims}
