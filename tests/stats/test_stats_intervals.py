import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.stats import Estimate, dimension_estimate
from rolecall.stats.intervals import _two_stage_means


def _items(rng: np.random.Generator, n_items: int, n_epochs: int) -> dict[str, list[float]]:
    centres = rng.normal(3.0, 0.6, n_items)
    return {
        f"q{i}": list(np.clip(np.round(c + rng.normal(0, 0.5, n_epochs)), 1, 5))
        for i, c in enumerate(centres)
    }


def test_empty_and_single_item():
    assert dimension_estimate({}) == Estimate(None, None, None, 0, 0)
    assert dimension_estimate({"q1": [], "q2": [math.nan]}) == Estimate(None, None, None, 0, 0)
    assert dimension_estimate({"q1": [4.0]}) == Estimate(4.0, None, None, 1, 1)
    one_item = dimension_estimate({"q1": [3.0, 4.0, 5.0]})
    assert one_item == Estimate(4.0, None, None, 3, 1)  # one cluster: no between-item spread


def test_all_equal_collapses():
    est = dimension_estimate({"q1": [3.0, 3.0], "q2": [3.0], "q3": [3.0, 3.0, 3.0]})
    assert est == Estimate(3.0, 3.0, 3.0, 6, 3)


def test_counts_mean_and_exclusions():
    est = dimension_estimate({"q1": [1.0, 2.0, math.nan], "q2": [4.0, None], "q3": []})
    assert est.mean == pytest.approx(7 / 3)
    assert (est.n, est.n_items) == (3, 2)


@pytest.mark.parametrize("epochs", [1, 3])
def test_ci_contains_mean_is_clipped_and_narrows(epochs):
    rng = np.random.default_rng(1)
    small = dimension_estimate(_items(rng, 8, epochs), seed=3)
    large = dimension_estimate(_items(rng, 200, epochs), seed=3)
    for est in (small, large):
        assert est.ci_low is not None and est.ci_high is not None
        assert 1.0 <= est.ci_low < est.mean < est.ci_high <= 5.0
    assert (large.ci_high - large.ci_low) < (small.ci_high - small.ci_low) / 2


def test_coverage_of_known_mean_one_score_per_item():
    data = {f"q{i}": [v] for i, v in enumerate([2.0, 3.0, 4.0, 3.0, 5.0, 1.0, 4.0, 3.0])}
    est = dimension_estimate(data)
    assert est.ci_low < 3.125 < est.ci_high
    assert est.ci_high - est.ci_low < 2.5


def test_deterministic_given_seed_and_confidence_widens():
    data = _items(np.random.default_rng(7), 12, 3)
    assert dimension_estimate(data, seed=5) == dimension_estimate(data, seed=5)
    e90 = dimension_estimate(data, confidence=0.90)
    e99 = dimension_estimate(data, confidence=0.99)
    assert e99.ci_high - e99.ci_low > e90.ci_high - e90.ci_low
    with pytest.raises(ValueError):
        dimension_estimate(data, confidence=1.5)


def test_two_stage_matches_a_naive_nested_bootstrap():
    rng = np.random.default_rng(1)
    groups = [rng.integers(1, 6, n).astype(float) for n in (3, 5, 2, 8, 4, 40)]
    groups += [rng.normal(3, 1, n) for n in (3, 30)]  # many distinct values: the direct path
    fast = _two_stage_means(groups, 8000, seed=0)
    naive = np.empty(8000)
    for b in range(naive.size):
        picks = rng.integers(0, len(groups), len(groups))
        naive[b] = np.concatenate([rng.choice(groups[j], groups[j].size) for j in picks]).mean()
    assert fast.mean() == pytest.approx(naive.mean(), abs=0.01)
    assert fast.std() == pytest.approx(naive.std(), rel=0.05)
    q = [0.025, 0.975]
    assert np.quantile(fast, q) == pytest.approx(np.quantile(naive, q), abs=0.03)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rubric", "continuous", "unbalanced"])
def test_hundred_thousand_scores(kind):
    # correctness at scale only; its speed belongs in bench/ (timed unit tests flake on busy machines)
    rng = np.random.default_rng(0)
    if kind == "rubric":
        data = {f"q{i}": list(rng.integers(1, 6, 5000).astype(float)) for i in range(20)}
    elif kind == "continuous":
        data = {f"q{i}": list(rng.normal(3, 1, 5000)) for i in range(20)}
    else:
        data = {f"q{i}": list(rng.normal(3, 1, 1 if i else 99_981)) for i in range(20)}
    est = dimension_estimate(data)
    assert est.n == 100_000 and est.n_items == 20
    assert est.ci_low < est.mean < est.ci_high


scores = st.lists(st.integers(1, 5).map(float), min_size=0, max_size=4)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text("abc", min_size=1, max_size=3), scores, max_size=6), st.integers(0, 9))
def test_property_ci_brackets_mean(data, seed):
    est = dimension_estimate(data, n_resamples=200, seed=seed)
    assert est.n == sum(len(v) for v in data.values())
    if est.n == 0:
        assert est.mean is None and est.ci_low is None and est.ci_high is None
        return
    assert (est.ci_low is None) == (est.ci_high is None)
    if est.ci_low is not None:
        allv = [x for v in data.values() for x in v]
        assert min(allv) <= est.ci_low <= est.mean <= est.ci_high <= max(allv)
