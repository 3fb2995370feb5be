"""The ``generalizability`` block of summary.json: per dimension, the variance components of the
run's design, its G coefficient (dependability for the dimension's cut) and a D-study.

Computed for a run whose persona answers vary over a second facet besides items: two epochs or
more (samples, and wordings where items have variants) or two judges or more. Pressure answers
are left out (they measure something else); abstained and unscored cells drop their item from
the study (the count is reported).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from rolecall.instrument import Instrument, names_instrument
from rolecall.persona import Hypothesis
from rolecall.rundir import ScoreRecord
from rolecall.stats.generalizability import (
    TARGET_G,
    Components,
    anova_components,
    d_study,
    dependability,
    effect_name,
    items_for,
)
from rolecall.stats.hypothesis import parse_range


def cut_for(
    instrument: Instrument, hypothesis: Hypothesis | None, dim: str, mean: float
) -> tuple[float, str]:
    """The score the run decides about on a dimension: the hypothesis bound nearest the mean
    (the bounds inside the scale), else the scale's midpoint."""
    lo, hi = instrument.scale.min, instrument.scale.max
    if (
        hypothesis is not None
        and names_instrument(hypothesis.instrument, instrument)
        and dim in hypothesis.expect
    ):
        rng = parse_range(hypothesis.expect[dim], scale_min=lo, scale_max=hi)
        bounds = [b for b in (rng.low, rng.high) if lo < b < hi]
        if bounds:
            return min(bounds, key=lambda b: abs(b - mean)), f"hypothesis {rng.text}"
    return instrument.scale.midpoint, "scale midpoint"


def _study(records: list[ScoreRecord]) -> tuple[Components | None, int, int]:
    """Components from the complete items; (None, ...) when the design has no second facet or
    fewer than two complete items. Also returns the items used and left out."""
    epochs = sorted({r.epoch for r in records})
    judges = sorted({r.judge for r in records})
    cells: dict[str, dict[tuple[int, str], float]] = defaultdict(dict)
    for r in records:
        if r.score is not None:
            cells[r.item][(r.epoch, r.judge)] = r.score
    items_all = sorted({r.item for r in records})
    complete = [i for i in items_all if len(cells[i]) == len(epochs) * len(judges)]
    facets = ("item",) + (("epoch",) if len(epochs) > 1 else ()) + (("judge",) if len(judges) > 1 else ())
    if len(facets) == 1 or len(complete) < 2:
        return None, len(complete), len(items_all) - len(complete)
    y = np.array([[[cells[i][(e, j)] for j in judges] for e in epochs] for i in complete])
    keep = [0] + ([1] if len(epochs) > 1 else []) + ([2] if len(judges) > 1 else [])
    y = y.reshape([y.shape[a] for a in keep])
    return anova_components(y, facets), len(complete), len(items_all) - len(complete)


def generalizability_block(
    instrument: Instrument, records: list[ScoreRecord], hypothesis: Hypothesis | None
) -> dict[str, Any] | None:
    """None when no dimension's design has a second facet (one epoch, one judge)."""
    persona = [r for r in records if r.subject == "persona"]
    out: dict[str, Any] = {}
    for dim in instrument.dimensions:
        comp, _, dropped = _study([r for r in persona if r.dimension == dim.id])
        if comp is not None:
            out[dim.id] = study_entry(instrument, hypothesis, dim.id, comp, dropped)
    return out or None


def study_entry(
    instrument: Instrument, hypothesis: Hypothesis | None, dim: str, comp: Components, dropped: int
) -> dict[str, Any]:
    """One dimension's entry of the block, from its components and the items left out."""
    cut, why = cut_for(instrument, hypothesis, dim, comp.mean)
    run_sizes = {f: comp.sizes.get(f, 1) for f in ("item", "epoch", "judge")}
    need = items_for(comp, cut, TARGET_G, {"epoch": run_sizes["epoch"], "judge": run_sizes["judge"]})
    return {
        "design": run_sizes,
        "items_left_out": dropped,
        "method": "ANOVA (expected mean squares), crossed random facets; negatives reported as 0",
        "variance": {effect_name(k): round(max(0.0, v), 4) for k, v in comp.variance.items()},
        "variance_raw": {effect_name(k): round(v, 4) for k, v in comp.variance.items()},
        "mean": round(comp.mean, 3),
        "cut": cut,
        "cut_source": why,
        "error_variance": round(comp.error_variance(), 4),
        "g": round(dependability(comp, cut), 3),
        "items_for_g80": need,
        "d_study": d_study(comp, cut),
    }
