"""Hypothesis verdicts: an expected range per dimension against the estimate's 95% interval."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["met", "exceeded", "below", "inconclusive", "no data"]
Overall = Literal["validated", "partially validated", "not validated", "inconclusive"]

_NUM = r"(-?\d+(?:\.\d+)?)"
_HELP = "expected '>=x', '<=x', 'a..b' or a number"


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    text: str


def parse_range(text: str, *, scale_min: float, scale_max: float) -> Range:
    t = str(text).strip()
    if m := re.fullmatch(rf">=?\s*{_NUM}", t):
        low, high = float(m.group(1)), scale_max
    elif m := re.fullmatch(rf"<=?\s*{_NUM}", t):
        low, high = scale_min, float(m.group(1))
    elif m := re.fullmatch(rf"{_NUM}\s*(?:\.\.|-|–|to)\s*{_NUM}", t):
        low, high = float(m.group(1)), float(m.group(2))
    elif m := re.fullmatch(_NUM, t):
        low = high = float(m.group(1))
    else:
        raise ValueError(f"{_HELP}, got {t!r}")
    if low > high:
        raise ValueError(f"range {t!r} has its low end above its high end")
    if high < scale_min or low > scale_max:
        raise ValueError(f"range {t!r} lies outside the scale {scale_min:g}..{scale_max:g}")
    return Range(max(low, scale_min), min(high, scale_max), t)


def dimension_verdict(rng: Range, ci_low: float | None, ci_high: float | None, mean: float | None) -> Verdict:
    if mean is None:
        return "no data"
    if ci_low is None or ci_high is None:
        return "inconclusive"
    if ci_low >= rng.low and ci_high <= rng.high:
        return "met"
    if ci_low > rng.high:
        return "exceeded"
    if ci_high < rng.low:
        return "below"
    return "inconclusive"


def overall_verdict(verdicts: Mapping[str, Verdict]) -> Overall:
    values = list(verdicts.values())
    met = sum(v == "met" for v in values)
    outside = sum(v in ("exceeded", "below") for v in values)
    if values and met == len(values):
        return "validated"
    if met:
        return "partially validated"
    if outside:
        return "not validated"
    return "inconclusive"
