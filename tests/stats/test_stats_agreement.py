import pytest

from rolecall.stats.agreement import abstention_agreement, quadratic_kappa, spearman, within


def test_quadratic_kappa_hand_computed():
    # perfect agreement
    assert quadratic_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 1, 5) == pytest.approx(1.0)
    # a 2x2 case computed by hand on a 1..2 scale: observed off-diagonal 0.25, expected 0.5
    assert quadratic_kappa([1, 1, 2, 2], [1, 2, 2, 2], 1, 2) == pytest.approx(0.5)
    # reversed ratings disagree maximally
    assert quadratic_kappa([1, 5, 1, 5], [5, 1, 5, 1], 1, 5) == pytest.approx(-1.0)
    # continuous judge scores are rounded to the scale
    assert quadratic_kappa([1.2, 4.6], [1, 5], 1, 5) == pytest.approx(1.0)
    assert quadratic_kappa([3, 3], [3, 3], 1, 5) is None  # no variance anywhere: undefined


def test_spearman_and_within():
    assert spearman([1, 2, 3, 4], [2, 3, 4, 5]) == pytest.approx(1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert within([1, 2, 3], [2, 4, 3]) == pytest.approx(2 / 3)


def test_abstention_agreement():
    got = abstention_agreement([True, True, False, False, False], [True, False, False, True, False])
    assert got["recall"] == 0.5 and got["false_abstain"] == pytest.approx(1 / 3)
