import numpy as np
import pytest

from rolecall.stats import cronbach_alpha, icc_test_retest, judge_alpha

# Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)


def _alpha_from_cov(m: np.ndarray) -> float:
    c = np.cov(m, rowvar=False)
    k = m.shape[1]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def test_icc_shrout_fleiss_table2():
    assert icc_test_retest(SHROUT_FLEISS) == pytest.approx(0.29, abs=0.005)


def test_icc_perfect_agreement_is_one_and_constant_is_none():
    m = np.array([[1, 1, 1], [3, 3, 3], [5, 5, 5]], dtype=float)
    assert icc_test_retest(m) == pytest.approx(1.0)
    assert icc_test_retest(np.full((4, 3), 2.0)) is None


def test_icc_drops_nan_rows_and_needs_two_by_two():
    with_nan = np.vstack([SHROUT_FLEISS, [np.nan, 1, 2, 3]])
    assert icc_test_retest(with_nan) == pytest.approx(icc_test_retest(SHROUT_FLEISS))
    assert icc_test_retest(SHROUT_FLEISS[:1]) is None
    assert icc_test_retest(SHROUT_FLEISS[:, :1]) is None
    assert icc_test_retest(np.array([1.0, 2.0])) is None
    assert icc_test_retest(np.empty((0, 0))) is None


def test_cronbach_worked_by_hand():
    # 4 cases × 3 items. Item variances (ddof=1): 5/3, 5/3, 4/3 -> sum 14/3.
    # Case totals 8, 13, 8, 15 (mean 11): variance 38/3.
    # alpha = 3/2 · (1 − (14/3)/(38/3)) = 3/2 · 24/38 = 18/19.
    m = np.array([[2, 3, 3], [4, 4, 5], [3, 2, 3], [5, 5, 5]], dtype=float)
    assert cronbach_alpha(m) == pytest.approx(18 / 19)
    assert cronbach_alpha(np.vstack([m, [1, np.nan, 2]])) == pytest.approx(18 / 19)  # NaN row dropped


def test_cronbach_textbook_values():
    parallel = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [5, 6, 7]], dtype=float)
    assert cronbach_alpha(parallel) == pytest.approx(1.0)
    # Judges as "items": alpha = ICC(3,k), which Shrout & Fleiss (1979) report as 0.91.
    got = cronbach_alpha(SHROUT_FLEISS)
    assert got == pytest.approx(_alpha_from_cov(SHROUT_FLEISS))
    assert got == pytest.approx(0.91, abs=0.005)


def test_cronbach_degenerate():
    assert cronbach_alpha(np.array([[1.0, 2.0]])) is None
    assert cronbach_alpha(np.array([[1.0], [2.0], [3.0]])) is None
    assert cronbach_alpha(np.full((3, 3), 4.0)) is None
    assert cronbach_alpha(np.array([[1.0, np.nan], [2.0, 3.0]])) is None  # one complete row


# Krippendorff (2011) "Computing Krippendorff's alpha-reliability", 4 observers × 12 units.
KRIPP = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
)


def test_judge_alpha_reference_ordinal():
    assert judge_alpha(KRIPP) == pytest.approx(0.815, abs=0.001)


def test_judge_alpha_perfect_and_degenerate():
    assert judge_alpha(np.array([[1, 2, 3, 4], [1, 2, 3, 4]], dtype=float)) == pytest.approx(1.0)
    assert judge_alpha(np.array([[1, 2, 3]], dtype=float)) is None  # one judge
    assert judge_alpha(np.array([[1, np.nan, 3], [1, 2, np.nan]])) is None  # one pairable unit
    assert judge_alpha(np.full((3, 4), 3.0)) is None  # no variation
