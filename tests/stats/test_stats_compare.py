import math

import numpy as np
import pytest

from rolecall.stats import holm, paired_comparison, unpaired_comparison, with_holm
from rolecall.stats.compare import cliffs_delta


def _runs(shift: float, n: int = 20, seed: int = 0) -> tuple[dict[str, float], dict[str, float]]:
    rng = np.random.default_rng(seed)
    base = rng.uniform(2, 4, n)
    a = {f"q{i}": float(v) for i, v in enumerate(base)}
    b = {f"q{i}": float(v + shift + rng.normal(0, 0.2)) for i, v in enumerate(base)}
    return a, b


def test_holm_known_values():
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.2, None, 0.3]) == [pytest.approx(0.4), None, pytest.approx(0.4)]  # monotone
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])  # capped
    assert holm([]) == []
    assert holm([None, math.nan]) == [None, None]


def test_clear_difference_is_significant_with_right_sign():
    a, b = _runs(shift=0.8)
    c = paired_comparison(a, b, dimension="warmth", n_resamples=2000)
    assert c.n_pairs == 20 and c.dimension == "warmth"
    assert c.p_value is not None and c.p_value < 0.05
    assert c.diff == pytest.approx(c.mean_b - c.mean_a)
    assert c.diff > 0 and c.ci_low > 0 and c.ci_low < c.diff < c.ci_high
    assert c.cohens_d > 1 and c.cliffs_delta > 0
    down = paired_comparison(b, a, dimension="warmth", n_resamples=2000)
    assert down.diff < 0 and down.ci_high < 0 and down.cohens_d < 0 and down.cliffs_delta < 0


def test_identical_runs_give_p_one():
    a, _ = _runs(shift=0)
    c = paired_comparison(a, dict(a), dimension="d")
    assert c.p_value == pytest.approx(1.0)
    assert c.diff == 0 and c.ci_low == 0 and c.ci_high == 0
    assert c.cohens_d is None and c.cliffs_delta == pytest.approx(0.0)
    u = unpaired_comparison(list(a.values()), list(a.values()), dimension="d", n_resamples=999)
    assert u.p_value > 0.9 and u.diff == 0


def test_paired_degenerate_inputs():
    none = paired_comparison({"x": 1.0}, {"y": 2.0}, dimension="d")
    assert none.n_pairs == 0 and none.diff is None and none.p_value is None
    assert (none.mean_a, none.mean_b) == (1.0, 2.0)
    one = paired_comparison({"x": 1.0, "z": 2.0}, {"x": 3.0}, dimension="d")
    assert one.n_pairs == 1 and one.diff == 2.0
    assert one.p_value is None and one.ci_low is None and one.cohens_d is None
    nan = paired_comparison({"x": 1.0, "y": math.nan}, {"x": 2.0, "y": 3.0}, dimension="d")
    assert nan.n_pairs == 1


def test_paired_is_deterministic():
    a, b = _runs(shift=0.2, seed=4)
    assert paired_comparison(a, b, dimension="d", seed=1) == paired_comparison(a, b, dimension="d", seed=1)


def test_unpaired_difference_and_degenerate():
    rng = np.random.default_rng(2)
    x, y = rng.normal(2, 0.5, 25), rng.normal(3, 0.5, 25)
    c = unpaired_comparison(list(x), list(y), dimension="d", n_resamples=2000)
    assert c.n_pairs == 0 and c.p_value < 0.05 and c.diff > 0 and c.ci_low > 0
    assert c.cohens_d > 1 and c.cliffs_delta > 0.5
    empty = unpaired_comparison([], [1.0, 2.0], dimension="d")
    assert empty.diff is None and empty.mean_a is None and empty.mean_b == 1.5
    tiny = unpaired_comparison([1.0], [2.0], dimension="d")
    assert tiny.diff == 1.0 and tiny.p_value is None and tiny.ci_low is None


def test_cliffs_delta_known_values():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    assert cliffs_delta(a, b) == 1.0 and cliffs_delta(b, a) == -1.0
    assert cliffs_delta(np.array([1.0, 2.0]), np.array([2.0, 1.0])) == 0.0
    assert cliffs_delta(np.array([1.0, 3.0]), np.array([2.0])) == 0.0
    assert cliffs_delta(np.array([]), b) is None


def test_with_holm_fills_copies():
    a, b = _runs(shift=0.8)
    comps = [
        paired_comparison(a, b, dimension="x", n_resamples=999),
        paired_comparison(a, dict(a), dimension="y"),
        paired_comparison({}, {}, dimension="z"),
    ]
    out = with_holm(comps)
    assert [c.p_holm for c in comps] == [None, None, None]
    assert out[0].p_holm == pytest.approx(min(1.0, 2 * comps[0].p_value))
    assert out[1].p_holm == 1.0 and out[2].p_holm is None
