import math

import pytest

from rolecall.stats import Range, dimension_verdict, overall_verdict, parse_range


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        (">=4", 4, 5),
        ("> 3.5", 3.5, 5),
        ("<=2", 1, 2),
        ("<2", 1, 2),
        ("3..5", 3, 5),
        ("3-5", 3, 5),
        ("2.5 - 4.5", 2.5, 4.5),
        ("4", 4, 4),
        (" 0..9 ", 1, 5),  # clamped to the scale
        ("≥3", 3, 5),
    ],
)
def test_parse_range_accepts(text, low, high):
    r = parse_range(text, scale_min=1, scale_max=5)
    assert (r.low, r.high) == (low, high)
    assert isinstance(r.low, float) and isinstance(r.high, float)


@pytest.mark.parametrize("text", ["", "high", "5..3", ">=", "3..", "~4", "7..9", "<0", "4,5"])
def test_parse_range_rejects(text):
    with pytest.raises(ValueError):
        parse_range(text, scale_min=1, scale_max=5)


R = Range(3.0, 4.0, "3..4")


@pytest.mark.parametrize(
    ("lo", "hi", "mean", "want"),
    [
        (3.2, 3.8, 3.5, "met"),
        (3.0, 4.0, 3.5, "met"),  # bounds are inclusive
        (4.1, 4.6, 4.3, "exceeded"),
        (2.0, 2.9, 2.5, "below"),
        (3.5, 4.5, 4.0, "inconclusive"),  # straddles the high bound
        (2.5, 3.5, 3.0, "inconclusive"),  # straddles the low bound
        (2.0, 5.0, 3.5, "inconclusive"),  # wider than the range
        (None, None, 3.5, "inconclusive"),  # a mean without an interval is too thin
        (math.nan, math.nan, 3.5, "inconclusive"),
        (None, None, None, "no data"),
    ],
)
def test_dimension_verdict_table(lo, hi, mean, want):
    assert dimension_verdict(R, lo, hi, mean) == want


@pytest.mark.parametrize(
    ("verdicts", "want"),
    [
        ({"a": "met", "b": "met"}, "validated"),
        ({"a": "met", "b": "below"}, "partially validated"),
        ({"a": "met", "b": "inconclusive"}, "partially validated"),
        ({"a": "below", "b": "inconclusive"}, "not validated"),
        ({"a": "exceeded", "b": "no data"}, "not validated"),
        ({"a": "inconclusive", "b": "no data"}, "inconclusive"),
        ({}, "inconclusive"),
    ],
)
def test_overall_verdict_table(verdicts, want):
    assert overall_verdict(verdicts) == want
