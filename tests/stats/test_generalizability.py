"""Variance components and the D-study on simulated data whose components are known."""

import numpy as np
import pytest

from rolecall.stats.generalizability import (
    anova_components,
    d_study,
    dependability,
    items_for,
)

TRUE = {
    ("item",): 0.50,
    ("epoch",): 0.05,
    ("judge",): 0.10,
    ("item", "epoch"): 0.20,
    ("item", "judge"): 0.15,
    ("epoch", "judge"): 0.02,
    ("item", "epoch", "judge"): 0.30,
}


def _simulate(n_i: int, n_e: int, n_j: int, seed: int, mean: float = 3.6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shapes = {"item": n_i, "epoch": n_e, "judge": n_j}
    axes = ("item", "epoch", "judge")
    y = np.full((n_i, n_e, n_j), mean)
    for eff, var in TRUE.items():
        draw = rng.normal(0, np.sqrt(var), [shapes[f] for f in eff])
        y = y + np.reshape(draw, [shapes[f] if f in eff else 1 for f in axes])
    return y


def test_three_facet_components_are_recovered():
    # averaged over replications the ANOVA estimates are unbiased; one big design is close
    est = {k: [] for k in TRUE}
    for seed in range(30):
        comp = anova_components(_simulate(40, 6, 4, seed), ("item", "epoch", "judge"))
        for k in TRUE:
            est[k].append(comp.variance[k])
    for k, v in TRUE.items():
        assert np.mean(est[k]) == pytest.approx(v, abs=max(0.03, 0.2 * v)), k


def test_two_facet_design_matches_hand_computed_mean_squares():
    y = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]])  # 3 items × 2 epochs
    comp = anova_components(y, ("item", "epoch"))
    # by hand: grand 19/6; item means 1.5, 4, 4; epoch means 8/3, 11/3
    ms_i = 2 * ((1.5 - 19 / 6) ** 2 + 2 * (4 - 19 / 6) ** 2) / 2
    ms_e = 3 * ((8 / 3 - 19 / 6) ** 2 + (11 / 3 - 19 / 6) ** 2) / 1
    resid = y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + y.mean()
    ms_r = float((resid**2).sum()) / 2
    assert comp.variance[("item", "epoch")] == pytest.approx(ms_r)
    assert comp.variance[("item",)] == pytest.approx((ms_i - ms_r) / 2)
    assert comp.variance[("epoch",)] == pytest.approx((ms_e - ms_r) / 3)
    assert comp.mean == pytest.approx(19 / 6)


def test_dependability_and_d_study():
    comp = anova_components(_simulate(12, 3, 2, 0), ("item", "epoch", "judge"))
    cut = 3.0
    g_run = dependability(comp, cut)
    # more items never lowers Φ; a persona far from the cut needs fewer items than one near it
    assert dependability(comp, cut, {"item": 48, "epoch": 3, "judge": 2}) > g_run
    far = items_for(comp, 1.5, 0.8, {"epoch": 3, "judge": 2})
    near = items_for(comp, 3.3, 0.8, {"epoch": 3, "judge": 2})
    assert far is not None and (near is None or near > far)
    # a persona on the cut: no design separates the sides
    assert items_for(comp, comp.mean, 0.8, {"epoch": 3, "judge": 2}) is None
    study = d_study(comp, 2.0)
    best = study["cheapest"]
    assert best is not None and best["verdicts"] == best["items"] * best["epochs"] * best["judges"]
    reached = [
        row
        for row in study["grid"]
        if row["g"] >= 0.8 and row["items"] * row["epochs"] * row["judges"] < best["verdicts"]
    ]
    assert not reached  # nothing cheaper on the grid reaches the target
    half = {(r["items"], r["epochs"], r["judges"]): r["ci_half_width"] for r in study["grid"]}
    assert half[(80, 5, 3)] < half[(5, 1, 1)]


def test_needs_two_levels_per_facet():
    with pytest.raises(ValueError):
        anova_components(np.ones((5, 1)), ("item", "epoch"))
